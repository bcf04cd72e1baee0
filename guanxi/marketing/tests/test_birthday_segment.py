"""A dynamic contact segment of this month's birthdays (birthday care, 生日祝福) follows the calendar: the contact
list's birthday-month filter reads "this" on the day the segment runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.marketing import services
from guanxi.marketing.segments import segment_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def born(org):
    customer = CustomerFactory(owner=org["east_rep"], name="北京恒信物流有限公司")
    this = timezone.localdate().month
    return {
        "this": ContactFactory(customer=customer, name="本月", birthday=dt.date(1975, this, 1)),
        "next": ContactFactory(customer=customer, name="下月", birthday=dt.date(1990, this % 12 + 1, 15)),
        "this_month": this,
    }


def test_a_dynamic_segment_of_birthdays_this_month_follows_the_calendar(org, born, monkeypatch):
    marketer = org["admin"]
    segment = services.segment_create(
        actor=marketer, data={"name": "本月生日", "base": "contacts", "query": "birthday_month=this"}
    )
    assert set(segment_members(user=marketer, segment=segment).contacts.values_list("name", flat=True)) >= {"本月"}
    # a month later the same segment holds next month's birthdays
    today = timezone.localdate()
    later = dt.date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    monkeypatch.setattr(timezone, "localdate", lambda: later)
    names = set(segment_members(user=marketer, segment=segment).contacts.values_list("name", flat=True))
    assert "下月" in names and "本月" not in names | ({"本月"} if born["this_month"] == later.month else set())
