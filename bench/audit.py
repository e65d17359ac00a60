"""Benchmark the audit log with one team of 1,000,000 entries; the last line printed is one JSON
object.

The team's chain is written in bulk (hashes computed here, rows inserted with bulk_create in
batches), as the panel would have written it entry by entry, then:

- ``p50_ms_first_page``: median time of the audit page (newest 50 entries), the whole request
  through Django's middleware as a signed-in auditor, one request at a time;
- ``p50_ms_filtered``: the same page filtered by actor + action + a 30-day date range;
- ``p50_ms_deep_page``: page 1,000, reached by its keyset cursor (``?before=<seq>``);
- ``verify_s``: walking the whole chain (what ``manage.py audit_verify`` does);
- ``export_peak_rss_mb``: peak resident memory of a separate process that streams the whole
  log as CSV through the export view (so the fill does not count).

Targets: each p50 <= 100 ms, verify_s <= 60, export_peak_rss_mb <= 200.

The database is a fresh SQLite file in a temporary folder, or the PostgreSQL database that
DATABASE_URL names (migrated first; the bench team is deleted afterwards unless --keep).

    python bench/audit.py [--entries 1000000] [--repeat 25] [--keep] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import quick_mode  # noqa: E402

TEAM_SLUG = "audit-bench"
AUDITOR = "bench-auditor"
ACTORS = 20
SERVERS = 500
BATCH = 5000
PAGE = 50


def setup_django(data_dir: str) -> None:
    os.environ.setdefault("PANEL_DATA_DIR", data_dir)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{data_dir}/bench.sqlite3")
    os.environ.setdefault("SECRET_KEY", "audit-bench-secret-key-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("STATIC_ROOT", data_dir)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "panel.settings"
    import django

    django.setup()
    from django.conf import settings

    # Pages are rendered in this process without collectstatic: plain static names, as the
    # suite uses (tests/settings.py); the production image's hashed names are not measured here.
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }


# -- filling ---------------------------------------------------------------------------------


def fill(entries: int) -> dict:
    """A team with an auditor and ACTORS members, and `entries` chained entries over a year."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max

    from accounts import actions
    from accounts.models import Membership, Team, User
    from accounts.roles import Role
    from panel.audit.chain import counter_parts, entry_hash, head_parts, sign, values_of
    from panel.audit.events import EVENTS, vultr_actions
    from panel.audit.models import AuditChain, AuditCounter, AuditEntry

    Team.objects.filter(slug=TEAM_SLUG).delete()
    owner = User.objects.filter(username=AUDITOR).first() or actions.create_user(
        AUDITOR, "bench-auditor@example.com", "bench-password-1234"
    )
    team = Team.objects.create(name="Audit bench", slug=TEAM_SLUG)
    Membership.objects.create(team=team, user=owner, role=Role.AUDITOR)
    names = [f"member{n:02d}" for n in range(ACTORS)]
    action_names = vultr_actions() + sorted(EVENTS)
    rng = random.Random(6)
    servers = [str(40_000_000 + n * 7919) for n in range(SERVERS)]
    agents = ["Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "Mozilla/5.0 (Macintosh) Safari"]
    start = datetime.now(UTC) - timedelta(days=365)
    step = timedelta(days=365) / entries

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # Only for this fill: a crash just means running the benchmark again.
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA journal_mode = MEMORY")
    next_id = (AuditEntry._base_manager.aggregate(top=Max("id"))["top"] or 0) + 1
    prev_hash, seq, started = "", 0, time.perf_counter()
    while seq < entries:
        batch = []
        for _ in range(min(BATCH, entries - seq)):
            seq += 1
            actor = rng.randrange(ACTORS)
            outcome = rng.choices(["succeeded", "failed", "denied"], [95, 4, 1])[0]
            server = rng.choice(servers)
            entry = AuditEntry(
                id=next_id,
                seq=seq,
                created_at=start + step * seq,
                team_id=team.pk,
                actor_id=None,
                actor_name=names[actor],
                api_key_id=1,
                action=rng.choice(action_names),
                target_type="server",
                target_id=server,
                target_label=f"web-{int(server) % 97:02d}",
                params={"label": f"web-{seq % 97:02d}", "reboot": seq % 2 == 0},
                outcome=outcome,
                error="Unable to complete: server is locked" if outcome == "failed" else "",
                request_id=uuid.UUID(int=rng.getrandbits(128)).hex,
                ip=f"192.0.2.{actor + 1}",
                user_agent=agents[actor % 2],
                prev_hash=prev_hash,
            )
            entry.hash = prev_hash = entry_hash(values_of(entry), prev_hash)
            batch.append(entry)
            next_id += 1
        with transaction.atomic():
            AuditEntry.objects.bulk_create(batch)
    # The ids were given, so PostgreSQL's sequence has not moved: the next save would collide.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [AuditEntry]):
            cursor.execute(sql)
    # Counted in the site's counter as appending would have (panel/audit/chain.py).
    counter = (AuditCounter.objects.filter(pk=1).values_list("value", flat=True).first() or 0) + seq
    AuditCounter.objects.update_or_create(
        pk=1, defaults={"value": counter, "signature": sign(*counter_parts(counter))}
    )
    AuditChain.objects.update_or_create(
        key=team.pk,
        defaults={
            "seq": seq,
            "head_hash": prev_hash,
            "counter": counter,
            "head_signature": sign(*head_parts(team.pk, seq, prev_hash, counter)),
        },
    )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {AuditEntry._meta.db_table}")
    return {
        "team": team,
        "auditor": owner,
        "actor": names[3],
        "action": "reboot_server",
        "since": (start + timedelta(days=150)).date().isoformat(),
        "until": (start + timedelta(days=179)).date().isoformat(),
        "head_seq": seq,
        "fill_s": round(time.perf_counter() - started, 1),
    }


# -- measuring -------------------------------------------------------------------------------


def p50_ms(client, url: str, repeat: int) -> tuple[float, int]:
    client.get(url)  # warm: templates compiled, connection open
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    rows = response.content.decode().count('<td data-label="When (UTC)"')
    return round(statistics.median(times), 1), rows


def signed_in_client(username: str):
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def export_child() -> None:
    """In its own process: stream the whole CSV export, print bytes and peak RSS as JSON."""
    client = signed_in_client(AUDITOR)
    started = time.perf_counter()
    response = client.get(f"/t/{TEAM_SLUG}/audit/export.csv")
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "export_peak_rss_mb": round(peak_kb / 1024, 1),
                "export_s": round(time.perf_counter() - started, 1),
                "export_mb": round(size / 1e6, 1),
                "export_lines": lines,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--keep", action="store_true", help="Keep the bench team (PostgreSQL).")
    parser.add_argument("--export-child", action="store_true", help=argparse.SUPPRESS)
    quick_mode(parser, entries=20_000, repeat=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="audit-bench-") as data_dir:
        if args.export_child:
            setup_django(os.environ["PANEL_DATA_DIR"])
            export_child()
            return
        setup_django(data_dir)
        from django.core.management import call_command
        from django.db import connection

        from panel.audit.verify import verify

        call_command("migrate", verbosity=0)
        vendor = connection.vendor
        print(f"Filling one team with {args.entries:,} entries on {vendor}...", flush=True)
        bench = fill(args.entries)
        print(f"  filled in {bench['fill_s']} s", flush=True)
        team = bench["team"]

        client = signed_in_client(AUDITOR)
        base = f"/t/{TEAM_SLUG}/audit/"
        first, first_rows = p50_ms(client, base, args.repeat)
        filtered_url = (
            f"{base}?actor={bench['actor']}&action={bench['action']}"
            f"&since={bench['since']}&until={bench['until']}"
        )
        filtered, filtered_rows = p50_ms(client, filtered_url, args.repeat)
        # Page 1,000 starts below the 999 pages of PAGE entries above it.
        cursor = bench["head_seq"] - 999 * PAGE + 1
        deep, deep_rows = p50_ms(client, f"{base}?before={cursor}", args.repeat)
        print(
            f"  pages: first {first} ms ({first_rows} rows), filtered {filtered} ms "
            f"({filtered_rows} rows), page 1,000 {deep} ms ({deep_rows} rows)",
            flush=True,
        )

        started = time.perf_counter()
        result = verify(team.pk)
        verify_s = round(time.perf_counter() - started, 1)
        print(f"  verify: {result.message} in {verify_s} s", flush=True)
        assert result.ok and result.checked == args.entries, result

        connection.close()
        child = subprocess.run(
            [sys.executable, __file__, "--export-child"],
            env={**os.environ, "PANEL_DATA_DIR": data_dir},
            capture_output=True,
            text=True,
            check=True,
        )
        exported = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"  export: {exported['export_lines']:,} lines, {exported['export_mb']} MB in "
            f"{exported['export_s']} s",
            flush=True,
        )

        if vendor != "sqlite" and not args.keep:
            from django.utils import timezone

            from panel.audit.retention import prune

            # Pruned as old entries are (panel/audit/retention.py): deleting them with their
            # head would be a wipe that audit_verify reports; a signed checkpoint keeps the
            # chain and the site's counter of entries verifying.
            prune(team, 1, now=timezone.now() + timedelta(days=2))
            team.delete()

        print(
            json.dumps(
                {
                    "database": vendor,
                    "entries": args.entries,
                    "p50_ms_first_page": first,
                    "p50_ms_filtered": filtered,
                    "p50_ms_deep_page": deep,
                    "verify_s": verify_s,
                    "export_peak_rss_mb": exported["export_peak_rss_mb"],
                }
            )
        )


if __name__ == "__main__":
    main()
