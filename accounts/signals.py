"""Every user has a personal team, however the user was made (sign-up, create_user, shell)."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.actions import create_team, personal_team_name


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_personal_team")
def give_new_user_a_personal_team(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        create_team(instance, personal_team_name(instance), personal=True)
