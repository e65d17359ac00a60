"""The log says each refusal and each miss once, in one line: a 403 is a normal answer (the
audit log has it), not a crash with a traceback, and no record is printed by two handlers."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _emitting_handlers(logger_name: str, record: logging.LogRecord) -> list[logging.Handler]:
    """The handlers that would print `record` logged to `logger_name` (as Logger.callHandlers
    walks them), leaving out those pytest adds to capture logs."""
    logger: logging.Logger | None = logging.getLogger(logger_name)
    if not logger.filter(record):
        return []
    found = []
    while logger is not None:
        found += [
            h
            for h in logger.handlers
            if record.levelno >= h.level
            and h.filter(record)
            and not type(h).__module__.startswith("_pytest")
        ]
        if not logger.propagate:
            break
        logger = logger.parent
    return found


def _record(name: str, status: int, message: str) -> logging.LogRecord:
    record = logging.LogRecord(name, logging.WARNING, __file__, 1, message, (), None)
    record.status_code = status
    return record


@pytest.mark.parametrize("debug", [False, True])
def test_each_request_record_is_printed_once(settings, debug):
    settings.DEBUG = debug
    record = _record("django.request", 404, "Not Found: /nowhere/")
    assert len(_emitting_handlers("django.request", record)) == 1


def test_the_development_servers_access_line_leaves_out_what_django_logged():
    for status in (403, 404):
        line = _record("django.server", status, f'"GET /x HTTP/1.1" {status} 10')
        assert _emitting_handlers("django.server", line) == []
    served = _record("django.server", 200, '"GET / HTTP/1.1" 200 10')
    assert len(_emitting_handlers("django.server", served)) == 1


def test_a_refusal_is_one_line_without_a_traceback(login_as, members, caplog):
    viewer = login_as(members.viewer)
    url = reverse("accounts:member_invite", args=[members.team.slug])

    with caplog.at_level(logging.INFO):
        response = viewer.post(url, {"email": "x@example.com", "role": "viewer"})

    assert response.status_code == 403
    about = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in about] == [f"Forbidden (Permission denied): {url}"]
    assert about[0].exc_info is None
    assert "Traceback" not in caplog.text


def test_a_miss_is_logged_once(login_as, members, caplog):
    with caplog.at_level(logging.INFO):
        response = login_as(members.viewer).get("/no/such/page/")

    assert response.status_code == 404
    assert [r.getMessage() for r in caplog.records if "/no/such/page/" in r.getMessage()] == [
        "Not Found: /no/such/page/"
    ]


def test_the_favicon_is_served_and_named_by_every_page(client, login_as, members):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 302 and answer["Location"].endswith(".svg")
    page = login_as(members.owner).get(f"/t/{members.team.slug}/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg' in page
