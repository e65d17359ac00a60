"""Shared by the panel tests: the demo account seen through the simulator, and public keys."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from tests.fixtures.simulator import VultrAccount


def public_key(comment: str = "test@example") -> str:
    """A well-formed ed25519 authorized_keys line."""
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + secrets.token_bytes(32)
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


@dataclass(frozen=True)
class Demo:
    """The demo account (panel/simulator/demo.py) as the simulator has it now, read through
    v1 (one state serves both APIs). Ids given out (`id`, `snapshot_id`, ...) are those of the
    panel's key's API version; ids taken may be of either version."""

    vultr: VultrAccount

    def id(self, label: str) -> str:
        return self.vultr.panel_id(self.v1_id(label))

    def v1_id(self, label: str) -> str:
        listing = self.vultr.get("server/list").json()
        found = [subid for subid, server in listing.items() if server["label"] == label]
        assert len(found) == 1, f"{label!r}: {found}"
        return found[0]

    def server(self, label_or_id: str) -> dict | None:
        listing = self.vultr.get("server/list").json() or {}
        try:
            subid = self.vultr.v1_id(label_or_id)
        except ValueError:  # a UUID of a server that is gone
            return None
        if subid in listing:
            return listing[subid]
        return next((s for s in listing.values() if s["label"] == label_or_id), None)

    def servers(self) -> dict:
        return self.vultr.get("server/list").json() or {}

    def snapshots(self) -> dict:
        return self.vultr.get("snapshot/list").json() or {}

    def snapshot_id(self, description: str) -> str:
        found = next(k for k, s in self.snapshots().items() if s["description"] == description)
        return self.vultr.panel_id(found)

    def backup_ids(self, label: str) -> list[str]:
        backups = self.vultr.get("backup/list", SUBID=self.v1_id(label)).json() or {}
        return [self.vultr.backup_panel_id(b) for b in backups]

    def ipv4(self, label: str) -> list[dict]:
        subid = self.v1_id(label)
        return self.vultr.get("server/list_ipv4", SUBID=subid).json()[subid]

    def reverse_ipv6(self, label: str) -> list[dict]:
        subid = self.v1_id(label)
        return (self.vultr.get("server/reverse_list_ipv6", SUBID=subid).json() or {}).get(subid, [])

    def sshkeys(self) -> dict:
        return self.vultr.get("sshkey/list").json() or {}

    def sshkey(self, id: str) -> dict | None:
        """The SSH key with id `id` of either version, as v1 lists it (None if there is none)."""
        return self.sshkeys().get(self._v1_id(id, "sshkey"))

    def script(self, id: str) -> dict | None:
        """The startup script with id `id` of either version, as v1 lists it (None if none)."""
        return self.scripts().get(self._v1_id(id, "startupscript"))

    def snapshot(self, id: str) -> dict | None:
        """The snapshot with id `id` of either version, as v1 lists it (None if there is none)."""
        return self.snapshots().get(self._v1_id(id, "snapshot"))

    def _v1_id(self, id: str, kind: str) -> str | None:
        if self.vultr.api_version == "v1" or "-" not in id:
            return id
        try:
            return self.vultr.sim.ids(self.vultr.key, id, kind)["v1"]
        except (KeyError, ValueError):  # an object that is gone
            return None

    def sshkey_id(self, name: str) -> str:
        found = next(k for k, v in self.sshkeys().items() if v["name"] == name)
        return self.vultr.panel_id(found)

    def scripts(self) -> dict:
        return self.vultr.get("startupscript/list").json() or {}

    def script_id(self, name: str) -> str:
        found = next(k for k, v in self.scripts().items() if v["name"] == name)
        return self.vultr.panel_id(found, "startupscript")

    def add_secondary_ip(self, label: str) -> str:
        before = {a["ip"] for a in self.ipv4(label)}
        response = self.vultr.post("server/create_ipv4", SUBID=self.v1_id(label), reboot="no")
        assert response.status_code == 200, response.text
        return next(a["ip"] for a in self.ipv4(label) if a["ip"] not in before)


def vultr_entries():
    """The audit entries of actions on Vultr resources (they name an API key), leaving out
    whatever else the audit log records, such as sign-ins."""
    from panel.audit.models import AuditEntry

    return AuditEntry.objects.filter(api_key_id__isnull=False)


def refusals(team) -> list:
    """Every refusal in `team`'s log, oldest first, after writing the repeats that were only
    counted so far (panel/audit/denials.py: one entry per actor and minute, then a count)."""
    from panel.audit import denials
    from panel.audit.models import AuditEntry

    denials.flush(before=denials._window() + 2)
    return list(AuditEntry.objects.filter(team=team, outcome="denied").order_by("seq"))


def refused_times(entries) -> int:
    """How many refusals these entries account for (an entry of repeats counts them all)."""
    return sum(entry.params["repeats"] if "repeats" in entry.params else 1 for entry in entries)


# The headers of a request htmx makes from a page.
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/"}


def text(response) -> str:
    return response.content.decode()


def action_entries():
    """Audit entries of the Vultr actions (sign-ins and other account events are audited too)."""
    from panel.audit.models import AuditEntry
    from panel.servers import actions

    names = [n for n in actions.__all__ if getattr(getattr(actions, n), "action_kind", "")]
    return AuditEntry.objects.filter(action__in=names)


# The demo catalogue's v1 region and plan ids and their v2 codes (panel/simulator/catalog.py).
V2_REGIONS = {"1": "ewr"}
V2_PLANS = {"201": "vc2-1c-1gb"}


def demo_order(ctx, region_id: str = "1", plan_id: str = "201", os_id: str = "387", **options):
    """A `NewServer` for the key of action context `ctx`: New Jersey, 1 GB, Ubuntu 20.04 by
    default, in the ids of that key's API version (v2 takes region and plan codes)."""
    from accounts.models import ApiKey
    from panel.vultr.domain import NewServer

    if ApiKey.objects.get(pk=ctx.api_key_id).api_version == "v2":
        region_id = V2_REGIONS.get(region_id, region_id)
        plan_id = V2_PLANS.get(plan_id, plan_id)
    return NewServer(region_id, plan_id, os_id, **options)


# The failures the panel's tests inject as v1 answers them, and what v2 answers in their place
# (v2 reference §1.3, §1.4): v1's 412 refusal is v2's 400, its 403 for a bad key v2's 401, its
# 503 rate limit v2's 429 with `Retry-After`; a 500 is a 500 in both. Bodies are v2's own
# texts unless a test gives one.
V2_FOR_V1_STATUS = {
    412: {"status": 400},
    403: {"status": 401},
    503: {"kind": "rate_limit"},
    500: {"status": 500},
}


def inject_fault(
    vultr, fault: dict, *, v1: str, v2: str, method: str | None = None, count: int = 1
) -> None:
    """Make the next `count` requests of `vultr`'s account fail with `fault` (the keywords of
    `Simulator.inject_fault`, a v1 status): on the v1 path `v1` for a v1 key, on the v2 route
    `v2` (a template such as "/v2/ssh-keys/{ssh-key-id}", called with `method`) with the v2
    equivalent of the status for a v2 key. Delays and dropped requests are the same in both."""
    if vultr.api_version == "v1":
        vultr.sim.inject_fault(key=vultr.key, path=v1, count=count, **fault)
        return
    fault = dict(fault)
    status = fault.pop("status", None)
    if status is not None:
        fault = {**V2_FOR_V1_STATUS[status], **fault}
    vultr.sim.inject_fault(key=vultr.key, api="v2", path=v2, method=method, count=count, **fault)
