"""The one add/edit/delete pattern of the account-wide items: SSH keys, startup scripts and
snapshots. Each kind is a `Resource`; its views are made here (`list_view`, `add_view`,
`edit_view`, `delete_view`) from what differs (the form's class and its explanation), and
look the item up, show the form page and answer its POST the same way for all three (one
template: servers/resource_form.html). Snapshots keep their own list and take pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import Perm, team_view
from panel.servers import actions
from panel.servers.actions.base import Target
from panel.servers.forms.server import ActionForm

from .common import (
    KeyPage,
    Unavailable,
    acts,
    done,
    form_again,
    key_page,
    render_page,
    require_id_shape,
    require_reason,
    run,
    vultr_page,
)


@dataclass(frozen=True)
class Resource:
    noun: str  # "SSH key": headings, messages
    plural: str  # "SSH keys": the way back to the list
    target_type: str  # the audit entries' target type
    url: str  # URL names: <url>_list, <url>_edit, <url>_delete
    folder: str  # templates/servers/<folder>/, and the list page's rows in its context
    items: Callable[[actions.ActionContext], list[Any]]
    destroy: Callable[[actions.ActionContext, str], Any]
    name_of: Callable[[Any], str] = lambda item: item.name
    # The audit target's label, if not the name (a snapshot's description, empty or not).
    label_of: Callable[[Any], str] | None = None
    # For `list_view` and `add_view` (snapshots have pages of their own): the add form's class,
    # the action that adds one, its arguments from the form's data, and the list's rows.
    add_form: Callable[..., ActionForm] | None = None
    create: Callable[..., Any] | None = None
    args: Callable[[dict[str, Any]], tuple[Any, ...]] = lambda data: ()
    # The list's rows: (item, what else its row shows) pairs (servers/_resource_table.html).
    rows: Callable[[list[Any]], list[Any]] = lambda items: [(item, None) for item in items]
    # More arguments of the add form's class, read from the account when it is posted (the
    # SSH keys already there, to refuse a name taken twice).
    form_kwargs: Callable[[KeyPage], dict[str, Any]] = lambda page: {}
    # For `edit_view`: the action that changes one, the form field that names it (for the
    # message), and the API versions that can change it at all (v1 cannot edit a snapshot).
    update: Callable[..., Any] | None = None
    name_field: str = "name"
    editable_with: tuple[str, ...] = ("v1", "v2")

    def target(self, item: Any) -> Target:
        return Target(self.target_type, item.id, (self.label_of or self.name_of)(item))


def find(page: KeyPage, resource: Resource, item_id: str) -> Any:
    """The item with this id in the key's account; 404 if there is none (at once, without
    asking Vultr, if the id has the wrong shape for the key's API version)."""
    require_id_shape(page.api_key, item_id, resource.noun)
    try:
        found = resource.items(page.ctx)
    except actions.ActionError as err:
        raise Unavailable(str(err)) from None
    for item in found:
        if item.id == item_id:
            return item
    raise Http404(f"No such {resource.noun} in this account")


def list_page(
    request: HttpRequest,
    page: KeyPage,
    resource: Resource,
    bound: dict[str, ActionForm] | None,
    *,
    add_form: Callable[[], ActionForm],
) -> HttpResponse:
    """The list of the account's items, by name, with the add form for members who may
    change them (`bound`: the add form that failed, with its errors). The template is
    servers/<folder>/list.html and gets the rows under the folder's name, and the `resource`."""
    key = resource.folder
    error = ""
    try:
        items = sorted(resource.items(page.ctx), key=lambda i: (resource.name_of(i).lower(), i.id))
    except actions.ActionError as err:
        items, error = [], str(err)
    may_change = page.may(Perm.PROVISIONING)
    form = None
    if may_change:
        form = next(iter((bound or {}).values()), None) or add_form()
    context = {
        **page.context(),
        key: resource.rows(items),
        "resource": resource,
        "error": error,
        "add_form": form,
        "may_change": may_change,
    }
    return render_page(request, f"servers/{key}/list.html", context, {key: "table"})


def _form_page(
    request: HttpRequest, page: KeyPage, resource: Resource, item: Any, form: ActionForm
) -> HttpResponse:
    context = {
        **page.context(),
        "form": form,
        "heading": f"{resource.noun[0].upper()}{resource.noun[1:]} {resource.name_of(item)}",
        "back": page.url(f"{resource.url}_list"),
        "back_label": resource.plural,
    }
    return render_page(request, "servers/resource_form.html", context)


def add(
    request: HttpRequest,
    page: KeyPage,
    resource: Resource,
    form: ActionForm,
    create: Callable[..., Any],
    args: Callable[[dict[str, Any]], tuple[Any, ...]],
    list_page: Callable[[dict[str, ActionForm]], HttpResponse],
) -> HttpResponse:
    """POST of the list page's add form: `create(ctx, *args(cleaned_data))`; on a failure the
    list page again, with the form and Vultr's words in it."""
    ok, _ = run(page, form, lambda ctx, data: create(ctx, *args(data)))
    if ok:
        return done(
            request,
            page.url(f"{resource.url}_list"),
            f"The {resource.noun} {form.cleaned_data['name']} is added.",
        )
    return form_again(request, form, list_page)


def _item_view(
    resource: Resource,
    action: Callable[..., Any],
    name: str,
    form_for: Callable[[HttpRequest, KeyPage, Any], ActionForm],
    call: Callable[[actions.ActionContext, Any, ActionForm], Any],
    success: Callable[[Any, ActionForm], str],
    api_versions: tuple[str, ...] = ("v1", "v2"),
) -> Callable[..., HttpResponse]:
    """The page of one item (`<url>_<name>`, the item's id as `<url>_id` in the URL): requires
    `action`'s permission and looks the item up. GET: its form. POST: `call(ctx, item, form)`
    with the valid form, then the list with `success(item, form)` as the message; on a failure
    the form again with Vultr's words. For a key of another API version than `api_versions`
    there is no such page (404, Vultr not asked)."""

    @acts(action, target=resource.target_type)
    @vultr_page
    def view(request: HttpRequest, key_id: int, **ids: str) -> HttpResponse:
        page = key_page(request, key_id)
        if page.api_key.api_version not in api_versions:
            raise Http404(f"API {page.api_key.api_version} cannot change a {resource.noun}")
        item = find(page, resource, ids[f"{resource.url}_id"])
        form = form_for(request, page, item)
        if request.method != "POST":
            return _form_page(request, page, resource, item, form)
        ok, _ = run(page, form, lambda ctx, data: call(ctx, item, form))
        if ok:
            return done(request, page.url(f"{resource.url}_list"), success(item, form))
        return form_again(
            request, form, lambda bound: _form_page(request, page, resource, item, form)
        )

    view.__name__ = view.__qualname__ = f"{resource.url}_{name}"
    return view


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _action_url(page: KeyPage, resource: Resource, name: str, item: Any) -> str:
    return page.url(f"{resource.url}_{name}", **{f"{resource.url}_id": item.id})


def edit_view(
    resource: Resource,
    form_class: Callable[..., ActionForm],
    form_kwargs: Callable[[KeyPage, Any], dict[str, Any]],
) -> Callable[..., HttpResponse]:
    """GET: the form that edits one item (`form_class(current=item, **form_kwargs(page,
    item))`). POST: `resource.update(ctx, item.id, **form.changes())`, only what changed;
    then the item's new name as the message."""
    update = resource.update
    assert update is not None
    return _item_view(
        resource,
        update,
        "edit",
        lambda request, page, item: form_class(
            _posted(request),
            action=_action_url(page, resource, "edit", item),
            current=item,
            **form_kwargs(page, item),
        ),
        lambda ctx, item, form: update(ctx, item.id, **form.changes()),
        lambda item, form: (
            f"The {resource.noun} {form.cleaned_data[resource.name_field]} is saved."
        ),
        resource.editable_with,
    )


def delete_view(
    resource: Resource,
    form_class: Callable[..., ActionForm],
    explanation: Callable[[KeyPage, Any], str],
) -> Callable[..., HttpResponse]:
    """GET: the confirm form (type the item's name, or its id without one; a reason when the
    team asks for one). POST: delete it at Vultr (`resource.destroy`)."""
    return _item_view(
        resource,
        resource.destroy,
        "delete",
        lambda request, page, item: form_class(
            _posted(request),
            action=_action_url(page, resource, "delete", item),
            explanation=explanation(page, item),
            expected=resource.name_of(item) or item.id,
            require_reason=require_reason(request),
        ),
        lambda ctx, item, form: resource.destroy(ctx, item.id),
        lambda item, form: f"The {resource.noun} {resource.name_of(item)} is deleted.",
    )


def _add_page(
    request: HttpRequest, page: KeyPage, resource: Resource, bound: dict[str, ActionForm] | None
) -> HttpResponse:
    assert resource.add_form is not None
    add_form = resource.add_form
    return list_page(
        request,
        page,
        resource,
        bound,
        add_form=lambda: add_form(action=page.url(f"{resource.url}_add")),
    )


def list_view(resource: Resource) -> Callable[..., HttpResponse]:
    """The list page of `resource`, with its add form for members who may add one."""

    @team_view(Perm.SUBSCRIPTIONS_VIEW)
    @require_GET
    def view(request: HttpRequest, key_id: int) -> HttpResponse:
        return _add_page(request, key_page(request, key_id), resource, None)

    view.__name__ = view.__qualname__ = f"{resource.url}_list"
    return view


def add_view(resource: Resource) -> Callable[..., HttpResponse]:
    """The POST of the list page's add form: `resource.create(ctx, *resource.args(data))`."""
    assert resource.add_form is not None and resource.create is not None
    add_form, create = resource.add_form, resource.create

    @acts(create, target=resource.target_type)
    @require_POST
    def view(request: HttpRequest, key_id: int) -> HttpResponse:
        page = key_page(request, key_id)
        form = add_form(
            request.POST, action=page.url(f"{resource.url}_add"), **resource.form_kwargs(page)
        )
        return add(
            request,
            page,
            resource,
            form,
            create,
            resource.args,
            lambda bound: _add_page(request, page, resource, bound),
        )

    view.__name__ = view.__qualname__ = f"{resource.url}_add"
    return view
