"""Recent authentication: what changes how an account signs in asks for the password again.

Turning on two-factor (its QR code is the secret), making new backup codes and changing the
password need a password typed within the last `PANEL_REAUTH_MINUTES` in this session; a
session left open on a shared computer, or stolen with its cookie, cannot take the account
over by itself. Signing in (password, code, sign-up) counts as typing it
(`accounts.signals`); so does the confirm page (`accounts.views.account.confirm_password`),
whose wrong passwords count towards django-axes' lockout like those at sign-in.
"""

from __future__ import annotations

import functools
import time

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

SESSION_KEY = "accounts_password_at"


def mark(request) -> None:
    """The password was just typed in this session."""
    request.session[SESSION_KEY] = time.time()


def is_recent(request) -> bool:
    typed = request.session.get(SESSION_KEY)
    return typed is not None and time.time() - typed <= settings.PANEL_REAUTH_MINUTES * 60


def required(what: str, *, back: str | None = None):
    """View decorator: without a recent password, go to the confirm page first, then back.

    `what` finishes "Enter your password to …"; `back` is the URL name to return to when the
    view only answers POSTs (the form that posts to it is there)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if is_recent(request):
                return view(request, *args, **kwargs)
            messages.info(request, f"Enter your password to {what}.")
            next_url = request.get_full_path() if back is None else reverse(back)
            confirm = reverse("accounts:confirm_password")
            return redirect(f"{confirm}?{urlencode({'next': next_url})}")

        return wrapper

    return decorator
