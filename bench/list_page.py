"""Benchmark the server list page; the last line printed is one JSON object.

Everything runs as in production: the simulator (holding 1,000 servers for one key, with v1's
rate limit of 2 requests/s) and gunicorn are their own processes, with a private Redis and a
SQLite database in a temporary folder. The load generators are processes too, so that they do
not share an interpreter lock with anything they measure.

- ``p50_ms_warm``: median time of the server list page (50 rows of 1,000), cache warm, one
  request at a time. Target: <= 50 ms.
- ``upstream_calls_50_viewers``: 50 viewers each reload the list once per badge interval
  (PANEL_CACHE_SECONDS) for 30 s; the simulator counts the server/list calls that reached it.
  ``ticks`` is the number of intervals in those 30 s. Target: upstream calls <= ticks + 1.
- ``page_rps`` and ``baseline_rps``: pages per second with several keep-alive clients for the
  list page and for a trivial view (the sign-in page: one template, no database query) on the
  same gunicorn in the same run. Target: page_rps >= 0.25 x baseline_rps.

    python bench/list_page.py [--servers 1000] [--viewers 50] [--viewer-seconds 30]
                              [--load-seconds 10] [--clients 4] [--workers 2] [--threads 4]
                              [--quick] [--api v1|v2]

With ``--api v2`` the key is a v2 key (the simulator's v2 rate limit, 30 requests/s per IP,
stays on): the list comes from ``GET /v2/instances`` in pages of at most 500, so a refresh of
1,000 servers is one logical call of several requests. ``upstream_calls_50_viewers`` counts
logical calls (requests / pages per list) and ``upstream_requests`` the requests themselves.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import in_processes, quick_mode, reloading, viewer_arguments  # noqa: E402
from bench.common import start_simulator as start  # noqa: E402
from panel.local_stack import child_env, free_port, start_redis, stop, wait_for_port  # noqa: E402

KEY = "BENCH" + "0" * 31  # a v1 key has 36 upper-case letters and digits
USER, PASSWORD = "bench", "bench-password-1234"
INTERVAL = 5  # PANEL_CACHE_SECONDS: the list cache's lifetime and the fastest badge interval

SETUP = """
from accounts import actions
user = actions.create_user({user!r}, "bench@example.com", {password!r})
team = user.personal_team
key = actions.add_api_key(team, user, "Bench", {url!r}, {key!r})
key.api_version = {api!r}
key.save(update_fields=["api_version"])
print(f"{{team.slug}} {{key.pk}}")
"""


def start_simulator(servers: int) -> tuple[subprocess.Popen, str]:
    return start("--key", KEY, "--servers", str(servers))


# The requests that fetch the server list, per API version (v2 stats name the route).
LIST_PATHS = {"v1": ("v1", "/v1/server/list"), "v2": ("v2", "GET /v2/instances")}


def simulator_list_calls(url: str, api: str = "v1") -> int:
    version, path = LIST_PATHS[api]
    with urllib.request.urlopen(f"{url}/_sim/stats?api={version}", timeout=10) as response:
        return json.load(response)["by_path"].get(path, 0)


class Browser:
    """One signed-in client on a keep-alive connection (http.client: little overhead)."""

    def __init__(self, port: int, cookie: str = "") -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = cookie

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            return self._get(path)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # gunicorn closes keep-alive connections idle for a few seconds (its --keep-alive);
            # a viewer waiting for the next badge interval reconnects, as a browser would.
            self.conn.close()
            return self._get(path)

    def _get(self, path: str) -> tuple[int, bytes]:
        self.conn.request("GET", path, headers={"Cookie": self.cookie})
        response = self.conn.getresponse()
        return response.status, response.read()

    def sign_in(self) -> None:
        self.conn.request("GET", "/accounts/login/")
        response = self.conn.getresponse()
        response.read()
        csrf = _cookie(response, "csrftoken")
        body = urllib.parse.urlencode(
            {"username": USER, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
        )
        headers = {
            "Cookie": f"csrftoken={csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{self.conn.port}/accounts/login/",
        }
        self.conn.request("POST", "/accounts/login/", body=body, headers=headers)
        response = self.conn.getresponse()
        response.read()
        session = _cookie(response, "sessionid")
        if response.status != 302 or not session:
            raise RuntimeError(f"sign-in failed: {response.status}")
        self.cookie = f"sessionid={session}; csrftoken={csrf}"


def _cookie(response: http.client.HTTPResponse, name: str) -> str:
    for header in response.headers.get_all("Set-Cookie") or []:
        first = header.split(";", 1)[0]
        if first.startswith(name + "="):
            return first.split("=", 1)[1]
    return ""


def p50_warm(port: int, cookie: str, path: str, requests: int) -> float:
    browser = Browser(port, cookie)
    status, body = browser.get(path)  # warms the cache
    assert status == 200 and body.count(b'<tr id="server-') == 50, status
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        status, _ = browser.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
    return statistics.median(times)


def viewers(port: int, cookie: str, path: str, count: int, seconds: float) -> int:
    """`count` viewers, each reloading `path` once per INTERVAL, starting at random offsets.
    Returns how many reloads failed."""
    browsers = [Browser(port, cookie) for _ in range(count)]
    return reloading(
        [lambda browser=browser: browser.get(path)[0] == 200 for browser in browsers],
        INTERVAL,
        seconds,
    )


def _hammer(port: int, cookie: str, path: str, seconds: float, results) -> None:
    browser = Browser(port, cookie)
    done = errors = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, _ = browser.get(path)
        if status == 200:
            done += 1
        else:
            errors += 1
    results.put((done, errors))


def rps(port: int, cookie: str, path: str, seconds: float, clients: int) -> float:
    counts, elapsed = in_processes(_hammer, (port, cookie, path, seconds), clients, seconds + 120)
    errors = sum(c[1] for c in counts)
    if errors:
        raise RuntimeError(f"{errors} requests to {path} failed")
    return sum(c[0] for c in counts) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=1000)
    viewer_arguments(parser)
    parser.add_argument("--load-seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--samples", type=int, default=200)
    quick_mode(parser, servers=200, viewers=10, viewer_seconds=10.0, load_seconds=2.0, samples=30)
    parser.add_argument("--api", choices=["v1", "v2"], default="v1")
    args = parser.parse_args()

    procs: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="bench-list-") as tmp:
        try:
            redis_port, web_port = free_port(), free_port()
            procs.append(start_redis(redis_port, Path(tmp) / "redis"))
            simulator, sim_url = start_simulator(args.servers)
            procs.append(simulator)
            env = child_env(
                DJANGO_SETTINGS_MODULE="panel.settings",
                PANEL_DATA_DIR=str(Path(tmp) / "data"),
                REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
                VULTR_API_URLS=sim_url,
                SESSION_COOKIE_SECURE="false",
                PANEL_CACHE_SECONDS=str(INTERVAL),
                LOG_LEVEL="WARNING",
                DEBUG="false",
                STATIC_ROOT=str(Path(tmp) / "static"),
            )
            manage = [sys.executable, "manage.py"]
            # As the image is built: production pages name static files by their hashed names.
            subprocess.run(
                [*manage, "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
            )
            subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
            setup = SETUP.format(user=USER, password=PASSWORD, url=sim_url, key=KEY, api=args.api)
            out = subprocess.run(
                [*manage, "shell", "-c", setup],
                cwd=ROOT, env=env, check=True, capture_output=True, text=True,
            ).stdout.split()  # fmt: skip
            team, key_id = out[-2], out[-1]
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "panel.wsgi:application",
                        "--bind",
                        f"127.0.0.1:{web_port}",
                        "--workers",
                        str(args.workers),
                        "--worker-class",
                        "gthread",
                        "--threads",
                        str(args.threads),
                        "--log-level",
                        "warning",
                    ],
                    cwd=ROOT,
                    env=env,
                )  # fmt: skip
            )
            wait_for_port(web_port, timeout=30, proc=procs[-1])

            browser = Browser(web_port)
            browser.sign_in()
            page = f"/t/{team}/k/{key_id}/servers/"

            p50 = p50_warm(web_port, browser.cookie, page, args.samples)

            before = simulator_list_calls(sim_url, args.api)
            failed = viewers(web_port, browser.cookie, page, args.viewers, args.viewer_seconds)
            requests = simulator_list_calls(sim_url, args.api) - before
            # v2 pages the list (at most 500 per page): one refresh is one logical call.
            pages = math.ceil(args.servers / 500) if args.api == "v2" else 1
            upstream = math.ceil(requests / pages)
            ticks = math.ceil(args.viewer_seconds / INTERVAL)

            # Alternating short rounds, so that whatever else the machine is doing weighs on
            # both measurements alike.
            rounds, slice_s = 5, args.load_seconds / 5
            page_rps = baseline_rps = 0.0
            for _ in range(rounds):
                page_rps += rps(web_port, browser.cookie, page, slice_s, args.clients) / rounds
                baseline_rps += (
                    rps(web_port, "", "/accounts/login/", slice_s, args.clients) / rounds
                )
        finally:
            stop(procs)

    result = {
        "p50_ms_warm": round(p50, 1),
        "upstream_calls_50_viewers": upstream,
        "upstream_requests": requests,
        "ticks": ticks,
        "api": args.api,
        "viewer_reloads_failed": failed,
        "page_rps": round(page_rps, 1),
        "baseline_rps": round(baseline_rps, 1),
        "page_to_baseline": round(page_rps / baseline_rps, 2),
        "servers": args.servers,
        "viewers": args.viewers,
        "viewer_seconds": args.viewer_seconds,
        "interval_seconds": INTERVAL,
        "gunicorn": f"{args.workers} workers x {args.threads} threads",
        "load_clients": args.clients,
    }
    print(f"list page p50 (warm): {result['p50_ms_warm']} ms (target <= 50)")
    print(
        f"upstream list calls, {args.viewers} viewers: {upstream} ({requests} requests, "
        f"ticks {ticks})"
    )
    print(f"page {result['page_rps']} req/s, baseline {result['baseline_rps']} req/s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
