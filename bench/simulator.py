"""Benchmark the Vultr v1 simulator; the last line printed is one JSON object.

- ``server_list_rps``: GET /v1/server/list answers per second for an account with 100 servers,
  rate limit off, from several load processes on keep-alive connections for a few seconds.
  Targets: >= 500 req/s on a 2-core machine.
- ``rss_mb_10k``: resident memory of a simulator process holding 10,000 servers, after it has
  answered one full server/list for them (so the cached answer is counted). Target: <= 150 MB.

Both run the simulator as its own process (``python -m panel.simulator``), as in production, so
the load generator does not share its interpreter lock.

    python bench/simulator.py [--seconds 5] [--processes 4] [--quick]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = "BENCHKEY"


def start_simulator(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "panel.simulator", "--port", "0", "--rate-limit", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip()
    prefix = "Vultr v1 simulator listening on "
    if not line.startswith(prefix):
        proc.kill()
        raise RuntimeError(f"simulator did not start: {line!r}")
    return proc, line.removeprefix(prefix)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=10)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def post(url: str, path: str, **form: str) -> dict:
    data = urllib.parse.urlencode(form).encode()
    with urllib.request.urlopen(url + path, data=data, timeout=120) as response:
        return json.load(response)


def get(url: str, path: str) -> bytes:
    request = urllib.request.Request(url + path, headers={"API-Key": KEY})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.read()


def load(port: int, seconds: float, results: multiprocessing.Queue) -> None:
    """One load process: a keep-alive connection, requests back to back until time is up."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    done = errors = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        conn.request("GET", "/v1/server/list", headers={"API-Key": KEY})
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            done += 1
        else:
            errors += 1
    conn.close()
    results.put((done, errors))


def server_list_rps(seconds: float, processes: int) -> dict[str, float]:
    proc, url = start_simulator("--key", KEY, "--servers", "100")
    try:
        assert len(json.loads(get(url, "/v1/server/list"))) == 100
        port = urllib.parse.urlsplit(url).port
        results: multiprocessing.Queue = multiprocessing.Queue()
        workers = [
            multiprocessing.Process(target=load, args=(port, seconds, results))
            for _ in range(processes)
        ]
        started = time.monotonic()
        for worker in workers:
            worker.start()
        counts = [results.get(timeout=seconds + 60) for _ in workers]
        elapsed = time.monotonic() - started
        for worker in workers:
            worker.join()
        # The simulator's own count, as a check on the load generator's.
        with urllib.request.urlopen(url + "/_sim/stats", timeout=10) as response:
            counted = json.load(response)["by_path"]["/v1/server/list"]
    finally:
        stop(proc)
    done = sum(c[0] for c in counts)
    return {
        "server_list_rps": round(done / elapsed, 1),
        "server_list_requests": done,
        "server_list_errors": sum(c[1] for c in counts),
        "server_list_counted_by_simulator": counted,
        "load_processes": processes,
        "load_seconds": round(elapsed, 2),
    }


def memory_10k() -> dict[str, float]:
    proc, url = start_simulator()
    try:
        idle = rss_mb(proc.pid)
        started = time.monotonic()
        post(url, "/_sim/accounts", key=KEY, servers="10000")
        added = time.monotonic() - started
        holding = rss_mb(proc.pid)
        listing = get(url, "/v1/server/list")
        assert len(json.loads(listing)) == 10_000
        after_list = rss_mb(proc.pid)
    finally:
        stop(proc)
    return {
        "rss_mb_10k": round(after_list, 1),
        "rss_mb_10k_before_list": round(holding, 1),
        "rss_mb_idle": round(idle, 1),
        "add_10k_seconds": round(added, 2),
        "server_list_10k_bytes": len(listing),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument(
        "--quick", action="store_true", help="small figures for CI: proves the script runs"
    )
    if "--quick" in sys.argv[1:]:
        parser.set_defaults(seconds=1.0, processes=2)
    args = parser.parse_args()
    result = {**server_list_rps(args.seconds, args.processes), **memory_10k()}
    print(f"server/list, 100 servers: {result['server_list_rps']} req/s (target >= 500)")
    print(f"RSS holding 10,000 servers: {result['rss_mb_10k']} MB (target <= 150)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
