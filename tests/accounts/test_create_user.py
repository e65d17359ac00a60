"""manage.py create_user, and the demo login that `dev.py run` makes with it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts import encryption
from accounts.models import ApiKey, Team, User
from accounts.roles import Role
from panel.management.commands.run_local import Command as RunLocal

pytestmark = pytest.mark.django_db


ANN = {"username": "ann", "email": "ann@example.com", "password": "pw-1234-long"}


def create_user(**options):
    out = StringIO()
    call_command("create_user", stdout=out, **options)
    return out.getvalue()


def create_user_with_key(account, **options):
    """create_user for ann (unless `options` say otherwise) with the key of `account`."""
    return create_user(**{**ANN, "vultr_key": account.key, "api_url": account.url, **options})


def test_it_creates_a_user_with_a_personal_team(db):
    out = create_user(**ANN)

    ann = User.objects.get(username="ann")
    assert "Created user ann." in out
    assert ann.check_password("pw-1234-long")
    assert ann.personal_team.memberships.get().role == Role.OWNER


def test_it_reads_the_password_from_a_file(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("from-a-file-1234\n")

    create_user(username="ann", email="ann@example.com", password_file=str(secret))

    assert User.objects.get(username="ann").check_password("from-a-file-1234")


def test_it_adds_a_checked_key_to_the_personal_team(vultr_key):
    create_user_with_key(vultr_key, key_label="Demo")

    api_key = User.objects.get(username="ann").personal_team.api_keys.get()
    assert api_key.label == "Demo"
    assert encryption.decrypt(api_key.ciphertext) == vultr_key.key
    assert api_key.check_ok is True


def test_it_puts_the_key_in_a_named_team(vultr_key, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(vultr_key.key)

    create_user(**ANN, team="Ops", vultr_key_file=str(key_file), api_url=vultr_key.url)

    team = Team.objects.get(name="Ops")
    assert team.memberships.get().user.username == "ann"
    assert team.api_keys.get().label == "Vultr"


def test_running_it_again_changes_nothing_but_what_changed(vultr_key):
    create_user_with_key(vultr_key, team="Ops")
    ciphertext = ApiKey.objects.get().ciphertext

    out = create_user_with_key(vultr_key, team="Ops", password="a-new-password")

    assert "Updated user ann." in out
    assert "is already in Ops" in out
    assert User.objects.count() == 1 and Team.objects.filter(name="Ops").count() == 1
    assert ApiKey.objects.get().ciphertext == ciphertext
    assert User.objects.get().check_password("a-new-password")


def test_a_key_vultr_rejects_stops_it_with_vultrs_reason(unknown_vultr_key):
    refused = r"Vultr rejected this key with API v2 \(Invalid API token.\) and with API v1"
    with pytest.raises(CommandError, match=refused):
        create_user_with_key(unknown_vultr_key)

    assert not ApiKey.objects.exists()


def test_a_malformed_key_is_refused_before_anything_is_made(db):
    with pytest.raises(CommandError, match="This is not a Vultr API key"):
        create_user(**ANN, vultr_key="nope")

    assert not User.objects.filter(username="ann").exists()


def test_an_email_address_in_use_is_refused(make_user):
    make_user("bob", email="shared@example.com")

    with pytest.raises(CommandError, match="Another user already has the email address"):
        create_user(**{**ANN, "email": "shared@example.com"})


def test_the_demo_login_signs_in_and_sees_its_team_with_the_simulator_key(
    vultr_key, settings, tmp_path
):
    settings.DATA_DIR = tmp_path

    username, password = RunLocal().prepare_demo_login(vultr_key.key, vultr_key.url)
    again = RunLocal().prepare_demo_login(vultr_key.key, vultr_key.url)

    assert again == (username, password)
    assert (tmp_path / "demo_password").read_text().strip() == password
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": username, "password": password}, follow=True
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/t/{User.objects.get().personal_team.slug}/"
    assert "Simulator demo" in page and "working" in page
    assert vultr_key.key not in page


def test_a_generated_demo_password_that_begins_with_a_dash_still_signs_in(
    vultr_key, settings, tmp_path
):
    # token_urlsafe() begins with "-" about once in 64 installations; the password is kept in
    # the data folder, so such an installation would never have had its demo login.
    settings.DATA_DIR = tmp_path
    (tmp_path / "demo_password").write_text("-Dash-first-pw1\n")

    assert RunLocal().prepare_demo_login(vultr_key.key, vultr_key.url) == (
        "demo",
        "-Dash-first-pw1",
    )
    assert User.objects.get(username="demo").check_password("-Dash-first-pw1")


def test_the_demo_login_has_the_simulator_key_on_v2_first_and_on_v1(vultr_key, settings, tmp_path):
    settings.DATA_DIR = tmp_path

    RunLocal().prepare_demo_login(vultr_key.key, vultr_key.url)

    team = User.objects.get(username="demo").personal_team
    keys = list(team.api_keys.all())  # in the order the panel lists and selects them
    assert [(k.label, k.api_version) for k in keys] == [
        ("Simulator demo", "v2"),
        ("Simulator demo (v1)", "v1"),
    ]
    assert all(encryption.decrypt(k.ciphertext) == vultr_key.key for k in keys)
    assert all(k.api_url == vultr_key.url and k.check_ok for k in keys)
    # The same simulator account through both APIs: the same servers.
    with keys[0].client() as v2, keys[1].client() as v1:
        v2_servers = {(s.label, s.main_ip) for s in v2.server_list()}
        v1_servers = {(s.label, s.main_ip) for s in v1.server_list()}
    assert v2_servers == v1_servers and len(v2_servers) > 1


def test_an_older_v1_demo_key_becomes_v2(vultr_key, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    create_user_with_key(
        vultr_key,
        username="demo",
        email="demo@localhost",
        key_label="Simulator demo",
        api_version="v1",
    )

    RunLocal().prepare_demo_login(vultr_key.key, vultr_key.url)

    versions = dict(ApiKey.objects.values_list("label", "api_version"))
    assert versions == {"Simulator demo": "v2", "Simulator demo (v1)": "v1"}


def test_create_user_adds_a_v2_key_by_default_and_a_v1_key_on_request(vultr_key):
    for label, version in (("New", None), ("Old", "v1")):
        options = {"api_version": version} if version else {}
        create_user_with_key(vultr_key, key_label=label, **options)

    versions = dict(ApiKey.objects.values_list("label", "api_version"))
    assert versions == {"New": "v2", "Old": "v1"}
