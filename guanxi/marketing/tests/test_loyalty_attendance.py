"""Event attendance earns points: the "event attended" rule gives its points once per registration at check-in to a
registrant who is a member's contact (found by e-mail or mobile, however the mobile was written) or a contact of a
member customer; a second check-in and the hourly job pay nobody twice; strangers and cancelled members earn
nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.marketing import events
from guanxi.marketing.loyalty import services
from guanxi.marketing.loyalty.earning import points_earn_due, points_for_attendance
from guanxi.marketing.loyalty.models import EarningRule, Member, PointsEntry
from guanxi.marketing.models import Registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(people):
    data = {"name": "上海新品研讨会", "kind": "seminar", "starts_at": timezone.now() + dt.timedelta(days=1)}
    return events.event_create(actor=people["marketer"], data=data)


@pytest.fixture
def rule(people):
    return services.earning_rule_create(actor=people["admin"], data={"name": "参会积分", "trigger": "event_attended",
                                                                     "points": "50"})  # fmt: skip


def _register(event, code, **data):
    return Registration.objects.create(event=event, code=code, **data)


def _points(member: Member) -> int:
    member.refresh_from_db()
    return member.points_balance


def test_a_members_contact_earns_once_at_check_in(people, book, event, rule):
    member = services.member_enrol(actor=people["marketer"], data={"customer": book["a1"].pk,
                                                                  "contact": book["li"].pk})  # fmt: skip
    # the contact's mobile is stored as "138 0013 8000"; the registrant typed the digits
    registration = _register(event, "AAAA1111", name="李明", mobile="13800138000")
    events.registration_check_in(actor=people["marketer"], registration=registration)
    assert _points(member) == 50
    entry = PointsEntry.objects.get(member=member)
    assert (entry.kind, entry.source, entry.rule, entry.note) == ("earn", f"registration:{registration.pk}", rule,
                                                                  "上海新品研讨会")  # fmt: skip
    # checked in again, called again, and the hourly job: nobody is paid twice
    events.registration_check_in(actor=people["marketer"], registration=registration)
    registration.refresh_from_db()
    assert points_for_attendance(registration) == 0
    points_earn_due()
    assert _points(member) == 50 and PointsEntry.objects.filter(member=member).count() == 1


def test_a_contact_of_a_member_customer_earns_for_the_customer_by_email(people, book, event, rule):
    member = services.member_enrol(actor=people["marketer"], data={"customer": book["a1"].pk})
    registration = _register(event, "BBBB2222", name="王芳", email="WangFang@hengxin.example")
    events.registration_check_in(actor=people["marketer"], registration=registration)
    assert _points(member) == 50


def test_strangers_non_members_and_cancelled_members_earn_nothing(people, book, event, rule):
    cancelled = services.member_enrol(actor=people["marketer"], data={"customer": book["b1"].pk})
    services.member_cancel(actor=people["marketer"], member=cancelled)
    for code, data in (("CCCC3333", {"name": "路人", "mobile": "13511112222"}),
                       ("DDDD4444", {"name": "赵强", "mobile": "13900139000"}),  # a contact, not a member
                       ("EEEE5555", {"name": "陈静", "email": "chenjing@tianfu.example"})):  # fmt: skip
        events.registration_check_in(actor=people["marketer"], registration=_register(event, code, **data))
    assert not PointsEntry.objects.exists()


def test_the_hourly_job_catches_up_on_check_ins_made_before_the_rule(people, book, event):
    member = services.member_enrol(actor=people["marketer"], data={"customer": book["a2"].pk})
    registration = _register(event, "FFFF6666", name="赵强", mobile="139-0013-9000")
    events.registration_check_in(actor=people["marketer"], registration=registration)
    assert _points(member) == 0  # no rule yet
    services.earning_rule_create(actor=people["admin"], data={"name": "参会", "trigger": "event_attended",
                                                              "points": "20"})  # fmt: skip
    assert points_earn_due()["event_attended"] == 1
    assert points_earn_due()["event_attended"] == 0
    assert _points(member) == 20
    assert EarningRule.objects.filter(trigger="event_attended").count() == 1
