"""One value of a custom field: what a person or a client may send (`clean_value`, a Refused error otherwise),
how it is stored in the JSON column, and how a reader sees it (`display_value`).

Stored forms: text → string; number → JSON number; money → string with two decimals ("12800.00", exact);
date → "yyyy-mm-dd"; date-time → "yyyy-mm-ddThh:mm:ssZ" (UTC); yes/no → true/false; single choice → the entry's
code; multiple choice → a list of codes; user, customer, contact → the row's id. No value is no key."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from ..dictionaries.selectors import entry, label_of
from ..money import AMOUNT_MAX, format_cny
from .definitions import FieldDef
from .models import FieldType

TEXT_MAX = 200
LONG_TEXT_MAX = 4000
NUMBER_MAX = Decimal("1e15")
LINKED_MODELS = {FieldType.CUSTOMER: "customers.Customer", FieldType.CONTACT: "customers.Contact"}
_TRUE = {"1", "true", "yes", "on", "y", "t", "是", "对"}
_FALSE = {"0", "false", "no", "off", "n", "f", "否", "不"}


class Refused(ValueError):
    """A value refused, with the message a person reads (without the field's label)."""


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError
    try:
        number = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError from exc
    if not number.is_finite():
        raise ValueError
    return number


def _codes(value: Any) -> list[str]:
    if isinstance(value, str):
        return [c.strip() for c in value.replace("，", ",").split(",") if c.strip()]
    if isinstance(value, (list, tuple)):
        return [str(c).strip() for c in value if str(c).strip()]
    raise ValueError


def _id(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    if hasattr(value, "pk"):
        return int(value.pk)
    number = int(str(value).strip())
    if number < 1:
        raise ValueError
    return number


def clean_value(field: FieldDef, value: Any, *, current: Any = None) -> Any:
    """The stored form of `value`, or None for no value; a Refused error carries the message (without the label).
    `current` is the record's value: a retired dictionary entry it already holds stays allowed."""
    if is_empty(value):
        return None
    kind = field.type
    try:
        if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
            if not isinstance(value, (str, int, float, Decimal)):
                raise Refused(_("enter text."))
            text = str(value).strip()
            limit = TEXT_MAX if kind == FieldType.TEXT else LONG_TEXT_MAX
            if kind == FieldType.TEXT:
                text = " ".join(text.split())
            if len(text) > limit:
                raise Refused(_("at most %(limit)s characters.") % {"limit": limit})
            return text
        if kind == FieldType.NUMBER:
            number = _decimal(value)
            if abs(number) >= NUMBER_MAX:
                raise Refused(_("the number is too large."))
            number = number.quantize(Decimal("0.000001")).normalize()
            return int(number) if number == number.to_integral_value() else float(number)
        if kind == FieldType.MONEY:
            amount = _decimal(value)
            if abs(amount) >= AMOUNT_MAX:
                raise Refused(_("the amount is too large."))
            if amount != amount.quantize(Decimal("0.01")):
                raise Refused(_("at most two decimals."))
            return str(amount.quantize(Decimal("0.01")))
        if kind == FieldType.DATE:
            if isinstance(value, dt.datetime):
                value = value.date()
            day = value if isinstance(value, dt.date) else parse_date(str(value).strip())
            if day is None:
                raise ValueError
            return day.isoformat()
        if kind == FieldType.DATETIME:
            moment = value if isinstance(value, dt.datetime) else parse_datetime(str(value).strip().replace(" ", "T"))
            if moment is None:
                raise ValueError
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
        if kind == FieldType.BOOLEAN:
            if isinstance(value, bool):
                return value
            text = str(value).strip().casefold()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise Refused(_("choose yes or no."))
        if kind == FieldType.CHOICE:
            code = str(value).strip()
            _check_code(field, code, keep=[current])
            return code
        if kind == FieldType.MULTI_CHOICE:
            picked = list(dict.fromkeys(_codes(value)))
            held = current if isinstance(current, list) else []
            for code in picked:
                _check_code(field, code, keep=held)
            return picked or None
        if kind == FieldType.USER:
            pk = _id(value)
            users = apps.get_model(settings.AUTH_USER_MODEL)._default_manager
            if pk != current and not users.filter(pk=pk, is_active=True).exists():
                raise Refused(_("no active user has the id %(id)s.") % {"id": pk})
            return pk
        if kind in LINKED_MODELS:
            pk = _id(value)
            model = apps.get_model(LINKED_MODELS[FieldType(kind)])
            if not model._default_manager.filter(pk=pk).exists() and pk != current:
                raise Refused(_("no record has the id %(id)s.") % {"id": pk})
            return pk
    except Refused:
        raise
    except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:
        raise Refused(_invalid(field)) from exc
    raise Refused(_invalid(field))


def _invalid(field: FieldDef) -> str:
    return {
        FieldType.NUMBER: _("enter a number."),
        FieldType.MONEY: _("enter an amount."),
        FieldType.DATE: _("enter a date as yyyy-mm-dd."),
        FieldType.DATETIME: _("enter a time as yyyy-mm-dd hh:mm."),
        FieldType.USER: _("enter a user's id."),
        FieldType.CUSTOMER: _("enter a customer's id."),
        FieldType.CONTACT: _("enter a contact's id."),
    }.get(FieldType(field.type), _("enter a valid value."))


def _check_code(field: FieldDef, code: str, *, keep: list[Any]) -> None:
    found = entry(field.dictionary, code)
    if found is None:
        raise Refused(_("“%(value)s” is not in the list; choose one of its values.") % {"value": code[:50]})
    if not found.is_active and code not in keep:
        raise Refused(_("“%(value)s” is retired; choose another value.") % {"value": found.label})


def display_value(field: FieldDef, value: Any, *, names: dict[tuple[str, int], str] | None = None) -> str:
    """What a reader sees for a stored value ("" for none). `names`: (type, id) → name of linked rows read once."""
    if is_empty(value):
        return ""
    kind = field.type
    if kind == FieldType.BOOLEAN:
        return str(_("Yes") if value else _("No"))
    if kind == FieldType.MONEY:
        try:
            return format_cny(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    if kind == FieldType.DATETIME:
        moment = parse_datetime(str(value))
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else str(value)
    if kind == FieldType.CHOICE:
        return label_of(field.dictionary, str(value), mark_retired=True)
    if kind == FieldType.MULTI_CHOICE:
        items = value if isinstance(value, list) else [value]
        return "、".join(label_of(field.dictionary, str(c), mark_retired=True) for c in items)
    if kind in (FieldType.USER, *LINKED_MODELS):
        found = (names or {}).get((kind, int(value))) if str(value).isdigit() else None
        return found or f"#{value}"
    return str(value)


def linked_names(fields: list[FieldDef], rows: list[dict[str, Any]]) -> dict[tuple[str, int], str]:
    """The names of the users, customers and contacts the values name (one query per kind)."""
    wanted: dict[str, set[int]] = {}
    for f in fields:
        if f.type in (FieldType.USER, *LINKED_MODELS):
            for row in rows:
                value = (row or {}).get(f.code)
                if isinstance(value, int):
                    wanted.setdefault(f.type, set()).add(value)
    names: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        if kind == FieldType.USER:
            model = apps.get_model(settings.AUTH_USER_MODEL)
            for obj in model._default_manager.filter(pk__in=ids):
                names[(kind, obj.pk)] = str(obj)  # the user model names itself: its full name, else the user name
        else:
            model = apps.get_model(LINKED_MODELS[FieldType(kind)])
            for obj in model._base_manager.filter(pk__in=ids):
                names[(kind, obj.pk)] = str(obj)
    return names
