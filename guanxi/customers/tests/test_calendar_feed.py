"""The customers' and deals' entries of a user's calendar feed: only their own open tasks, their own customers'
next follow-ups and their own open deals' expected signing dates, within their permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.customers.tests.factories import CustomerFactory, TaskFactory
from guanxi.org.calendar import services

pytestmark = pytest.mark.django_db


def _unfolded(user) -> str:
    return services.calendar_feed_render(user=user).decode().replace("\r\n ", "")


def test_a_rep_s_feed_lists_their_own_tasks_and_follow_ups_only(org):
    rep, other = org["east_rep"], org["east_rep2"]
    today = timezone.localdate()
    mine = CustomerFactory(owner=rep, name="上海甲公司", next_follow_up_on=today + dt.timedelta(days=3))
    CustomerFactory(owner=other, name="上海乙公司", next_follow_up_on=today + dt.timedelta(days=3))
    TaskFactory(assignee=rep, title="回访甲公司", customer=mine)
    TaskFactory(assignee=rep, title="已完成的任务", done=True)
    TaskFactory(assignee=other, title="同事的任务")
    body = _unfolded(rep)
    assert "上海甲公司" in body and "回访甲公司" in body
    assert "上海乙公司" not in body and "同事的任务" not in body and "已完成的任务" not in body
    assert f"UID:customer-follow-up-{mine.pk}@guanxi" in body
    assert f"DTSTART;VALUE=DATE:{(today + dt.timedelta(days=3)):%Y%m%d}" in body


def test_a_user_without_the_permissions_gets_an_empty_calendar(org):
    nobody = org["nobody"]
    CustomerFactory(owner=nobody, next_follow_up_on=timezone.localdate())
    TaskFactory(assignee=nobody, title="看不到")
    body = _unfolded(nobody)
    assert "BEGIN:VEVENT" not in body and body.startswith("BEGIN:VCALENDAR")
