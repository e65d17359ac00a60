"""The production stack, run for real (tests/fixtures/production.py reads its commands from
docker-compose.yml and the Dockerfile): collectstatic with hashed names, migrate, gunicorn with
DEBUG off behind a stand-in TLS proxy (X-Forwarded-Proto), a Celery worker and beat, PostgreSQL
and Redis. A new owner signs up, adds a key for a simulator, orders a server and waits until its
operation has succeeded, reads the audit log; then everything stops cleanly.

Then backup and restore, as the README describes them: a pg_dump of the panel's database and
the data folder's keys (secret_key, encryption_key); restored into an empty database of another
PostgreSQL, the stored Vultr key decrypts and audit_verify passes. Without the keys it does not.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

from panel.local_stack import free_port, postgres_bin_dir, postgres_url, start_postgres, stop
from tests.fixtures.ci import needs
from tests.fixtures.production import ProductionStack, temporary_workdir
from tests.fixtures.simulator import new_key
from tests.fixtures.web import WebClient

pytestmark = pytest.mark.slow

OWNER, PASSWORD = "olga", "a long production password 7"


def postgres_available() -> bool:
    try:
        postgres_bin_dir()
    except RuntimeError:
        return False
    return True


@pytest.fixture(scope="module")
def simulator_url():
    """The Vultr stand-in: its own process, fast provisioning, v1's rate limit."""
    key = new_key()
    proc = subprocess.Popen(
        [sys.executable, "-m", "panel.simulator", "--port", "0", "--key", key, "--demo",
         "--speed", "10", "--provisioning-seconds", "30"],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    line = proc.stdout.readline().strip()
    url = line.rsplit(" ", 1)[-1]
    assert url.startswith("http://"), line
    yield url, key
    stop([proc])


@pytest.fixture(scope="module")
def stack(simulator_url):
    needs("PostgreSQL's server programs", postgres_available(), "apt-get install postgresql")
    url, _key = simulator_url
    workdir = temporary_workdir()
    production = ProductionStack(
        workdir,
        variables={
            # What the README tells an operator to set, for this machine.
            "ALLOWED_HOSTS": "127.0.0.1",
            "BEHIND_TLS_PROXY": "true",
            "VULTR_API_URL": url,
        },
        # Operations poll every second, so that the test does not wait five.
        extra_env={"PANEL_OPERATION_POLL_SECONDS": "1"},
    )
    production.start()
    yield production
    production.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"gave up waiting for {what}")


def test_it_serves_collected_static_files_by_hashed_names(stack):
    manifest = stack.static_dir / "staticfiles.json"
    assert manifest.exists(), "collectstatic did not write the manifest"
    page = WebClient(stack.url(), https_proxy=True).get("/accounts/login/")
    assert page.status_code == 200
    css = re.search(r'href="(/static/css/panel\.[0-9a-f]{12}\.css)"', page.text)
    assert css, page.text[:1500]
    served = WebClient(stack.url(), https_proxy=True).get(css.group(1))
    assert served.status_code == 200
    assert "max-age=315360000" in served.headers.get("Cache-Control", "")


def test_a_team_orders_a_server_and_reads_the_audit_log(stack, simulator_url):
    url, key = simulator_url
    web = WebClient(stack.url(), https_proxy=True)

    health = wait_until(
        lambda: (answer := web.get("/healthz")).status_code == 200 and answer,
        60,
        "/healthz to answer 200 (database, Redis, workers)",
    )
    assert health.json()

    signup = web.get("/accounts/signup/")
    assert signup.status_code == 200
    web.post(
        "/accounts/signup/",
        {"username": OWNER, "email": "olga@example.com", "password1": PASSWORD,
         "password2": PASSWORD},
    )  # fmt: skip
    # Sign-up emails a link (the console mail backend prints it in the web log); it makes
    # the account.
    link = wait_until(
        lambda: re.search(r"/accounts/signup/[\w-]{20,}/", stack.logs()),
        30,
        "the sign-up email in the web log",
    )
    assert web.post(link.group(0), {}).status_code == 200
    web.cookies.clear()
    home = web.sign_in(OWNER, PASSWORD)
    for raw in web.set_cookie_headers:
        if raw.startswith(("sessionid=", "csrftoken=")):
            assert "Secure" in raw, raw  # behind the TLS proxy: HTTPS-only cookies
    team = re.search(r'href="/t/([^/"]+)/"', home.text).group(1)

    # The order below uses v1's catalogue ids (DCID 1, VPSPLANID 201).
    added = web.post(
        f"/t/{team}/keys/add/",
        {"label": "Simulator", "api_url": url, "key": key, "api_version": "v1"},
    )
    assert added.status_code == 200, added.text[:2000]
    assert "Vultr API v1 accepted the key" in added.text, added.text[:2000]
    key_id = re.search(rf"/t/{team}/keys/(\d+)/check/", added.text).group(1)

    deploy = f"/t/{team}/k/{key_id}/deploy/"
    page = web.get(deploy)
    for step, answer in [
        ("region", {"region": "1"}),
        ("plan", {"plan": "201"}),
        ("image", {"image": "os:387"}),
        ("options", {"label": "prod-smoke"}),
    ]:
        state = re.search(r'name="state" value="([^"]+)"', page.text).group(1)
        page = web.post(deploy, {"state": state, "step": step, **answer})
        assert page.status_code == 200, page.text[:2000]
    state = re.search(r'name="state" value="([^"]+)"', page.text).group(1)
    done = web.post(f"/t/{team}/k/{key_id}/deploy/create/", {"state": state})
    assert done.status_code == 200, done.text[:2000]
    assert "prod-smoke" in done.text

    # The team's operations list links the create's operation; its page shows its status.
    listing = web.get(f"/t/{team}/operations/").text
    op_url = re.search(rf'href="(/t/{team}/operations/\d+/)"', listing)
    assert op_url, listing[:3000]
    deadline, status, text = time.monotonic() + 120, "", ""
    while time.monotonic() < deadline and status in ("", "queued", "running"):
        time.sleep(0.5)
        text = web.get(op_url.group(1)).text
        found = re.search(r'data-status="(\w+)"', text)
        status = found.group(1) if found else ""
    visible = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))
    assert status == "succeeded", f"{status!r} at {done.url}: {visible[:3000]}\n{stack.logs()}"

    servers = web.get(f"/t/{team}/k/{key_id}/servers/").text
    assert "prod-smoke" in servers
    log = web.get(f"/t/{team}/audit/", params={"action": "create_server"})
    assert log.status_code == 200
    assert "prod-smoke" in log.text or "create" in log.text.lower()
    verified = stack.manage("audit_verify", check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_backup_and_restore_into_an_empty_database(stack, simulator_url, tmp_path):
    """README "Backup and restore": pg_dump plus the data folder's keys."""
    _url, key = simulator_url
    dump = tmp_path / "panel.dump"
    bindir = postgres_bin_dir()
    subprocess.run(
        [bindir / "pg_dump", "--format=custom", "--no-owner", f"--file={dump}",
         stack.database_url],
        check=True,
    )  # fmt: skip

    port = free_port()
    other = start_postgres(port, database="restored")  # another machine's empty database
    try:
        subprocess.run(
            [bindir / "pg_restore", "--no-owner", "--exit-on-error", "-d",
             postgres_url(port, "restored"), dump],
            check=True,
        )  # fmt: skip
        restored = {"DATABASE_URL": postgres_url(port, "restored")}
        check_key = (
            "from accounts.models import ApiKey; from accounts import encryption; "
            "print(*[encryption.decrypt(k.ciphertext) for k in ApiKey.objects.all()])"
        )

        # With the data folder's keys (the same folder: what a backup keeps).
        decrypted = stack.manage("shell", "-c", check_key, env=restored)
        assert decrypted.stdout.strip().splitlines()[-1].split() == [key]
        verified = stack.manage("audit_verify", env=restored, check=False)
        assert verified.returncode == 0, verified.stdout + verified.stderr

        # Without them (a new data folder): the keys are lost, and the chain's signatures fail.
        lost = {**restored, "PANEL_DATA_DIR": str(tmp_path / "new-data")}
        assert stack.manage("shell", "-c", check_key, env=lost, check=False).returncode != 0
        assert stack.manage("audit_verify", env=lost, check=False).returncode != 0
    finally:
        stop([other])


def test_everything_stops_cleanly(stack):
    """Last in this module: SIGTERM to each service (what docker-compose stop sends; SIGINT,
    PostgreSQL's fast shutdown, to it) ends it with status 0 and frees its port."""
    ports = [*stack.web_ports, stack.redis_port, stack.postgres_port]
    codes = stack.stop()
    assert codes == [0] * len(codes), f"{codes}\n{stack.logs()}"
    for port in ports:
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, port
