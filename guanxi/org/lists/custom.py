"""Custom fields (core.custom_fields) in the shared list toolkit: each list of an object administrators added
fields to offers them, for the fields the reader's roles see, as columns (in the column chooser, off until chosen;
exported like any column) and, for the types a list can filter, as filter fields (quick filter for those marked
filterable, the advanced filter for all). Saved views keep them: they are ordinary parameters of the query string.

A filter reads the value through an alias on the queryset, `cf_<code>`: the text of the JSON key
(core.custom_fields.indexes.text_expression: PostgreSQL `(custom ->> 'code')`, SQLite
`json_extract(custom, '$."code"')`), the expression the
index of a filterable field is built on (core.custom_fields.indexes), so an equality filter is an index lookup;
numbers and amounts compare as decimals (a cast of that text)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from django.db.models import BigIntegerField, DateTimeField, DecimalField, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from guanxi.core.custom_fields.definitions import SEARCHED_TYPES, FieldDef, visible_fields
from guanxi.core.custom_fields.indexes import text_expression
from guanxi.core.custom_fields.models import FieldType
from guanxi.core.custom_fields.values import display_value, linked_names
from guanxi.core.dictionaries.selectors import filter_choices
from guanxi.core.registry import registry

from .spec import Choice, Column, Field, ListDefinition

PREFIX = "cf_"  # where.CUSTOM_PREFIX
# The REST API's `custom` parameter (filter_by_custom), as list endpoints document it.
CUSTOM_FILTER_HELP = (
    "Custom fields as code:value, repeat for several (one field: any of its values; several fields: all). A link to "
    "a customer, contact or user by id (partner:42), a choice by its code, yes/no as true/false, a date yyyy-mm-dd."
)
_FILTER_KINDS = {
    FieldType.TEXT: "text",
    FieldType.LONG_TEXT: "text",
    FieldType.NUMBER: "number",
    FieldType.MONEY: "money",
    FieldType.DATE: "date",
    FieldType.BOOLEAN: "bool",
    FieldType.CHOICE: "choice",
    FieldType.MULTI_CHOICE: "choice",
    FieldType.USER: "user",
    FieldType.DATETIME: "datetime",
    FieldType.CUSTOMER: "ref",
    FieldType.CONTACT: "ref",
}
_COLUMN_TYPES = tuple(_FILTER_KINDS)
# A link to a customer or a contact: the picker's source (core.widgets.REMOTE_SOURCES, a scope-checked API list)
# and the model whose names the chips show, read within the reader's scope.
_LINKED = {
    FieldType.CUSTOMER: ("customers", "customers.customer"),
    FieldType.CONTACT: ("contacts", "customers.contact"),
}
_NAMED = (FieldType.USER, FieldType.CUSTOMER, FieldType.CONTACT)
NAMES_ATTR = "_cf_names"


def alias_expression(field: FieldDef) -> Any:
    """The expression a list filters and sorts the field on (the index's expression for text-like types)."""
    if field.type in (FieldType.NUMBER, FieldType.MONEY):
        return Cast(KeyTextTransform(field.code, "custom"), DecimalField(max_digits=30, decimal_places=6))
    if field.type in _NAMED:  # a user's, customer's or contact's id: filtered (and grouped by reports) as a number
        return Cast(text_expression(field.code), BigIntegerField())
    if field.type == FieldType.DATETIME:  # stored as UTC "…Z" text: a moment, so that its local date filters
        return Cast(text_expression(field.code), DateTimeField())
    return text_expression(field.code)


SORT_PREFIX = "cfs_"
# What a link's column sorts by: the linked model and its sort field (customers and contacts keep their name's pinyin
# in `name_sort`, core.search.name_sort_key; a user sorts by name).
_SORTED_BY = {
    FieldType.CUSTOMER: ("customers.customer", "name_sort"),
    FieldType.CONTACT: ("customers.contact", "name_sort"),
}


def name_sort_expression(user: Any, field: FieldDef, alias: str) -> Any:
    """The linked record's sort name for a link or user field (`alias`: the id's alias on the same queryset), read
    by primary key from the linked table for each row: NULL where the value is empty, the record gone or, for a
    customer or contact, out of the reader's reach (its name never orders the rows)."""
    from django.apps import apps
    from django.conf import settings
    from django.db.models import OuterRef, Subquery

    from guanxi.org.policies import scope_queryset_or_none

    kind = FieldType(field.type)
    label, by = _SORTED_BY.get(kind, (settings.AUTH_USER_MODEL, "name"))
    model = apps.get_model(label)
    linked = model._default_manager.all()
    if kind in _SORTED_BY:
        linked = scope_queryset_or_none(user, linked)
    return Subquery(linked.filter(pk=OuterRef(alias)).order_by().values(by)[:1])


def _holds_any(key: str) -> Any:
    """A multiple choice's filter: records whose list of codes holds any of the chosen ones (the JSON text of the
    list contains the quoted code, the same test on SQLite and PostgreSQL; codes are slugs, never quotes)."""

    def match(codes: list[Any]) -> Q:
        q = Q()
        for code in codes:
            q |= Q(**{f"{key}__contains": f'"{code}"'})
        return q

    return match


def _value(field: FieldDef) -> Any:
    def read(row: Any) -> Any:
        names = getattr(row, NAMES_ATTR, None)  # the linked names of the page's rows (attach_names)
        return display_value(field, (getattr(row, "custom", None) or {}).get(field.code), names=names)

    return read


def attach_names(definition: ListDefinition, rows: list[Any]) -> None:
    """Read the names of the users, customers and contacts the rows' custom values link to (one query per kind,
    whatever the rows), so their cells show a name rather than an id."""
    fields = [f for f in getattr(definition, "custom_defs", ()) if f.type in _NAMED]
    if not fields or not rows:
        return
    names = linked_names(fields, [getattr(r, "custom", None) or {} for r in rows])
    for row in rows:
        setattr(row, NAMES_ATTR, names)


def _linked_names(field: FieldDef) -> Any:
    """The names of chosen linked records for a chip or the picker: only those the reader may see (an id typed into
    the URL never reveals the name of a record out of reach; it shows as "#id")."""
    from django.apps import apps

    from guanxi.org.policies import scope_queryset_or_none

    def names(user: Any, values: list[str]) -> dict[str, str]:
        ids = [int(v) for v in values if str(v).isdigit() and len(str(v)) <= 18]
        if not ids:
            return {}
        model = apps.get_model(_LINKED[FieldType(field.type)][1])
        rows = scope_queryset_or_none(user, model._default_manager.filter(pk__in=ids))
        return {str(obj.pk): str(obj) for obj in rows}

    return names


def _choices(field: FieldDef) -> Any:
    def offered(user: Any) -> Sequence[Choice]:
        if field.type == FieldType.BOOLEAN:
            from django.utils.translation import gettext as _

            return [Choice("true", _("Yes")), Choice("false", _("No"))]
        if field.type == FieldType.USER:
            from guanxi.org.models import User

            from .choices import per_request

            people = per_request(user, "custom_user_choices", lambda: list(User.objects.filter(is_active=True)))
            return [Choice(str(u.pk), str(u)) for u in people]
        return [Choice(code, label) for code, label in filter_choices(field.dictionary)]

    return offered


def custom_columns_and_fields(user: Any, model_label: str) -> tuple[list[Column], list[Field], dict[str, Any]]:
    if not registry.custom_field_target_on(model_label):
        return [], [], {}
    columns: list[Column] = []
    fields: list[Field] = []
    aliases: dict[str, Any] = {}
    for f in visible_fields(user, model_label):
        if f.type not in _COLUMN_TYPES:
            continue
        key = PREFIX + f.code
        numeric = f.type in (FieldType.NUMBER, FieldType.MONEY)
        sortable = f.type not in (FieldType.BOOLEAN, FieldType.MULTI_CHOICE)
        aliases[key] = alias_expression(f)
        sort: tuple[str, ...] | None = (key,) if sortable else None
        if f.type in _NAMED:  # filtered by the id, sorted by the linked record's name (pinyin order where kept)
            aliases[SORT_PREFIX + f.code] = name_sort_expression(user, f, key)
            sort = (SORT_PREFIX + f.code,)
        columns.append(Column(key, f.label, value=_value(f), sort=sort, default=False, numeric=numeric))
        kind = _FILTER_KINDS.get(FieldType(f.type))
        if kind is None:
            continue
        path = f"custom__{f.code}" if f.type == FieldType.BOOLEAN else key
        with_choices = f.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.BOOLEAN, FieldType.USER)
        offered = _choices(f) if with_choices else None
        match = _holds_any(key) if f.type == FieldType.MULTI_CHOICE else None
        linked = _LINKED.get(FieldType(f.type))
        fields.append(
            Field(
                key,
                f.label,
                path,
                kind,  # type: ignore[arg-type]
                choices=offered,
                quick=f.filterable,
                match=match,
                remote=linked[0] if linked else None,
                names=_linked_names(f) if linked else None,
            )
        )
    return columns, fields, aliases


def for_reader(definition: ListDefinition, user: Any) -> ListDefinition:
    """The definition as this reader's page uses it: its own columns and fields plus the custom ones they see."""
    model = getattr(definition, "model", None)
    if model is None or user is None or not getattr(user, "is_authenticated", False):
        return definition
    columns, fields, aliases = custom_columns_and_fields(user, model._meta.label_lower)
    if not columns and not fields:
        return definition
    copied = copy.copy(definition)
    copied.columns = (*definition.columns, *columns)  # type: ignore[misc]
    copied.fields = (*definition.fields, *fields)  # type: ignore[misc]
    copied.custom_aliases = aliases  # type: ignore[attr-defined]
    shown = [f for f in visible_fields(user, model._meta.label_lower) if f.type in _COLUMN_TYPES]
    copied.custom_defs = shown  # type: ignore[attr-defined]
    return copied


def with_aliases(definition: ListDefinition, qs: QuerySet[Any]) -> QuerySet[Any]:
    """The queryset with the aliases the custom filters and sorts read (none for a list without custom fields)."""
    aliases = getattr(definition, "custom_aliases", None)
    return qs.alias(**aliases) if aliases else qs


def filter_by_custom(qs: QuerySet[Any], *, user: Any, model_label: str, pairs: Sequence[str]) -> QuerySet[Any]:
    """The REST API's custom-field filter: `custom=<code>:<value>`, repeated (values of one field: any of them;
    several fields: all of them), on the fields the caller sees and a list can filter, read as the list's filters
    read them (a link to a customer, contact or user by its id, a choice by its code, yes/no as true/false). An
    unknown field or a value the field cannot hold is a 400 naming `custom`."""
    from decimal import InvalidOperation

    from django.utils.translation import gettext as _

    from guanxi.core.errors import ValidationFailed

    from . import where

    if not pairs:
        return qs
    _columns, fields, aliases = custom_columns_and_fields(user, model_label)
    by_code = {f.key[len(PREFIX) :]: f for f in fields}
    wanted: dict[str, list[str]] = {}
    for pair in pairs:
        code, sep, value = str(pair).partition(":")
        if not sep or code not in by_code:
            msg = _("“%(value)s” names no custom field you may filter on; write code:value.") % {"value": pair[:60]}
            raise ValidationFailed(msg, fields={"custom": [msg]})
        wanted.setdefault(code, []).append(value)
    qs = qs.alias(**aliases)
    for code, values in wanted.items():
        field = by_code[code]
        try:
            coerced = [where.coerce_value(field, v) for v in values[:50]]
        except (ValueError, TypeError, InvalidOperation, OverflowError):
            msg = _("“%(value)s” is not a valid value for “%(label)s”.") % {
                "value": ", ".join(values)[:60],
                "label": field.label,
            }
            raise ValidationFailed(msg, fields={"custom": [msg]}) from None
        qs = qs.filter(where.rule_q(where.Rule(field=field, op="in", value=coerced)))
    return qs


# --- the search box ----------------------------------------------------------------------------------------------
_SEARCHED = (FieldType.TEXT, FieldType.LONG_TEXT)


def custom_search_q(definition: ListDefinition, user: Any, text: str) -> Q | None:
    """What the list's search box matches in custom fields, for every list of a host the same way: the text and
    long-text fields the reader's roles see, each containing the text (case-insensitive, on the JSON value). A model
    whose `search_text` already holds the fields every reader sees (`custom_text_searched = True`: customers and
    contacts, with pinyin, through core.custom_fields.definitions.searched_texts) adds only the others: the fields
    shown to some roles (so a search never reveals a value to a reader who may not see it) and long texts. None:
    nothing to add."""
    model = getattr(definition, "model", None)
    text = text.strip()
    if model is None or not text or user is None or not getattr(user, "is_authenticated", False):
        return None
    target = model._meta.label_lower
    if not registry.custom_field_target_on(target):
        return None
    indexed = bool(getattr(model, "custom_text_searched", False))
    q = Q()
    for f in visible_fields(user, target):
        if f.type not in _SEARCHED or (indexed and f.type in SEARCHED_TYPES and not f.view_roles):
            continue
        q |= Q(**{f"custom__{f.code}__icontains": text})
    return q or None


def with_custom_search(definition: ListDefinition, user: Any, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
    """The rows the definition's own search finds, or whose visible custom text holds the text (custom_search_q)."""
    found = definition.search(qs, text)
    extra = custom_search_q(definition, user, text)
    if extra is None:
        return found
    try:
        return found | qs.filter(extra)
    except (TypeError, AssertionError):  # an own search that cannot be combined (distinct, a slice): by the ids
        return qs.filter(Q(pk__in=found.values("pk")) | extra)
