"""Benchmark create-and-wait operations under Vultr's rate limit; the last line printed is one
JSON object.

100 create-server operations are started at once on one API key against the simulator (rate
limit 2 requests per wall-clock second, provisioning 60 simulated seconds, clock at 10x), with
two Celery workers, and the script waits until all of them have ended. Everything runs as in
production, as processes of its own: a private Redis, the simulator, two `celery worker`
processes; this process starts the operations (as the web would) and watches the database.

Printed: ``ops``, ``succeeded``, ``duplicates`` (servers beyond one per operation token),
``rate_limited_503`` (counted by the simulator), ``create_calls`` (server/create requests),
``poll_calls`` (server/list requests), ``poll_interval_s``, ``all_ready_s`` (wall seconds from
the first start to the last operation's end), ``lower_bound_s`` (ops / rate + provisioning in
wall seconds: what the rate limit alone forces).

Targets (issue 5): all succeed, 0 duplicates, 0 rate-limited, all_ready_s <= 1.5 x
lower_bound_s, poll_calls <= all_ready_s / poll_interval_s + 2.

    python bench/creates.py [--ops 100] [--rate 2] [--speed 10] [--provisioning 60]
                            [--workers 2] [--poll 5|2] [--quick] [--api v1|v2]

With ``--api v2`` the key is a v2 key, ``--rate`` (default 30) is the simulator's v2 limit
per client IP and ``--poll`` (default 2) the panel's v2 poll interval; the counts are of v2
requests (``POST /v2/instances``, ``GET /v2/instances`` pages), ``rate_limited_429`` replaces
``rate_limited_503``, and duplicates are counted by label (each operation's is unique), since
a v2 operation takes its tag off the server again.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import control, quick_mode, vultr_get  # noqa: E402
from bench.common import start_simulator as start  # noqa: E402
from panel.local_stack import free_port, start_celery, start_redis, stop  # noqa: E402
from panel.vultr.domain import NewServer  # noqa: E402


def start_simulator(key: str, rate: float, speed: float, provisioning: float, api: str = "v1"):
    limit = ["--rate-limit", str(rate)] if api == "v1" else ["--v2-rate-limit", str(rate)]
    return start(
        "--key", key, *limit, "--speed", str(speed), "--provisioning-seconds", str(provisioning)
    )


def v2_labels(url: str, key: str) -> list[str]:
    """The labels of every server, through v2 (all pages)."""
    labels, cursor = [], ""
    while True:
        query = f"per_page=500&cursor={cursor}" if cursor else "per_page=500"
        request = urllib.request.Request(
            f"{url}/v2/instances?{query}", headers={"Authorization": f"Bearer {key}"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            body = json.load(answer)
        labels += [i["label"] for i in body["instances"]]
        cursor = body["meta"]["links"]["next"]
        if not cursor:
            return labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=100)
    parser.add_argument(
        "--rate", type=float, default=None, help="requests/s, Vultr and budget (v1 2, v2 30)"
    )
    parser.add_argument("--speed", type=float, default=10.0, help="simulated seconds per second")
    parser.add_argument("--provisioning", type=float, default=60.0, help="simulated seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--poll", type=float, default=None, help="seconds between polls of a key (v1 5, v2 2)"
    )
    parser.add_argument("--timeout", type=float, default=600.0)
    quick_mode(parser, ops=10, timeout=120.0)
    parser.add_argument("--api", choices=["v1", "v2"], default="v1")
    options = parser.parse_args()
    if options.rate is None:
        options.rate = 2.0 if options.api == "v1" else 30.0
    if options.poll is None:  # the panel's defaults (PANEL_OPERATION_[V2_]POLL_SECONDS)
        options.poll = 5.0 if options.api == "v1" else 2.0

    tmp = Path(tempfile.mkdtemp(prefix="bench-creates-"))
    key = secrets.token_hex(18).upper()
    procs: list[subprocess.Popen] = []
    result: dict = {}
    log = open(tmp / "workers.log", "w")  # noqa: SIM115 (open until the workers stop)
    try:
        redis_port = free_port()
        procs.append(start_redis(redis_port, tmp / "redis"))
        sim, sim_url = start_simulator(
            key, options.rate, options.speed, options.provisioning, options.api
        )
        procs.append(sim)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "panel.settings",
            "PANEL_DATA_DIR": str(tmp / "data"),
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "VULTR_API_URL": sim_url,
            "PANEL_VULTR_RATE_LIMIT": str(options.rate),
            "PANEL_OPERATION_POLL_SECONDS": str(options.poll),
            "PANEL_OPERATION_V2_POLL_SECONDS": str(options.poll),
            "LOG_LEVEL": "WARNING",
        }
        os.environ.update(env)

        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        from accounts import actions as account_actions
        from accounts.models import User
        from panel.operations import start
        from panel.operations.models import Operation
        from panel.servers.actions import ActionContext

        user = User.objects.create_user("bench", "bench@example.com", secrets.token_urlsafe())
        team = account_actions.create_team(user, "Bench")
        api_key = account_actions.add_api_key(team, user, "Bench", sim_url, key)
        api_key.api_version = options.api
        api_key.save(update_fields=["api_version"])
        region, plan = ("1", "201") if options.api == "v1" else ("ewr", "vc2-1c-1gb")
        ctx = ActionContext(user=user, team=team, api_key_id=api_key.pk, request_id="bench")

        worker_args = ("--pool=solo", "--without-mingle", "--without-gossip", "--loglevel=WARNING")
        for n in range(options.workers):
            procs.append(
                start_celery(env, *worker_args, f"--hostname=bench{n}@%h", stdout=log, stderr=log)
            )
        from panel.celery import app

        deadline = time.monotonic() + 60
        while len(app.control.ping(timeout=0.5) or []) < options.workers:
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not start")
        time.sleep(1.5)  # the simulator's bucket refills after the key check
        control(sim_url, "stats/reset", "POST")

        started = time.monotonic()
        t0 = time.time()
        ops = [
            start.start_create_server(ctx, NewServer(region, plan, "387", label=f"bench-{n:03d}"))
            for n in range(options.ops)
        ]
        ids = [op.pk for op in ops]
        while Operation.objects.filter(pk__in=ids, status__in=Operation.ACTIVE).exists():
            if time.monotonic() - started > options.timeout:
                raise RuntimeError("the operations did not end in time")
            time.sleep(0.25)

        ended = Operation.objects.filter(pk__in=ids)
        last = max(op.finished_at.timestamp() for op in ended)
        stats = control(sim_url, f"stats?api={options.api}")
        if options.api == "v1":
            servers = vultr_get(sim_url, key, "server/list")
            tags = Counter(s["tag"] for s in servers.values() if s["tag"].startswith("op-"))
        else:
            tags = Counter(x for x in v2_labels(sim_url, key) if x.startswith("bench-"))
        create_path, list_path = {
            "v1": ("/v1/server/create", "/v1/server/list"),
            "v2": ("POST /v2/instances", "GET /v2/instances"),
        }[options.api]
        failed = [op.error for op in ended if op.status != Operation.Status.SUCCEEDED]
        for error in failed[:3]:
            print("failed:", error)
        result = {
            "ops": options.ops,
            "succeeded": ended.filter(status=Operation.Status.SUCCEEDED).count(),
            "duplicates": sum(n - 1 for n in tags.values() if n > 1),
            ("rate_limited_503" if options.api == "v1" else "rate_limited_429"): stats[
                "rate_limited"
            ],
            "create_calls": stats["by_path"].get(create_path, 0),
            # Counted before the script's own server/list above (stats are a snapshot).
            "poll_calls": stats["by_path"].get(list_path, 0),
            "api": options.api,
            "poll_interval_s": options.poll,
            "all_ready_s": round(last - t0, 1),
            "lower_bound_s": round(
                options.ops / options.rate + options.provisioning / options.speed, 1
            ),
        }
    finally:
        stop(procs)
    # Last, after every process has stopped, so that nothing prints after it.
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
