"""The advanced filter (`where`): AND/OR groups of field/operator/value rules, as compact JSON in the URL.

    {"any": false, "groups": [{"any": true, "rules": [{"f": "level", "op": "eq", "v": "A"}, …]}, …]}

`parse` never raises: JSON it cannot read, an unknown field or operator, or a value the field cannot hold is
dropped with a translated warning. `to_q` turns what is left into one Q over the fields' ORM paths.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .spec import Field

CUSTOM_PREFIX = "cf_"  # lists/custom.py's PREFIX: the aliases of custom fields' values

OPS = ("eq", "ne", "in", "nin", "contains", "ncontains", "gt", "gte", "lt", "lte", "empty", "nempty")
OP_LABELS = {
    "eq": gettext_lazy("is"),
    "ne": gettext_lazy("is not"),
    "in": gettext_lazy("is any of"),
    "nin": gettext_lazy("is none of"),
    "contains": gettext_lazy("contains"),
    "ncontains": gettext_lazy("does not contain"),
    "gt": gettext_lazy("after / more than"),
    "gte": gettext_lazy("from / at least"),
    "lt": gettext_lazy("before / less than"),
    "lte": gettext_lazy("until / at most"),
    "empty": gettext_lazy("is empty"),
    "nempty": gettext_lazy("is not empty"),
}
# Which operators make sense for which kind of field (the builder offers these; others are refused).
KIND_OPS = {
    "text": ("contains", "ncontains", "eq", "ne", "empty", "nempty"),
    "choice": ("eq", "ne", "in", "nin", "empty", "nempty"),
    "user": ("eq", "ne", "in", "nin", "empty", "nempty"),
    "ref": ("eq", "ne", "in", "nin", "empty", "nempty"),
    "bool": ("eq", "ne"),
    "number": ("eq", "ne", "gt", "gte", "lt", "lte", "empty", "nempty"),
    "money": ("eq", "ne", "gt", "gte", "lt", "lte", "empty", "nempty"),
    "date": ("eq", "ne", "gt", "gte", "lt", "lte", "empty", "nempty"),
    "datetime": ("eq", "gt", "gte", "lt", "lte", "empty", "nempty"),
}
MAX_GROUPS = 10
MAX_RULES = 20


@dataclass
class Rule:
    field: Field
    op: str
    value: Any = None  # coerced to the field's kind; a list for in / nin
    raw: Any = None  # as given (for the chip and the builder)


@dataclass
class Group:
    rules: list[Rule] = field(default_factory=list)
    any: bool = False


@dataclass
class Where:
    groups: list[Group] = field(default_factory=list)
    any: bool = False

    def __bool__(self) -> bool:
        return any(g.rules for g in self.groups)

    def dump(self) -> str:
        """Compact JSON again (what the URL carries); empty when there is no rule."""
        if not self:
            return ""
        return json.dumps(
            {
                "any": self.any,
                "groups": [{"any": g.any, "rules": [_dump_rule(r) for r in g.rules]} for g in self.groups if g.rules],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    def without(self, group: int, rule: int) -> Where:
        """The same filter without one rule (a chip's remove link)."""
        groups = [
            Group(any=g.any, rules=[r for ri, r in enumerate(g.rules) if (gi, ri) != (group, rule)])
            for gi, g in enumerate(self.groups)
        ]
        return Where(any=self.any, groups=[g for g in groups if g.rules])


def _dump_rule(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {"f": rule.field.key, "op": rule.op}
    if rule.op not in ("empty", "nempty"):
        out["v"] = rule.raw
    return out


def parse(text: str | None, fields: Sequence[Field]) -> tuple[Where, list[str]]:
    """The filter and the warnings for what was dropped; never raises."""
    warnings: list[str] = []
    if not text or not str(text).strip():
        return Where(), warnings
    try:
        data = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return Where(), [_("The advanced filter could not be read; it was ignored.")]
    if not isinstance(data, dict) or not isinstance(data.get("groups", []), list):
        return Where(), [_("The advanced filter could not be read; it was ignored.")]
    by_key = {f.key: f for f in fields}
    where = Where(any=data.get("any") is True)
    raw_groups = data.get("groups") or []
    if len(raw_groups) > MAX_GROUPS:
        warnings.append(_("The advanced filter has more than %(n)s groups; the rest were ignored.") % {"n": MAX_GROUPS})
    for raw_group in raw_groups[:MAX_GROUPS]:
        if not isinstance(raw_group, dict) or not isinstance(raw_group.get("rules", []), list):
            warnings.append(_("A group of the advanced filter could not be read; it was ignored."))
            continue
        group = Group(any=raw_group.get("any") is True)
        for raw_rule in (raw_group.get("rules") or [])[:MAX_RULES]:
            rule = _parse_rule(raw_rule, by_key, warnings)
            if rule is not None:
                group.rules.append(rule)
        if group.rules:
            where.groups.append(group)
    return where, warnings


def _parse_rule(raw: Any, by_key: dict[str, Field], warnings: list[str]) -> Rule | None:
    if not isinstance(raw, dict):
        warnings.append(_("A rule of the advanced filter could not be read; it was ignored."))
        return None
    key, op = raw.get("f"), raw.get("op")
    fld = by_key.get(key) if isinstance(key, str) else None
    if fld is None or not fld.path:
        warnings.append(
            _("The advanced filter names an unknown field (%(f)s); that rule was ignored.") % {"f": str(key)[:40]}
        )
        return None
    if not isinstance(op, str) or op not in KIND_OPS.get(fld.kind, ()):
        warnings.append(
            _("“%(op)s” cannot be used with “%(label)s”; that rule was ignored.")
            % {"op": str(op)[:20], "label": fld.label}
        )
        return None
    if op in ("empty", "nempty"):
        return Rule(field=fld, op=op)
    raw_value = raw.get("v")
    try:
        if op in ("in", "nin"):
            items = raw_value if isinstance(raw_value, list) else str(raw_value or "").split(",")
            values = [coerce_value(fld, item) for item in items[:50] if str(item).strip()]
            if not values:
                raise ValueError
            return Rule(field=fld, op=op, value=values, raw=[str(i) for i in items[:50] if str(i).strip()])
        return Rule(
            field=fld,
            op=op,
            value=coerce_value(fld, raw_value),
            raw=raw_value if isinstance(raw_value, str | int | float | bool) else str(raw_value),
        )
    except (ValueError, TypeError, InvalidOperation, OverflowError):
        warnings.append(
            _("“%(value)s” is not a valid value for “%(label)s”; that rule was ignored.")
            % {"value": str(raw_value)[:40], "label": fld.label}
        )
        return None


def coerce_value(fld: Field, value: Any) -> Any:
    """A value as the field holds it (raises ValueError, TypeError or InvalidOperation for one it cannot hold)."""
    if isinstance(value, dict | list) or value is None:
        raise ValueError
    text = str(value).strip()
    if fld.coerce is not None:
        return fld.coerce(text)
    if fld.kind in ("number", "money"):
        if isinstance(value, bool):
            raise ValueError
        number = Decimal(text)
        if not number.is_finite() or abs(number) >= Decimal("1e15"):
            raise ValueError
        return number
    if fld.kind in ("date", "datetime"):
        return dt.date.fromisoformat(text[:10])
    if fld.kind in ("user", "ref"):
        if not text.isdigit() or len(text) > 18:
            raise ValueError
        return int(text)
    if fld.kind == "bool":
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError
    if not text or len(text) > 200:
        raise ValueError
    return text


def rule_q(rule: Rule) -> Q:
    path, op, value = rule.field.path, rule.op, rule.value
    kind = rule.field.kind
    if kind == "datetime" and op not in ("empty", "nempty"):
        path = f"{path}__date"
    # A custom field's value is read from the JSON column (an alias, see lists/custom.py): a record without it
    # reads NULL, which "is not" must keep, as the ORM does by itself for a nullable column.
    unset = Q(**{f"{rule.field.path}__isnull": True}) if rule.field.path.startswith(CUSTOM_PREFIX) else None
    match = rule.field.match
    if match is not None and op in ("eq", "ne", "in", "nin"):  # a record holding several values (multiple choice)
        held = match(value if isinstance(value, list) else [value])
        if op in ("eq", "in"):
            return held
        return ~held if unset is None else ~held | unset
    if op == "eq":
        return Q(**{f"{path}__iexact" if kind == "text" else path: value})
    if op in ("ne", "nin"):
        lookup = {f"{path}__in": value} if op == "nin" else {f"{path}__iexact" if kind == "text" else path: value}
        return ~Q(**lookup) if unset is None else ~Q(**lookup) | unset
    if op == "in":
        return Q(**{f"{path}__in": value})
    if op == "contains":
        return Q(**{f"{path}__icontains": value})
    if op == "ncontains":
        return ~Q(**{f"{path}__icontains": value}) if unset is None else ~Q(**{f"{path}__icontains": value}) | unset
    if op in ("gt", "gte", "lt", "lte"):
        return Q(**{f"{path}__{op}": value})
    empty = Q(**{f"{path}__isnull": True})
    if kind == "text":
        empty |= Q(**{path: ""})
    return empty if op == "empty" else ~empty


def to_q(where: Where) -> Q:
    """One Q for the whole filter (rules joined per group, groups joined), Q() when there is no rule."""
    result: Q | None = None
    for group in where.groups:
        group_q: Q | None = None
        for rule in group.rules:
            q = rule_q(rule)
            group_q = q if group_q is None else (group_q | q if group.any else group_q & q)
        if group_q is None:
            continue
        result = group_q if result is None else (result | group_q if where.any else result & group_q)
    return result if result is not None else Q()


def rule_text(rule: Rule) -> str:
    """A rule for a chip: “Level is any of A, B”."""
    label = str(OP_LABELS[rule.op])
    if rule.op in ("empty", "nempty"):
        return f"{rule.field.label} {label}"
    shown = ", ".join(map(str, rule.raw)) if isinstance(rule.raw, list) else str(rule.raw)
    return f"{rule.field.label} {label} {shown}"
