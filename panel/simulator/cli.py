"""Command line: ``python -m panel.simulator`` and ``manage.py vultr_simulator`` share this."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any, TextIO

from .httpd import SimulatorHTTPServer
from .simulator import Simulator

HOST = "127.0.0.1"  # loopback only: the simulator has no real authentication

# The options that take a number: flag, default, help.
NUMBERS = (
    (
        "--rate-limit",
        2.0,
        "requests per second per key, like v1 (default 2; 0 turns the limit off)",
    ),
    (
        "--v2-rate-limit",
        30.0,
        "v2 requests per second per client IP, like Vultr (default 30; 0 turns it off)",
    ),
    (
        "--v2-not-found-seconds",
        0.0,
        "simulated seconds after a create in which GET /v2/instances/{id} answers 404 "
        "(default 0: off)",
    ),
    ("--speed", 1.0, "simulated seconds per real second (default 1)"),
    (
        "--provisioning-seconds",
        60.0,
        "simulated seconds from server/create to active + ok (default 60)",
    ),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, required=True, help="TCP port; 0 picks a free one")
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        dest="keys",
        metavar="KEY",
        help="API key of an account to create; repeat for more accounts",
    )
    parser.add_argument("--demo", action="store_true", help="fill each account with demo data")
    parser.add_argument(
        "--servers", type=int, default=0, help="add this many running servers to each account"
    )
    parser.add_argument(
        "--api",
        choices=("v1", "v2", "both"),
        default="both",
        help="which API versions to serve over the same accounts (default both)",
    )
    for flag, default, text in NUMBERS:
        parser.add_argument(flag, type=float, default=default, help=text)
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")


def run(options: dict[str, Any], out: TextIO = sys.stdout) -> None:
    """Build the simulator from parsed ``options``, announce its URL and serve until stopped."""
    sim = Simulator(
        rate_limit=options["rate_limit"],
        speed=options["speed"],
        provisioning_seconds=options["provisioning_seconds"],
        api=options.get("api") or "both",
        v2_rate_limit=options.get("v2_rate_limit", 30.0),
        v2_not_found_seconds=options.get("v2_not_found_seconds") or 0.0,
    )
    for key in options["keys"]:
        sim.add_account(key, demo=options["demo"], servers=options["servers"])
    httpd = SimulatorHTTPServer(sim, HOST, options["port"], verbose=options["verbose"])
    # Scripts wait for exactly this line, so it is the only thing printed. It stays the v1 line
    # whenever v1 is served (scripts match its prefix); the URL is always what follows "on ".
    version = "v2" if sim.api == "v2" else "v1"
    out.write(f"Vultr {version} simulator listening on {httpd.url}\n")
    out.flush()
    # Stop cleanly on SIGTERM (process managers, test fixtures) as on Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m panel.simulator",
        description="Vultr API v1 and v2 simulator on 127.0.0.1",
    )
    add_arguments(parser)
    run(vars(parser.parse_args(argv)))
