"""VIP care plans: the owner of a key customer gets the visit/call/gift tasks on schedule (once per due date), a
follow-up they log completes the task, one left overdue is flagged once to their manager and listed for them;
customers join by level or by hand (in the actor's scope); refusals change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.models import Notification
from guanxi.customers.models import Task
from guanxi.customers.services import follow_up_create
from guanxi.marketing import care_plans
from guanxi.marketing.models import CarePlan, CareTask

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 7)


def _now(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _plan(people, **extra):
    data = {"name": "VIP 关怀", "levels": ["A"],
            "steps": [{"kind": "visit", "every_months": 3}, {"kind": "call", "every_months": 1}], **extra}  # fmt: skip
    return care_plans.care_plan_create(actor=people["admin"], data=data)


def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    assert care_plans.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert care_plans.add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert care_plans.add_months(dt.date(2027, 12, 31), 2) == dt.date(2028, 2, 29)


def test_a_plan_gives_the_owner_tasks_on_schedule_completed_by_a_follow_up(people, book):
    _plan(people)
    assert care_plans.care_plans_run(now=_now(TODAY))["scheduled"] == 4  # a1 and a2 (east_rep's): a visit, a call
    tasks = Task.objects.filter(assignee=people["east_rep"])
    assert tasks.count() == 4 and {t.due_at.date() for t in tasks} == {TODAY}
    # a second run the same day, or the next, makes nothing more; the next call comes a week before it is due
    assert care_plans.care_plans_run(now=_now(TODAY, 15))["scheduled"] == 0
    assert care_plans.care_plans_run(now=_now(dt.date(2026, 12, 30)))["scheduled"] == 0
    assert care_plans.care_plans_run(now=_now(dt.date(2026, 12, 31)))["scheduled"] == 2  # calls due 7 January
    # the rep logs a visit to a1 as a follow-up: a1's open care tasks are done, a2's are not
    follow_up_create(actor=people["east_rep"], customer=book["a1"], data={"method": "visit", "content": "上门拜访"})
    assert care_plans.care_plans_run(now=_now(dt.date(2026, 12, 31), 16))["completed"] == 3
    open_ones = Task.objects.filter(assignee=people["east_rep"], done=False)
    assert {t.customer_id for t in open_ones} == {book["a2"].pk}


def test_overdue_care_is_flagged_once_to_the_manager_and_listed_in_their_scope(client, people, book):
    _plan(people, steps=[{"kind": "gift", "every_months": 12}], levels=["B"])  # b1: west_rep's
    start = timezone.localdate() - dt.timedelta(days=5)  # the list reads today's date
    care_plans.care_plans_run(now=_now(start))
    assert care_plans.care_plans_run(now=_now(start + dt.timedelta(days=1)))["flagged"] == 1
    assert care_plans.care_plans_run(now=_now(start + dt.timedelta(days=2)))["flagged"] == 0
    [note] = Notification.objects.filter(kind="care_overdue")
    assert note.recipient == people["west_manager"]
    client.force_login(people["west_manager"])
    page = client.get("/marketing/care/overdue/").content.decode()
    assert "成都天府科技有限公司" in page
    client.force_login(people["east_manager"])
    assert "成都天府科技有限公司" not in client.get("/marketing/care/overdue/").content.decode()


def test_customers_join_by_hand_in_scope_and_refusals_change_nothing(people, book):
    plan = _plan(people, levels=[])
    from guanxi.customers.tests.factories import CustomerFactory

    other = CustomerFactory(name="外部客户", owner=people["west_rep"], level="C")
    added, skipped = care_plans.care_plan_add_customers(actor=people["marketer"], plan=plan,
                                                        customer_ids=[book["b1"].pk, other.pk])  # fmt: skip
    assert added == 2 and skipped == 0
    assert set(care_plans.plan_customers(plan).values_list("pk", flat=True)) == {book["b1"].pk, other.pk}
    with pytest.raises(PermissionDeniedError):
        care_plans.care_plan_add_customers(actor=people["east_rep"], plan=plan, customer_ids=[book["a1"].pk])
    with pytest.raises(PermissionDeniedError):  # plans are the administrator's
        care_plans.care_plan_create(actor=people["marketer"], data={"name": "x", "steps": []})
    with pytest.raises(ValidationFailed) as bad:
        _plan(people, steps=[{"kind": "visit", "every_months": 0}])
    assert "steps" in bad.value.fields
    with pytest.raises(ValidationFailed) as bad:
        _plan(people, steps=[])
    assert "steps" in bad.value.fields
    assert CarePlan.objects.count() == 1 and CareTask.objects.count() == 0
