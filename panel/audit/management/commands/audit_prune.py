"""Delete audit entries older than each team's retention (TeamSettings.audit_retention_days).

    manage.py audit_prune                # every team that keeps its log for a limited time
    manage.py audit_prune --team acme    # one team

Teams that keep their log forever (the default) are left alone. Run it daily (cron), or let
Celery beat run `panel.audit.tasks.audit_daily`; see panel/audit/retention.py.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Team
from panel.audit.retention import prune, prune_all


class Command(BaseCommand):
    help = "Prune audit entries older than each team's retention, leaving a signed checkpoint."

    def add_arguments(self, parser):
        parser.add_argument("--team", help="Slug of one team.")

    def handle(self, *args, **options):
        if options["team"]:
            team = Team.objects.filter(slug=options["team"]).first()
            if team is None:
                raise CommandError(f"No team has the slug {options['team']!r}.")
            pruned = prune(team)
            done = {team.pk: pruned} if pruned else {}
        else:
            done = prune_all()
        names = dict(Team.objects.filter(pk__in=done).values_list("pk", "name"))
        for team_id, pruned in done.items():
            self.stdout.write(
                f"{names.get(team_id, team_id)}: removed {pruned.removed} entries, up to number "
                f"{pruned.through_seq}; checkpoint {pruned.checkpoint_hash}."
            )
        if not done:
            self.stdout.write("Nothing to prune.")
