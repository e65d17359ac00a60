"""Makes the request being served known to `panel.audit.record`, which code without a request
at hand (accounts.actions, signal receivers) uses for the actor, address and request id; and
puts on the record every 403 that nobody else recorded (panel/audit/denials.py)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from panel.audit import scrub
from panel.audit.denials import unrecorded
from panel.audit.record import _request


class AuditRequestMiddleware:
    """Place it right after RequestIdMiddleware; the user is read lazily, when an entry is
    written, so it may come before AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            response = self.get_response(request)
            unrecorded(request, response)
            return response
        finally:
            _request.reset(token)
            scrub.forget()  # the keys this request decrypted

    def process_exception(self, request, exception):
        # The refusal's message, for the entry `unrecorded` writes; Django answers the 403.
        if isinstance(exception, PermissionDenied):
            request._audit_denial_message = str(exception)[:500]
