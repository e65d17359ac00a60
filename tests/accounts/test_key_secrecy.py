"""The plaintext API key appears nowhere after it is saved: not in the database file, not in
pages, not in logs, not in exception messages or error reports (DESIGN.md, "Data that must
never leak")."""

from __future__ import annotations

import logging
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.signals import got_request_exception
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.views.debug import ExceptionReporter

from accounts import encryption
from accounts.keys import client_for_key
from accounts.models import ApiKey
from panel.vultr import VultrError

# Committed transactions: the rows must really be in the database file when it is read.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def database_bytes() -> bytes:
    if connection.vendor == "postgresql":
        # No file to read: every row of every table as PostgreSQL prints it (what a dump holds).
        with connection.cursor() as cursor:
            rows = []
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f"SELECT t::text FROM {connection.ops.quote_name(table)} t")
                rows.extend(row for (row,) in cursor.fetchall())
        return "\n".join(rows).encode()
    name = Path(settings.DATABASES["default"]["TEST"]["NAME"])
    files = [name, *(name.with_name(name.name + suffix) for suffix in ("-wal", "-journal"))]
    # Read by another process: opening and closing the file here would drop every POSIX lock
    # this process's SQLite connections hold on it (SQLite's "How To Corrupt" §2.2), and a
    # worker closing later would take itself for the last reader and delete the WAL index
    # from under them ("disk I/O error" for every connection opened after).
    found = [str(path) for path in files if path.exists()]
    return subprocess.run(["cat", *found], capture_output=True, check=True).stdout


def test_the_key_is_not_in_the_database_file(login_as, members, vultr_key):
    login_as(members.admin).post(
        reverse("accounts:key_add", kwargs={"team": members.team.slug}),
        {"label": "Production", "api_url": vultr_key.url, "key": vultr_key.key},
    )
    assert ApiKey.objects.count() == 1

    data = database_bytes()

    assert b"Production" in data  # the file does hold the row...
    assert vultr_key.key.encode() not in data  # ...but not the key
    assert vultr_key.key.lower().encode() not in data
    assert vultr_key.key.encode("utf-16-le") not in data


def test_the_key_is_not_in_any_page_or_log(debug_logs, login_as, members, vultr_key):
    client = login_as(members.admin)
    team = members.team.slug
    add_url = reverse("accounts:key_add", kwargs={"team": team})
    form = {"label": "Production", "api_url": vultr_key.url, "key": vultr_key.key}
    pages = []

    pages.append(client.post(add_url, form, follow=True))
    api_key = ApiKey.objects.get()
    # Every page that shows the key, and forms sent back with errors while holding it.
    pages.append(client.post(add_url, form))  # duplicate label
    pages.append(client.post(add_url, {**form, "label": "Other", "api_url": "not a url"}))
    vultr_key.sim.inject_fault(count=5, status=503, key=vultr_key.key)
    pages.append(client.post(add_url, {**form, "label": "Other"}))  # Vultr errors
    vultr_key.sim.clear_faults(vultr_key.key)
    for name in ("team_home", "members", "team_settings"):
        pages.append(client.get(reverse(f"accounts:{name}", kwargs={"team": team})))
    for name in ("key_replace", "key_remove"):
        pages.append(client.get(reverse(f"accounts:{name}", args=[team, api_key.pk])))
    pages.append(client.post(reverse("accounts:key_check", args=[team, api_key.pk]), follow=True))
    pages.append(
        client.post(
            reverse("accounts:key_check", args=[team, api_key.pk]), headers={"HX-Request": "true"}
        )
    )
    with client_for_key(api_key.pk) as vultr:
        vultr.account_info()

    for response in pages:
        assert response.status_code in (200, 302)
        assert vultr_key.key not in response.content.decode()
        assert vultr_key.key not in str(response.cookies)
    assert debug_logs.records  # the logs were captured (axes, the Vultr library, urllib3)
    assert vultr_key.key not in debug_logs.text
    assert not any(vultr_key.key in str(record.args) for record in debug_logs.records)


def test_the_key_is_not_in_vultr_error_messages(debug_logs, stored_key, vultr_key):
    failures = []
    for fault in ({"status": 500}, {"status": 403}, {"drop": True}):
        vultr_key.sim.inject_fault(count=5, key=vultr_key.key, **fault)
        with pytest.raises(VultrError) as caught:
            with client_for_key(stored_key.pk, max_retries=0) as client:
                client.account_info()
        vultr_key.sim.clear_faults(vultr_key.key)
        failures.append(caught.value)

    for err in failures:
        report = "".join(traceback.format_exception(err))
        for text in (str(err), repr(err), report, repr(err.__dict__)):
            assert vultr_key.key not in text
    assert vultr_key.key not in debug_logs.text


def test_the_key_is_not_in_decryption_errors(stored_key, vultr_key):
    with override_settings(PANEL_ENCRYPTION_KEYS=(Fernet.generate_key().decode(),)):
        with pytest.raises(encryption.DecryptionError) as caught:
            stored_key.client()

    assert "does not decrypt with any key in PANEL_ENCRYPTION_KEYS" in str(caught.value)
    assert vultr_key.key not in "".join(traceback.format_exception(caught.value))


def test_the_key_is_not_in_the_error_report_of_a_crash(debug_logs, members, vultr_key):
    """A crash while the key is in memory (here: encrypting it under an unusable encryption key)
    gives the report Django would mail or show in DEBUG without the key: it is a sensitive POST
    parameter and a sensitive variable of every function that holds it."""
    reports = []

    def report(sender, request, **kwargs):
        reporter = ExceptionReporter(request, *sys.exc_info(), is_email=True)
        reports.append(reporter.get_traceback_text())
        reports.append(ExceptionReporter(request, *sys.exc_info()).get_traceback_html())

    client = Client(raise_request_exception=False)
    client.force_login(members.admin)
    got_request_exception.connect(report)
    try:
        with override_settings(PANEL_ENCRYPTION_KEYS=("not-a-fernet-key",)):
            response = client.post(
                reverse("accounts:key_add", kwargs={"team": members.team.slug}),
                {"label": "Production", "api_url": vultr_key.url, "key": vultr_key.key},
            )
    finally:
        got_request_exception.disconnect(report)

    assert response.status_code == 500
    assert not ApiKey.objects.exists()
    assert len(reports) == 2
    assert "set_secret" in reports[0]  # the report does reach the frames holding the key
    for text in reports:
        assert vultr_key.key not in text
    assert "Internal Server Error" in debug_logs.text
    assert vultr_key.key not in debug_logs.text
