"""What the benchmark scripts share: starting the simulator, asking it and Vultr's v1 API, and the
`--quick` mode CI runs. A folder of its own, so that CI's `bench/*.py` runs the scripts only."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent

# The first line the simulator prints, before its URL.
LISTENING = "Vultr v1 simulator listening on "


def start_simulator(*args: str, **popen: Any) -> tuple[subprocess.Popen, str]:
    """`python -m panel.simulator --port 0 *args` (`popen`: more for `subprocess.Popen`);
    (the process, its URL) once it listens."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "panel.simulator", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        **popen,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith(LISTENING):
        proc.kill()
        raise RuntimeError(f"simulator did not start: {line!r}")
    return proc, line.removeprefix(LISTENING)


def control(url: str, path: str, method: str = "GET") -> dict:
    """The simulator's control API (`/_sim/...`)."""
    request = urllib.request.Request(
        f"{url}/_sim/{path}", method=method, data=b"" if method == "POST" else None
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def vultr_get(url: str, key: str, path: str) -> dict:
    """A v1 read (`/v1/<path>`) with the key in its header."""
    request = urllib.request.Request(f"{url}/v1/{path}", headers={"API-Key": key})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer) or {}


def quick_mode(parser: argparse.ArgumentParser, **small: Any) -> None:
    """The `--quick` flag; with it, the `small` defaults."""
    parser.add_argument(
        "--quick", action="store_true", help="small figures for CI: proves the script runs"
    )
    if "--quick" in sys.argv[1:]:
        parser.set_defaults(**small)


def viewer_arguments(parser: argparse.ArgumentParser) -> None:
    """``--viewers`` (how many) signed-in viewers reload a page for ``--viewer-seconds``."""
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--viewer-seconds", type=float, default=30.0)


def reloading(reloads: list[Callable[[], bool]], interval: float, seconds: float) -> int:
    """Each of `reloads` (one viewer's reload of a page: did it answer 200?) in a thread of its
    own, first at a random moment within one `interval`, then once every `interval`, for
    `seconds`; how many reloads failed."""
    failed: list[int] = []  # list.append: safe across threads
    deadline = time.monotonic() + seconds

    def view(reload: Callable[[], bool]) -> None:
        next_at = time.monotonic() + random.uniform(0, interval)
        while next_at < deadline:
            time.sleep(max(0.0, next_at - time.monotonic()))
            if not reload():
                failed.append(1)
            next_at += interval

    threads = [threading.Thread(target=view, args=(reload,)) for reload in reloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(failed)


def in_processes(
    target: Callable[..., None], args: tuple, count: int, timeout: float
) -> tuple[list[tuple[int, int]], float]:
    """Runs `target(*args, results)` in `count` processes at once, each putting its (requests
    done, errors) on `results`; returns those and the seconds from start to the last answer."""
    results: multiprocessing.Queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=target, args=(*args, results)) for _ in range(count)]
    started = time.monotonic()
    for proc in procs:
        proc.start()
    counts = [results.get(timeout=timeout) for _ in procs]
    elapsed = time.monotonic() - started
    for proc in procs:
        proc.join()
    return counts, elapsed
