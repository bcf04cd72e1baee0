"""Helpers the customer views share: safe redirects, forgiving list parameters, paging."""

from __future__ import annotations

import re
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.inputs import id_or_none

from ..filters import SORTS
from ..forms import FILTER_LABELS, LIST_STATE_KEYS

PAGE_SIZES = (20, 50, 100)
TIMELINE_KINDS = {"followup", "task", "change"}


def clean_params(request: HttpRequest, *, sortable: bool = True) -> tuple[QueryDict, list[str]]:
    """The list's query string without empty values, with values that cannot work dropped and noted."""
    params = QueryDict(mutable=True)
    warnings: list[str] = []
    for key, values in request.GET.lists():
        kept = [v[:200] for v in values if v.strip()][:50]
        if kept:
            params.setlist(key[:50], kept)
    days = params.get("no_contact_days")
    if days is not None and not re.fullmatch(r"\d{1,4}", days):
        params.pop("no_contact_days")
        warnings.append(_("“No contact for” must be a whole number of days; the filter was ignored."))
    if sortable and params.get("sort") and params["sort"] not in SORTS:
        params.pop("sort")
        warnings.append(_("Unknown sort order; sorted by last update instead."))
    per_page = params.get("per_page")
    if per_page is not None and (not per_page.isdigit() or int(per_page) not in PAGE_SIZES):
        params.pop("per_page")
        warnings.append(_("Page size must be 20, 50 or 100; showing 50."))
    return params, warnings


def filtered(select: Any, params: QueryDict, warnings: list[str], **kwargs: Any) -> Any:
    """Run a list selector; a filter value it rejects is dropped (and noted) instead of failing the page."""
    for _attempt in range(3):
        try:
            return select(filters=params, **kwargs)
        except ValidationFailed as exc:
            dropped = False
            for key, msgs in exc.fields.items():
                label = FILTER_LABELS.get(key) or {"scene": _("Scene")}.get(key, key)
                warnings.append(
                    _("Filter “%(label)s” was ignored: %(error)s") % {"label": label, "error": " ".join(msgs)}
                )
                dropped = params.pop(key, None) is not None or dropped
            if not dropped:  # an error not tied to one parameter: show the list unfiltered
                for key in list(params):
                    if key not in LIST_STATE_KEYS:
                        params.pop(key)
    return select(filters=params, **kwargs)


def paginate(qs: Any, params: QueryDict, warnings: list[str], default_size: int = 50) -> Page:
    size = int(params.get("per_page") or default_size)
    paginator = Paginator(qs, size)
    raw = params.get("page", "1")
    try:
        number = int(raw)
    except ValueError:
        number = 1
        warnings.append(_("“%(page)s” is not a page number; showing page 1.") % {"page": raw[:20]})
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
    return tuple(sorted((k, v) for k, vs in params.lists() if k not in ("page",) for v in vs))


def selected_ids(request: HttpRequest) -> list[int]:
    """The ids ticked on a list; anything that is not an id is left out."""
    return [pk for pk in map(id_or_none, request.POST.getlist("ids")) if pk is not None]
