"""Makes the request being served known to `panel.audit.record`, which code without a request
at hand (accounts.actions, signal receivers) uses for the actor, address and request id."""

from __future__ import annotations

from panel.audit.record import _request


class AuditRequestMiddleware:
    """Place it right after RequestIdMiddleware; the user is read lazily, when an entry is
    written, so it may come before AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
