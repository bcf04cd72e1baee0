"""Reading dictionaries: the choices a new form offers, the label of any code (retired ones too), the codes that
carry a behaviour flag. Every read goes through the per-process copy (cache.py): no query on a warm page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Annotated, Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from pydantic import AfterValidator, WithJsonSchema

from guanxi.core.models import Dictionary, DictionaryEntry

from .cache import DictionarySnapshot, Entry, snapshot


def dictionary(key: str) -> DictionarySnapshot:
    """The whole dictionary (entries in their order, retired ones included); empty when the key is unknown."""
    return snapshot(key)


def entries(key: str, *, active_only: bool = False, parent: str | None = None) -> list[Entry]:
    """The entries in order; `parent` narrows a tree to the children of that code ("" for the top level)."""
    found = snapshot(key).entries
    return [e for e in found if (not active_only or e.is_active) and (parent is None or e.parent_code == parent)]


def entry(key: str, code: str | None) -> Entry | None:
    """The entry with this code, retired or not; None for an unknown code."""
    if code is None or code == "":
        return None
    return snapshot(key).by_code.get(str(code))


def retired_label(label: str) -> str:
    return _("%(label)s (retired)") % {"label": label}


def label_of(key: str, code: str | None, *, mark_retired: bool = False) -> str:
    """What a reader sees for a stored code: the entry's label in their language ("" for no value, the code
    itself when no entry has it). `mark_retired` adds "(retired)" to a retired entry's label."""
    if code is None or code == "":
        return ""
    found = entry(key, code)
    if found is None:
        return str(code)
    return retired_label(found.label) if mark_retired and not found.is_active else found.label


def active_choices(key: str, *, keep: Iterable[str | None] = (), parent: str | None = None) -> list[tuple[str, str]]:
    """(code, label) pairs a new form offers: the active entries in order, plus the `keep` codes (a record's
    current values) even when retired, marked so, so editing an old record does not lose its value."""
    pairs = [(e.code, e.label) for e in entries(key, active_only=True, parent=parent)]
    offered = {code for code, _label in pairs}
    for code in keep:
        if code and code not in offered:
            pairs.append((str(code), label_of(key, code, mark_retired=True)))
            offered.add(str(code))
    return pairs


def filter_choices(key: str) -> list[tuple[str, str]]:
    """(code, label) pairs a filter offers: every entry, retired ones last and marked, so old records stay findable."""
    found = entries(key)
    active = [(e.code, e.label) for e in found if e.is_active]
    return active + [(e.code, retired_label(e.label)) for e in found if not e.is_active]


def codes(key: str, *, active_only: bool = False) -> list[str]:
    return [e.code for e in entries(key, active_only=active_only)]


def codes_with(key: str, attribute: str) -> list[str]:
    """The codes whose entry carries a true behaviour flag (e.g. customer_status "deal_made"), retired included."""
    return [e.code for e in snapshot(key).entries if e.attributes.get(attribute)]


def resolve(key: str, text: str | None) -> str | None:
    """The code a person meant (imports, spreadsheets): a code, or a Chinese or English label, case and spaces
    ignored; None when nothing matches."""
    wanted = (text or "").strip()
    if not wanted:
        return None
    snap = snapshot(key)
    if wanted in snap.by_code:
        return wanted
    folded = wanted.casefold()
    for e in snap.entries:
        if folded in (e.code.casefold(), e.label_zh.strip().casefold(), e.label_en.strip().casefold()):
            return e.code
    return None


def admin_dictionaries() -> QuerySet[Dictionary]:
    """Every dictionary for the settings pages (the views check the reader may administer them)."""
    return Dictionary.objects.order_by("app_label", "key")


def choices_for_filter(key: str) -> Callable[[], list[tuple[str, str]]]:
    """`choices=` of a django-filter filter: read when the filter is used, in the reader's language."""
    return partial(filter_choices, key)


def api_code(key: str, *, check: bool = True) -> Any:
    """The type of an API field that holds a code of dictionary `key`: a string in the OpenAPI document (the
    entries change at run time, so no enum). An unknown code is a 422 naming the field; a retired one is refused by
    the service (400), like the web form, unless the record already holds it. `check=False` for a list filter,
    whose FilterSet answers a bad value with a 400 naming the filter, as on the web list."""

    def known(value: str) -> str:
        if check and value and entry(key, value) is None:
            raise ValueError(_("“%(value)s” is not in the list; choose one of its values.") % {"value": value[:50]})
        return value

    return Annotated[
        str,
        AfterValidator(known),
        WithJsonSchema(
            {
                "type": "string",
                "maxLength": 50,
                "description": f"A code of the dictionary `{key}` (GET /api/v1/dictionaries/{key}).",
                "x-dictionary": key,
            }
        ),
    ]


def admin_entries(*, key: str, parent: str | None = None, query: str = "") -> QuerySet[DictionaryEntry]:
    """A dictionary's entries for the settings page, in order: a tree's level under `parent` ("" the top), or,
    with `query`, every entry whose code or label contains it."""
    qs = DictionaryEntry.objects.filter(dictionary__key=key).select_related("parent").order_by("order", "id")
    text = query.strip()[:50]
    if text:
        return qs.filter(Q(code__icontains=text) | Q(label_zh__icontains=text) | Q(label_en__icontains=text))
    if parent is not None:
        qs = qs.filter(parent__code=parent) if parent else qs.filter(parent__isnull=True)
    return qs.annotate(child_count=Count("children"))


def admin_dictionary_summaries() -> QuerySet[Dictionary]:
    """Every dictionary with its number of entries and of active ones (the settings list)."""
    return admin_dictionaries().annotate(
        entry_count=Count("entries"), active_count=Count("entries", filter=Q(entries__is_active=True))
    )
