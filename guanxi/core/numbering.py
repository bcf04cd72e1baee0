"""Document numbers from configurable patterns, without gaps or duplicates under concurrency.

A pattern such as "BJ{yyyy}{mm}{dd}-{seq:04}" or "HT-{yyyy}-{seq:05}" names the date parts and the counter.
The counter restarts whenever the date part of the pattern changes (daily, monthly or yearly numbering follows
from the pattern alone). `number_next` locks the sequence row (SELECT … FOR UPDATE on PostgreSQL; on SQLite
the IMMEDIATE transaction mode serialises writers), so two concurrent allocations never see the same value,
and it runs inside the caller's transaction: a document that is rolled back gives its number back.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ValidationFailed
from .models import NumberSequence
from .services import model_update

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser as User

_TOKEN = re.compile(r"\{(yyyy|yy|mm|dd|seq(?::0?(\d{1,2}))?)\}")
# Default patterns per document kind; an admin changes them (API / admin page of the app that uses them).
DEFAULT_PATTERNS: dict[str, str] = {}


def register_default_pattern(kind: str, pattern: str) -> None:
    validate_pattern(pattern)
    DEFAULT_PATTERNS.setdefault(kind, pattern)


def validate_pattern(pattern: str) -> None:
    tokens = [m.group(1) for m in _TOKEN.finditer(pattern)]
    leftover = _TOKEN.sub("", pattern)
    if sum(1 for t in tokens if t.startswith("seq")) != 1 or "{" in leftover or "}" in leftover:
        msg = _("A pattern needs exactly one {seq} (or {seq:05}) and may use {yyyy}, {yy}, {mm}, {dd}.")
        raise ValidationFailed(msg, fields={"pattern": [msg]})
    if len(pattern) > 60:
        msg = _("Ensure this value has at most %(max)s characters.") % {"max": 60}
        raise ValidationFailed(msg, fields={"pattern": [msg]})


def _date_parts(day: dt.date) -> dict[str, str]:
    return {"yyyy": f"{day:%Y}", "yy": f"{day:%y}", "mm": f"{day:%m}", "dd": f"{day:%d}"}


def period_key(pattern: str, day: dt.date) -> str:
    """The date part of the pattern for a day: the counter restarts when it changes."""
    parts = _date_parts(day)
    return "".join(parts[m.group(1)] for m in _TOKEN.finditer(pattern) if not m.group(1).startswith("seq"))


def format_number(pattern: str, day: dt.date, value: int) -> str:
    parts = _date_parts(day)

    def repl(m: re.Match[str]) -> str:
        token = m.group(1)
        if token.startswith("seq"):
            width = int(m.group(2) or 0)
            return str(value).zfill(width)
        return parts[token]

    return _TOKEN.sub(repl, pattern)


def sequence_for(kind: str) -> NumberSequence:
    seq = NumberSequence.objects.filter(kind=kind).first()
    if seq is not None:
        return seq
    pattern = DEFAULT_PATTERNS.get(kind, kind.upper()[:6] + "-{yyyy}-{seq:05}")
    try:
        with transaction.atomic():
            return NumberSequence.objects.create(kind=kind, pattern=pattern)
    except IntegrityError:  # created concurrently
        return NumberSequence.objects.get(kind=kind)


def number_next(kind: str, *, day: dt.date | None = None) -> str:
    """The next number of a document kind, allocated inside the caller's transaction."""
    day = day or timezone.localdate()
    sequence_for(kind)
    with transaction.atomic():
        seq = NumberSequence.objects.select_for_update(of=("self",)).get(kind=kind)
        key = period_key(seq.pattern, day)
        value = 1 if key != seq.period_key else seq.last_value + 1
        NumberSequence.objects.filter(pk=seq.pk).update(period_key=key, last_value=value, updated_at=timezone.now())
    return format_number(seq.pattern, day, value)


def number_preview(kind: str, *, day: dt.date | None = None) -> str:
    """What the next number would look like (nothing is allocated)."""
    day = day or timezone.localdate()
    seq = sequence_for(kind)
    key = period_key(seq.pattern, day)
    return format_number(seq.pattern, day, 1 if key != seq.period_key else seq.last_value + 1)


def number_sequence_update(*, actor: User, kind: str, pattern: str) -> NumberSequence:
    """An administrator changes a pattern (the caller checks the permission). When the pattern's date part
    changes shape, the period key no longer matches and the counter restarts at the next allocation."""
    pattern = (pattern or "").strip()
    validate_pattern(pattern)
    with transaction.atomic():
        seq = NumberSequence.objects.select_for_update(of=("self",)).get(pk=sequence_for(kind).pk)
        seq, _changes = model_update(instance=seq, data={"pattern": pattern}, actor=actor)
    return seq
