"""Everything a local run needs, in one command (the README's run command ends here).

Starts a private Redis, the bundled Vultr simulator (API v1 and v2 over one demo account), a
Celery worker and beat, and the web server; prepares the database and the demo login, whose
team holds the demo account's key twice: "Simulator demo" on v2 (listed first) and
"Simulator demo (v1)". Ctrl-C (SIGINT), SIGTERM (what ``kill``, ``timeout`` and service
managers send) and SIGHUP (the terminal closed) all stop every process it started, also when it
runs in the background, where a shell starts it with SIGINT ignored.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from panel.env import local_secret
from panel.local_stack import (
    BASE_DIR,
    child_env,
    free_port,
    spawn,
    start_celery,
    start_redis,
    stop,
    wait_for_port,
)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(Exception):
    """A stop signal arrived: unwind to the cleanup that stops the children."""


def _stop_requested(signum, frame):
    # Once: a second signal must not interrupt the cleanup that is about to run.
    for each in STOP_SIGNALS:
        signal.signal(each, signal.SIG_IGN)
    raise Stopped(signal.Signals(signum).name)


class Command(BaseCommand):
    help = "Run the panel locally with Redis, a Celery worker and beat, and the Vultr simulator."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument(
            "--simulator-port",
            type=int,
            default=8790,
            help="Fixed, so that the demo key's API address stays valid across runs.",
        )

    def handle(self, *args, port: int, simulator_port: int, **options):
        # Line by line even into a pipe (`| tee`, a service manager's log): the URL and the
        # login must show when they are printed, not when the run ends.
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(line_buffering=True)
        procs: list[subprocess.Popen] = []
        # Installed explicitly for SIGINT too: a shell starts a background job with SIGINT
        # ignored, and Python then raises no KeyboardInterrupt for it.
        for each in STOP_SIGNALS:
            signal.signal(each, _stop_requested)
        try:
            self.start(procs, port, simulator_port)
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
            dead = next(p for p in procs if p.poll() is not None)
            self.stderr.write(f"{dead.args[2:5]} stopped (exit {dead.returncode}); shutting down")
        except (Stopped, KeyboardInterrupt) as stopped:
            self.stdout.write(f"\nStopping ({stopped or 'SIGINT'})…")
        finally:
            for each in STOP_SIGNALS:
                signal.signal(each, signal.SIG_IGN)
            stop(procs)
            self.stdout.write("Stopped.")

    def start(self, procs: list[subprocess.Popen], port: int, simulator_port: int) -> None:
        data = settings.DATA_DIR
        redis_port = free_port()
        procs.append(start_redis(redis_port, data / "redis"))
        self.stdout.write(f"Redis on 127.0.0.1:{redis_port}")

        simulator_url = f"http://127.0.0.1:{simulator_port}"
        # One demo Vultr account in the simulator; its key is kept so the stored (encrypted)
        # copy in the database stays valid from one run to the next.
        demo_key = local_secret(data / "demo_vultr_key", lambda: secrets.token_hex(18).upper())
        procs.append(
            spawn(
                [sys.executable, "-m", "panel.simulator", "--port", str(simulator_port),
                 "--key", demo_key, "--demo"],
                cwd=BASE_DIR,
                stdout=subprocess.DEVNULL,
            )
        )  # fmt: skip
        wait_for_port(simulator_port, timeout=15, proc=procs[-1])
        self.stdout.write(f"Vultr simulator (API v1 and v2) on {simulator_url}")

        env = child_env(
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            VULTR_API_URL=simulator_url,
            # Off unless the user turns it on: DEBUG pages show the URL map to anonymous
            # visitors, the environment on a 500, and skip the filters that hide a key typed
            # into a form.
            DEBUG=os.environ.get("DEBUG", "false"),
            # The web server answers plain HTTP on loopback only: a cookie marked Secure would
            # never come back to it (an explicit setting still wins).
            SESSION_COOKIE_SECURE=os.environ.get("SESSION_COOKIE_SECURE", "false"),
            DJANGO_SETTINGS_MODULE="panel.settings",
        )
        call_command("migrate", interactive=False, verbosity=0)
        # Without DEBUG, WhiteNoise serves static files from STATIC_ROOT under their hashed
        # names (the manifest), as in production: collect them first (quick when unchanged).
        call_command("collectstatic", interactive=False, verbosity=0)
        login = self.prepare_demo_login(demo_key, simulator_url)

        procs.append(start_celery(env, "--loglevel=INFO", "--concurrency=2"))
        procs.append(
            start_celery(env, "--loglevel=INFO", f"--schedule={data / 'celerybeat-schedule'}",
                         kind="beat")
        )  # fmt: skip
        procs.append(
            spawn(
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                cwd=BASE_DIR,
                env=env,
            )
        )
        wait_for_port(port, timeout=30, proc=procs[-1])
        self.stdout.write(self.style.SUCCESS(f"\nThe panel is running at http://127.0.0.1:{port}/"))
        if login:
            self.stdout.write(f"Sign in as {login[0]} with password {login[1]}")
        self.stdout.write("Press Ctrl-C to stop everything.\n")

    # The demo account's key, stored twice: once per API version (labels sort v2 first).
    DEMO_KEYS = (("Simulator demo", "v2"), ("Simulator demo (v1)", "v1"))

    def prepare_demo_login(self, demo_key: str, simulator_url: str) -> tuple[str, str] | None:
        """Make (once) the demo user, whose personal team holds the simulator's demo key as two
        keys: "Simulator demo" on API v2 (the default, listed first) and "Simulator demo (v1)"
        on API v1. Both reach the same simulator account, so they show the same servers.

        The password is generated into the data folder, so it stays the same from one run to
        the next; create_user leaves the user and keys alone when nothing changed (a demo key
        stored as v1 by an older version becomes v2).
        """
        import io

        from django.contrib.auth import get_user_model
        from django.core.management.base import CommandError

        username = "demo"
        password = local_secret(
            settings.DATA_DIR / "demo_password", lambda: secrets.token_urlsafe(12)
        )
        for label, api_version in self.DEMO_KEYS:
            try:
                call_command(
                    "create_user",
                    # "--password=..." in one word: a generated password may begin with "-",
                    # which argparse would take for an option given as a separate word.
                    f"--password={password}",
                    username=username,
                    email="demo@localhost",
                    vultr_key=demo_key,
                    api_url=simulator_url,
                    key_label=label,
                    api_version=api_version,
                    stdout=io.StringIO(),
                )
            except CommandError as err:
                self.stderr.write(f"The demo login has no key “{label}”: {err}")
        if not get_user_model().objects.filter(username=username).exists():
            return None
        return username, password
