"""The closing deadline counts down where the rep works: on the deal's page and on its board card, from the day
the expected signing date has passed until the end of the next working day, then overdue in red."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import Opportunity
from guanxi.sales.opportunities import services
from guanxi.sales.opportunities.calendar import closing_countdown

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def deal(org: Any, expected: dt.date | None) -> Opportunity:
    customer = CustomerFactory(owner=org["east_rep"])
    opp = services.opportunity_create(actor=org["east_rep"], customer=customer, data={"name": "倒计时项目"})
    Opportunity.objects.filter(pk=opp.pk).update(expected_close_date=expected)
    return Opportunity.objects.get(pk=opp.pk)


def test_countdown_runs_to_the_end_of_the_next_working_day(org: Any) -> None:
    # given a deal expected to sign on Friday 2026-12-04 (its deadline is Monday 2026-12-07)
    opp = deal(org, dt.date(2026, 12, 4))
    # before and on the expected date it is upcoming
    assert closing_countdown(opp, at(dt.date(2026, 12, 4), 9)).state == "upcoming"
    # on Monday at 19:00 it is due, with 5 hours left
    monday = closing_countdown(opp, at(dt.date(2026, 12, 7), 19))
    assert (monday.state, monday.deadline, monday.hours_left) == ("due", dt.date(2026, 12, 7), 5)
    # on Wednesday it is two days overdue
    late = closing_countdown(opp, at(dt.date(2026, 12, 9), 9))
    assert (late.state, late.days_overdue) == ("overdue", 2)


def test_no_countdown_without_a_date_or_once_closed(org: Any) -> None:
    assert closing_countdown(deal(org, None)) is None
    won = deal(org, dt.date(2026, 1, 5))
    won.status = Opportunity.Status.WON
    assert closing_countdown(won) is None


def test_deal_page_and_board_card_show_the_countdown(org: Any) -> None:
    # given a deal whose expected signing date was yesterday, and one long overdue
    today = timezone.localdate()
    due = deal(org, today - dt.timedelta(days=1))
    overdue = deal(org, today - dt.timedelta(days=30))
    client = Client()
    client.force_login(org["east_rep"])
    # when the rep opens the deals, then each says how it stands against its deadline
    assert 'data-closing="due"' in client.get(f"/sales/opportunities/{due.pk}/").content.decode()
    page = client.get(f"/sales/opportunities/{overdue.pk}/").content.decode()
    assert 'data-closing="overdue"' in page and "Closing overdue by" in page
    # and the board's cards say so too, the card's data attributes untouched
    board = client.get("/sales/opportunities/board/").content.decode()
    assert board.count('data-closing="due"') == 1 and board.count('data-closing="overdue"') == 1
    assert f'data-id="{due.pk}" data-version="{due.version}"' in board


def test_an_upcoming_deadline_stays_off_the_board(org: Any) -> None:
    # given a deal expected next month, then the card stays compact but the deal's page names the deadline
    opp = deal(org, timezone.localdate() + dt.timedelta(days=30))
    client = Client()
    client.force_login(org["east_rep"])
    assert "data-closing" not in client.get("/sales/opportunities/board/").content.decode()
    assert 'data-closing="upcoming"' in client.get(f"/sales/opportunities/{opp.pk}/").content.decode()
