"""Scale-out on one machine: two gunicorn instances and three Celery workers on one PostgreSQL
and one Redis; the last line printed is one JSON object.

The stack is the production one, its commands read from docker-compose.yml and the Dockerfile
(tests/fixtures/production.py), with PostgreSQL and Redis of its own; the simulator is Vultr
(rate limit 2 requests/s per key, provisioning 60 simulated seconds at 10x).

- creates: ``--ops`` create-and-wait operations started at once on one key (as the web would
  start them), run by the three workers. ``duplicates`` (servers beyond one per operation, by
  label) and ``rate_limited`` (503s counted by the simulator) must be 0.
- audit: ``--writers`` processes append ``--entries`` audit entries each to one team at the
  same time; ``manage.py audit_verify`` must accept the chain (``chain_ok``), which has no gap
  (``entries`` counted by the chain's last number).
- viewers: ``--viewers`` signed-in viewers, spread over both web instances, reload the server
  list every cache interval for ``--viewer-seconds``; ``upstream_calls`` (server/list calls that
  reached the simulator) must stay within ``ticks`` + 1: one per key per tick.

The script exits non-zero when one of these fails.

    python bench/scale.py [--ops 100] [--writers 8] [--entries 1000] [--viewers 50]
                          [--viewer-seconds 30] [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import control, quick_mode, reloading, viewer_arguments, vultr_get  # noqa: E402
from bench.common import start_simulator as start  # noqa: E402
from panel.local_stack import stop  # noqa: E402
from tests.fixtures.production import ProductionStack, temporary_workdir  # noqa: E402
from tests.fixtures.web import WebClient  # noqa: E402

INTERVAL = 5  # PANEL_CACHE_SECONDS (its default): the list cache's lifetime, one tick
USER, PASSWORD = "scale", "scale-bench-password-1234"

AUDIT_WRITER = """
import django, sys
django.setup()
from accounts.models import Team
from panel.audit import record as audit
team = Team.objects.get(slug=sys.argv[1])
for i in range(int(sys.argv[2])):
    audit.record("reboot_server", team=team, actor=None, params={"writer": sys.argv[3], "i": i})
"""


def start_simulator(key: str) -> tuple[subprocess.Popen, str]:
    return start(
        "--key", key, "--rate-limit", "2", "--speed", "10", "--provisioning-seconds", "60",
        start_new_session=True,
    )  # fmt: skip


def list_calls(url: str) -> int:
    return control(url, "stats")["by_path"].get("/v1/server/list", 0)


def creates(stack, sim_url, key, ops: int, timeout: float) -> dict:
    """`ops` create-and-wait operations at once; this process starts them as a web would."""
    from accounts.models import ApiKey, User
    from panel.operations import start
    from panel.operations.models import Operation
    from panel.servers.actions import ActionContext
    from panel.vultr.domain import NewServer

    user = User.objects.get(username=USER)
    team = user.personal_team
    api_key = ApiKey.objects.get(team=team)
    ctx = ActionContext(user=user, team=team, api_key_id=api_key.pk, request_id="scale")
    time.sleep(1.5)  # the simulator's bucket refills after the key was checked
    control(sim_url, "stats/reset", "POST")
    started = time.monotonic()
    ids = [
        start.start_create_server(
            ctx, NewServer(region_id="1", plan_id="201", os_id="387", label=f"scale-{n:03d}")
        ).pk
        for n in range(ops)
    ]
    while Operation.objects.filter(pk__in=ids, status__in=Operation.ACTIVE).exists():
        if time.monotonic() - started > timeout:
            raise RuntimeError("the operations did not end in time")
        time.sleep(0.5)
    wall = time.monotonic() - started
    ended = Operation.objects.filter(pk__in=ids)
    failed = [op.error for op in ended if op.status != Operation.Status.SUCCEEDED]
    for error in failed[:3]:
        print("failed:", error, flush=True)
    stats = control(sim_url, "stats")
    labels = Counter(
        s["label"] for s in vultr_get(sim_url, key, "server/list").values()
        if s["label"].startswith("scale-")
    )  # fmt: skip
    return {
        "ops": ops,
        "succeeded": ops - len(failed),
        "duplicates": sum(n - 1 for n in labels.values() if n > 1),
        "missing": ops - len(labels),
        "rate_limited": stats["rate_limited"],
        "creates_wall_s": round(wall, 1),
    }


def audit_writers(stack, writers: int, entries: int) -> dict:
    from accounts.models import User

    team = User.objects.get(username=USER).personal_team
    before = stack.manage("shell", "-c", _HEAD.format(slug=team.slug)).stdout.split()[-1]
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", AUDIT_WRITER, team.slug, str(entries), str(n)],
            cwd=ROOT,
            env={**stack.panel_env, "DJANGO_SETTINGS_MODULE": "panel.settings"},
        )  # fmt: skip
        for n in range(writers)
    ]
    codes = [proc.wait() for proc in procs]
    wall = time.monotonic() - started
    verified = stack.manage("audit_verify", "--team", team.slug, check=False)
    after = stack.manage("shell", "-c", _HEAD.format(slug=team.slug)).stdout.split()[-1]
    return {
        "writers": writers,
        "writer_exit_codes_ok": all(code == 0 for code in codes),
        "entries": int(after) - int(before),
        "entries_expected": writers * entries,
        "chain_ok": verified.returncode == 0,
        "audit_wall_s": round(wall, 1),
    }


# The chain's last number, read through the public command line (manage.py shell).
_HEAD = (
    "from accounts.models import Team; "
    "from django.apps import apps; "
    "Entry = apps.get_model('audit', 'AuditEntry'); "
    "t = Team.objects.get(slug='{slug}'); "
    "print(Entry._base_manager.filter(team=t).order_by('-seq').values_list('seq', flat=True)"
    ".first() or 0)"
)


def viewers(stack, sim_url, page: str, count: int, seconds: float) -> dict:
    clients = []
    for n in range(count):
        web = WebClient(stack.url(n % len(stack.web_ports)), https_proxy=True)
        clients.append(web)
    for web in clients[: len(stack.web_ports)]:
        web.sign_in(USER, PASSWORD)
    # Each viewer has its own session (signing in 50 times would trip nothing, but is slow).
    for n, web in enumerate(clients[len(stack.web_ports) :], start=len(stack.web_ports)):
        web.cookies = dict(clients[n % len(stack.web_ports)].cookies)
    for web in clients:  # warm: each web instance has read the list once
        web.get(page)
    time.sleep(INTERVAL + 0.5)  # what the warm-up cached has expired
    before = list_calls(sim_url)
    started = time.monotonic()
    failed = reloading(
        [lambda web=web: web.get(page).status_code == 200 for web in clients], INTERVAL, seconds
    )
    upstream = list_calls(sim_url) - before
    return {
        "viewers": count,
        "viewer_reloads_failed": failed,
        "upstream_calls": upstream,
        "ticks": math.ceil((time.monotonic() - started) / INTERVAL),
        "viewers_wall_s": round(time.monotonic() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=100)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--entries", type=int, default=1000)
    viewer_arguments(parser)
    parser.add_argument("--timeout", type=float, default=900.0)
    quick_mode(parser, ops=10, entries=100, viewers=10, viewer_seconds=10.0)
    args = parser.parse_args()

    key = secrets.token_hex(18).upper()
    workdir = temporary_workdir()
    procs: list[subprocess.Popen] = []
    stack = None
    result: dict = {"web_instances": 2, "workers": 3}
    try:
        simulator, sim_url = start_simulator(key)
        procs.append(simulator)
        stack = ProductionStack(
            workdir,
            web_instances=2,
            workers=3,
            variables={
                "ALLOWED_HOSTS": "127.0.0.1",
                "BEHIND_TLS_PROXY": "true",
                "VULTR_API_URL": sim_url,
            },
            extra_env={"LOG_LEVEL": "WARNING"},
        )
        started = time.monotonic()
        stack.start()
        result["start_s"] = round(time.monotonic() - started, 1)

        os.environ.update({**stack.panel_env, "DJANGO_SETTINGS_MODULE": "panel.settings"})
        import django

        django.setup()
        from accounts import actions

        user = actions.create_user(USER, "scale@example.com", PASSWORD)
        api_key = actions.add_api_key(user.personal_team, user, "Scale", sim_url, key)
        from django.db import connection

        connection.close()

        result.update(creates(stack, sim_url, key, args.ops, args.timeout))
        result.update(audit_writers(stack, args.writers, args.entries))
        page = f"/t/{user.personal_team.slug}/k/{api_key.pk}/servers/"
        result.update(viewers(stack, sim_url, page, args.viewers, args.viewer_seconds))
    finally:
        if stack is not None:
            stack.stop()
        stop(procs)
        shutil.rmtree(workdir, ignore_errors=True)

    problems = [
        name
        for name, bad in [
            ("operations failed", result["succeeded"] < result["ops"]),
            ("duplicate servers", result["duplicates"] > 0),
            ("rate-limited answers", result["rate_limited"] > 0),
            ("audit chain", not result["chain_ok"]),
            ("audit entries", result["entries"] != result["entries_expected"]),
            ("upstream calls", result["upstream_calls"] > result["ticks"] + 1),
            ("viewer reloads failed", result["viewer_reloads_failed"] > 0),
        ]
        if bad
    ]
    for problem in problems:
        print(f"FAILED: {problem}", flush=True)
    print(json.dumps(result), flush=True)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
