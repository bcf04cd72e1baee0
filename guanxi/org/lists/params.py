"""Forgiving list parameters: the query string without empty values, values that cannot work dropped and noted
(a translated warning on the page, never a 500), paging with size and jump, the ids ticked on a list."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.paginator import EmptyPage, Page
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.inputs import id_or_none
from guanxi.core.paging import CappedPaginator

from .spec import PAGE_SIZES

# Keys that choose how a list is shown, not which rows: a saved view's query keeps them, chips skip them.
STATE_KEYS = frozenset({"scene", "sort", "page", "per_page", "view"})
DEFAULT_PAGE_SIZE = 50


def clean_params(source: HttpRequest | QueryDict, *, sorts: Iterable[str] | None = None) -> tuple[QueryDict, list[str]]:
    """The list's query string without empty values and NUL bytes (at most 50 values of 200 characters per key),
    an unknown `sort` (when `sorts` names the valid ones) or page size dropped with a warning."""
    query = source.GET if isinstance(source, HttpRequest) else source
    params = QueryDict(mutable=True)
    warnings: list[str] = []
    for key, values in query.lists():
        # A NUL byte can match nothing, and PostgreSQL refuses it in a text parameter: dropped like the rest.
        values = [v.replace("\x00", "") for v in values]
        kept = [v[:2000] if key == "where" else v[:200] for v in values if v.strip()][:50]
        if kept:
            params.setlist(key[:50], kept)
    if sorts is not None and params.get("sort") and params["sort"] not in set(sorts):
        params.pop("sort")
        warnings.append(_("Unknown sort order; sorted by last update instead."))
    per_page = params.get("per_page")
    if per_page is not None and (not per_page.isdigit() or int(per_page) not in PAGE_SIZES):
        params.pop("per_page")
        warnings.append(_("Page size must be 20, 50 or 100; showing 50."))
    return params, warnings


def filtered(
    select: Callable[..., Any],
    params: QueryDict,
    warnings: list[str],
    *,
    labels: Mapping[str, Any] | None = None,
    keep: Iterable[str] = STATE_KEYS,
    **kwargs: Any,
) -> Any:
    """Run a list selector with `filters=params`; a filter value it rejects (ValidationFailed naming the field)
    is dropped from `params` and noted, instead of failing the page. `labels` name the filters in the note."""
    labels = labels or {}
    keep = set(keep)
    for _attempt in range(3):
        try:
            return select(filters=params, **kwargs)
        except ValidationFailed as exc:
            dropped = False
            for key, msgs in exc.fields.items():
                label = labels.get(key) or {"scene": _("Scene")}.get(key, key)
                warnings.append(
                    _("Filter “%(label)s” was ignored: %(error)s") % {"label": label, "error": " ".join(msgs)}
                )
                dropped = params.pop(key, None) is not None or dropped
            if not dropped:  # an error not tied to one parameter: show the list unfiltered
                for key in list(params):
                    if key not in keep:
                        params.pop(key)
    return select(filters=params, **kwargs)


def paginate(
    qs: Any, params: QueryDict, warnings: list[str], default_size: int = DEFAULT_PAGE_SIZE, *, capped: bool = False
) -> Page:
    """The page asked for (`page`, `per_page`); a page number out of range shows the nearest page, noted. `capped`
    counts at most `core.paging.COUNT_CAP` rows ("10,000+", `page.paginator.count_is_exact` false) and still pages on
    past them; only a page asked for beyond the last row then counts them all, to show the last page."""
    size = int(params.get("per_page") or default_size)
    paginator = CappedPaginator(qs, size, exact=not capped)
    raw = params.get("page", "1")
    try:
        number = int(raw)
    except ValueError:
        number = 1
        warnings.append(_("“%(page)s” is not a page number; showing page 1.") % {"page": raw[:20]})
    if number > paginator.num_pages and not getattr(paginator, "count_is_exact", True):
        try:
            return paginator.page(number)
        except EmptyPage:
            paginator = CappedPaginator(qs, size, exact=True)  # asked past the end: the exact count finds the last page
    if number < 1 or number > paginator.num_pages:
        clamped = min(max(number, 1), paginator.num_pages)
        if raw.lstrip("-").isdigit():
            warnings.append(
                _("There is no page %(page)s; showing page %(shown)s.") % {"page": number, "shown": clamped}
            )
        number = clamped
    return paginator.page(number)


def query_key(params: QueryDict) -> tuple:
    """Compares list states regardless of parameter order (which saved view is active)."""
    return tuple(sorted((k, v) for k, vs in params.lists() if k not in ("page", "view") for v in vs))


def selected_ids(request: HttpRequest) -> list[int]:
    """The ids ticked on a list; anything that is not an id is left out."""
    return list(dict.fromkeys(pk for pk in map(id_or_none, request.POST.getlist("ids")) if pk is not None))
