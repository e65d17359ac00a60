"""Vultr API keys: adding checks the key with a real call (the simulator over HTTP); replace,
remove, check; code gets a client by the key's id."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts import encryption, keys
from accounts.keys import client_for_key
from accounts.models import ApiKey
from panel.local_stack import free_port

pytestmark = pytest.mark.django_db


def add_url(members):
    return reverse("accounts:key_add", kwargs={"team": members.team.slug})


def add(client, members, key, url, label="Production", **extra):
    return client.post(add_url(members), {"label": label, "api_url": url, "key": key, **extra})


def test_the_form_offers_the_configured_api_address(login_as, members):
    page = login_as(members.admin).get(add_url(members)).content.decode()

    assert f'value="{settings.VULTR_API_URL}"' in page


def test_it_checks_the_key_with_vultr_and_stores_it_encrypted(login_as, members, vultr_key):
    response = add(login_as(members.admin), members, vultr_key.key, vultr_key.url)

    assert response["Location"] == f"/t/{members.team.slug}/"
    api_key = ApiKey.objects.get()
    assert api_key.team == members.team
    assert api_key.label == "Production"
    assert api_key.api_url == vultr_key.url
    assert api_key.last4 == vultr_key.key[-4:]
    assert api_key.added_by == members.admin
    assert api_key.check_ok is True and api_key.checked_at is not None
    assert vultr_key.key not in api_key.ciphertext
    assert encryption.decrypt(api_key.ciphertext) == vultr_key.key


def test_the_saved_message_shows_only_the_last_four(login_as, members, vultr_key):
    client = login_as(members.admin)

    response = client.get(add(client, members, vultr_key.key, vultr_key.url)["Location"])

    page = response.content.decode()
    assert f"(…{vultr_key.key[-4:]}); it is saved" in page
    assert vultr_key.key not in page


def test_a_key_vultr_rejects_shows_vultrs_reason_and_stores_nothing(
    login_as, members, unknown_vultr_key
):
    response = add(login_as(members.admin), members, unknown_vultr_key.key, unknown_vultr_key.url)

    assert response.status_code == 200
    assert (
        "Vultr rejected this key with API v2 (Invalid API token.) and with API v1 "
        "(Invalid API key)." in response.content.decode()
    )
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        "SHORT",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789X",  # 37 characters
        "abcdefghijklmnopqrstuvwxyz0123456789",  # lower case
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234567-9",  # a dash
        "ABCDEFGHIJKLMNOPQR TUVWXYZ0123456789",  # a space inside
    ],
)
def test_a_malformed_key_is_refused_before_any_call(login_as, members, vultr_key, bad):
    before = vultr_key.sim.stats()

    response = add(login_as(members.admin), members, bad, vultr_key.url)

    assert "This is not a Vultr API key: a key is 36 characters" in response.content.decode()
    assert not ApiKey.objects.exists()
    assert vultr_key.sim.stats() == before


def test_spaces_around_a_pasted_key_are_ignored(login_as, members, vultr_key):
    add(login_as(members.admin), members, f"  {vultr_key.key}\n", vultr_key.url)

    assert encryption.decrypt(ApiKey.objects.get().ciphertext) == vultr_key.key


def test_a_duplicate_label_in_the_team_is_refused(login_as, members, stored_key, vultr_key):
    response = add(login_as(members.admin), members, vultr_key.key, vultr_key.url)

    assert "Acme Ops already has a key labelled “Production”" in response.content.decode()
    assert ApiKey.objects.count() == 1


def test_the_same_label_in_another_team_is_fine(login_as, members, stored_key, vultr_key):
    own = members.outsider.personal_team
    login_as(members.outsider).post(
        reverse("accounts:key_add", kwargs={"team": own.slug}),
        {"label": "Production", "api_url": vultr_key.url, "key": vultr_key.key},
    )

    assert own.api_keys.count() == 1


def test_a_rate_limited_check_says_so_and_stores_nothing(login_as, members, vultr_key):
    vultr_key.sim.inject_fault(count=5, status=503, key=vultr_key.key)

    response = add(login_as(members.admin), members, vultr_key.key, vultr_key.url, api_version="v1")

    page = response.content.decode()
    assert f"Could not check the key with Vultr at {vultr_key.url}: Rate limit reached" in page
    assert not ApiKey.objects.exists()


def test_a_rate_limited_v2_check_says_so_and_stores_nothing(login_as, members, vultr_key):
    vultr_key.sim.inject_fault(count=5, kind="rate_limit", key=vultr_key.key)

    response = add(login_as(members.admin), members, vultr_key.key, vultr_key.url)

    page = response.content.decode()
    assert f"Could not check the key with Vultr at {vultr_key.url}: rate limit exceeded" in page
    assert not ApiKey.objects.exists()


def test_a_check_that_times_out_says_so_and_stores_nothing(
    login_as, members, vultr_key, monkeypatch
):
    monkeypatch.setattr(keys, "CHECK_TIMEOUT", 0.3)
    vultr_key.sim.inject_fault(count=5, delay=1.5, key=vultr_key.key)

    response = add(login_as(members.admin), members, vultr_key.key, vultr_key.url)

    assert "Vultr did not answer in time" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_an_address_where_nothing_answers_says_so(login_as, members, vultr_key, settings):
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings.VULTR_API_URLS = [*settings.VULTR_API_URLS, nowhere]

    response = add(login_as(members.admin), members, vultr_key.key, nowhere)

    assert f"Could not check the key with Vultr at {nowhere}: Could not talk to Vultr" in (
        response.content.decode()
    )
    assert not ApiKey.objects.exists()


def test_replacing_tests_the_new_key_first(login_as, members, stored_key, unknown_vultr_key):
    before = stored_key.ciphertext
    url = reverse("accounts:key_replace", args=[members.team.slug, stored_key.pk])

    response = login_as(members.admin).post(url, {"key": unknown_vultr_key.key})

    page = response.content.decode()
    assert (
        "Vultr rejected this key with API v1 (Invalid API key) and with API v2 "
        "(Invalid API token.)." in page
    )
    assert f"The old key (…{stored_key.last4}) is still in use." in page
    stored_key.refresh_from_db()
    assert stored_key.ciphertext == before and stored_key.replaced_at is None


def test_replacing_swaps_in_a_key_vultr_accepts(login_as, members, stored_key, simulator):
    new_key = "N" * 32 + "7777"
    simulator.sim.add_account(new_key)
    url = reverse("accounts:key_replace", args=[members.team.slug, stored_key.pk])

    response = login_as(members.admin).post(url, {"key": new_key}, follow=True)

    stored_key.refresh_from_db()
    assert encryption.decrypt(stored_key.ciphertext) == new_key
    assert stored_key.last4 == "7777"
    assert stored_key.replaced_by == members.admin
    assert stored_key.added_by == members.owner
    assert "now uses the key …7777 instead of" in response.content.decode()
    assert "with Vultr API v1." in response.content.decode()
    assert stored_key.api_version == "v1"


def test_removing_a_key(login_as, members, stored_key):
    client = login_as(members.admin)
    url = reverse("accounts:key_remove", args=[members.team.slug, stored_key.pk])

    assert "Remove the key “Production”?" in client.get(url).content.decode()
    response = client.post(url, follow=True)

    assert "The key “Production”" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_check_now_records_the_health_and_answers_htmx_with_the_row(
    login_as, members, stored_key, vultr_key
):
    vultr_key.sim.inject_fault(count=5, status=403, key=vultr_key.key)
    url = reverse("accounts:key_check", args=[members.team.slug, stored_key.pk])

    response = login_as(members.admin).post(url, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert page.lstrip().startswith(f'<tr id="key-{stored_key.pk}"')
    assert "failing" in page and "Vultr rejects this key" in page
    stored_key.refresh_from_db()
    assert stored_key.check_ok is False


def test_check_now_without_javascript_redirects_with_a_message(
    login_as, members, stored_key, vultr_key
):
    url = reverse("accounts:key_check", args=[members.team.slug, stored_key.pk])

    response = login_as(members.admin).post(url, follow=True)

    assert "“Production” works: Vultr API v1 accepted it just now." in response.content.decode()


def test_client_for_key_calls_vultr_with_the_stored_key(stored_key):
    with client_for_key(stored_key.pk) as client:
        account = client.account_info()

    assert account.balance is not None


def test_the_model_never_shows_the_key(stored_key, vultr_key):
    for text in (str(stored_key), repr(stored_key), repr(stored_key.client())):
        assert vultr_key.key not in text
    assert str(stored_key) == f"Production (…{vultr_key.key[-4:]})"


def test_it_refuses_an_api_address_that_is_not_allowed(members, login_as, vultr_key):
    # The panel would send the key to this address: only configured Vultr APIs may be used.
    response = add(
        login_as(members.owner), members, vultr_key.key, url="http://169.254.169.254/latest"
    )

    assert response.status_code == 200
    assert "only talks to these Vultr API addresses" in response.content.decode()
    assert not members.team.api_keys.exists()


# -- API versions ------------------------------------------------------------------------------


def test_the_form_offers_v2_first_and_selected(login_as, members):
    page = login_as(members.admin).get(add_url(members)).content.decode()

    assert '<option value="v2" selected>' in page
    assert page.index('value="v2"') < page.index('value="v1"')


def test_a_new_key_is_a_v2_key_by_default(login_as, members, vultr_key):
    client = login_as(members.admin)

    response = client.get(add(client, members, vultr_key.key, vultr_key.url)["Location"])

    api_key = ApiKey.objects.get()
    assert api_key.api_version == "v2"
    assert "Vultr API v2 accepted the key “Production”" in response.content.decode()
    assert ApiKey().api_version == "v2"  # the model's default for new keys (migration 0003)


def test_the_chosen_version_is_asked_first(login_as, members, vultr_key):
    before = vultr_key.sim.stats()

    add(login_as(members.admin), members, vultr_key.key, vultr_key.url, api_version="v1")

    assert ApiKey.objects.get().api_version == "v1"
    after = vultr_key.sim.stats()
    assert _calls(after, "v1") - _calls(before, "v1") == 1
    assert _calls(after, "v2") == _calls(before, "v2")


def test_a_key_v2_refuses_but_v1_accepts_is_stored_as_v1_and_says_so(login_as, members, vultr_key):
    vultr_key.sim.inject_fault(status=401, key=vultr_key.key, api="v2", body="Invalid API token.")
    client = login_as(members.admin)

    response = client.get(add(client, members, vultr_key.key, vultr_key.url)["Location"])

    api_key = ApiKey.objects.get()
    assert api_key.api_version == "v1"
    page = response.content.decode()
    assert (
        "Vultr API v2 rejected this key (Invalid API token.); Vultr API v1 accepted it, so the "
        "key is used with v1." in page
    )
    assert "Vultr API v1 accepted the key “Production”" in page


def test_a_key_v1_refuses_but_v2_accepts_is_stored_as_v2(login_as, members, vultr_key):
    vultr_key.sim.inject_fault(status=403, key=vultr_key.key, api="v1")

    add(login_as(members.admin), members, vultr_key.key, vultr_key.url, api_version="v1")

    api_key = ApiKey.objects.get()
    assert api_key.api_version == "v2"
    assert api_key.check_message.startswith("Vultr API v1 rejected this key (")


def test_a_v1_key_at_vultr_itself_is_told_v1_is_off_and_stored_as_v2(
    login_as, members, vultr_key, monkeypatch
):
    # The simulator stands in for api.vultr.com, where v1 no longer answers.
    monkeypatch.setattr(keys, "V1_OFF_HOSTS", frozenset({"127.0.0.1"}))
    before = vultr_key.sim.stats()
    client = login_as(members.admin)

    response = add(client, members, vultr_key.key, vultr_key.url, api_version="v1")
    page = client.get(response["Location"]).content.decode()

    assert ApiKey.objects.get().api_version == "v2"
    assert "Vultr switched API v1 off in 2023; the same key works with API v2" in page
    assert "Vultr API v2 accepted this key." in page
    assert _calls(vultr_key.sim.stats(), "v1") == _calls(before, "v1")  # v1 never asked


def test_a_v1_key_at_vultr_itself_that_v2_refuses_is_not_stored(
    login_as, members, unknown_vultr_key, monkeypatch
):
    monkeypatch.setattr(keys, "V1_OFF_HOSTS", frozenset({"127.0.0.1"}))

    response = add(
        login_as(members.admin),
        members,
        unknown_vultr_key.key,
        unknown_vultr_key.url,
        api_version="v1",
    )

    page = response.content.decode()
    assert "Vultr switched API v1 off in 2023; the same key works with API v2" in page
    assert "Vultr API v2 rejected this key: Invalid API token." in page
    assert not ApiKey.objects.exists()


def test_vultrs_own_address_is_where_v1_is_off():
    assert keys.is_vultr_itself("https://api.vultr.com")
    assert keys.is_vultr_itself("https://API.vultr.com/")
    assert not keys.is_vultr_itself("http://127.0.0.1:8000")


def test_an_unknown_version_is_refused_by_the_form(login_as, members, vultr_key):
    response = add(login_as(members.admin), members, vultr_key.key, vultr_key.url, api_version="v3")

    assert "Select a valid choice. v3 is not one of the available choices." in (
        response.content.decode()
    )
    assert not ApiKey.objects.exists()


def test_replacing_keeps_the_keys_version_by_default(login_as, members, stored_key, simulator):
    assert stored_key.api_version == "v1"
    new_key = "M" * 32 + "5555"
    simulator.sim.add_account(new_key)
    url = reverse("accounts:key_replace", args=[members.team.slug, stored_key.pk])

    page = login_as(members.admin).get(url).content.decode()
    assert '<option value="v1" selected>' in page
    login_as(members.admin).post(url, {"key": new_key})

    stored_key.refresh_from_db()
    assert (stored_key.last4, stored_key.api_version) == ("5555", "v1")


def test_replacing_can_move_the_key_to_v2(login_as, members, stored_key, simulator):
    new_key = "P" * 32 + "6666"
    simulator.sim.add_account(new_key)
    url = reverse("accounts:key_replace", args=[members.team.slug, stored_key.pk])

    response = login_as(members.admin).post(url, {"key": new_key, "api_version": "v2"}, follow=True)

    stored_key.refresh_from_db()
    assert (stored_key.last4, stored_key.api_version) == ("6666", "v2")
    assert "with Vultr API v2." in response.content.decode()


def test_replacing_with_a_key_the_version_refuses_falls_back(
    login_as, members, stored_key, simulator
):
    new_key = "Q" * 32 + "8888"
    simulator.sim.add_account(new_key)
    simulator.sim.inject_fault(status=403, key=new_key, api="v1")
    url = reverse("accounts:key_replace", args=[members.team.slug, stored_key.pk])

    login_as(members.admin).post(url, {"key": new_key})

    stored_key.refresh_from_db()
    assert (stored_key.last4, stored_key.api_version) == ("8888", "v2")


def test_the_keys_list_shows_each_keys_version(login_as, members, stored_key, vultr_key):
    add(login_as(members.admin), members, vultr_key.key, vultr_key.url, label="Today")

    page = login_as(members.viewer).get(f"/t/{members.team.slug}/").content.decode()

    assert '<td data-label="API version"><span class="badge">v1</span></td>' in page
    assert '<td data-label="API version"><span class="badge">v2</span></td>' in page


def _calls(stats: dict, api: str) -> int:
    """Requests the simulator has answered on this API (all accounts)."""
    return sum(n for path, n in stats["by_path"].items() if path.startswith(f"/{api}/"))


def test_checking_a_stored_v1_key_at_vultr_itself_says_v1_is_off(
    login_as, members, stored_key, vultr_key, monkeypatch
):
    # The simulator stands in for api.vultr.com, whose v1 answers no more.
    monkeypatch.setattr(keys, "V1_OFF_HOSTS", frozenset({"127.0.0.1"}))
    vultr_key.sim.inject_fault(count=5, status=404, api="v1", key=vultr_key.key)

    result = keys.check_stored_key(stored_key)

    assert not result.ok
    assert result.message.startswith(
        "Vultr switched API v1 off in 2023; the same key works with API v2"
    )
    assert "Replace the key with API version v2 chosen." in result.message
    stored_key.refresh_from_db()
    assert stored_key.check_ok is False and stored_key.check_message == result.message[:300]
