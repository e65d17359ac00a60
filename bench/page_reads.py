"""How long pages wait for Vultr; the last line printed is one JSON object.

The pages that need several Vultr reads, each measured with a cold cache (Redis flushed, so the
API budget's buckets are full too) and with every simulated Vultr request taking `--latency`
seconds, as real Vultr's do (the simulator alone answers in a millisecond):

- ``ipv6``: a server's IPv6 tab, opened from its overview (the server list is cached): its
  reverse DNS entries (its addresses come with the server list);
- ``images``: the server's snapshots and backups tab, likewise: the account's snapshots and
  the server's backups;
- ``dashboard``: a team with two keys, nothing cached: each key's servers and account.

For each page and API version: the median time in ms (``*_ms``) and the Vultr requests it made
(``*_requests``). v1 keys have a budget of 2 requests/s with a burst of 1 (reference v1 §3), so
reads of one v1 key are spaced 0.5 s apart whatever the page does; v2 keys share 30/s with a
burst of 10, so independent reads can go out together.

    python bench/page_reads.py [--latency 0.15] [--runs 3] [--quick]

Measured on the 2-core machine of issue 13 (latency 0.15 s, median of 3), before → after:
v1 IPv6 tab 690 → 180 ms (2 → 1 requests), v2 342 → 206; snapshots tab v1 696 → 690 (two reads
of one v1 key are 0.5 s apart by its budget), v2 345 → 189; cold dashboard with two keys v1
1359 → 739, v2 661 → 188.

Runs in-process (Django's test client) with a private Redis, a SQLite file and the simulator
in a thread, all in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from panel.local_stack import free_port, start_redis, stop  # noqa: E402

KEYS = ("BENCHA" + "0" * 30, "BENCHB" + "0" * 30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs

    tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    port = free_port()
    redis_proc = start_redis(port, tmp / "redis")
    try:
        print(json.dumps(measure(tmp, port, args.latency, runs)))
    finally:
        stop([redis_proc])


def measure(tmp: Path, redis_port: int, latency: float, runs: int) -> dict:
    from panel.simulator import Simulator, serve

    sim = Simulator(rate_limit=0, v2_rate_limit=0)
    served = serve(sim)
    for key in KEYS:
        sim.add_account(key, demo=True)
    os.environ.update(
        PANEL_DATA_DIR=str(tmp / "data"),
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        VULTR_API_URL=served.url,
        DJANGO_SETTINGS_MODULE="panel.settings",
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="WARNING",
        STATIC_ROOT=str(tmp / "static"),
    )
    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from django.test import Client

    from accounts import actions

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    user = actions.create_user("bench", "bench@example.com", "bench-password-1234")
    teams = {}
    for version in ("v1", "v2"):
        team = actions.create_team(user, f"Bench {version}")
        keys = [
            actions.add_api_key(team, user, f"Key {n}", served.url, key, api_version=version)
            for n, key in enumerate(KEYS)
        ]
        teams[version] = (team, keys)
    client = Client()
    client.force_login(user)
    store = redis.Redis.from_url(os.environ["REDIS_URL"])

    from panel.servers import cache as vultr_cache

    def cold() -> None:
        store.flushdb()
        vultr_cache._local.clear()  # the process's own copy of fresh entries too
        time.sleep(0.05)

    def timed(url: str) -> tuple[float, int]:
        before = sim.stats()["total"]
        sim.inject_fault(count=1000, delay=latency)
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        sim.clear_faults()
        assert response.status_code == 200, (url, response.status_code)
        return elapsed * 1000, sim.stats()["total"] - before

    result: dict = {"latency_s": latency, "runs": runs}
    for version, (team, keys) in teams.items():
        key = keys[0]
        listing = client.get(f"/t/{team.slug}/k/{key.pk}/servers/?q=web-01")
        server_id = _first_server(listing.content.decode())
        base = f"/t/{team.slug}/k/{key.pk}/servers/{server_id}/"
        for name, url, warm in (
            ("ipv6", base + "ipv6/", base),
            ("images", base + "images/", base),
            ("dashboard", f"/t/{team.slug}/dashboard/", None),
        ):
            times, requests = [], []
            for _ in range(runs):
                cold()
                if warm:
                    client.get(warm)  # the overview: the server list is cached now
                    time.sleep(1.1)  # and the key's budget has refilled (a person reads)
                ms, made = timed(url)
                times.append(ms)
                requests.append(made)
            result[f"{version}_{name}_ms"] = round(statistics.median(times))
            result[f"{version}_{name}_requests"] = max(requests)
    served.shutdown()
    return result


def _first_server(page: str) -> str:
    import re

    found = re.search(r'id="badge-([^"]+)"', page)
    assert found, "no server in the list"
    return found.group(1)


if __name__ == "__main__":
    main()
