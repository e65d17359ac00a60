import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_it_warns_when_debug_is_exposed(settings):
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["panel.example.com"]

    with pytest.raises(SystemCheckError, match="panel.W001"):
        call_command("check", fail_level="WARNING")


def test_it_warns_about_a_plain_http_api_address(settings):
    settings.VULTR_API_URLS = ["https://api.vultr.com", "http://vultr-proxy.internal"]

    with pytest.raises(SystemCheckError, match=r"panel.W002.*http://vultr-proxy.internal"):
        call_command("check", fail_level="WARNING")


def test_a_local_setup_passes(settings):
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    settings.VULTR_API_URLS = ["https://api.vultr.com", "http://127.0.0.1:8790"]

    call_command("check", fail_level="WARNING")
