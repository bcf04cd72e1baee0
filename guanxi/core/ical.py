"""A minimal iCalendar (RFC 5545) writer for the personal calendar feed: VCALENDAR of VEVENTs, nothing more.

What phone and desktop calendars need, done carefully: CRLF line ends; content lines folded at 75 octets (never
inside a UTF-8 character), continuation lines starting with one space; TEXT values escaped (backslash, semicolon,
comma, line breaks); times in UTC ("…Z"); all-day entries as DATE values with DTEND the next day; a UID that stays
the same for the same record (so a calendar updates an entry instead of adding a copy) and a DTSTAMP on each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

PRODID = "-//Guanxi CRM//Calendar feed//EN"
FOLD_OCTETS = 75


@dataclass(frozen=True)
class CalendarEntry:
    """One entry of a calendar feed. `start` is a date (all day) or an aware datetime (`end` default: +30 min)."""

    uid: str  # stable per record, e.g. "task-42@guanxi"
    summary: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime | None = None
    description: str = ""
    url: str = ""
    category: str = ""
    stamp: dt.datetime | None = None  # DTSTAMP: when the record last changed (default: now)


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT escaping."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold one content line at 75 octets (RFC 5545 §3.1), splitting between characters, never inside one."""
    encoded = line.encode("utf-8")
    if len(encoded) <= FOLD_OCTETS:
        return line
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, FOLD_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, FOLD_OCTETS - 1  # continuation lines start with a space
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def utc_stamp(value: dt.datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _date_value(value: dt.date) -> str:
    return value.strftime("%Y%m%d")


def _event_lines(entry: CalendarEntry, now: dt.datetime) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{escape_text(entry.uid)}", f"DTSTAMP:{utc_stamp(entry.stamp or now)}"]
    if isinstance(entry.start, dt.datetime):
        end = entry.end if isinstance(entry.end, dt.datetime) else entry.start + dt.timedelta(minutes=30)
        lines += [f"DTSTART:{utc_stamp(entry.start)}", f"DTEND:{utc_stamp(end)}"]
    else:
        end_day = entry.end if isinstance(entry.end, dt.date) and not isinstance(entry.end, dt.datetime) else None
        lines += [
            f"DTSTART;VALUE=DATE:{_date_value(entry.start)}",
            f"DTEND;VALUE=DATE:{_date_value(end_day or entry.start + dt.timedelta(days=1))}",
        ]
    lines.append(f"SUMMARY:{escape_text(entry.summary)}")
    if entry.description:
        lines.append(f"DESCRIPTION:{escape_text(entry.description)}")
    if entry.category:
        lines.append(f"CATEGORIES:{escape_text(entry.category)}")
    if entry.url:
        lines.append(f"URL:{entry.url}")
    lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    return lines


def calendar(entries: Iterable[CalendarEntry], *, name: str, now: dt.datetime | None = None) -> bytes:
    """The whole feed as bytes (UTF-8, CRLF line ends, folded)."""
    now = now or timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "X-WR-TIMEZONE:UTC",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for entry in entries:
        lines += _event_lines(entry, now)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
