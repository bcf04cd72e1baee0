"""Hand-built data for the analytics tests: customers, opportunities and follow-ups at chosen moments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from guanxi.customers.models import Customer, FollowUp
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.opportunities.models import Opportunity, Pipeline, Stage

NOVEMBER = dt.date(2026, 11, 1)


def at(day: int, month: int = 11, year: int = 2026, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def joined(when: dt.datetime | None = None) -> None:
    """Everyone in the test's organisation joined at `when` (default: before the months the tests rank): the
    league ranks only people who had joined before the month ended, and the factories make them join now."""
    from guanxi.org.models import User

    User.objects.update(date_joined=when or at(1, month=1))


def customers(owner: Any, n: int, *, when: dt.datetime, level: str = "B") -> list[Customer]:
    made = [CustomerFactory(owner=owner, level=level) for _ in range(n)]
    Customer.objects.filter(pk__in=[c.pk for c in made]).update(created_at=when)
    return made


def pipeline() -> dict[str, Any]:
    p = Pipeline.objects.create(name="League test", sort_order=9)
    stages: dict[str, Any] = {"pipeline": p}
    for order, (key, kind) in enumerate([("A", "open"), ("B", "open"), ("won", "won"), ("lost", "lost")]):
        stages[key] = Stage.objects.create(pipeline=p, name=key, kind=kind, sort_order=order)
    return stages


def opportunities(
    owner: Any, n: int, *, when: dt.datetime, stages: dict[str, Any], amount: int = 1000, customer: Any = None
) -> list[Opportunity]:
    made = []
    for i in range(n):
        made.append(
            Opportunity.objects.create(
                name=f"Deal {owner.username} {i}",
                customer=customer or CustomerFactory(owner=owner),
                owner=owner,
                department=owner.department,
                pipeline=stages["pipeline"],
                stage=stages["A"],
                amount=Decimal(amount),
            )
        )
    Opportunity.objects.filter(pk__in=[o.pk for o in made]).update(created_at=when)
    return made


def follow_ups(author: Any, customer: Any, n: int, *, when: dt.datetime) -> None:
    for _ in range(n):
        FollowUp.objects.create(customer=customer, author=author, content="拜访", occurred_at=when)
