"""The team's safety settings: whether destructive actions need a written reason."""

import pytest
from django.urls import reverse

from panel.audit.models import TeamSettings

pytestmark = pytest.mark.django_db


def test_an_admin_can_require_reasons(members, login_as):
    url = reverse("panel:team_safety", kwargs={"team": members.team.slug})
    client = login_as(members.admin)

    response = client.post(url, {"require_reason": "on"})

    assert response.status_code == 302
    assert TeamSettings.for_team(members.team).require_reason is True
    assert "Safety settings saved." in client.get(url).content.decode()

    client.post(url, {})
    assert TeamSettings.for_team(members.team).require_reason is False
