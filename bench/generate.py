"""The benchmark's data: the demo organisation (through the services), a sales force of extra reps,
then customers, contacts and follow-ups through the demo's bulk path (COPY on PostgreSQL, with the
tables' indexes built once at the end: core.dbvendor.bulk_load)."""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from guanxi.core.dbvendor import bulk_load
from guanxi.customers.demo import DEMO_USERS, Generator, customers_bulk_generate, org_build
from guanxi.customers.followup_counts import TABLE as FOLLOW_UP_COUNTS
from guanxi.customers.followup_counts import followup_counts_compact
from guanxi.customers.models import Contact, Customer, CustomerKey, FollowUp
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


# Ids each loading process may use per customer it makes: 1-3 contacts, and at most 5 keys of the customer and
# 2 of each contact (checked: a process that needs more stops with an error).
_IDS_PER_CUSTOMER = {"customer": 1, "contact": 3, "key": 16}


def _load_part(part: dict[str, Any]) -> tuple[Counter, dict[str, int]]:
    """One process's share of the customers (a child of _generate_in_processes, own database connection)."""
    from guanxi.core.dbvendor.bulk import backend_cpu_seconds, bulk_session

    bulk_session(connection)
    owners = list(User.objects.filter(pk__in=part["owner_ids"]).order_by("pk"))
    ids = dict(part["first_ids"])
    counts = customers_bulk_generate(
        owners=owners,
        customers=part["customers"],
        follow_ups=part["follow_ups"],
        seed=part["seed"],
        first_ids=ids,
        progress=part["progress"] if part["index"] == 0 else (lambda _msg: None),
    )
    counts["backend_cpu_ms"] = round(backend_cpu_seconds(connection) * 1000)  # this loader's PostgreSQL backend
    connection.close()
    return counts, ids


def _generate_in_processes(
    *, jobs: int, owners: list[User], customers: int, follow_ups: int, seed: int, progress: Callable[[str], None]
) -> Counter:
    """The customers in `jobs` processes at once, each in its own id ranges (the Python side of the generation,
    pinyin and match keys, is the bottleneck). Different seeds per process: the data differs from one process's."""
    import multiprocessing

    from guanxi.customers.demo.bulk import bulk_sequences_reset

    tables = {"customer": Customer, "contact": Contact, "follow_up": FollowUp, "key": CustomerKey}
    base = {}
    with connection.cursor() as cursor:
        for key, model in tables.items():
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            base[key] = (cursor.fetchone()[0] or 0) + 1
    parts, limits = [], []
    for index in range(jobs):
        first, last = customers * index // jobs, customers * (index + 1) // jobs
        f_first, f_last = round(follow_ups * first / customers), round(follow_ups * last / customers)
        ids = {key: base[key] + first * per for key, per in _IDS_PER_CUSTOMER.items()}
        ids["follow_up"] = base["follow_up"] + f_first
        limits.append({key: base[key] + last * per for key, per in _IDS_PER_CUSTOMER.items()})
        parts.append(
            {
                "index": index,
                "owner_ids": [o.pk for o in owners],
                "customers": last - first,
                "follow_ups": f_last - f_first,
                "seed": seed * 1000 + index,
                "first_ids": ids,
                "progress": progress,
            }
        )
    progress(f"  in {jobs} processes…")
    connection.close()  # each process opens its own
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        results = pool.map(_load_part, parts)
    counts: Counter = Counter()
    for (part_counts, next_ids), limit in zip(results, limits, strict=True):
        counts.update(part_counts)
        for key, end in limit.items():
            if next_ids[key] > end:
                raise RuntimeError(f"a loading process used more {key} ids than it was given")
    bulk_sequences_reset()
    return counts


def cpu_seconds_with_children() -> float:
    """CPU time of this process and of the loading processes it waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def bench_generate(
    *,
    customers: int,
    follow_ups: int,
    extra_reps: int = 100,
    seed: int = 2026,
    progress: Callable[[str], None],
    jobs: int = 1,
) -> dict[str, Any]:
    """Fill an empty, migrated database. Returns counts and timings. With `jobs` > 1 the customers are made by
    that many processes at once (PostgreSQL; SQLite has one writer at a time)."""
    timings: dict[str, Any] = {}
    started = time.monotonic()
    with transaction.atomic():
        result = org_build()
    timings["org_seconds"] = round(time.monotonic() - started, 2)
    reps = extra_reps_create(count=extra_reps, result=result, seed=seed)
    sellers = [result.users[u.username] for u in DEMO_USERS if u.customers] + reps
    progress(f"Organisation: {len(result.users)} demo users and {len(reps)} extra reps ({timings['org_seconds']}s)")
    started, cpu_started = time.monotonic(), cpu_seconds_with_children()
    tables = [m._meta.db_table for m in (Customer, Contact, FollowUp, CustomerKey)]
    with bulk_load(connection, tables=tables, progress=progress) as loaded:
        if jobs > 1 and customers >= jobs * 2000:
            counts = _generate_in_processes(
                jobs=jobs, owners=sellers, customers=customers, follow_ups=follow_ups, seed=seed, progress=progress
            )
        else:
            counts = customers_bulk_generate(
                owners=sellers, customers=customers, follow_ups=follow_ups, seed=seed, progress=progress
            )
        timings["load_seconds"] = round(time.monotonic() - started, 1)
        timings["load_cpu_seconds"] = round(cpu_seconds_with_children() - cpu_started, 1)
        if "backend_cpu_ms" in counts:
            timings["load_backend_cpu_seconds"] = round(counts["backend_cpu_ms"] / 1000, 1)
    timings.update(loaded)
    backend_cpu = loaded.get("index_backend_cpu_seconds")  # None on SQLite, whose work is this process's
    progress(
        f"  loaded in {timings['load_seconds']}s ({timings['load_cpu_seconds']}s CPU in Python), indexes in "
        f"{loaded.get('index_seconds')}s" + (f" ({backend_cpu}s CPU in PostgreSQL)" if backend_cpu is not None else "")
    )
    seconds = time.monotonic() - started
    cpu_seconds = cpu_seconds_with_children() - cpu_started
    rows = counts["customers"] + counts["contacts"] + counts["follow_ups"]
    started = time.monotonic()
    # What the worker's five-minute job leaves of the follow-ups' kept day counts: one row per day, author and
    # method (the load's statements left a change row per key each: 4.8M rows for 199,470 keys at 5M follow-ups,
    # which every scope-all follow-up figure then summed).
    followup_counts_compact()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum does to a running database after a bulk load: planner statistics and the visibility
            # map, without which no count is answered from an index alone (the month's follow-ups, the lists'
            # capped counts) and every figure reads the heap.
            for table in [*tables, FOLLOW_UP_COUNTS]:
                cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
        cursor.execute("ANALYZE")  # planner statistics, as any production database has them
    timings["analyze_seconds"] = round(time.monotonic() - started, 2)
    progress(f"  VACUUM and ANALYZE in {timings['analyze_seconds']}s")
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
