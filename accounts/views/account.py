"""The user's own account: two-factor authentication and signing out everywhere."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import actions, reauth, twofactor
from accounts.forms import (
    ChangePasswordForm,
    ConfirmPasswordForm,
    DisableTwoFactorForm,
    EnrolCodeForm,
)
from accounts.views._helpers import safe_next
from panel.audit import record as audit
from panel.audit.events import ACCOUNT_EVENTS
from panel.audit.models import AuditEntry

SECURITY_EVENTS_SHOWN = 10


@login_required
@never_cache
def account(request):
    user = request.user
    personal = audit.personal_team(user)
    return render(
        request,
        "accounts/account.html",
        {
            "personal_team": personal,
            # The account's own log, always the user's to read (issue 11 item 11).
            "security_events": list(
                AuditEntry.objects.for_team(personal)
                .filter(action__in=ACCOUNT_EVENTS)
                .order_by("-seq")[:SECURITY_EVENTS_SHOWN]
            )
            if personal is not None
            else [],
            "has_two_factor": twofactor.has_two_factor(user),
            "backup_codes_left": twofactor.backup_codes_left(user),
            "memberships": user.memberships.select_related("team").order_by("team__name"),
        },
    )


@login_required
@sensitive_post_parameters("password")
@never_cache
def confirm_password(request):
    """The password again, for what needs a recent one (accounts/reauth.py); then back."""
    next_url = safe_next(request) or reverse("accounts:account")
    form = ConfirmPasswordForm(request, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        reauth.mark(request)
        audit.account_event("password_confirmed", request.user)
        return redirect(next_url)
    return render(
        request,
        "accounts/confirm_password.html",
        {"form": form, "next": next_url, "minutes": settings.PANEL_REAUTH_MINUTES},
    )


@login_required
@reauth.required("set up two-factor authentication")
@sensitive_post_parameters("code")
@never_cache
def two_factor_enrol(request):
    """Show a QR code for an authenticator app; a code from the app confirms it."""
    next_url = safe_next(request)
    if twofactor.has_two_factor(request.user):
        messages.info(request, "Two-factor authentication is already on for your account.")
        return redirect(next_url or "accounts:account")
    device = twofactor.pending_app_device(request.user)
    form = EnrolCodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            codes = twofactor.confirm_app_device(device, form.cleaned_data["code"].strip())
        except twofactor.Throttled as throttled:
            form.add_error("code", str(throttled))
        else:
            if codes is None:
                form.add_error(
                    "code",
                    "That code does not match. Check that your phone's clock is right and enter "
                    "the code the app shows now.",
                )
            else:
                otp_login(request, device)
                # Shown in this response only: they are not kept anywhere we could show again.
                return render(
                    request,
                    "accounts/2fa_backup_codes.html",
                    {"codes": codes, "next": next_url, "first_time": True},
                )
    return render(
        request,
        "accounts/2fa_enrol.html",
        {
            "form": form,
            "qr_svg": twofactor.qr_code_svg(device),
            "secret": twofactor.secret_for_manual_entry(device),
            "next": next_url,
        },
    )


@login_required
@require_POST
@reauth.required("make new backup codes", back="accounts:account")
@never_cache
def two_factor_backup_codes(request):
    """New backup codes, replacing the old ones; needs a session that passed two-factor."""
    if not twofactor.has_two_factor(request.user):
        messages.error(request, "Turn on two-factor authentication first.")
        return redirect("accounts:account")
    if not request.user.is_verified():
        messages.error(request, "Enter a code first: this session has not passed two-factor.")
        return redirect("accounts:verify_session")
    codes = twofactor.new_backup_codes(request.user)
    audit.account_event("backup_codes_regenerated", request.user, params={"count": len(codes)})
    return render(request, "accounts/2fa_backup_codes.html", {"codes": codes})


@login_required
@sensitive_post_parameters("password", "code")
@never_cache
def two_factor_disable(request):
    if not twofactor.has_two_factor(request.user):
        return redirect("accounts:account")
    form = DisableTwoFactorForm(request.user, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        twofactor.disable(request.user)
        messages.success(request, "Two-factor authentication is off.")
        return redirect("accounts:account")
    requiring = request.user.memberships.filter(team__require_2fa=True).select_related("team")
    return render(
        request,
        "accounts/2fa_disable.html",
        {"form": form, "teams_requiring": [m.team for m in requiring]},
    )


@login_required
@require_POST
def logout_everywhere(request):
    actions.log_out_everywhere(request.user)
    auth_logout(request)
    messages.success(request, "You are signed out on every device and browser, this one included.")
    return redirect("accounts:login")


class PasswordChange(auth_views.PasswordChangeView):
    """Django's password change, on the record; the current password is checked as at sign-in
    (django-axes counts wrong ones), and counts as a recent password."""

    form_class = ChangePasswordForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        reauth.mark(self.request)
        audit.account_event("password_changed", form.user)
        return response


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's new password from an emailed link, on the record (the link's user acts)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.account_event("password_reset", form.user)
        return response
