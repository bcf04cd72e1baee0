"""Usage supervision (使用监督): sign-ins and activity per person, the inactive flag to managers, the daily digest."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from guanxi.analytics import usage
from guanxi.analytics.selectors import window_for
from guanxi.core.models import Notification
from guanxi.org.models import User

from .helpers import NOVEMBER, at, customers, follow_ups

pytestmark = pytest.mark.django_db


def _login(user: Any, when: dt.datetime | None) -> None:
    User.objects.filter(pk=user.pk).update(last_login=when)


def test_the_statistics_flag_who_has_not_signed_in_for_three_days(org: Any) -> None:
    now = at(20)
    _login(org["east_rep"], at(19))
    _login(org["east_rep2"], at(17))  # three days: flagged (policy: at least every 3 days)
    _login(org["team_rep"], None)  # never
    made = customers(org["east_rep"], 1, when=at(3))
    follow_ups(org["east_rep"], made[0], 3, when=at(5))
    rows = {
        r.user_id: r
        for r in usage.usage_rows(
            ids=None, window=window_for("month", NOVEMBER), policy=usage.LeaguePolicy.current(), now=now
        )
    }
    assert rows[org["east_rep"].pk].days_since == 1 and not rows[org["east_rep"].pk].inactive
    assert rows[org["east_rep"].pk].follow_ups == 3
    assert rows[org["east_rep2"].pk].days_since == 3 and rows[org["east_rep2"].pk].inactive
    assert rows[org["team_rep"].pk].days_since is None and rows[org["team_rep"].pk].inactive


def test_managers_hear_who_has_not_signed_in_once_a_day(org: Any) -> None:
    now = at(20)
    User.objects.update(last_login=at(20, hour=8))
    _login(org["east_rep2"], at(10))
    assert usage.inactive_flag(now=now) == 1
    note = Notification.objects.get(kind="usage_inactive")
    assert note.recipient == org["east_manager"]
    assert str(org["east_rep2"]) in note.body
    assert usage.inactive_flag(now=now) == 0  # once a day


def test_the_manager_digest_counts_yesterdays_team_work(org: Any) -> None:
    made = customers(org["east_rep"], 1, when=at(3))
    follow_ups(org["east_rep"], made[0], 2, when=at(19, hour=11))
    follow_ups(org["east_rep"], made[0], 5, when=at(18, hour=11))  # the day before yesterday
    assert usage.manager_digest(now=at(20, hour=9)) >= 1
    note = Notification.objects.get(kind="usage_digest", recipient=org["east_manager"])
    assert note.body_params["follow_ups"] == 2  # yesterday's only
    assert note.body_params["changes"] == 0


def test_the_usage_page_shows_a_rep_only_themselves(client: Any, org: Any) -> None:
    client.force_login(org["east_rep"])
    page = client.get("/analytics/usage/?month=2026-11").content.decode()
    assert str(org["east_rep"]) in page and str(org["west_rep"]) not in page
    client.force_login(org["east_manager"])
    page = client.get("/analytics/usage/?month=2026-11").content.decode()
    assert str(org["east_rep2"]) in page and str(org["west_rep"]) not in page


def test_each_usage_figure_links_to_the_list_it_counts(org: Any) -> None:
    # given follow-ups and audited changes by east reps in November (and a sign-in, so nobody is left out)
    from guanxi.core.models import AuditLog
    from guanxi.org.lists.registry import rows_behind

    for rep, n in ((org["east_rep"], 3), (org["east_rep2"], 2), (org["team_rep"], 1)):
        made = customers(rep, 1, when=at(3))
        follow_ups(rep, made[0], n, when=at(5))
        for _ in range(n):
            AuditLog.objects.create(actor=rep, action=AuditLog.Action.UPDATE, object_repr="x")
    AuditLog.objects.filter(object_repr="x").update(at=at(6))
    admin = org["admin"]  # reads the follow-ups and the audit trail
    window = window_for("month", NOVEMBER)
    # when the administrator reads the usage page's figures
    rows = usage.usage_for(user=admin, window=window, now=at(20))
    departments = usage.by_department(rows, user=admin, window=window)
    # then each person's and each department's figure is the count of the list it links to
    checked = 0
    for r in [*rows, *departments]:
        assert r.follow_ups_url and r.changes_url
        assert rows_behind(admin, r.follow_ups_url).count() == r.follow_ups, r.follow_ups_url
        assert rows_behind(admin, r.changes_url).count() == r.changes, r.changes_url
        checked += bool(r.follow_ups)
    assert checked >= 5  # three people, the east department and its team
    # a rep (no audit trail) gets the follow-ups link only
    mine = usage.usage_for(user=org["east_rep"], window=window, now=at(20))
    assert [(r.follow_ups, bool(r.follow_ups_url), r.changes_url) for r in mine] == [(3, True, "")]


def test_the_months_usage_statistics_are_published_with_its_league(client: Any, org: Any) -> None:
    from guanxi.analytics.services import league_publish

    from .helpers import joined

    joined()
    customers(org["east_rep"], 2, when=at(3))
    client.force_login(org["east_manager"])
    before = client.get("/analytics/usage/?month=2026-11").content.decode()
    assert 'id="usage-published"' not in before
    league_publish(window=window_for("month", NOVEMBER), now=at(1, month=12))
    # then the month's usage page says it was published with the league, and the league links to it
    assert 'id="usage-published"' in client.get("/analytics/usage/?month=2026-11").content.decode()
    league = client.get("/analytics/league/?month=2026-11").content.decode()
    assert 'href="/analytics/usage/?month=2026-11"' in league


def test_each_departments_headcount_links_to_exactly_the_people_it_counts(client: Any, org: Any) -> None:
    # given the east department's people, one of whom has not signed in for a week, read by their manager
    from django.utils import timezone

    now = timezone.now()
    User.objects.update(last_login=now)
    _login(org["east_rep2"], now - dt.timedelta(days=7))
    manager = org["east_manager"]
    window = window_for("month", NOVEMBER)
    rows = usage.usage_for(user=manager, window=window, now=now)
    departments = usage.by_department(rows, user=manager, window=window)
    assert departments and sum(d.inactive for d in departments) == 1
    client.force_login(manager)
    for d in departments:
        dept_id = None if d.key == "none" else int(d.key)
        # when the manager follows a department's "people" and "not signed in lately" links
        for url, count, inactive in ((d.people_url, d.people, False), (d.inactive_url, d.inactive, True)):
            assert url.startswith("/analytics/usage/?month=2026-11&department=")
            shown = client.get(url).context["rows"]
            # then the people table lists exactly the people the figure counted, of that department
            assert len(shown) == count, url
            expected = {r.user_id for r in rows if r.department_id == dept_id and (r.inactive or not inactive)}
            assert {r.user_id for r in shown} == expected
    assert any(d.inactive_url and d.inactive == 1 for d in departments)
    # and a department outside the page's rows narrows to nobody
    assert client.get("/analytics/usage/?month=2026-11&department=999999").context["rows"] == []
