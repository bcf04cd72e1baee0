"""VIP care plans (VIP 客户关怀计划): recurring visits, calls and gifts for key customers, done by their owner.

The worker's job (`care_plans_run`, hourly) does three things, each idempotent:
1. schedules: for every customer a plan covers (its levels, or added by hand) and every step of the plan, the
   next visit/call/gift becomes a task for the customer's owner a week before it is due (the first one today);
   the next falls due `every_months` after the previous one;
2. completes: a care task whose customer got a follow-up from its assignee since the task was made is done —
   care is recorded by logging the visit or call as a follow-up, as every customer contact is;
3. flags: a care task still open after its due day is flagged once to the owner's manager (a notification
   pointing at the list of overdue care, which shows the tasks in the manager's scope).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_text, field_error, pick
from guanxi.core.services import model_create, model_update, notify
from guanxi.org.models import User
from guanxi.org.policies import require_permission, scope_queryset

from .models_care import CarePlan, CarePlanMember, CareTask

PLAN_FIELDS = {"name", "levels", "steps", "active"}
LOOKAHEAD = dt.timedelta(days=7)  # a care task appears on the owner's day this long before it is due


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter: 31 Jan + 1 → 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- plans -----------------------------------------------------------------------------------------------------
def _plan_data(data: dict[str, Any], current: CarePlan | None) -> dict[str, Any]:
    from guanxi.customers.models import Customer

    data = pick(data, PLAN_FIELDS)
    out: dict[str, Any] = {}
    if "name" in data or current is None:
        out["name"] = clean_text(data.get("name"), "name", max_length=120, required=True)
    if "levels" in data:
        levels = data["levels"] or []
        if not isinstance(levels, list | tuple) or set(levels) - set(Customer.Level.values):
            raise field_error("levels", _("Choose among the customer levels."))
        out["levels"] = sorted(set(levels))
    if "steps" in data or current is None:
        steps = data.get("steps") or []
        clean = []
        for step in steps if isinstance(steps, list | tuple) else [None]:
            kind = step.get("kind") if isinstance(step, dict) else None
            every = step.get("every_months") if isinstance(step, dict) else None
            if kind not in CarePlan.Kind.values or not isinstance(every, int) or not 1 <= every <= 24:
                raise field_error("steps", _("Each step is a visit, call or gift every 1 to 24 months."))
            clean.append({"kind": kind, "every_months": every})
        if not clean:
            raise field_error("steps", _("Give the plan at least one visit, call or gift."))
        if len({s["kind"] for s in clean}) != len(clean):
            raise field_error("steps", _("One step per kind: a visit, a call, a gift."))
        out["steps"] = clean
    if "active" in data:
        out["active"] = bool(data["active"])
    return out


@transaction.atomic
def care_plan_create(*, actor: User, data: dict[str, Any]) -> CarePlan:
    require_permission(actor, "marketing.admin")
    return model_create(instance=CarePlan(**_plan_data(data, None)), actor=actor)


@transaction.atomic
def care_plan_update(
    *, actor: User, plan: CarePlan, data: dict[str, Any], expected_version: int | None = None
) -> CarePlan:
    require_permission(actor, "marketing.admin")
    plan, _changes = model_update(instance=plan, data=_plan_data(data, plan), actor=actor,
                                  expected_version=expected_version)  # fmt: skip
    return plan


def care_plan_add_customers(*, actor: User, plan: CarePlan, customer_ids: Iterable[int]) -> tuple[int, int]:
    """Put customers the actor may see on a plan by hand; answers (added, skipped)."""
    from guanxi.customers.models import Customer

    require_permission(actor, "marketing.edit")
    ids = list(customer_ids)
    visible = scope_queryset(actor, Customer.objects.filter(pk__in=ids), "view").values_list("pk", flat=True)
    added = 0
    for pk in visible:
        try:
            with transaction.atomic():
                CarePlanMember.objects.create(plan=plan, customer_id=pk, added_by=actor)
        except IntegrityError:
            continue
        added += 1
    return added, len(ids) - added


def plan_customers(plan: CarePlan) -> QuerySet[Any]:
    from guanxi.customers.models import Customer

    by_hand = CarePlanMember.objects.filter(plan=plan).values("customer_id")
    return Customer.objects.filter(Q(level__in=plan.levels or []) | Q(pk__in=by_hand)).filter(owner__isnull=False)


# --- the worker --------------------------------------------------------------------------------------------------
def _task_title(plan: CarePlan, kind: str, customer: Any) -> str:
    with translation.override(customer.owner.language or None):
        return _("Care %(kind)s: %(customer)s (%(plan)s)") % {
            "kind": str(CarePlan.Kind(kind).label).lower(),
            "customer": customer.name,
            "plan": plan.name,
        }


def care_tasks_schedule(*, today: dt.date) -> int:
    from guanxi.customers.models import Task

    made = 0
    for plan in CarePlan.objects.filter(active=True).order_by("pk"):
        for customer in plan_customers(plan).select_related("owner").order_by("pk").iterator(chunk_size=500):
            for step in plan.steps:
                last = (CareTask.objects.filter(plan=plan, customer=customer, kind=step["kind"])
                        .order_by("-due_on").values_list("due_on", flat=True).first())  # fmt: skip
                due = add_months(last, step["every_months"]) if last else today
                if due > today + LOOKAHEAD:
                    continue
                title = _task_title(plan, step["kind"], customer)
                at = timezone.make_aware(dt.datetime.combine(due, dt.time(10, 0)))
                try:
                    with transaction.atomic():
                        task = model_create(instance=Task(title=title[:200], due_at=at, assignee=customer.owner,
                                                          customer=customer), actor=None)  # fmt: skip
                        CareTask.objects.create(plan=plan, customer=customer, kind=step["kind"], due_on=due, task=task)
                except IntegrityError:
                    continue  # another run made it
                made += 1
    return made


def care_tasks_complete(*, now: dt.datetime) -> int:
    """Open care tasks whose assignee logged a follow-up on the customer since the task was made are done."""
    from guanxi.customers.models import FollowUp, Task

    followed = FollowUp.objects.filter(customer_id=OuterRef("customer_id"), author_id=OuterRef("assignee_id"),
                                       created_at__gte=OuterRef("created_at"))  # fmt: skip
    care = CareTask.objects.values("task_id")
    return Task.objects.filter(pk__in=care, done=False).filter(Exists(followed)).update(done=True, done_at=now)


def _manager_of(user: User) -> User | None:
    if user.manager_id and user.manager is not None and user.manager.is_active:
        return user.manager
    department = user.department
    if department is not None and department.manager_id and department.manager_id != user.pk:
        manager: User | None = department.manager
        return manager if manager is not None and manager.is_active else None
    return None


def care_tasks_flag_overdue(*, today: dt.date, now: dt.datetime) -> int:
    """Flag each care task open after its due day to the owner's manager, once."""
    late = (CareTask.objects.filter(due_on__lt=today, flagged_at__isnull=True, task__done=False)
            .select_related("task__assignee__manager", "task__assignee__department__manager", "customer"))  # fmt: skip
    flagged = 0
    for care_task in late.order_by("pk"):
        owner = care_task.task.assignee
        manager = _manager_of(owner)
        if manager is not None:
            notify(recipient=manager, kind="care_overdue", url=reverse("marketing:care_overdue"),
                   title=Message(gettext_noop("Overdue care: %(customer)s"), {"customer": care_task.customer.name}),
                   body=Message(gettext_noop("%(owner)s has not done “%(task)s”, due %(due)s."),
                                {"owner": str(owner), "task": care_task.task.title,
                                 "due": care_task.due_on.isoformat()}))  # fmt: skip
        CareTask.objects.filter(pk=care_task.pk).update(flagged_at=now)
        flagged += 1
    return flagged


def care_plans_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic job."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    return {
        "scheduled": care_tasks_schedule(today=today),
        "completed": care_tasks_complete(now=now),
        "flagged": care_tasks_flag_overdue(today=today, now=now),
    }


def overdue_care(*, user: User, today: dt.date | None = None) -> QuerySet[CareTask]:
    """Care tasks open after their due day, among the tasks the reader may see (a manager: their team's)."""
    from guanxi.customers.models import Task

    today = today or timezone.localdate()
    visible = scope_queryset(user, Task.objects.all(), "view").values("pk")
    return (CareTask.objects.filter(due_on__lt=today, task__done=False, task_id__in=visible)
            .select_related("plan", "customer", "task__assignee").order_by("due_on", "pk"))  # fmt: skip
