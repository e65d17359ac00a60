"""How adding, editing and deleting an account-wide item (SSH key, startup script, snapshot)
answers: the one pattern of panel/servers/views/resources.py, tested once and run for each kind
(test_resources.KINDS) against the simulator. What only one kind does (a script's type, a key's
fingerprint, a snapshot's source) is tested in its own module: test_scripts.py, ..."""

from __future__ import annotations

import pytest

from panel.audit.models import TeamSettings
from tests.panel.helpers import HTMX, inject_fault
from tests.panel.helpers import action_entries as _entries
from tests.panel.helpers import text as _text
from tests.panel.servers.test_resources import KINDS, UNKNOWN_UUID, Kind

pytestmark = pytest.mark.django_db


@pytest.fixture(params=list(KINDS))
def kind(request) -> Kind:
    return KINDS[request.param]


@pytest.fixture(params=[name for name, kind in KINDS.items() if kind.edit_data is not None])
def editable(request) -> Kind:
    return KINDS[request.param]


# -- adding, editing and deleting, as every kind answers -----------------------------------------

# Vultr's errors, the same for every kind but the 412, whose words are the kind's (Kind.refused),
# as v1 answers them; a v2 key gets v2's answers in their place (helpers.inject_fault): 400,
# 401 "Invalid API token.", 429 "rate limit exceeded", 500.
FAULTS = [(412, None, None), (403, None, "Vultr rejected the API key")]
FAULTS += [
    (503, None, "rate limit was reached"),
    (500, None, "Vultr failed: Internal server error"),
]
V2_SAID = {403: ": Invalid API token.", 503: "Vultr said: rate limit exceeded"}


def _fault(kind: Kind, fault: tuple, api_version: str) -> tuple[int, str | None, list[str]]:
    status, body, shown = fault
    if status == 412:
        if api_version == "v1":
            body, shown = kind.refused
        else:
            body, shown = kind.v2_refused, f"Vultr refused: {kind.v2_refused}"
    words = [shown]
    if api_version == "v2" and status in V2_SAID:
        words.append(V2_SAID[status])  # Vultr's own words
    return status, body, words


def _inject(vultr, kind: Kind, action: str, **fault) -> None:
    """The fault on the request that `action` ("create", "update", "destroy") of `kind` makes
    with the key's API version."""
    v2, method = {
        "create": (kind.v2, "POST"),
        "update": (kind.v2_item, "PATCH"),
        "destroy": (kind.v2_item, "DELETE"),
    }[action]
    inject_fault(vultr, fault, v1=f"/v1/{kind.api}/{action}", v2=v2, method=method)


def test_adding_with_htmx_answers_with_hx_location(operator, url, demo, kind):
    response = operator.post(url(kind.add), kind.add_data(demo), headers=HTMX)

    assert response.status_code == 200
    assert url(f"{kind.url}_list") in response["HX-Location"]


@pytest.mark.parametrize("fault", FAULTS, ids=[str(f[0]) for f in FAULTS])
def test_vultrs_errors_on_add_are_shown_next_to_the_form(
    operator, url, demo, vultr, kind, fault, api_version
):
    status, body, shown = _fault(kind, fault, api_version)
    data = kind.add_data(demo)
    before = kind.state(demo)
    _inject(vultr, kind, "create", status=status, body=body)

    response = operator.post(url(kind.add), data)

    assert response.status_code == 200
    page = _text(response)
    assert all(words in page for words in shown), shown
    # The whole page, with the list and the form in place.
    assert "<html" in page and f'id="{kind.add_form_id}"' in page and kind.name in page
    assert kind.state(demo) == before


def test_a_timeout_says_it_may_have_been_added(operator, url, demo, vultr, settings, kind):
    data = kind.add_data(demo)
    operator.get(url(f"{kind.url}_list"))  # what the page reads is cached before Vultr slows
    settings.PANEL_VULTR_TIMEOUT = 1
    _inject(vultr, kind, "create", delay=2)

    response = operator.post(url(kind.add), data, headers=HTMX)

    assert "Vultr did not answer in time. It may still have happened" in _text(response)


def test_saving_without_a_change_says_so(operator, url, demo, editable):
    target = url(f"{editable.url}_edit", **editable.url_kwargs(demo))

    response = operator.post(target, editable.unchanged(demo))

    assert "Nothing changed" in _text(response)
    assert not _entries().exists()


@pytest.mark.parametrize("fault", FAULTS, ids=[str(f[0]) for f in FAULTS])
def test_vultrs_errors_on_edit_are_shown_next_to_the_form(
    operator, url, demo, vultr, editable, fault, api_version
):
    status, body, shown = _fault(editable, fault, api_version)
    target = url(f"{editable.url}_edit", **editable.url_kwargs(demo))
    before = editable.state(demo)
    _inject(vultr, editable, "update", status=status, body=body)

    response = operator.post(target, editable.edit_data())

    assert response.status_code == 200
    assert all(words in _text(response) for words in shown), shown
    assert editable.state(demo) == before


def test_an_unknown_item_is_not_found(operator, url, kind, api_version):
    unknown = {f"{kind.url}_id": kind.unknown(api_version)}

    assert operator.get(url(f"{kind.url}_delete", **unknown)).status_code == 404
    if kind.edit_data is not None:
        assert operator.get(url(f"{kind.url}_edit", **unknown)).status_code == 404


def test_deleting_with_the_right_name(operator, url, demo, kind):
    item = kind.item(demo)

    response = operator.post(
        url(f"{kind.url}_delete", **kind.url_kwargs(demo)), {"confirm": kind.name}
    )

    assert response.status_code == 302
    assert item not in kind.state(demo)
    entry = _entries().get()
    assert (entry.action, entry.outcome, entry.target_id, entry.target_label) == (
        kind.destroy,
        "succeeded",
        item,
        kind.name,
    )


def test_a_wrong_name_deletes_nothing(operator, url, demo, kind):
    target = url(f"{kind.url}_delete", **kind.url_kwargs(demo))

    response = operator.post(target, {"confirm": kind.name[:-1]})

    assert f"Type “{kind.name}” exactly to confirm." in _text(response)
    assert kind.item(demo) in kind.state(demo)
    assert not _entries().exists()


def test_the_team_may_require_a_reason_which_goes_into_the_audit_entry(
    operator, url, demo, members, kind
):
    TeamSettings.objects.create(team=members.team, require_reason=True)
    item = kind.item(demo)
    target = url(f"{kind.url}_delete", **kind.url_kwargs(demo))

    assert "Reason (required in this team)" in _text(operator.get(target))
    refused = operator.post(target, {"confirm": kind.name})
    assert item in kind.state(demo)
    assert "This field is required." in _text(refused)

    operator.post(target, {"confirm": kind.name, "reason": "not needed any more"})

    assert item not in kind.state(demo)
    assert _entries().get().reason == "not needed any more"


@pytest.mark.parametrize("fault", FAULTS, ids=[str(f[0]) for f in FAULTS])
def test_vultrs_errors_on_delete_are_shown_next_to_the_form(
    operator, url, demo, vultr, kind, fault, api_version
):
    status, body, shown = _fault(kind, fault, api_version)
    target = url(f"{kind.url}_delete", **kind.url_kwargs(demo))
    _inject(vultr, kind, "destroy", status=status, body=body)

    response = operator.post(target, {"confirm": kind.name}, headers=HTMX)

    assert response.status_code == 200
    assert all(words in _text(response) for words in shown), shown
    assert kind.item(demo) in kind.state(demo)


def test_an_id_of_the_other_versions_shape_is_a_404_without_a_request(
    operator, url, vultr, kind, api_version
):
    # v2 names these by UUID, v1 by its short ids (issue 9, bad input).
    other = UNKNOWN_UUID if api_version == "v1" else kind.unknown_id
    pages = [url(f"{kind.url}_delete", **{f"{kind.url}_id": other})]
    if kind.edit_data is not None:
        pages.append(url(f"{kind.url}_edit", **{f"{kind.url}_id": other}))
    vultr.sim.reset_stats()

    for page in pages:
        assert operator.get(page).status_code == 404
        assert operator.post(page, {"confirm": kind.name, "name": "x"}).status_code == 404

    assert vultr.sim.stats()["total"] == 0
    assert not _entries().filter(outcome="succeeded").exists()
