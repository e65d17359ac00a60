"""System checks for configuration mistakes that settings alone cannot refuse.

`manage.py check --deploy` (and every start) reports them with these ids.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


@register(Tags.security)
def check_debug_exposed(app_configs, **kwargs):
    public = [h for h in settings.ALLOWED_HOSTS if h not in LOCAL_HOSTS]
    if settings.DEBUG and public:
        return [
            Warning(
                "DEBUG is on while ALLOWED_HOSTS admits other hosts: error pages would show "
                "settings and code to anyone who can reach the panel.",
                hint="Set DEBUG=false for any deployment others can reach.",
                id="panel.W001",
            )
        ]
    return []


@register(Tags.security)
def check_api_urls_encrypted(app_configs, **kwargs):
    warnings = []
    for url in settings.VULTR_API_URLS:
        parts = urlsplit(url)
        if parts.scheme == "http" and parts.hostname not in {"localhost", "127.0.0.1", "::1"}:
            warnings.append(
                Warning(
                    f"API keys would travel unencrypted to {url}.",
                    hint="Use https:// for every Vultr API address that is not on this machine.",
                    id="panel.W002",
                )
            )
    return warnings
