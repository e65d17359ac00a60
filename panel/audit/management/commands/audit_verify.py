"""Walk the audit log's hash chains and say whether they are intact.

    manage.py audit_verify               # every team's chain, and the site's own
    manage.py audit_verify --team acme   # one team, by slug or id ("site": the site's chain)
    manage.py audit_verify --witness /backup/audit-witness.jsonl   # also against that copy

Also checks the site's counter of appended entries against the chains' heads (every run
without --team), which finds newest entries deleted with an older head put back, or a chain
deleted with its head; --witness compares with the heads a PANEL_AUDIT_WITNESS file recorded,
which finds the whole database put back (panel/audit/witness.py). Without --team it also
writes the heads to PANEL_AUDIT_WITNESS, as the daily task does.

Names the first broken entry of each broken chain and exits with status 1 if any is broken.
The outcome is also kept for the team's audit page. Safe to run while the panel is in use:
entries appended during the walk are left for the next run.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Team
from panel.audit import witness
from panel.audit.chain import SITE_CHAIN
from panel.audit.verify import chain_keys, verify, verify_counter


def chain_key_for(value: str) -> int:
    if value == "site":
        return SITE_CHAIN
    team = Team.objects.filter(slug=value).first()
    if team is None and value.isdigit():
        team = Team.objects.filter(pk=int(value)).first()
        if team is None:
            return int(value)  # a deleted team's entries are still there
    if team is None:
        raise CommandError(f"No team has the slug or id {value!r}.")
    return team.pk


def chain_name(key: int, names: dict[int, str]) -> str:
    if key == SITE_CHAIN:
        return "the site's own chain"
    return names.get(key, f"team {key} (deleted)")


class Command(BaseCommand):
    help = "Verify the audit log's hash chains; exit status 1 if one is broken."

    def add_arguments(self, parser):
        parser.add_argument("--team", help='Slug or id of one team ("site": no team).')
        parser.add_argument(
            "--witness", help="A PANEL_AUDIT_WITNESS file: refuse chains behind what it saw."
        )

    def handle(self, *args, **options):
        seen = {}
        if options["witness"]:
            try:
                seen = witness.read(options["witness"])
            except (OSError, ValueError) as err:
                raise CommandError(f"Cannot read the witness file: {err}") from None
        keys = [chain_key_for(options["team"])] if options["team"] else chain_keys()
        if not options["team"]:
            keys = sorted(set(keys) | set(seen))
        names = {
            pk: f"{name} ({slug})"
            for pk, name, slug in Team.objects.values_list("pk", "name", "slug")
        }
        broken = 0
        results = []
        for key in keys:
            result = verify(key, seen=[seen[key]] if key in seen else [])
            results.append(result)
            name = chain_name(key, names)
            if result.ok:
                head = f", head {result.head_hash}" if result.head_hash else ""
                self.stdout.write(f"OK      {name}: {result.message[:-1]}{head}.")
            else:
                broken += 1
                self.stderr.write(f"BROKEN  {name}: {result.message}")
        if not options["team"]:
            counter = verify_counter()
            if counter.ok:
                self.stdout.write(f"OK      the chains' counter: {counter.message}")
            else:
                broken += 1
                self.stderr.write(f"BROKEN  the chains' counter: {counter.message}")
            # Run from cron instead of the beat task, it keeps the external copy too.
            problem = witness.publish(witness.snapshot(results, counter))
            if problem:
                self.stderr.write(f"WARNING {problem}")
        if broken:
            noun = "chain is" if broken == 1 else "chains are"
            raise CommandError(f"{broken} audit {noun} broken.", returncode=1)
