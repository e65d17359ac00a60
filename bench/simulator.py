"""Benchmark the Vultr simulator, v1 and v2; the last line printed is one JSON object.

- ``server_list_rps``: GET /v1/server/list answers per second for an account with 100 servers,
  rate limit off, from several load processes on keep-alive connections for a few seconds.
  Target: >= 500 req/s on a 2-core machine.
- ``v2_instances_rps``: the same for GET /v2/instances (100 instances, one page; the v2 rate
  limit off). Target: >= 500 req/s.
- ``rss_mb_10k``: resident memory of a simulator process holding 10,000 servers, after it has
  answered one full server/list for them (so the cached answer is counted). Target: <= 150 MB.
- ``v2_rss_mb_10k``: the same after the whole list was read through v2 (per_page 500, every
  page) and through v1, so both versions' caches are counted. Target: <= 150 MB.

All run the simulator as its own process (``python -m panel.simulator``), as in production, so
the load generator does not share its interpreter lock. ``--quick`` (for CI) loads for one
second from two processes and holds 1,000 servers instead of 10,000 (``rss_servers`` says
which); its figures are not comparable with the targets.

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
sys.path.insert(0, str(ROOT))

from bench.common import in_processes  # noqa: E402
from bench.common import start_simulator as start  # noqa: E402

KEY = "BENCHKEY"


def start_simulator(*args: str) -> tuple[subprocess.Popen, str]:
    return start("--rate-limit", "0", "--v2-rate-limit", "0", *args)


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
    headers = {"Authorization": f"Bearer {KEY}"} if path.startswith("/v2/") else {"API-Key": KEY}
    request = urllib.request.Request(url + path, headers=headers)
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.read()


def load(port: int, path: str, seconds: float, results: multiprocessing.Queue) -> None:
    """One load process: a keep-alive connection, requests back to back until time is up."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    done = errors = 0
    headers = {"Authorization": f"Bearer {KEY}"} if path.startswith("/v2/") else {"API-Key": KEY}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            done += 1
        else:
            errors += 1
    conn.close()
    results.put((done, errors))


def list_rps(api: str, seconds: float, processes: int) -> dict[str, float]:
    """Requests per second of the server list (v1 server/list or v2 instances), 100 servers."""
    path, name = {
        "v1": ("/v1/server/list", "server_list"),
        "v2": ("/v2/instances", "v2_instances"),
    }[api]
    proc, url = start_simulator("--key", KEY, "--servers", "100")
    try:
        first = json.loads(get(url, path))
        assert len(first if api == "v1" else first["instances"]) == 100
        port = urllib.parse.urlsplit(url).port
        counts, elapsed = in_processes(load, (port, path, seconds), processes, seconds + 60)
        # The simulator's own count, as a check on the load generator's.
        with urllib.request.urlopen(url + "/_sim/stats", timeout=10) as response:
            by_path = json.load(response)["by_path"]
        counted = by_path.get(path) or by_path.get(f"GET {path}", 0)
    finally:
        stop(proc)
    done = sum(c[0] for c in counts)
    result = {
        f"{name}_rps": round(done / elapsed, 1),
        f"{name}_requests": done,
        f"{name}_errors": sum(c[1] for c in counts),
        f"{name}_counted_by_simulator": counted,
    }
    if api == "v1":
        result.update(load_processes=processes, load_seconds=round(elapsed, 2))
    return result


def v2_list_all(url: str) -> int:
    """Read every page of GET /v2/instances (per_page 500), as a v2 transport does."""
    seen, cursor = 0, ""
    while True:
        query = urllib.parse.urlencode({"per_page": 500, **({"cursor": cursor} if cursor else {})})
        page = json.loads(get(url, f"/v2/instances?{query}"))
        seen += len(page["instances"])
        cursor = page["meta"]["links"]["next"]
        if not cursor:
            return seen


def memory(servers: int, api: str) -> dict[str, float]:
    proc, url = start_simulator()
    try:
        idle = rss_mb(proc.pid)
        started = time.monotonic()
        post(url, "/_sim/accounts", key=KEY, servers=str(servers))
        added = time.monotonic() - started
        holding = rss_mb(proc.pid)
        listing = get(url, "/v1/server/list")
        assert len(json.loads(listing)) == servers
        if api == "v2":
            started = time.monotonic()
            assert v2_list_all(url) == servers
            paged = time.monotonic() - started
        after_list = rss_mb(proc.pid)
    finally:
        stop(proc)
    if api == "v2":
        return {"v2_rss_mb_10k": round(after_list, 1), "v2_list_all_seconds": round(paged, 2)}
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
    parser.add_argument("--quick", action="store_true", help="small counts, for CI")
    args = parser.parse_args()
    seconds, processes, servers = args.seconds, args.processes, 10_000
    if args.quick:
        seconds, processes, servers = 1.0, 2, 1_000
    result = {
        **list_rps("v1", seconds, processes),
        **list_rps("v2", seconds, processes),
        **memory(servers, "v1"),
        **memory(servers, "v2"),
        "rss_servers": servers,
        "quick": args.quick,
    }
    print(f"server/list, 100 servers: {result['server_list_rps']} req/s (target >= 500)")
    print(f"GET /v2/instances, 100 instances: {result['v2_instances_rps']} req/s (target >= 500)")
    print(f"RSS holding {servers:,} servers: {result['rss_mb_10k']} MB (target <= 150)")
    print(f"RSS, v1 and v2 lists read: {result['v2_rss_mb_10k']} MB (target <= 150)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
