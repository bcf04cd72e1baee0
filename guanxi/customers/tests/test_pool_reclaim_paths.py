"""The reclaim job's two paths give the same result: on PostgreSQL each step is one statement (UPDATE … RETURNING
feeding the audit rows, pool events and owner summaries), the portable path updates first and reads the changed
rows back. Both run on the same generated book (rules per department, levels, statuses, protections, claims,
customers without a department) and every row they write is compared."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from guanxi.core.models import AuditLog, Notification
from guanxi.core.registry import PoolProtection, registry
from guanxi.customers.models import Customer, PoolEvent
from guanxi.customers.pool import services
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the single-statement path is PostgreSQL's"),
]

NOW = timezone.now().replace(microsecond=0)
DAY = dt.timedelta(days=1)


def _book(org: Any, rng: random.Random) -> dict[str, list[int]]:
    """~240 customers across reps, departments and rules, idle from 0 to 200 days; some protected, some claimed
    from the pool recently, a few never contacted or without a department."""
    east = {"reclaim_days": 90, "first_warning_days": 20, "second_warning_days": 45}
    services.pool_rule_save(actor=org["admin"], department=org.east, data=east)
    services.pool_rule_save(actor=org["admin"], department=org.west, data={"levels": ["B", "C"]})
    reps = [org["east_rep"], org["east_rep2"], org["team_rep"], org["west_rep"]]
    made: dict[str, list[int]] = {"all": [], "protected": [], "opportunity": []}
    for i in range(240):
        owner = rng.choice(reps)
        days = rng.uniform(0, 200)
        never = rng.random() < 0.1
        c = CustomerFactory(
            owner=owner,
            name=f"客户{rng.choice('甲乙丙丁戊')}{i:03d}",  # names repeat their first characters: summaries sort
            department=None if rng.random() < 0.05 else owner.department,
            level=rng.choice(["A", "B", "C"]),
            status=rng.choice([Customer.Status.POTENTIAL, Customer.Status.FOLLOWING, Customer.Status.WON]),
            last_contact_at=None if never else NOW - dt.timedelta(days=days),
            created_at=NOW - dt.timedelta(days=days + (rng.uniform(0, 30) if never else 300)),
            pool_warning=rng.choice([0, 0, 0, 1, 2]),
        )
        made["all"].append(c.pk)
        if rng.random() < 0.08:
            made["protected"].append(c.pk)
        elif rng.random() < 0.08:
            made["opportunity"].append(c.pk)
        if rng.random() < 0.05:
            PoolEvent.objects.create(
                customer=c, action=PoolEvent.Action.CLAIMED, user=owner, at=NOW - rng.uniform(1, 80) * DAY
            )
    return made


def _snapshot(stats: dict[str, Any]) -> dict[str, Any]:
    customers = list(
        Customer.all_objects.order_by("pk").values_list(
            "pk", "owner_id", "previous_owner_id", "pool_entered_at", "pool_reason", "pool_warning", "version"
        )
    )
    audit = sorted(
        AuditLog.objects.filter(at=NOW).values_list(
            "action", "actor_id", "content_type_id", "object_id", "object_repr", "message", "customer_id"
        )
    )
    changes = sorted((a.customer_id, str(a.changes)) for a in AuditLog.objects.filter(at=NOW))
    events = sorted(PoolEvent.objects.filter(at=NOW).values_list("customer_id", "action", "user_id", "reason"))
    notes = sorted(
        Notification.objects.values_list("recipient_id", "kind", "level", "title", "body", "url", "dedupe_key")
    )
    return {
        "stats": stats,
        "customers": customers,
        "audit": audit,
        "changes": changes,
        "events": events,
        "notes": notes,
    }


def _run(single: bool) -> dict[str, Any]:
    """One run of the job on the book, rolled back afterwards; what it wrote."""
    with transaction.atomic():
        stats = services.pool_reclaim_idle(now=NOW, single_statements=single)
        shot = _snapshot(stats)
        transaction.set_rollback(True)
    return shot


def test_single_statements_write_exactly_what_the_portable_path_writes(org, monkeypatch):
    # given a generated book with two protections (a Q and a queryset of ids) and one rule overriding one of them
    made = _book(org, random.Random(13))
    monkeypatch.setattr(
        registry,
        "pool_protections",
        [
            PoolProtection(
                key="active_contract",
                label="Active contract",
                protected=lambda *, now: Q(pk__in=made["protected"]),
                override="reclaim_with_active_contract",
            ),
            PoolProtection(
                key="open_opportunity",
                label="Open opportunity",
                protected=lambda *, now: Customer.objects.filter(pk__in=made["opportunity"]).values_list(
                    "pk", flat=True
                ),
                override="reclaim_with_open_opportunity",
            ),
        ],
    )
    services.pool_rule_save(
        actor=org["admin"], rule=services.pool_rules_ensure_default(), data={"reclaim_with_active_contract": True}
    )
    # when the job runs on it each way
    portable, single = _run(single=False), _run(single=True)
    # then both reclaim, warn, audit, record and notify exactly the same (and there was something of each)
    assert portable["stats"]["reclaimed"] > 20 and portable["stats"]["first_warnings"] > 5
    assert portable["stats"]["second_warnings"] > 0 and len(portable["notes"]) > 4
    for key in ("stats", "customers", "audit", "changes", "events", "notes"):
        assert single[key] == portable[key], key


def test_single_statements_run_twice_change_nothing_more(org):
    # given a book the job has run on once
    _book(org, random.Random(7))
    first = services.pool_reclaim_idle(now=NOW, single_statements=True)
    assert first["reclaimed"] > 0
    snapshot = list(Customer.all_objects.order_by("pk").values())
    counts = (AuditLog.objects.count(), PoolEvent.objects.count(), Notification.objects.count())
    # when it runs again with the same clock
    again = services.pool_reclaim_idle(now=NOW, single_statements=True)
    # then nothing is written
    assert again["reclaimed"] == again["first_warnings"] == again["second_warnings"] == again["notified"] == 0
    assert list(Customer.all_objects.order_by("pk").values()) == snapshot
    assert (AuditLog.objects.count(), PoolEvent.objects.count(), Notification.objects.count()) == counts
