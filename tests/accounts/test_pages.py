"""Pages: the base template, no inline script or style (a strict CSP comes later), htmx served
by the app, readable errors."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+=", re.I)


def page_urls(members, stored_key):
    team = members.team.slug
    return [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        reverse("accounts:account"),
        reverse("accounts:password_change"),
        reverse("accounts:2fa_enrol"),
        reverse("accounts:team_create"),
        reverse("accounts:team_home", kwargs={"team": team}),
        reverse("accounts:team_settings", kwargs={"team": team}),
        reverse("accounts:team_transfer", kwargs={"team": team}),
        reverse("accounts:team_delete", kwargs={"team": team}),
        reverse("accounts:members", kwargs={"team": team}),
        reverse("accounts:key_add", kwargs={"team": team}),
        reverse("accounts:key_replace", args=[team, stored_key.pk]),
        reverse("accounts:key_remove", args=[team, stored_key.pk]),
    ]


def test_no_page_has_inline_scripts_styles_or_handlers(members, stored_key, login_as, client):
    owner = login_as(members.owner)
    for url in page_urls(members, stored_key):
        user_client = (
            client
            if url.startswith(("/accounts/login", "/accounts/signup", "/accounts/password/reset"))
            else owner
        )
        response = user_client.get(url)
        page = response.content.decode()

        assert response.status_code == 200, url
        assert not INLINE_SCRIPT.search(page), url
        assert " style=" not in page and "<style" not in page, url
        assert not INLINE_HANDLER.search(page), url


def test_htmx_comes_from_the_app_and_its_inline_styles_are_off(members, login_as):
    page = login_as(members.owner).get("/accounts/").content.decode()

    assert re.search(r'<script src="/static/django_htmx/htmx-2\.min\.js" defer>', page)
    assert '"includeIndicatorStyles": false' in page
    assert "unpkg.com" not in page and "cdn" not in page.lower()
    assert '<link rel="stylesheet" href="/static/css/panel.css">' in page


def test_a_403_says_what_is_missing(members, login_as):
    response = login_as(members.viewer).get(
        reverse("accounts:key_add", kwargs={"team": members.team.slug})
    )

    page = response.content.decode()
    assert response.status_code == 403
    assert "Your role in Acme Ops (Viewer) does not allow this" in page
    assert "add, replace and remove vultr api keys" in page


def test_the_stylesheet_is_found_and_has_a_phone_layout():
    path = finders.find("css/panel.css")

    assert path is not None
    assert "@media (max-width: 40rem)" in open(path).read()
