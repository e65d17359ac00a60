"""Signing in (password, then a code for users with two-factor), signing up, the home redirect.

Password change and reset are Django's own views (accounts/urls.py) with our templates.
"""

from __future__ import annotations

import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import actions, lockout, twofactor
from accounts.forms import CodeForm, LoginForm, SignupForm, SignupRequestForm
from accounts.models import Invitation, User
from accounts.views._helpers import safe_next
from panel.audit import record as audit

# Between the password and the code, the session holds who is signing in, for this long.
PENDING_2FA = "accounts_pending_2fa"
PENDING_2FA_SECONDS = 300
# The invitation an anonymous visitor opened: it lets them sign up when sign-up is closed.
PENDING_INVITATION = "accounts_pending_invitation"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@require_safe
def home(request):
    """``/``: the user's last team (or personal team); the login page for anonymous visitors."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    memberships = request.user.memberships.select_related("team")
    membership = (
        memberships.filter(team_id=request.user.last_team_id).first()
        or memberships.filter(team__personal_for=request.user).first()
        or memberships.first()
    )
    if membership is None:
        messages.info(request, "You are not in any team yet. Create one to get started.")
        return redirect("accounts:team_create")
    return redirect("accounts:team_home", team=membership.team.slug)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login(request):
    next_url = safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "accounts:home")
    if request.method == "POST":
        slowed = _slowed_down(request, request.POST.get("username", ""))
        if slowed is not None:
            return slowed
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        user = form.get_user()
        if twofactor.has_two_factor(user):
            request.session[PENDING_2FA] = {
                "user": user.pk,
                "backend": user.backend,
                "hash": user.get_session_auth_hash(),
                "at": time.time(),
                "next": next_url,
            }
            return redirect("accounts:login_code")
        auth_login(request, user)
        response = redirect(next_url or "accounts:home")
        lockout.remember_device(request, response, user.get_username())
        return response
    return render(request, "accounts/login.html", _login_context(request, form, next_url))


def _slowed_down(request, username: str):
    """The answer to a try that must wait (accounts/lockout.py, per account across
    addresses), unchecked; None if it may go ahead."""
    wait = lockout.account_wait(request, username)
    if not wait:
        return None
    user = User.objects.filter(username=username).first()
    audit.record(
        "sign_in_failed",
        team=audit.personal_team(user),
        target=audit.user_target(user, username),
        params={"username": username},
        outcome="failed",
        error="Refused without checking the password: many failed sign-ins for this user "
        "from different addresses; slowed down.",
        actor=None,
    )
    seconds = "1 second" if wait == 1 else f"{wait} seconds"
    message = (
        f"There have been many failed sign-ins for “{username}”, from different addresses. "
        f"From a browser that has not signed in as this user before, the next try is possible "
        f"in {seconds}. A browser you have signed in with before is not slowed down."
    )
    form = LoginForm(request, initial={"username": username})
    context = _login_context(request, form, safe_next(request), locked_message=message)
    return render(request, "accounts/login.html", context, status=429)


def _login_context(request, form, next_url, **extra):
    return {
        "form": form,
        "next": next_url,
        "signup_open": _signup_open(request),
        **extra,
    }


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response (settings.AXES_LOCKOUT_CALLABLE): the login page again,
    saying for how long, with status 429."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    until = lockout.locked_out_until([username], ip=get_client_ip_address(request))
    wait = lockout.describe_wait(until.get(username))
    message = (
        f"Too many failed sign-in attempts for “{username}” from your address. Signing in "
        f"as this user is paused for {wait}. An owner or admin of one of your teams can "
        "unlock you sooner."
    )
    form = LoginForm(request, initial={"username": username})
    context = _login_context(request, form, safe_next(request), locked_message=message)
    return render(request, "accounts/login.html", context, status=429)


def _pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING_2FA) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_2FA_SECONDS:
        return None, pending
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    # A password changed in between ends the half-finished sign-in.
    if user is None or user.get_session_auth_hash() != pending["hash"]:
        return None, pending
    return user, pending


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_code(request):
    """Second step of signing in, for users with two-factor authentication."""
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING_2FA, None)
        messages.error(request, "Your sign-in timed out before the code was entered. Start again.")
        return redirect("accounts:login")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        device, error = _check_code(form, user)
        if device is None:
            audit.account_event("sign_in_failed", user, actor=None, outcome="failed", error=error)
        else:
            del request.session[PENDING_2FA]
            auth_login(request, user, backend=pending["backend"])
            _passed_two_factor(request, device)
            response = redirect(pending["next"] or "accounts:home")
            lockout.remember_device(request, response, user.get_username())
            return response
    return render(request, "accounts/login_code.html", {"form": form, "pending_user": user})


_WRONG_CODE = (
    "That code is not valid. Enter the code your app shows now (it changes every 30 "
    "seconds) or an unused backup code."
)


def _check_code(form, user, where: str = ""):
    """(the device that accepted the form's code, "") or (None, why not, for the record); the
    form gets the error the user reads."""
    try:
        device = twofactor.verify_code(user, form.cleaned_data["code"])
    except twofactor.Throttled as throttled:
        form.add_error("code", str(throttled))
        return None, f"Too soon after a wrong two-factor code{where}: not checked."
    if device is None:
        form.add_error("code", _WRONG_CODE)
        return None, f"Wrong two-factor code{where}."
    return device, ""


def _passed_two_factor(request, device) -> None:
    otp_login(request, device)
    if isinstance(device, StaticDevice):
        left = twofactor.backup_codes_left(request.user)
        messages.warning(
            request,
            f"You used a backup code; {left} left. Make new ones on your account page if you "
            "are running out.",
        )


@login_required
@sensitive_post_parameters("code")
@never_cache
def verify_session(request):
    """A code for a session that is signed in but has not passed two-factor (it was signed in
    before the user turned it on), asked for by teams that require it."""
    next_url = safe_next(request) or "accounts:home"
    if request.user.is_verified():
        return redirect(next_url)
    if not twofactor.has_two_factor(request.user):
        return redirect("accounts:2fa_enrol")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        device, error = _check_code(form, request.user, where=" for a signed-in session")
        if device is None:
            audit.account_event(
                "sign_in_failed",
                request.user,
                outcome="failed",
                error=error,
            )
        else:
            _passed_two_factor(request, device)
            audit.account_event("session_verified", request.user)
            return redirect(next_url)
    return render(request, "accounts/login_code.html", {"form": form, "next": next_url})


def _request_sign_up(request, next_url: str):
    form = SignupRequestForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():

        def urls(name: str, token: str | None = None) -> str:
            if name == "finish":
                return request.build_absolute_uri(reverse("accounts:signup_finish", args=[token]))
            return request.build_absolute_uri(reverse(f"accounts:{name}"))

        data = form.cleaned_data
        try:
            actions.request_sign_up(data["username"], data["email"], data["password1"], urls)
        except OSError as exc:  # smtplib's errors are OSErrors too
            form.add_error(
                None,
                f"The email to {data['email']} could not be sent ({exc}); nothing was saved. "
                "Try again later, or tell the panel's administrator (EMAIL_* settings).",
            )
            return render(request, "accounts/signup.html", {"form": form, "next": next_url})
        return render(
            request,
            "accounts/signup_sent.html",
            {"email": data["email"], "hours": actions.SIGN_UP_HOURS},
        )
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


@csrf_protect
@never_cache
def signup_finish(request, token):
    """The link of a sign-up's email: a button (link scanners only GET) creates the account."""
    if request.user.is_authenticated:
        return redirect("accounts:home")
    pending = actions.pending_sign_up(token)
    if pending is None:
        problem = "This link has expired or was used already. Sign up again to get a new one."
        return render(request, "accounts/signup_finish.html", {"problem": problem}, status=410)
    if request.method != "POST":
        return render(request, "accounts/signup_finish.html", {"pending": pending})
    try:
        user = actions.finish_sign_up(token)
    except actions.AccountError as err:
        return render(request, "accounts/signup_finish.html", {"problem": str(err)}, status=409)
    audit.account_event("signed_up", user, params={"email": user.email})
    request.audit_signed_up = True  # one entry for the request (panel/audit/receivers.py)
    auth_login(request, user, backend=MODEL_BACKEND)
    messages.success(request, f"Welcome, {user.username}! This is your personal team.")
    response = redirect("accounts:home")
    lockout.remember_device(request, response, user.get_username())
    return response


def _signup_open(request) -> bool:
    return settings.PANEL_ALLOW_SIGNUP or _pending_invitation(request) is not None


def _pending_invitation(request) -> Invitation | None:
    """The invitation this visitor opened, if it can still be accepted."""
    invitation_id = request.session.get(PENDING_INVITATION)
    if not invitation_id:
        return None
    return Invitation.objects.pending().select_related("team").filter(pk=invitation_id).first()


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
def signup(request):
    """A new account with a personal team.

    Without an invitation, the account is made from a link emailed to its address
    (`_request_sign_up`), so that this page never says whether a username or address is
    taken. From an invitation's link (which came by email), it is made at once and joins the
    invitation's team, which uses the invitation up: one link makes one account, also while
    sign-up is closed to everyone else."""
    next_url = safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "accounts:home")
    invitation = _pending_invitation(request)
    if invitation is None and not settings.PANEL_ALLOW_SIGNUP:
        request.session.pop(PENDING_INVITATION, None)
        return render(request, "accounts/signup_closed.html", status=403)
    if invitation is None:
        return _request_sign_up(request, next_url)
    form = SignupForm(
        request.POST if request.method == "POST" else None,
        initial={"email": invitation.email} if invitation else None,
    )
    if form.is_bound and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()  # accounts.signals gives the user a personal team
                audit.account_event("signed_up", user, params={"email": user.email})
                membership = None
                if invitation is not None:
                    membership = actions.accept_at_sign_up(invitation.pk, user)
        except actions.AccountError as err:
            # Used or withdrawn while the form was being filled in: no account either.
            request.session.pop(PENDING_INVITATION, None)
            if not settings.PANEL_ALLOW_SIGNUP:
                return render(
                    request, "accounts/signup_closed.html", {"problem": str(err)}, status=403
                )
            form.add_error(None, f"{err} Your account was not created; submit again to create it.")
            return render(request, "accounts/signup.html", {"form": form, "next": next_url})
        request.session.pop(PENDING_INVITATION, None)
        # One entry for the request: signing up signs in (panel/audit/receivers.py).
        request.audit_signed_up = True
        auth_login(request, user, backend=MODEL_BACKEND)
        if membership is not None:
            messages.success(
                request,
                f"Welcome, {user.username}! You have joined {membership.team.name} as "
                f"{membership.get_role_display()}.",
            )
            response = redirect("accounts:team_home", team=membership.team.slug)
        else:
            messages.success(request, f"Welcome, {user.username}! This is your personal team.")
            response = redirect(next_url or "accounts:home")
        lockout.remember_device(request, response, user.get_username())
        return response
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "next": next_url, "invitation": invitation},
    )
