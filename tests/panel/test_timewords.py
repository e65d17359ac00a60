"""Times as people say them: a key checked seconds ago was checked "just now"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiKey

pytestmark = pytest.mark.django_db


def test_a_key_checked_moments_ago_was_checked_just_now(members, login_as, stored_key):
    owner = login_as(members.owner)
    ApiKey.objects.filter(pk=stored_key.pk).update(checked_at=timezone.now())

    for page in (f"/t/{members.team.slug}/", f"/t/{members.team.slug}/dashboard/"):
        html = owner.get(page).content.decode()
        assert "checked just now" in html, page
        assert "0\xa0minutes" not in html, page

    ApiKey.objects.filter(pk=stored_key.pk).update(
        checked_at=timezone.now() - timedelta(minutes=5, seconds=10)
    )
    assert "checked 5\xa0minutes ago" in owner.get(f"/t/{members.team.slug}/").content.decode()
