"""The benchmark's data: the demo organisation (through the services), a sales force of extra reps,
then customers, contacts and follow-ups through the demo's bulk path."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from guanxi.customers.demo import DEMO_USERS, Generator, customers_bulk_generate, org_build
from guanxi.org.models import Role, User


def extra_reps_create(*, count: int, result: Any, seed: int) -> list[User]:
    """`count` more sales reps (no password) across the two sales departments and the team, each
    reporting to their department's manager, so one rep owns a realistic share of 200k customers."""
    rng = random.Random(seed)
    gen = Generator(seed)
    places = [
        ("north", "wangqiang"),
        ("north1", "sunhao"),
        ("east", "zhouli"),
    ]
    unusable = make_password(None)
    rows = []
    for i in range(count):
        dept_key, manager = rng.choice(places)
        rows.append(
            User(
                username=f"rep{i:04d}",
                name=rng.choice(gen.person_names),
                email=f"rep{i:04d}@huaxin.example.com",
                department=result.departments[dept_key],
                manager=result.users[manager],
                password=unusable,
            )
        )
    with transaction.atomic():
        User.objects.bulk_create(rows, batch_size=500)
        reps = list(User.objects.filter(username__startswith="rep").order_by("id"))
        role = Role.objects.get(code="sales_rep")
        User.roles.through.objects.bulk_create([User.roles.through(user_id=u.pk, role_id=role.pk) for u in reps])
    return reps


def bench_generate(
    *, customers: int, follow_ups: int, extra_reps: int = 100, seed: int = 2026, progress: Callable[[str], None]
) -> dict[str, Any]:
    """Fill an empty, migrated database. Returns counts and timings."""
    timings: dict[str, Any] = {}
    started = time.monotonic()
    with transaction.atomic():
        result = org_build()
    timings["org_seconds"] = round(time.monotonic() - started, 2)
    reps = extra_reps_create(count=extra_reps, result=result, seed=seed)
    sellers = [result.users[u.username] for u in DEMO_USERS if u.customers] + reps
    progress(f"Organisation: {len(result.users)} demo users and {len(reps)} extra reps ({timings['org_seconds']}s)")
    started, cpu_started = time.monotonic(), time.process_time()
    counts = customers_bulk_generate(
        owners=sellers, customers=customers, follow_ups=follow_ups, seed=seed, progress=progress
    )
    seconds = time.monotonic() - started
    cpu_seconds = time.process_time() - cpu_started
    rows = counts["customers"] + counts["contacts"] + counts["follow_ups"]
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as any production database has them
    timings["analyze_seconds"] = round(time.monotonic() - started, 2)
    timings.update(
        {
            "customers": counts["customers"],
            "contacts": counts["contacts"],
            "follow_ups": counts["follow_ups"],
            "dedupe_keys": counts["dedupe_keys"],
            "owners": len(sellers),
            "seconds": round(seconds, 1),
            "cpu_seconds": round(cpu_seconds, 1),
            "rows_per_second": round(rows / seconds),
            "customers_per_second": round(counts["customers"] / seconds),
        }
    )
    return timings
