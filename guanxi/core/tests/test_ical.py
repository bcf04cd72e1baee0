"""The calendar feed's iCalendar writer (RFC 5545): CRLF, folding at 75 octets without splitting a character,
TEXT escaping, all-day DATE values, UTC times, stable UIDs and a DTSTAMP on every entry."""

from __future__ import annotations

import datetime as dt

from guanxi.core import ical

NOW = dt.datetime(2026, 12, 5, 8, 30, tzinfo=dt.UTC)


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_a_feed_is_a_valid_calendar_with_crlf_line_ends():
    body = ical.calendar([], name="张伟", now=NOW).decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert body.endswith("END:VCALENDAR\r\n")
    assert "\n" not in body.replace("\r\n", "")
    assert "X-WR-CALNAME:张伟" in body


def test_all_day_and_timed_entries():
    entries = [
        ical.CalendarEntry(uid="customer-follow-up-7@guanxi", summary="Follow up", start=dt.date(2026, 12, 31)),
        ical.CalendarEntry(
            uid="task-9@guanxi",
            summary="Call",
            start=dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
            stamp=dt.datetime(2026, 12, 1, 1, 2, 3, tzinfo=dt.UTC),
        ),
    ]
    lines = _unfold(ical.calendar(entries, name="x", now=NOW).decode())
    assert lines.count("BEGIN:VEVENT") == 2 == lines.count("END:VEVENT")
    assert "DTSTART;VALUE=DATE:20261231" in lines and "DTEND;VALUE=DATE:20270101" in lines
    assert "DTSTART:20261206T020000Z" in lines and "DTEND:20261206T023000Z" in lines  # 10:00 in Shanghai is 02:00Z
    assert "DTSTAMP:20261205T083000Z" in lines and "DTSTAMP:20261201T010203Z" in lines
    assert "UID:customer-follow-up-7@guanxi" in lines and "UID:task-9@guanxi" in lines


def test_text_is_escaped():
    entry = ical.CalendarEntry(uid="u", summary="A, B; C\\D", description="line 1\nline 2", start=dt.date(2026, 1, 1))
    lines = _unfold(ical.calendar([entry], name="x", now=NOW).decode())
    assert "SUMMARY:A\\, B\\; C\\\\D" in lines
    assert "DESCRIPTION:line 1\\nline 2" in lines


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    summary = "跟进客户：" + "上海某某科技有限公司" * 8
    body = ical.calendar([ical.CalendarEntry(uid="u", summary=summary, start=dt.date(2026, 1, 1))], name="x", now=NOW)
    for raw in body.split(b"\r\n"):
        assert len(raw) <= 75
        raw.decode("utf-8")  # each physical line is whole UTF-8: no character was cut
    assert f"SUMMARY:{summary}" in _unfold(body.decode())


def test_fold_counts_octets_not_characters():
    assert ical.fold("a" * 75) == "a" * 75
    folded = ical.fold("a" * 76)
    assert folded == "a" * 75 + "\r\n a"
    assert all(len(p.encode()) <= 75 for p in ical.fold("中" * 40).split("\r\n"))
