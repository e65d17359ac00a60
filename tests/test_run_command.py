"""``python3 dev.py run`` as a new user meets it: a fresh clone of this commit in a temporary
folder, nothing configured. It prints the URL and the demo login, ``/healthz`` answers 200, the
demo login signs in and lists the demo servers; and SIGINT, SIGTERM and SIGHUP stop every
process it started (Redis, the simulator, the Celery worker and beat, the web server) and free
their ports, also when it was started in the background, where the shell ignores SIGINT for it.

The clone reuses this checkout's ``.venv`` through a symlink (same pyproject.toml, so dev.py does
not reinstall); everything else is the clone's own: its code, its ``data/`` folder.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from panel.local_stack import BASE_DIR, free_port
from tests.fixtures.web import WebClient

pytestmark = pytest.mark.slow

RUNNING = re.compile(r"The panel is running at (http://\S+)")
LOGIN = re.compile(r"Sign in as (\S+) with password (\S+)")
REDIS = re.compile(r"Redis on 127\.0\.0\.1:(\d+)")
# CI runs as root over a checkout that may belong to another user: git would refuse it.
GIT = ["git", "-c", "safe.directory=*"]


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """This commit (HEAD), cloned as a new user would, with this checkout's .venv linked in."""
    dest = tmp_path_factory.mktemp("fresh") / "vultr-panel"
    if (BASE_DIR / ".git").exists() and shutil.which("git"):
        head = subprocess.run(
            [*GIT, "rev-parse", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True, check=True
        ).stdout.strip()
        subprocess.run([*GIT, "clone", "-q", "--no-checkout", str(BASE_DIR), str(dest)], check=True)
        subprocess.run([*GIT, "checkout", "-q", head], cwd=dest, check=True)
    else:  # a source tree without git (an unpacked archive): its files as they are
        shutil.copytree(BASE_DIR, dest, ignore=shutil.ignore_patterns(".venv", "data", ".git"))
    (dest / ".venv").symlink_to(BASE_DIR / ".venv")
    return dest


def new_user_env() -> dict[str, str]:
    """The environment of someone who has configured nothing: none of the test run's settings
    (REDIS_URL, DATABASE_URL, PANEL_DATA_DIR, DJANGO_SETTINGS_MODULE...)."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "CI")
    return {name: os.environ[name] for name in keep if name in os.environ}


class Run:
    """One ``python3 dev.py run``: its process, what it printed, the processes it started."""

    def __init__(self, clone: Path, port: int, simulator_port: int, *, background: bool):
        python3 = shutil.which("python3") or sys.executable
        command = [python3, "dev.py", "run", "--port", str(port),
                   "--simulator-port", str(simulator_port)]  # fmt: skip
        if background:
            # As a script runs `cmd &`: a non-interactive shell starts it with SIGINT ignored.
            # exec keeps one pid through dev.py's own exec into manage.py.
            quoted = " ".join(f"'{part}'" for part in command)
            command = ["sh", "-c", f"exec {quoted} & echo $!; wait"]
        self.proc = subprocess.Popen(
            command, cwd=clone, env=new_user_env(), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        self.background = background
        self.lines: list[str] = []
        self.pid = self.proc.pid
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if background:
            self.pid = int(self.wait_for(re.compile(r"^(\d+)$"), 10).group(1))

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: re.Pattern, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                found = pattern.search(line)
                if found:
                    return found
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.1)
        raise AssertionError(f"no {pattern.pattern!r} in the output:\n{self.output()}")

    def descendants(self) -> dict[int, str]:
        """Every process below the run command (in new sessions too): pid -> command line."""
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        found, frontier = {}, [self.pid]
        while frontier:
            parent = frontier.pop()
            for pid, ppid in parents.items():
                if ppid == parent and pid not in found:
                    found[pid] = command_line(pid)
                    frontier.append(pid)
        return found

    def kill_everything(self) -> None:
        """Cleanup after a failed test: never leave the processes running."""
        for pid in [*self.descendants(), self.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.kill()
        self.proc.wait()


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "?"


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status waits to be collected


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def simulator_port() -> int:
    # The same for every run of the module: the demo key stored by the first run points at it.
    return free_port()


@pytest.fixture
def start_run(clone, simulator_port):
    runs: list[Run] = []

    def start(*, background: bool = False) -> tuple[Run, str, int]:
        port = free_port()
        run = Run(clone, port, simulator_port, background=background)
        runs.append(run)
        url = run.wait_for(RUNNING, timeout=180).group(1)
        return run, url, port

    yield start
    for run in runs:
        if run.proc.poll() is None or any(alive(pid) for pid in run.descendants()):
            run.kill_everything()


def stop_and_check(run: Run, signum: int, ports: list[int]) -> None:
    started = run.descendants()
    names = " ".join(started.values())
    for part in ("redis-server", "panel.simulator", "worker", "beat", "runserver"):
        assert part in names, f"{part} is not among the started processes: {started}"

    os.kill(run.pid, signum)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (alive(run.pid) or any(alive(pid) for pid in started)):
        time.sleep(0.1)

    left = {pid: cmd for pid, cmd in started.items() if alive(pid)}
    assert not alive(run.pid), f"the run command is still running:\n{run.output()}"
    assert not left, f"left running after {signal.Signals(signum).name}: {left}"
    assert [port for port in ports if listening(port)] == []
    assert run.proc.wait(10) is not None


def test_a_new_user_runs_signs_in_and_sees_the_demo_servers(start_run, simulator_port):
    run, url, port = start_run()
    assert url == f"http://127.0.0.1:{port}/"
    username, password = run.wait_for(LOGIN, timeout=5).groups()
    redis_port = int(run.wait_for(REDIS, timeout=5).group(1))

    # Workers may answer a moment after the web server: /healthz reports them too.
    deadline = time.monotonic() + 60
    while (health := requests.get(url + "healthz", timeout=10)).status_code != 200:
        assert time.monotonic() < deadline, health.text
        time.sleep(0.5)
    assert health.json()

    # DEBUG is off unless the user turns it on: an anonymous visitor's 404 is the plain one,
    # not Django's technical page listing every URL pattern.
    missing = requests.get(url + "no-such-page/", timeout=10)
    assert missing.status_code == 404
    assert "URLconf" not in missing.text and "urlpatterns" not in missing.text, missing.text

    web = WebClient(url)
    home = web.sign_in(username, password)
    assert home.status_code == 200
    # ... and the page's scripts and styles are still served (WhiteNoise, hashed names).
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', home.text)
    assert assets, home.text[:2000]
    for asset in assets:
        assert requests.get(url.rstrip("/") + asset, timeout=10).status_code == 200, asset
    # The team's Servers link, as a user clicks it (it leads to the demo key's list).
    servers_link = re.search(r'href="(/t/[^/"]+/servers/)"', home.text)
    assert servers_link, home.text[:2000]
    page = web.get(servers_link.group(1))
    key_lists = re.findall(r'href="(/t/[^/"]+/k/\d+/servers/)"', page.text)
    if "web-01" not in page.text and key_lists:
        page = web.get(key_lists[0])
    assert page.status_code == 200
    # The simulator's demo account: its servers, by their labels.
    assert "web-01" in page.text, page.text[:2000]

    stop_and_check(run, signal.SIGINT, [port, simulator_port, redis_port])
    assert "Stopped." in run.output()


@pytest.mark.parametrize(
    "signum, background",
    [
        (signal.SIGTERM, False),
        (signal.SIGHUP, False),
        (signal.SIGINT, True),
        (signal.SIGTERM, True),
    ],
    ids=["SIGTERM", "SIGHUP", "background-SIGINT", "background-SIGTERM"],
)
def test_a_signal_stops_everything_it_started(start_run, simulator_port, signum, background):
    run, _url, port = start_run(background=background)
    redis_port = int(run.wait_for(REDIS, timeout=5).group(1))
    if background:
        # The premise: a shell starts `cmd &` with SIGINT ignored (seen on a job of its own,
        # since the run command has installed its handler by now).
        status = subprocess.run(
            ["sh", "-c", "cat /proc/self/status & wait"], capture_output=True, text=True
        ).stdout
        ignored = int(re.search(r"SigIgn:\s*([0-9a-f]+)", status).group(1), 16)
        assert ignored & (1 << (signal.SIGINT - 1))

    stop_and_check(run, signum, [port, simulator_port, redis_port])
