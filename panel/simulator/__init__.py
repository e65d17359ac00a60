"""A Vultr API v1 and v2 simulator, written for this project in pure standard-library Python.

Vultr shut v1 down in 2023, so the panel's demo, tests and load tests need a stand-in that
speaks the same wire format, quirks included; v2 is today's API, and the simulator serves both
over the same accounts, as Vultr did while both existed. "reference §N" in comments points into
the project's v1 reference (vultr-v1-api.md), "v2 reference §N" into vultr-v2-api.md, "seed"
into the user's list of v1 methods. Nothing on PyPI simulates either version with its quirks,
hence our own. No Django here: the management command ``vultr_simulator`` is a thin wrapper
around :mod:`.cli`.

Modules: catalog (public data, both versions' names), clock, state (accounts, their objects
with v1 ids and v2 UUIDs, the server state machine), demo, api (v1 endpoints), api_v2 (v2
endpoints), traffic (rate limits, faults, counters), control (``/_sim/`` endpoints), simulator
(the request pipelines), wire (responses), httpd (HTTP server), cli.

    sim = Simulator(rate_limit=2.0, speed=1.0, provisioning_seconds=60)
    sim.add_account("KEY", demo=True)
    httpd = serve(sim, port=0)  # httpd.url, httpd.port, httpd.shutdown()
"""

from .httpd import serve
from .simulator import Simulator

__all__ = ["Simulator", "serve"]
