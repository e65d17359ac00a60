"""Template context for every page: the user's teams (for the switcher) and the current one."""

from django.utils.functional import SimpleLazyObject


def teams(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Context processors run when the template renders, after team_view has set these.
    return {
        "user_memberships": SimpleLazyObject(
            lambda: list(user.memberships.select_related("team").order_by("team__name"))
        ),
        "team": getattr(request, "team", None),
        "membership": getattr(request, "membership", None),
    }
