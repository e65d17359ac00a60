"""Every user has a personal team, however the user was made (sign-up, create_user, shell);
signing in counts as a recent password (accounts/reauth.py); failed sign-ins are counted per
account across addresses (accounts/lockout.py)."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts import lockout, reauth
from accounts.actions import create_team, personal_team_name


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_personal_team")
def give_new_user_a_personal_team(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        create_team(instance, personal_team_name(instance), personal=True)


@receiver(user_logged_in, dispatch_uid="accounts_password_typed")
def signing_in_is_a_recent_password(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        reauth.mark(request)
    lockout.account_succeeded(user.get_username())


@receiver(user_login_failed, dispatch_uid="accounts_count_account_failure")
def count_a_failure_for_the_account(sender, credentials, request=None, **kwargs):
    # Tries refused unchecked (locked out from this address) guessed nothing.
    if request is not None and not getattr(request, "axes_locked_out", False):
        lockout.account_failed(request, str(credentials.get("username") or ""))
