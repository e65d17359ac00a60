"""``manage.py vultr_simulator``: the v1/v2 simulator, options as ``python -m panel.simulator``."""

from django.core.management.base import BaseCommand

from panel.simulator import cli


class Command(BaseCommand):
    help = "Run the Vultr API v1/v2 simulator on 127.0.0.1 (see panel/simulator)."
    # It touches neither the database nor the project's settings beyond starting Django.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        cli.add_arguments(parser)

    def handle(self, *args, **options):
        cli.run(options, out=self.stdout)
