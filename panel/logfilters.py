"""Logging filters: each request's refusal or miss is logged once, as one line.

Django logs a 403 from `PermissionDenied` through `django.request` with the exception's
traceback, although a refusal is a normal answer (and already on the audit log,
panel/audit/denials.py); and the development server's access log (`django.server`) repeats
every 403 and 404 that `django.request` has just logged. Wired in panel/settings.py (LOGGING).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class RefusalWithoutTraceback(logging.Filter):
    """On `django.request`: a 403 from PermissionDenied stays one warning line, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403 and record.exc_info:
            exc = record.exc_info[1]
            if isinstance(exc, PermissionDenied):
                record.exc_info = None
                record.exc_text = None
        return True


class NotLoggedTwice(logging.Filter):
    """On `django.server`: leave out the access line of a 403 or 404, which `django.request`
    logs already (with the path, and wherever the panel runs: gunicorn has no such line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) not in (403, 404)
