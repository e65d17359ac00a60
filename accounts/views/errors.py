from django.shortcuts import render


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: say what happened instead of Django's developer page."""
    return render(request, "csrf_failure.html", {"reason": reason}, status=403)
