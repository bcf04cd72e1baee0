"""The toolkit's pages and endpoints: `list_page(key)` (the list itself, wired by the owning app's urls.py) and,
under /lists/<key>/, saved views, column choices, star, bulk actions, inline edit and export. Thin: the engine
reads, the services write, each checks the reader's permissions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.paging import capped_count
from guanxi.core.registry import registry
from guanxi.core.views_util import error_text, next_or
from guanxi.org.models import Role
from guanxi.org.policies import has_permission, require_permission
from guanxi.org.selectors import lists as list_selectors
from guanxi.org.services import lists as list_services

from . import engine
from .custom import for_reader
from .export import list_export
from .params import paginate, selected_ids
from .registry import definition as get_definition
from .spec import PAGE_SIZES, BulkResult, Column, ListDefinition


def _list_url(definition: ListDefinition) -> str:
    return reverse(definition.url_name)


def require_read(user: Any, definition: ListDefinition) -> None:
    """403 unless the user may read the list (ListDefinition.may_read)."""
    if not definition.may_read(user):
        raise PermissionDeniedError(_("You may not open this list."))


def _no_permission(request: HttpRequest, definition: ListDefinition) -> HttpResponse:
    return render(request, definition.template, {"definition": definition, "no_permission": True}, status=403)


def _row_or_404(definition: ListDefinition, user: Any, pk: int) -> Any:
    """A row the reader sees in the list (its data scope), else the same 404 as any row out of reach."""
    try:
        return definition.rows(user=user, params=QueryDict()).get(pk=pk)
    except definition.model.DoesNotExist:
        raise NotFoundError(_("Not found, or you may not see it.")) from None


def list_page(key: str) -> Callable[[HttpRequest], HttpResponse]:
    """The view function of a registered list (`path("", list_page("customers"), name="list")`)."""

    @login_required
    def view(request: HttpRequest) -> HttpResponse:
        definition = for_reader(get_definition(key), request.user)
        return render_list(request, definition)

    view.list_key = key  # type: ignore[attr-defined]
    view.__name__ = f"list_page_{key}"
    return view


def render_list(request: HttpRequest, definition: ListDefinition) -> HttpResponse:
    user = request.user
    if not definition.may_read(user):
        return _no_permission(request, definition)
    if not request.GET:
        default = list_selectors.default_view(user=user, list_key=definition.key)
        if default is not None and default.query:
            return redirect(f"{_list_url(definition)}?{default.query}")
    wanted_view = request.GET.get("view")
    if wanted_view and set(request.GET) == {"view"}:  # a saved view's tab: apply its query
        chosen = list_selectors.saved_view_get(user=user, list_key=definition.key, pk=wanted_view)
        if chosen is not None:
            return redirect(f"{_list_url(definition)}?{chosen.query}{'&' if chosen.query else ''}view={chosen.pk}")
    try:
        resolved = engine.resolve(definition, user=user, query=request.GET)
    except PermissionDeniedError:
        return _no_permission(request, definition)
    params = resolved.params
    page = paginate(resolved.qs, params, resolved.warnings, capped=True)
    rows = list(page.object_list)
    definition.prepare_rows(user=user, rows=rows)
    views = list(list_selectors.saved_views(user=user, list_key=definition.key))
    active = engine.active_view(views, params)
    columns = engine.visible_columns(definition, user=user, view=active)
    state = params.copy()
    state.pop("page", None)
    scene_key = resolved.scene.key if resolved.scene else ""
    # one capped COUNT per visible scene (at most COUNT_CAP + 1 rows read); the current one is the page's own count
    counted = {scene_key: (page.paginator.count, page.paginator.count_is_exact)}
    scene_counts = [(s, *(counted.get(s.key) or capped_count(s.apply(resolved.base, user)))) for s in resolved.scenes]
    inline_choices = {
        c.key: list(c.inline.choices(user)) for c in columns if c.inline is not None and c.inline.choices is not None
    }
    can_admin = has_permission(user, "org.admin")
    field_choices = {f.key: list(f.choices(user)) for f in definition.fields if f.choices is not None}
    where_json = params.get("where", "")
    remote_fields = _remote_fields(definition, user, params, where_json)
    row_views = engine.row_views(definition, user=user, rows=rows, columns=columns)
    context = {
        "definition": definition,
        "list": definition,
        "page": page,
        "rows": row_views,
        # the columns with an editable cell on this page: their editors are rendered once (_inline_editors.html)
        "editable_columns": {cell.column.key for r in row_views for cell in r.cells if cell.editable},
        "columns": columns,
        "all_columns": _column_choices(definition, columns),
        "params": params,
        "query": state.urlencode(),
        "keep_pairs": [(k, v) for k, vs in state.lists() if k != "per_page" for v in vs],
        "warnings": resolved.warnings,
        "chips": engine.chips(resolved, user=user),
        "has_filters": engine.has_filters(params),
        "scene": scene_key,
        "scene_counts": scene_counts,
        "sort": resolved.sort,
        "saved_views": views,
        "active_view": active,
        "page_sizes": PAGE_SIZES,
        "per_page": int(params.get("per_page") or 50),
        "inline_choices": inline_choices,
        "bulk_actions": [a for a in definition.bulk_actions if has_permission(user, a.permission)],
        "bulk_fields": [
            f
            for f in definition.fields
            if f.bulk_edit and (not f.bulk_permission or has_permission(user, f.bulk_permission))
        ],
        "can_export": definition.may_export(user),
        "can_create": bool(definition.create_url_name)
        and (not definition.create_permission or has_permission(user, definition.create_permission)),
        "create_url": reverse(definition.create_url_name) if definition.create_url_name else "",
        "import_kind": _import_kind(definition, user),
        "view_links": [
            (link, link.url(state.urlencode()))
            for link in definition.view_links
            if has_permission(user, link.permission)
        ],
        "quick_fields": [f for f in definition.fields if f.quick],
        "advanced_fields": [f for f in definition.fields if not f.quick],
        "where_fields": [f for f in definition.fields if f.path],
        "field_choices": field_choices,
        "where_json": where_json,
        "where_meta": _where_meta(definition, field_choices, where_json, remote_fields),
        "remote_fields": remote_fields,
        "can_share": can_admin,
        "roles": list(Role.objects.order_by("name")) if can_admin else [],
        **definition.context(user=user, params=params),
    }
    return render(request, definition.template, context)


def _import_kind(definition: ListDefinition, user: Any) -> str:
    """The list's importer kind when the user may import its rows (the ⋯ menu offers it), else ""."""
    importer = registry.importers.get(definition.import_kind) if definition.import_kind else None
    return definition.import_kind if importer is not None and importer.permitted(user) else ""


def _remote_fields(definition: ListDefinition, user: Any, params: QueryDict, where_json: str) -> dict[str, Any]:
    """The searched pickers (fields with `remote`): the API list they search, the label field of its items, and the
    names of the values chosen now, in the quick filter and in the advanced filter (only those the reader sees)."""
    from guanxi.core.widgets import REMOTE_SOURCES

    from . import where as where_mod

    fields = [f for f in definition.fields if f.remote and f.names is not None]
    if not fields:
        return {}
    chosen: dict[str, list[str]] = {f.key: list(params.getlist(f.key)) for f in fields}
    where, _warnings = where_mod.parse(where_json, fields)
    for group in where.groups:
        for rule in group.rules:
            raw = rule.raw if isinstance(rule.raw, list) else [rule.raw]
            chosen[rule.field.key].extend(str(v) for v in raw if v not in (None, ""))
    out: dict[str, Any] = {}
    for f in fields:
        url, label = REMOTE_SOURCES[f.remote or ""]
        names = f.names(user, chosen[f.key]) if chosen[f.key] and f.names else {}
        picked = params.getlist(f.key)
        out[f.key] = {
            "url": url,
            "label": label,
            "names": names,
            "chosen": [(v, names.get(v) or f"#{v}") for v in picked],
        }
    return out


def _where_meta(
    definition: ListDefinition,
    field_choices: dict[str, list[Any]],
    where_json: str,
    remote_fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the advanced-filter builder (lists.js) needs: fields with their operators and choices (or, for a searched
    picker, its source and the names of the chosen records), the filter now."""
    import json

    from . import where as where_mod

    remote_fields = remote_fields or {}

    fields = []
    for f in definition.fields:
        if not f.path:
            continue
        fields.append(
            {
                "key": f.key,
                "label": str(f.label),
                "kind": f.kind,
                "ops": [[op, str(where_mod.OP_LABELS[op])] for op in where_mod.KIND_OPS.get(f.kind, ())],
                "choices": [[str(c.value), str(c.label)] for c in field_choices[f.key]]
                if f.key in field_choices
                else None,
                **(
                    {
                        "remote": remote_fields[f.key]["url"],
                        "remoteLabel": remote_fields[f.key]["label"],
                        "names": remote_fields[f.key]["names"],
                    }
                    if f.key in remote_fields
                    else {}
                ),
            }
        )
    try:
        current = json.loads(where_json) if where_json else None
    except ValueError:
        current = None
    return {"fields": fields, "where": current, "labels": {"yes": str(_("Yes")), "no": str(_("No"))}}


def _column_choices(definition: ListDefinition, shown: list[Column]) -> list[tuple[Column, bool]]:
    """Every column for the chooser, the shown ones first in their order, then the hidden ones."""
    shown_keys = [c.key for c in shown if not c.fixed]
    hidden = [c for c in definition.columns if not c.fixed and c.key not in shown_keys]
    by_key = {c.key: c for c in definition.columns}
    return [(by_key[k], True) for k in shown_keys] + [(c, False) for c in hidden]


# --- saved views ---------------------------------------------------------------------------------------------
@login_required
@require_POST
def saved_view_save(request: HttpRequest, key: str) -> HttpResponse:
    definition = for_reader(get_definition(key), request.user)
    require_read(request.user, definition)
    query = QueryDict(request.POST.get("query", "")[:2000], mutable=True)
    for k in ("page", "view"):
        query.pop(k, None)
    role = None
    if request.POST.get("share") and request.POST.get("role"):
        role = Role.objects.filter(pk=int(request.POST["role"]) if request.POST["role"].isdigit() else 0).first()
        if role is None:
            messages.error(request, _("Choose the role to share the view with."))
            return redirect(f"{_list_url(definition)}?{query.urlencode()}")
    try:
        view = list_services.saved_view_save(
            actor=request.user,
            list_key=key,
            name=request.POST.get("name", ""),
            query=query.urlencode(),
            is_default=bool(request.POST.get("is_default")),
            role=role,
        )
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect(f"{_list_url(definition)}?{query.urlencode()}")
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(f"{_list_url(definition)}?{query.urlencode() or 'scene='}")


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    definition = for_reader(get_definition(key), request.user)
    try:
        list_services.saved_view_delete(actor=request.user, list_key=key, view_id=pk)
    except NotFoundError:
        pass  # another user's view, or gone already: nothing to do, nothing said
    else:
        messages.success(request, _("View deleted."))
    scenes = engine.scenes_for(definition, request.user)
    return redirect(f"{_list_url(definition)}?scene={scenes[0].key if scenes else ''}")


@login_required
@require_POST
def saved_view_default_clear(request: HttpRequest, key: str) -> HttpResponse:
    definition = for_reader(get_definition(key), request.user)
    list_services.list_default_clear(actor=request.user, list_key=key)
    messages.success(request, _("The list opens without a saved view now."))
    return redirect(next_or(request, _list_url(definition)))


# --- columns ---------------------------------------------------------------------------------------------------
@login_required
@require_POST
def columns_save(request: HttpRequest, key: str) -> HttpResponse:
    """The column chooser: the visible columns in order (`columns`, repeated), for the list or a saved view
    (`view`); `reset` forgets the choice."""
    definition = for_reader(get_definition(key), request.user)
    require_read(request.user, definition)
    view = None
    if request.POST.get("view"):
        view = list_selectors.saved_view_get(user=request.user, list_key=key, pk=request.POST["view"])
    columns = [] if request.POST.get("reset") else request.POST.getlist("columns")
    list_services.list_columns_save(
        actor=request.user,
        list_key=key,
        columns=columns,
        allowed=[c.key for c in definition.columns if not c.fixed],
        view=view,
    )
    target = next_or(request, _list_url(definition))
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


# --- star ------------------------------------------------------------------------------------------------------
@login_required
@require_POST
def star_toggle(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    definition = for_reader(get_definition(key), request.user)
    require_read(request.user, definition)
    row = _row_or_404(definition, request.user, pk)
    starred = list_services.star_toggle(actor=request.user, obj=row)
    if request.headers.get("HX-Request"):
        return render(request, "org/lists/_star.html", {"list": definition, "r": {"obj": row, "starred": starred}})
    return redirect(next_or(request, _list_url(definition)))


# --- bulk ------------------------------------------------------------------------------------------------------
def _bulk_message(result: BulkResult) -> str:
    if result.message:
        return result.message
    return _("Updated %(done)s, skipped %(skipped)s (no permission).") % {
        "done": result.done,
        "skipped": result.skipped,
    }


@login_required
@require_POST
def bulk_action(request: HttpRequest, key: str, action: str) -> HttpResponse:
    """POST ids (+ the action's form fields) → run the action, each row through its service; a toast says how
    many were done and skipped. Without the action's permission: 403, nothing changes."""
    definition = for_reader(get_definition(key), request.user)
    back = next_or(request, _list_url(definition))
    ids = selected_ids(request)
    if action == "edit":
        return _bulk_edit(request, definition, ids, back)
    chosen = next((a for a in definition.bulk_actions if a.key == action), None)
    if chosen is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    require_permission(request.user, chosen.permission)
    return _run_bulk(request, ids, back, lambda: chosen.run(request.user, ids, request.POST))


def _run_bulk(request: HttpRequest, ids: list[int], back: str, run: Callable[[], BulkResult]) -> HttpResponse:
    """Run a bulk action on the ticked rows; its toast says how many were done and skipped."""
    if not ids:
        messages.warning(request, _("Tick the rows first."))
        return redirect(back)
    try:
        result = run()
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect(back)
    messages.success(request, _bulk_message(result))
    return redirect(back)


def _bulk_edit(request: HttpRequest, definition: ListDefinition, ids: list[int], back: str) -> HttpResponse:
    key = request.POST.get("field", "")
    fld = next((f for f in definition.fields if f.key == key and f.bulk_edit), None)
    if fld is None or fld.bulk_edit is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    require_permission(request.user, fld.bulk_permission or definition.permission)
    edit = fld.bulk_edit
    return _run_bulk(request, ids, back, lambda: edit(request.user, ids, request.POST.get("value", "")))


# --- inline edit -----------------------------------------------------------------------------------------------
def _cell_response(
    request: HttpRequest, definition: ListDefinition, row: Any, column: Column, *, error: str = "", status: int = 200
) -> HttpResponse:
    user = request.user
    editable = column.inline is not None and row.pk in set(column.inline.editable(user, [row]))
    cell = engine.Cell(
        column=column, value=engine.cell_value(column, row), editable=editable, raw=engine.inline_current(column, row)
    )
    context = {  # the editor's choices are the page's (org/lists/_inline_editors.html): the cell needs none
        "list": definition,
        "definition": definition,
        "r": engine.RowView(obj=row, url=definition.row_url(row), cells=[cell]),
        "cell": cell,
        "error": error,
        "standalone": True,
    }
    return render(request, "org/lists/_cell.html", context, status=status)


@login_required
@require_POST
def inline_edit(request: HttpRequest, key: str, pk: int, column: str) -> HttpResponse:
    """POST value, version → the re-rendered cell. A refused save (stale version, bad value, no permission)
    answers the cell with the current value and the reason, with the error's status, and changes nothing."""
    definition = for_reader(get_definition(key), request.user)
    col = next((c for c in definition.columns if c.key == column and c.inline is not None), None)
    if col is None or col.inline is None:
        return HttpResponse(_("This field cannot be edited here."), status=400)
    require_read(request.user, definition)
    row = _row_or_404(definition, request.user, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1  # a missing or garbled version is treated as stale, never as "skip the check"
    if row.pk not in set(col.inline.editable(request.user, [row])):  # the service checks again
        msg = _("You may not change this here.")
        return _cell_response(request, definition, row, col, error=msg, status=403)
    try:
        row = col.inline.save(request.user, row, request.POST.get("value", "")[:200], version)
    except NotFoundError:
        raise  # seen but not editable: the same 404 as any row out of reach
    except ApplicationError as exc:
        fresh = _row_or_404(definition, request.user, pk)
        return _cell_response(request, definition, fresh, col, error=str(exc.message), status=exc.http_status)
    fresh = _row_or_404(definition, request.user, pk)
    return _cell_response(request, definition, fresh, col)


# --- export ----------------------------------------------------------------------------------------------------
@login_required
def export(request: HttpRequest, key: str) -> HttpResponse:
    """GET: the current view (its query string) · POST ids: the ticked rows; fmt=xlsx|csv."""
    definition = for_reader(get_definition(key), request.user)
    if not definition.may_export(request.user):
        raise PermissionDeniedError(_("You may not export this list."))
    if request.method == "POST":
        ids = selected_ids(request)
        if not ids:
            messages.warning(request, _("Tick the rows to export first."))
            return redirect(next_or(request, _list_url(definition)))
        query, fmt = QueryDict(), request.POST.get("fmt", "xlsx")
    else:
        ids, query, fmt = None, request.GET, request.GET.get("fmt", "xlsx")
    view = None
    if query.get("view"):
        view = list_selectors.saved_view_get(user=request.user, list_key=key, pk=query["view"])
    try:
        content, content_type, filename = list_export(
            actor=request.user, definition=definition, query=query, fmt=fmt, ids=ids, view=view
        )
    except ValidationFailed as exc:
        return HttpResponse(error_text(exc), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
