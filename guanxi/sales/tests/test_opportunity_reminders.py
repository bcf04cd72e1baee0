"""Daily opportunity reminders (stalled, to close, overdue → manager) and the weekly follow-up duty list."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from guanxi.core.models import Notification
from guanxi.core.registry import registry
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import Opportunity, Stage
from guanxi.sales.opportunities import services
from guanxi.sales.opportunities.reminders import opportunity_send_reminders, weekly_activity_gaps

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=SH)


def deal(org: Any, key: str = "east_rep", **data: Any) -> Opportunity:
    customer = CustomerFactory(owner=org[key])
    return services.opportunity_create(actor=org[key], customer=customer, data={"name": "云帆", **data})


def kinds(user: Any) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_the_job_is_registered_daily() -> None:
    # given the registry, then the reminder job runs once a day
    job = next(j for j in registry.periodic if j.key == "opportunity_reminders")
    assert job.every_minutes == 24 * 60


def test_stalled_owner_is_told_once_per_stage_entry(org: Any) -> None:
    # given a deal that entered a stage with stall_days=5 twelve days ago
    opp = deal(org)
    Stage.objects.filter(pk=opp.stage_id).update(stall_days=5)
    now = noon(dt.date(2026, 11, 20))
    Opportunity.objects.filter(pk=opp.pk).update(stage_entered_at=now - dt.timedelta(days=12))

    # when the job runs twice, then after the deal re-enters the stage and stalls again
    first = opportunity_send_reminders(now=now)
    second = opportunity_send_reminders(now=now + dt.timedelta(days=1))
    Opportunity.objects.filter(pk=opp.pk).update(stage_entered_at=now - dt.timedelta(days=6))
    third = opportunity_send_reminders(now=now + dt.timedelta(days=2))

    # then the owner heard once for each stage entry, nobody else
    assert (first["stalled"], second["stalled"], third["stalled"]) == (1, 0, 1)
    assert kinds(org["east_rep"]) == ["opportunity_stalled", "opportunity_stalled"]
    assert kinds(org["east_manager"]) == []


def test_a_fresh_deal_is_not_stalled(org: Any) -> None:
    # given a deal that entered a five-day stage two days ago
    opp = deal(org)
    Stage.objects.filter(pk=opp.stage_id).update(stall_days=5)
    now = noon(dt.date(2026, 11, 20))
    Opportunity.objects.filter(pk=opp.pk).update(stage_entered_at=now - dt.timedelta(days=2))
    # when the job runs, then nothing is sent
    assert opportunity_send_reminders(now=now)["stalled"] == 0


def test_to_close_around_national_day(org: Any) -> None:
    # given a deal expected to sign on 30 Sep 2026 (the closing deadline is 8 Oct, after the holiday)
    opp = deal(org)
    Opportunity.objects.filter(pk=opp.pk).update(expected_close_date=dt.date(2026, 9, 30))

    # when the job runs during the holiday, on the deadline, and the day after
    during = opportunity_send_reminders(now=noon(dt.date(2026, 10, 5)))
    on_deadline = opportunity_send_reminders(now=noon(dt.date(2026, 10, 8)))
    after = opportunity_send_reminders(now=noon(dt.date(2026, 10, 9)))
    again = opportunity_send_reminders(now=noon(dt.date(2026, 10, 10)))

    # then the owner is reminded once; the manager only once the deadline has passed
    assert (during["to_close"], during["overdue"]) == (1, 0)
    assert (on_deadline["to_close"], on_deadline["overdue"]) == (0, 0)
    assert (after["to_close"], after["overdue"]) == (0, 1)
    assert (again["to_close"], again["overdue"]) == (0, 0)
    assert kinds(org["east_rep"]) == ["opportunity_to_close"]
    assert kinds(org["east_manager"]) == ["opportunity_close_overdue"]


def test_closed_deals_get_no_reminder(org: Any) -> None:
    # given a won deal whose expected date is long past
    opp = deal(org)
    Opportunity.objects.filter(pk=opp.pk).update(expected_close_date=dt.date(2026, 9, 1))
    services.opportunity_close(actor=org["east_rep"], opportunity=opp, won=True)
    # when the job runs, then nobody is told
    assert opportunity_send_reminders(now=noon(dt.date(2026, 10, 9))) == {"stalled": 0, "to_close": 0, "overdue": 0}


def test_weekly_gaps_list_reps_without_follow_up(org: Any) -> None:
    # given two reps with open deals; only east_rep logs a follow-up on one this week
    mine = deal(org)
    deal(org, "east_rep2")
    deal(org, "west_rep")
    services.opportunity_log_follow_up(
        actor=org["east_rep"], opportunity=mine, data={"method": "phone", "content": "报价已发"}
    )
    today = timezone.localdate()
    week = today - dt.timedelta(days=today.weekday())

    # when the east manager looks at this week and at next week
    this_week = weekly_activity_gaps(user=org["east_manager"], week_start=week)
    next_week = weekly_activity_gaps(user=org["east_manager"], week_start=week + dt.timedelta(days=7))

    # then this week only east_rep2 is listed (west_rep is out of scope); next week both east reps are
    assert [r["user"] for r in this_week] == [org["east_rep2"]]
    assert {r["user"].pk for r in next_week} == {org["east_rep"].pk, org["east_rep2"].pk}


def test_duty_page_for_managers_only(org: Any, client: Any) -> None:
    # given a rep without follow-ups
    deal(org, "east_rep2")
    # when the manager and a rep open the page
    client.force_login(org["east_manager"])
    page = client.get("/sales/opportunities/duty/?week=not-a-date")
    client.force_login(org["east_rep"])
    denied = client.get("/sales/opportunities/duty/")
    # then the manager sees the rep; the rep is refused
    assert page.status_code == 200 and str(org["east_rep2"]) in page.content.decode()
    assert denied.status_code == 403
