"""Forms of the deploy wizard, one per step: region, plan, image, options.

Each form gets the choices Vultr offers right now (from the action layer's cached reads), so
that validating a step is checking the answer against what can really be ordered. The wizard
feeds the answers of earlier steps back into these forms when it checks the whole order before
creating the server (panel/servers/views/deploy.py).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django import forms

from panel.vultr import (
    ImageStatus,
    InvalidParameterError,
    Iso,
    OperatingSystem,
    Plan,
    Region,
    ScriptType,
    Snapshot,
    SshKey,
    StartupScript,
)
from panel.vultr.validation import hostname as check_hostname

# v1 selects some images through a special OSID plus another parameter (reference §5, §7):
# an ISO (ISOID) with "Custom", a snapshot (SNAPSHOTID) with "Snapshot". "Backup" is never
# deployable, and applications are not offered here.
OS_CUSTOM = "159"
OS_SNAPSHOT = "164"
_NOT_AN_OS = frozenset({"iso", "snapshot", "backup", "application"})

# Vultr's pricing: automatic backups cost 20% of the server's monthly price.
BACKUP_SHARE = Decimal("0.20")

# Several servers from one order: each is its own create operation, so keep it a handful.
MAX_QUANTITY = 10
# Where a server's number goes in the label (and hostname) pattern: web-{n} gives web-1, ...
NUMBER = "{n}"
# Vultr's limit on a label (v1 and v2).
LABEL_MAX = 255


def numbered(pattern: str, n: int) -> str:
    """The label or hostname of server `n` (from 1) of an order."""
    return pattern.replace(NUMBER, str(n))


class StepForm(forms.Form):
    step = ""
    title = ""


# -- 1. region -------------------------------------------------------------------------------


class RegionForm(StepForm):
    step, title = "region", "Region"

    region = forms.ChoiceField(
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a region.",
            "invalid_choice": "Vultr has no region %(value)s; choose one from the list.",
        },
    )

    def __init__(self, data=None, *, regions: list[Region], **kwargs):
        super().__init__(data, **kwargs)
        by_continent: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for region in sorted(regions, key=lambda r: (r.continent, r.name)):
            by_continent[region.continent].append((region.id, region_name(region)))
        self.fields["region"].choices = sorted(by_continent.items())


def region_name(region: Region) -> str:
    where = region.state if region.country == "US" and region.state else region.country
    return f"{region.name} ({where})"


# -- 2. plan ---------------------------------------------------------------------------------


class PlanForm(StepForm):
    step, title = "plan", "Plan"

    plan = forms.ChoiceField(
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a plan."},
    )

    def __init__(self, data=None, *, plans: list[Plan], region: str, **kwargs):
        super().__init__(data, **kwargs)
        self.plans = plans
        self.groups = plan_groups(plans)
        self.fields["plan"].choices = [(p.id, plan_name(p)) for p in plans]
        self.fields["plan"].error_messages["invalid_choice"] = (
            f"Plan %(value)s cannot be deployed in {region} right now; choose another one."
        )


# Vultr's kinds of plan, in the order the wizard shows them: v1's `plan_type` and v2's `type`
# (v2 reference §1.6) name the same kinds differently. (key, name, what it means, types)
PLAN_KINDS: tuple[tuple[str, str, str, frozenset[str]], ...] = (
    ("regular", "Regular", "Shared vCPUs: the cheapest.", frozenset({"SSD", "vc2"})),
    (
        "high-frequency",
        "High frequency",
        "Faster CPUs and NVMe storage.",
        frozenset({"HIGHFREQUENCY", "vhf"}),
    ),
    ("high-performance", "High performance", "Newer AMD or Intel CPUs.", frozenset({"vhp"})),
    (
        "optimized",
        "Optimized cloud",
        "Dedicated vCPUs tuned for general, CPU, memory or storage work.",
        frozenset({"voc", "voc-g", "voc-c", "voc-m", "voc-s"}),
    ),
    (
        "dedicated",
        "Dedicated",
        "CPUs reserved for this server alone.",
        frozenset({"DEDICATED", "vdc"}),
    ),
    ("gpu", "Cloud GPU", "A share of a GPU.", frozenset({"vcg"})),
    ("bare-metal", "Bare metal", "A whole machine.", frozenset({"vbm", "BAREMETAL"})),
)


def plan_kind(plan: Plan) -> tuple[str, str, str]:
    """(key, name, what it means) of the plan's kind; an unknown type is shown as it is."""
    for key, name, about, types in PLAN_KINDS:
        if plan.plan_type in types:
            return key, name, about
    return "other", plan.plan_type or "Other", ""


def plan_groups(plans: list[Plan]) -> list[dict]:
    """The plans grouped by kind, in PLAN_KINDS' order (each group keeps the plans' order)."""
    groups: dict[str, dict] = {}
    for plan in plans:
        key, name, about = plan_kind(plan)
        groups.setdefault(key, {"key": key, "name": name, "about": about, "plans": []})
        groups[key]["plans"].append(plan)
    order = [key for key, *_ in PLAN_KINDS]
    return sorted(groups.values(), key=lambda g: order.index(g["key"]) if g["key"] in order else 99)


def plan_name(plan: Plan) -> str:
    ram = f"{plan.ram_mb // 1024} GB" if plan.ram_mb % 1024 == 0 else f"{plan.ram_mb} MB"
    return (
        f"{plan.vcpu_count} vCPU, {ram} RAM, {plan.disk_gb} GB disk, "
        f"{plan.bandwidth_tb.normalize():f} TB transfer: ${plan.price_per_month:.2f}/month"
    )


# -- 3. image --------------------------------------------------------------------------------


class ImageForm(StepForm):
    """One choice among operating systems, the account's ISOs and its finished snapshots;
    the value says which kind ("os:387", "iso:12", "snapshot:5f0b0c2e9a1d3")."""

    step, title = "image", "Image"

    image = forms.ChoiceField(
        label="Install",
        error_messages={
            "required": "Choose an operating system, an ISO or a snapshot.",
            "invalid_choice": "%(value)s is not an image this account can deploy now; "
            "choose one from the list.",
        },
    )

    def __init__(
        self,
        data=None,
        *,
        systems: list[OperatingSystem],
        isos: list[Iso],
        snapshots: list[Snapshot],
        **kwargs,
    ):
        super().__init__(data, **kwargs)
        groups = [("", "Choose…")]
        by_family: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for system in deployable_systems(systems):
            by_family[system.family].append((f"os:{system.id}", system.name))
        groups += [(f"Operating system: {family}", c) for family, c in sorted(by_family.items())]
        if isos:
            groups.append(("Your ISOs", [(f"iso:{i.id}", i.filename) for i in isos]))
        ready = [s for s in snapshots if s.status is ImageStatus.COMPLETE]
        if ready:
            groups.append(
                ("Your snapshots", [(f"snapshot:{s.id}", snapshot_name(s)) for s in ready])
            )
        self.fields["image"].choices = groups
        self.pending_snapshots = len(snapshots) - len(ready)


def deployable_systems(systems: list[OperatingSystem]) -> list[OperatingSystem]:
    return sorted(
        (s for s in systems if s.family not in _NOT_AN_OS and s.id not in (OS_CUSTOM, OS_SNAPSHOT)),
        key=lambda s: s.name,
    )


def snapshot_name(snapshot: Snapshot) -> str:
    name = snapshot.description or snapshot.id
    when = f", {snapshot.date_created:%d %b %Y}" if snapshot.date_created else ""
    return f"{name} ({snapshot.size_bytes / 10**9:.1f} GB{when})"


def split_image(value: str) -> tuple[str, str]:
    """("os", "387") from "os:387"."""
    kind, _, ident = value.partition(":")
    return kind, ident


# -- 4. options ------------------------------------------------------------------------------


class OptionsForm(StepForm):
    step, title = "options", "Options"

    ssh_keys = forms.MultipleChoiceField(
        label="SSH keys",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "There is no SSH key %(value)s in this account."},
    )
    script = forms.ChoiceField(
        label="Startup script",
        required=False,
        error_messages={"invalid_choice": "There is no boot script %(value)s in this account."},
    )
    ipv6 = forms.BooleanField(label="IPv6", required=False, help_text="A /64 network.")
    private_network = forms.BooleanField(
        label="Private network",
        required=False,
        help_text="A second interface on the region's private network.",
    )
    auto_backups = forms.BooleanField(
        label="Automatic backups",
        required=False,
        help_text="Costs 20% of the plan's price on top.",
    )
    quantity = forms.IntegerField(
        label="How many servers",
        required=False,  # empty: one
        initial=1,
        min_value=1,
        max_value=MAX_QUANTITY,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_QUANTITY}),
        help_text=f"1 to {MAX_QUANTITY}, all alike; each is ordered and billed on its own.",
        error_messages={
            "invalid": f"Say how many servers as a number: 1 to {MAX_QUANTITY}.",
            "min_value": f"At least 1 server: 1 to {MAX_QUANTITY}.",
            "max_value": f"At most {MAX_QUANTITY} servers at once.",
        },
    )
    # The pattern may be longer than a label: what counts is each label it gives (`clean`).
    label = forms.CharField(
        required=False,
        max_length=1000,
        help_text="Shown in this panel and in Vultr's. For several servers, {n} is the "
        "server's number: web-{n} gives web-1, web-2, ...",
    )
    hostname = forms.CharField(
        required=False,
        max_length=253,
        help_text="Set on the server; for example web-04 (web-{n} for several).",
    )
    tag = forms.CharField(required=False, max_length=255, help_text="One tag, to group servers.")

    def __init__(
        self,
        data=None,
        *,
        sshkeys: list[SshKey],
        scripts: list[StartupScript],
        image_kind: str,
        windows: bool,
        api_version: str = "v1",
        **kwargs,
    ):
        # The wizard's state keeps the tags as a list; the field shows and takes text.
        if data is not None and isinstance(data.get("tags"), list | tuple):
            data = {**data, "tags": ", ".join(data["tags"])}
        initial = kwargs.get("initial")
        if initial is not None and isinstance(initial.get("tags"), list | tuple):
            kwargs["initial"] = {**initial, "tags": ", ".join(initial["tags"])}
        super().__init__(data, **kwargs)
        if api_version == "v2":
            # v2 (reference §4.1): a list of tags instead of one; its private networks are
            # deprecated in favour of VPCs, which this wizard does not manage.
            del self.fields["tag"], self.fields["private_network"]
            self.fields["tags"] = forms.CharField(
                required=False,
                max_length=1000,
                help_text="Several, separated by commas, to group servers.",
            )
        # Vultr installs SSH keys only on a fresh Linux or BSD install, and runs a startup
        # script only on an operating system it installs, not with a custom ISO (reference §7).
        self.keys_apply = image_kind == "os" and not windows
        self.scripts_apply = image_kind != "iso"
        self.fields["ssh_keys"].choices = (
            [(k.id, k.name) for k in sorted(sshkeys, key=lambda k: k.name.lower())]
            if self.keys_apply
            else []
        )
        boot = [s for s in scripts if s.type is ScriptType.BOOT]
        self.fields["script"].choices = [("", "None")] + (
            [(s.id, s.name) for s in sorted(boot, key=lambda s: s.name.lower())]
            if self.scripts_apply
            else []
        )
        if not self.keys_apply:
            self.fields["ssh_keys"].error_messages["invalid_choice"] = (
                "SSH keys are installed only on a fresh Linux or BSD system, not with this image."
            )
        if not self.scripts_apply:
            self.fields["script"].error_messages["invalid_choice"] = (
                "Vultr does not run startup scripts on a custom ISO install."
            )

    def clean_tags(self) -> list[str]:
        value = self.cleaned_data.get("tags") or ""
        tags = [t.strip() for t in value.split(",") if t.strip()]
        if any(len(t) > 255 for t in tags):
            raise forms.ValidationError("A tag has at most 255 characters.")
        return list(dict.fromkeys(tags))

    def clean_quantity(self) -> int:
        return self.cleaned_data["quantity"] or 1

    def clean(self):
        cleaned = super().clean()
        quantity = cleaned.get("quantity")
        if quantity is None:
            return cleaned
        label = cleaned.get("label")
        if label is not None:
            if quantity > 1 and NUMBER not in label:
                self.add_error(
                    "label",
                    f"For {quantity} servers the label needs {NUMBER} where each server's "
                    "number goes, for example web-{n}.",
                )
            else:
                longest = max((numbered(label, n) for n in range(1, quantity + 1)), key=len)
                if len(longest) > LABEL_MAX:
                    self.add_error(
                        "label",
                        f"The label would be {len(longest)} characters long"
                        + (f" for server {quantity}" if quantity > 1 else "")
                        + f"; Vultr takes at most {LABEL_MAX}.",
                    )
        hostname = cleaned.get("hostname")
        if hostname and quantity > 1 and NUMBER not in hostname:
            self.add_error(
                "hostname",
                f"For {quantity} servers the hostname needs {NUMBER} as well (for example "
                "web-{n}.example.com), or leave it empty.",
            )
        return cleaned

    def clean_hostname(self) -> str:
        value = self.cleaned_data["hostname"]
        if value:
            try:
                # A pattern is checked as the longest name it gives.
                check_hostname("hostname", numbered(value, MAX_QUANTITY))
            except InvalidParameterError:
                raise forms.ValidationError(
                    "Not a host name: use letters, digits and hyphens, with dots between "
                    "labels (for example web-04.example.com)."
                ) from None
        return value


STEP_FORMS: dict[str, type[StepForm]] = {
    form.step: form for form in (RegionForm, PlanForm, ImageForm, OptionsForm)
}
