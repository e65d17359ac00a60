"""Password reset by email (Django's views, our templates and URLs)."""

import re

import pytest

from tests.fixtures.accounts import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_emails_a_link_that_sets_a_new_password(client, make_user, mailoutbox):
    make_user("ann")

    response = client.post("/accounts/password/reset/", {"email": "ann@example.com"})

    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["ann@example.com"]
    assert email.subject == "Reset your password for the Vultr panel"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", email.body).group(1)

    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "brand new passphrase", "new_password2": "brand new passphrase"}
    )

    assert response["Location"] == "/accounts/password/reset/done/"
    response = client.post(
        "/accounts/login/", {"username": "ann", "password": "brand new passphrase"}
    )
    assert response.status_code == 302


def test_it_says_the_same_for_unknown_addresses_and_sends_nothing(client, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})

    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mailoutbox == []


def test_a_bad_link_says_so(client, make_user):
    make_user("ann")

    response = client.get("/accounts/password/reset/MQ/set-password/", follow=True)

    assert "This link does not work" in response.content.decode()
    response = client.post("/accounts/login/", {"username": "ann", "password": PASSWORD})
    assert response.status_code == 302
