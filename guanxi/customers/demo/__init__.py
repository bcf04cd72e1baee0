"""The demo company 华信科技集团: departments, people in every default role, customers, contacts,
follow-ups over the past year and tasks — built through the services so the audit trail is real.

`demo_load` is what `guanxi demo` runs. `customers_bulk_generate` (bulk) is the fast path for large volumes
(`guanxi demo --customers 50000`, the benchmark): bulk inserts with precomputed search text and no
audit rows. The company's data and its generator are in `world`, the audited path in `service_path`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from guanxi.core.models import Notification
from guanxi.core.registry import registry
from guanxi.org.models import User

from .bulk import customers_bulk_generate
from .service_path import (
    DemoResult,
    customers_build,
    housekeeping_build,
    org_build,
    owners_of,
    pool_history_build,
    tasks_build,
)
from .world import (
    DEFAULT_CUSTOMERS,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_USERS,
    DEPARTMENTS,
    EMAIL_DOMAIN,
    Generator,
    credit_code,
    mobile,
)

# Above this many customers the demo switches to the bulk path (the services take ~25 ms a customer
# with its contacts and follow-ups); the first SERVICE_PART customers still go through the services.
BULK_THRESHOLD = 2000
SERVICE_PART = DEFAULT_CUSTOMERS

__all__ = [
    "BULK_THRESHOLD",
    "DEFAULT_CUSTOMERS",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "DEPARTMENTS",
    "EMAIL_DOMAIN",
    "SERVICE_PART",
    "DemoResult",
    "Generator",
    "credit_code",
    "customers_build",
    "customers_bulk_generate",
    "demo_load",
    "housekeeping_build",
    "mobile",
    "org_build",
    "tasks_build",
]


DEMO_UNREAD_KEPT = 3
# The worker's reminder sweeps (customers, approvals, sales, billing register them): run once while the demo loads.
DEMO_REMINDER_JOBS = ("task_reminders", "approval_reminders", "opportunity_reminders", "receivable_reminders")


def notifications_settle(*, now: dt.datetime) -> int:
    """The demo's story happened over the past days, so a user does not find every notification of it unread: the
    newest three of each user stay unread, the rest were read; they are spread over the past day and a half
    (newest first, 40 minutes apart) so the bell reads like a day's work. Returns how many were marked read."""
    marked = 0
    users = Notification.objects.values_list("recipient_id", flat=True).distinct()
    for user_id in list(users):
        notes = list(Notification.objects.filter(recipient_id=user_id).order_by("-created_at", "-id"))
        for rank, note in enumerate(notes):
            at = now - dt.timedelta(minutes=10 + 40 * rank)
            read_at = None if rank < DEMO_UNREAD_KEPT or note.read_at else at + dt.timedelta(minutes=20)
            marked += read_at is not None and note.read_at is None
            Notification.objects.filter(pk=note.pk).update(created_at=at, read_at=read_at or note.read_at)
    return marked


# The demo's history reaches a year back (follow-ups, contracts); its people joined before that.
DEMO_PEOPLE_JOINED_DAYS_AGO = 2 * 365


def people_joined_before_history(result: DemoResult, *, now: dt.datetime) -> None:
    """The demo company's people worked there through its whole history: the usage league ranks a month only the
    people who had joined by its end, so users made now would leave every past month without a ranking."""
    joined = now - dt.timedelta(days=DEMO_PEOPLE_JOINED_DAYS_AGO)
    for user in result.users.values():
        user.date_joined = joined
    User.objects.filter(pk__in=[u.pk for u in result.users.values()]).update(date_joined=joined)


def demo_load(
    *,
    seed: int = DEFAULT_SEED,
    customers: int = DEFAULT_CUSTOMERS,
    progress: Callable[[str], None] = lambda _msg: None,
) -> Counter:
    """Build the whole demo company in one transaction. Returns what was created, by kind."""
    started = time.monotonic()
    now = timezone.now()
    gen = Generator(seed)
    with transaction.atomic():
        progress("Organisation and users…")
        result = org_build()
        people_joined_before_history(result, now=now)
        gen.distinct_brands = True
        if customers <= BULK_THRESHOLD:
            progress(f"{customers} customers with contacts and follow-ups (through the services)…")
            customers_build(result=result, gen=gen, count=max(customers, 1), now=now, progress=progress)
        else:
            # A few hundred through the services (audited, with the flagship customer), the rest in bulk.
            progress(f"{SERVICE_PART} customers through the services…")
            customers_build(result=result, gen=gen, count=SERVICE_PART, now=now, progress=progress)
            rest = customers - SERVICE_PART
            gen.distinct_brands = False  # a few thousand brands cannot be unique across many thousands
            progress(f"{rest} more customers in bulk…")
            owners = [u for u, _s in owners_of(result)]
            bulk = customers_bulk_generate(
                owners=owners, customers=rest, follow_ups=rest * 3, seed=seed + 1, now=now, gen=gen, progress=progress
            )
            result.counts.update(bulk)
        gen.distinct_brands = True
        progress("Tasks and daily work…")
        tasks_build(result=result, gen=gen, now=now)
        housekeeping_build(result=result, gen=gen)
        for step in registry.demo_steps:  # opportunities, quotes, contracts… from the apps above
            step(result=result, gen=gen, now=now, progress=progress)
        progress("The public pool's past weeks…")
        pool_history_build(result=result, now=now)
        # The reminders of the past days went out then (their dedupe keys keep the worker's first run from sending
        # them again as a heap of new ones); the story's notifications were read, but for the newest.
        progress("Reminders and notifications of the past days…")
        for job in registry.periodic:
            if job.key in DEMO_REMINDER_JOBS:
                job.run()
        notifications_settle(now=now)
    result.counts["seconds"] = round(time.monotonic() - started, 1)  # type: ignore[assignment]
    return result.counts
