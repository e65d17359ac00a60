"""The accounts settings come from the environment (panel/settings.py, "Accounts", "Email")."""

import json

from tests.fixtures.fresh_django import shell_prints, start_django

SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({n: str(getattr(s, n))"
    " for n in ['EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER',"
    " 'EMAIL_HOST_PASSWORD', 'EMAIL_USE_TLS', 'PANEL_ALLOW_SIGNUP', 'AXES_FAILURE_LIMIT',"
    " 'AXES_COOLOFF_TIME', 'AUTH_USER_MODEL']}))"
)


def settings_with(tmp_path, **env):
    return json.loads(shell_prints(tmp_path, SHOW, **env))


def test_the_defaults_print_email_to_the_console_and_allow_sign_up(tmp_path):
    values = settings_with(tmp_path)

    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert values["PANEL_ALLOW_SIGNUP"] == "True"
    assert values["AXES_FAILURE_LIMIT"] == "5"
    assert values["AXES_COOLOFF_TIME"] == "0:15:00"
    assert values["AUTH_USER_MODEL"] == "accounts.User"


def test_smtp_settings_come_from_the_environment(tmp_path):
    password = tmp_path / "smtp-password"
    password.write_text("s3cret\n")

    values = settings_with(
        tmp_path,
        EMAIL_HOST="smtp.example.com",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="panel",
        EMAIL_HOST_PASSWORD_FILE=str(password),
        EMAIL_USE_TLS="true",
        PANEL_ALLOW_SIGNUP="false",
        PANEL_LOGIN_FAILURE_LIMIT="3",
        PANEL_LOGIN_LOCKOUT_MINUTES="60",
    )

    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["EMAIL_HOST"] == "smtp.example.com"
    assert values["EMAIL_PORT"] == "587"
    assert values["EMAIL_HOST_USER"] == "panel"
    assert values["EMAIL_HOST_PASSWORD"] == "s3cret"
    assert values["EMAIL_USE_TLS"] == "True"
    assert values["PANEL_ALLOW_SIGNUP"] == "False"
    assert values["AXES_FAILURE_LIMIT"] == "3"
    assert values["AXES_COOLOFF_TIME"] == "1:00:00"


def test_a_bad_sign_up_switch_stops_start_up_naming_it(tmp_path):
    result = start_django(tmp_path, PANEL_ALLOW_SIGNUP="maybe")

    assert result.returncode != 0
    assert "PANEL_ALLOW_SIGNUP must be true or false, got 'maybe'" in result.stderr
