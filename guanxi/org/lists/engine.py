"""What a list shows for one reader and one query string: the rows (the definition's own filters, then the
toolkit's scene, field filters, advanced filter, search, sort), the scenes with their counts, the visible columns,
the chips of the active filters, and each row's cells (value, inline editability, star)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.org.models import SavedView, User
from guanxi.org.selectors.lists import list_preference, starred_ids, starred_subquery

from . import where as where_mod
from .custom import attach_names, with_aliases, with_custom_search
from .params import STATE_KEYS, clean_params, filtered, query_key
from .spec import Column, Field, ListDefinition, Scene

# Keys the toolkit reads itself; the rest (except the generic field filters) go to the definition's rows().
TOOLKIT_KEYS = STATE_KEYS | {"q", "where", "fmt", "ids", "csrfmiddlewaretoken", "next"}
RANGE_KINDS = ("number", "money", "date", "datetime")


def _every(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return qs


def _starred_scene(definition: ListDefinition) -> Scene:
    def apply(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
        return qs.filter(pk__in=starred_subquery(user=user, model=definition.model))

    return Scene("starred", gettext_lazy("Starred"), apply)


def scenes_for(definition: ListDefinition, user: User) -> list[Scene]:
    scenes = [s for s in definition.scenes if s.visible(user)]
    if not definition.scenes and definition.star:  # the starred tab needs an "all" tab to come back to
        scenes.append(Scene("all", gettext_lazy("All"), _every))
    if definition.star:
        scenes.append(_starred_scene(definition))
    return scenes


def sort_keys(definition: ListDefinition) -> set[str]:
    keys = {c.key for c in definition.columns if c.sort}
    return keys | {f"-{k}" for k in keys}


def order_for(definition: ListDefinition, sort: str) -> list[str]:
    by_key = {c.key: c for c in definition.columns if c.sort}
    column = by_key.get(sort.lstrip("-"))
    if column is None or not column.sort:
        return ["-pk"]
    order = list(column.sort)
    if sort.startswith("-"):
        order = [o[1:] if o.startswith("-") else f"-{o}" for o in order]
        return [*order, "-pk"]
    # The tie-breaker follows the direction: one index on (column, id) then serves both, read either way.
    return [*order, "pk"]


def is_own(f: Field) -> bool:
    """A field the definition's FilterSet (rows) reads itself: the toolkit only offers its control and chip."""
    return bool(getattr(f, "own", False))


def _field_keys(definition: ListDefinition) -> set[str]:
    keys: set[str] = set()
    for f in definition.fields:
        if is_own(f):
            continue
        keys.add(f.key)
        if f.kind in RANGE_KINDS:
            keys |= {f"{f.key}_from", f"{f.key}_to"}
    return keys


def _coerce_value(f: Field, raw: str) -> Any:
    if f.coerce is not None:
        return f.coerce(raw)
    if f.kind in ("number", "money"):
        value = Decimal(raw)
        if not value.is_finite() or abs(value) >= Decimal("1e15"):
            raise ValueError
        return value
    if f.kind in ("date", "datetime"):
        return dt.date.fromisoformat(raw.strip()[:10])
    if f.kind in ("user", "ref"):
        if not raw.isdigit() or len(raw) > 18:
            raise ValueError
        return int(raw)
    if f.kind == "bool":
        return raw.lower() in ("1", "true", "yes", "on")
    return raw


def field_filter_q(definition: ListDefinition, params: QueryDict, warnings: list[str]) -> Q:
    """`<key>` (any of the values) and `<key>_from` / `<key>_to` (inclusive) of the declared fields; a value the
    field cannot hold is dropped with a warning."""
    q = Q()
    for f in definition.fields:
        if is_own(f):
            continue
        path = f"{f.path}__date" if f.kind == "datetime" else f.path
        if f.kind in RANGE_KINDS:
            for suffix, lookup in (("_from", "gte"), ("_to", "lte")):
                raw = params.get(f.key + suffix)
                if raw is None:
                    continue
                try:
                    q &= Q(**{f"{path}__{lookup}": _coerce_value(f, raw)})
                except (ValueError, InvalidOperation, OverflowError):
                    params.pop(f.key + suffix)
                    warnings.append(
                        _("Filter “%(label)s” was ignored: %(error)s")
                        % {"label": f.label, "error": _("Enter a valid value.")}
                    )
            continue
        values = params.getlist(f.key)
        if not values:
            continue
        try:
            coerced = [_coerce_value(f, v) for v in values]
        except (ValueError, InvalidOperation, OverflowError):
            params.pop(f.key)
            warnings.append(
                _("Filter “%(label)s” was ignored: %(error)s") % {"label": f.label, "error": _("Enter a valid value.")}
            )
            continue
        if f.match is not None:
            q &= f.match(coerced)
            continue
        if f.kind == "text" and f.path.startswith(where_mod.CUSTOM_PREFIX):
            # a custom text typed into the quick filter finds the values holding it, as the advanced filter's
            # "contains" does (any of several typed)
            q &= Q.create([(f"{f.path}__icontains", v) for v in coerced], connector=Q.OR)
            continue
        q &= Q(**{f"{f.path}__in": coerced})
    return q


@dataclass
class Resolved:
    """One reader's list for one query string, before paging."""

    definition: ListDefinition
    params: QueryDict
    warnings: list[str]
    scenes: list[Scene]
    scene: Scene | None
    base: QuerySet[Any]  # every filter but the scene (the scene tabs count on it)
    qs: QuerySet[Any]  # the rows shown, sorted
    where: where_mod.Where = field(default_factory=where_mod.Where)
    sort: str = ""


def labels_of(definition: ListDefinition) -> dict[str, Any]:
    labels: dict[str, Any] = {f.key: f.label for f in definition.fields}
    labels.update(getattr(definition, "param_labels", {}) or {})
    return labels


def resolve(definition: ListDefinition, *, user: User, query: QueryDict, export: bool = False) -> Resolved:
    """Apply the query string: the definition's own filters (rows), the field filters, `where`, the search, the
    scene and the sort. Everything it cannot use is dropped with a warning; a PermissionDeniedError of rows()
    passes through (the page answers 403)."""
    params, warnings = clean_params(query, sorts=sort_keys(definition))
    definition.clean_params(params=params, warnings=warnings)
    scenes = scenes_for(definition, user)
    scene: Scene | None = scenes[0] if scenes else None
    wanted = params.get("scene")
    if wanted:
        match = next((s for s in scenes if s.key == wanted), None)
        if match is None:
            params.pop("scene")
            warnings.append(
                _("Filter “%(label)s” was ignored: %(error)s")
                % {"label": _("Scene"), "error": _("Choose one of the tabs.")}
            )
        else:
            scene = match
    generic = _field_keys(definition)
    own = QueryDict(mutable=True)
    for key, values in params.lists():
        if key not in TOOLKIT_KEYS and key not in generic:
            own.setlist(key, values)
    read = definition.export_rows if export else definition.rows

    def select(filters: QueryDict) -> QuerySet[Any]:
        return read(user=user, params=filters)

    qs = filtered(select, own, warnings, labels=labels_of(definition), keep=())
    qs = with_aliases(definition, qs)  # custom fields' filters and sorts (lists/custom.py)
    for key in list(params):  # what the definition's filters refused is gone from the state too
        if key not in TOOLKIT_KEYS and key not in generic and key not in own:
            params.pop(key)
    qs = qs.filter(field_filter_q(definition, params, warnings))
    where, where_warnings = where_mod.parse(params.get("where"), definition.fields)
    warnings.extend(where_warnings)
    if where:
        qs = qs.filter(where_mod.to_q(where))
        params["where"] = where.dump()
    else:
        params.pop("where", None)
    text = params.get("q", "").strip()
    if text:
        qs = with_custom_search(definition, user, qs, text[:100])  # its own search, and custom text (custom.py)
    base = qs
    if scene is not None:
        qs = scene.apply(qs, user)
    sort = params.get("sort") or definition.default_sort
    return Resolved(
        definition=definition,
        params=params,
        warnings=warnings,
        scenes=scenes,
        scene=scene,
        base=base,
        qs=qs.order_by(*order_for(definition, sort)),
        where=where,
        sort=sort,
    )


# --- what the page shows -----------------------------------------------------------------------------------------
def visible_columns(definition: ListDefinition, *, user: User, view: SavedView | None = None) -> list[Column]:
    """The reader's columns in their order (fixed ones first, always); the list's defaults until they choose."""
    pref = list_preference(user=user, list_key=definition.key, view=view)
    fixed = [c for c in definition.columns if c.fixed]
    by_key = {c.key: c for c in definition.columns if not c.fixed}
    if pref is not None and pref.columns:
        chosen = [by_key[k] for k in pref.columns if k in by_key]
        if chosen:
            return fixed + chosen
    return fixed + [c for c in definition.columns if c.default and not c.fixed]


def cell_value(column: Column, row: Any) -> Any:
    if column.value is not None:
        return column.value(row)
    return getattr(row, column.key, "")


def inline_current(column: Column, row: Any) -> str:
    """The inline editor's current value as the input holds it (a choice's code, a user id, yyyy-mm-dd)."""
    inline = column.inline
    if inline is None:
        return ""
    if inline.current is not None:
        value = inline.current(row)
    elif inline.kind == "user":
        value = getattr(row, f"{column.key}_id", None)
    else:
        value = getattr(row, column.key, None)
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    return str(value)


@dataclass
class Cell:
    column: Column
    value: Any
    editable: bool = False
    raw: str = ""  # the inline editor's current value


@dataclass
class RowView:
    obj: Any
    url: str
    cells: list[Cell]
    starred: bool = False

    @property
    def editable(self) -> bool:
        """Whether the reader may edit one of the row's cells inline (the row then carries its version)."""
        return any(cell.editable for cell in self.cells)


def row_views(definition: ListDefinition, *, user: User, rows: list[Any], columns: list[Column]) -> list[RowView]:
    """The page's rows with their cells: one query per inline-edit rule and one for the stars, whatever the rows."""
    attach_names(definition, rows)  # custom values linking to people and records show their names
    editable: dict[int, set[int]] = {}
    for column in columns:
        if column.inline is not None and id(column.inline.editable) not in editable:
            editable[id(column.inline.editable)] = set(column.inline.editable(user, rows)) if rows else set()
    stars = (
        starred_ids(user=user, model=definition.model, ids=[r.pk for r in rows]) if definition.star and rows else set()
    )
    out = []
    for row in rows:
        cells = [
            Cell(
                column=c,
                value=cell_value(c, row),
                editable=c.inline is not None and row.pk in editable[id(c.inline.editable)],
                raw=inline_current(c, row),
            )
            for c in columns
        ]
        out.append(RowView(obj=row, url=definition.row_url(row), cells=cells, starred=row.pk in stars))
    return out


def _choice_label(f: Field, user: User, value: str, cache: dict[str, dict[str, str]]) -> str:
    if f.names is not None:  # a picked record: its name when the reader may see it, else "#id"
        return f.names(user, [value]).get(value) or f"#{value}"
    if f.choices is None:
        return value
    if f.key not in cache:
        cache[f.key] = {str(c.value): str(c.label) for c in f.choices(user)}
    return cache[f.key].get(value, value)


def _without(params: QueryDict, key: str, value: str | None = None) -> str:
    rest = params.copy()
    if value is None:
        rest.pop(key, None)
    else:
        rest.setlist(key, [v for v in rest.getlist(key) if v != value])
    rest.pop("page", None)
    rest.pop("view", None)
    return rest.urlencode()


def chips(resolved: Resolved, *, user: User) -> list[dict[str, Any]]:
    """Every active filter, advanced rule and the sort as a removable chip: label, value shown, query without it."""
    definition, params = resolved.definition, resolved.params
    fields = {f.key: f for f in definition.fields}
    cache: dict[str, dict[str, str]] = {}
    out: list[dict[str, Any]] = []
    for key, values in params.lists():
        if key in STATE_KEYS or key in ("where", "fmt", "ids"):
            continue
        for value in values:
            shown = definition.chip(user=user, key=key, value=value)
            if shown is None:
                base_key, suffix = key, ""
                for s in ("_from", "_to"):
                    if key.endswith(s) and key[: -len(s)] in fields:
                        base_key, suffix = key[: -len(s)], s
                f = fields.get(base_key)
                if key == "q":
                    shown = (_("Search"), value)
                elif f is not None and suffix:
                    shown = (f.label, ("≥ " if suffix == "_from" else "≤ ") + value)
                elif f is not None:
                    shown = (f.label, _choice_label(f, user, value, cache))
                else:
                    shown = (labels_of(definition).get(key, key), value)
            out.append({"label": shown[0], "value": shown[1], "query": _without(params, key, value)})
    for gi, group in enumerate(resolved.where.groups):
        for ri, rule in enumerate(group.rules):
            rest = params.copy()
            remaining = resolved.where.without(gi, ri).dump()
            if remaining:
                rest["where"] = remaining
            else:
                rest.pop("where", None)
            rest.pop("page", None)
            rest.pop("view", None)
            joiner = _("any of") if group.any and len(group.rules) > 1 else ""
            text = where_mod.rule_text(rule)
            if (rule.field.choices or rule.field.names) is not None and rule.op not in ("empty", "nempty"):
                raw = rule.raw if isinstance(rule.raw, list) else [rule.raw]
                shown_values = ", ".join(_choice_label(rule.field, user, str(v), cache) for v in raw)
                text = f"{rule.field.label} {where_mod.OP_LABELS[rule.op]} {shown_values}"
            out.append(
                {
                    "label": _("Advanced") + (f" · {joiner}" if joiner else ""),
                    "value": text,
                    "query": rest.urlencode(),
                    "where": True,
                }
            )
    sort = params.get("sort")
    if sort:
        labels = {c.key: c.label for c in definition.columns}
        arrow = "↓" if sort.startswith("-") else "↑"
        out.append(
            {
                "label": _("Sort"),
                "value": f"{labels.get(sort.lstrip('-'), sort)} {arrow}",
                "query": _without(params, "sort"),
            }
        )
    return out


def has_filters(params: QueryDict) -> bool:
    return any(k not in STATE_KEYS for k in params)


def active_view(views: list[SavedView], params: QueryDict) -> SavedView | None:
    wanted = params.get("view")
    if wanted and wanted.isdigit():
        match = next((v for v in views if v.pk == int(wanted)), None)
        if match is not None:
            return match
    current = query_key(params)
    return next((v for v in views if query_key(QueryDict(v.query)) == current), None)
