"""The bulk path for large volumes (`guanxi demo --customers 50000`, the benchmark): plain multi-row INSERTs
(COPY on PostgreSQL, core.dbvendor.rows_insert) with precomputed search text and match keys, and no audit rows."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from guanxi.core.dbvendor import rows_insert
from guanxi.core.search import build_search_text, name_sort_key
from guanxi.org.models import User

from ..dedupe.normalise import contact_key_pairs, customer_key_pairs
from ..models import Contact, Customer, CustomerKey, FollowUp
from .world import DEFAULT_SEED, DEMO_USERS, Generator


def _cached_name_text(cache: dict[str, str], name: str) -> str:
    text = cache.get(name)
    if text is None:
        text = cache[name] = build_search_text(names=[name])
    return text


def _join(*parts: str) -> str:
    # build_search_text joins its parts with spaces: names first, then phones, then others.
    return " ".join(p for p in parts if p)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class BulkInserter:
    """Plain multi-row INSERTs (COPY on PostgreSQL) for one model.

    bulk_create spends most of its time preparing each field of each object; here every column's
    value is taken as given (or the field's default) and only dates are adapted for the database.
    Ids are assigned here, after the table's current maximum, so rows can refer to each other
    before they are written. Only for filling a database nobody else is writing to.
    """

    def __init__(self, model: type[Any], now: dt.datetime, *, first_id: int | None = None):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        ops = connection.ops
        # PostgreSQL's driver takes dates as they are; SQLite's values are adapted (text).
        adapt = connection.vendor != "postgresql"
        self.adapters: list[tuple[int, Callable[[Any], Any]]] = []
        for i, f in enumerate(self.fields):
            if isinstance(f, models.JSONField):  # custom field values (a dict): JSON text on both databases
                self.adapters.append((i, _json_text))
            elif adapt and isinstance(f, models.DateTimeField):
                self.adapters.append((i, ops.adapt_datetimefield_value))
            elif adapt and isinstance(f, models.DateField):
                self.adapters.append((i, ops.adapt_datefield_value))
        # auto_now fields are stamped with `now`; other defaults are evaluated once.
        self.defaults = [
            (f.attname, None if f.primary_key else now if getattr(f, "auto_now", False) else f.get_default())
            for f in self.fields
        ]
        self.columns = [f.column for f in self.fields]
        if first_id is None:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT MAX({ops.quote_name('id')}) FROM {ops.quote_name(model._meta.db_table)}")  # noqa: S608
                first_id = (cursor.fetchone()[0] or 0) + 1
        self.next_id = first_id
        self.rows: list[Any] = []

    def add(self, **values: Any) -> int:
        pk = self.next_id
        self.next_id += 1
        values["id"] = pk
        get = values.get
        row = [get(name, default) for name, default in self.defaults]
        for i, adapt in self.adapters:
            if row[i] is not None:
                row[i] = adapt(row[i])
        self.rows.append(row)
        return pk

    def flush(self) -> int:
        n = rows_insert(connection, table=self.model._meta.db_table, columns=self.columns, rows=self.rows)
        self.rows = []
        return n


def customers_bulk_generate(
    *,
    owners: Sequence[User],
    customers: int,
    follow_ups: int,
    seed: int = DEFAULT_SEED,
    now: dt.datetime | None = None,
    gen: Generator | None = None,
    batch_size: int = 2000,
    progress: Callable[[str], None] = lambda _msg: None,
    first_ids: dict[str, int] | None = None,
) -> Counter:
    """Insert `customers` customers (1-3 contacts each) and about `follow_ups` follow-ups in bulk.

    No audit rows and no per-row validation: this is for volume (benchmarks, load tests) in a
    database nobody else writes to meanwhile. Search text is precomputed with
    core.search.build_search_text, so search behaves as for rows made through the services.
    `first_ids` ({"customer", "contact", "follow_up", "key": first id}) lets several processes fill
    the tables at once, each in its own id ranges; by default ids follow each table's largest.
    The caller then moves PostgreSQL's sequences past the rows (`bulk_sequences_reset`).
    """
    gen = gen or Generator(seed)
    rng = gen.rng
    now = now or timezone.now()
    owner_info = {}
    for owner in owners:
        spec = next((s for s in DEMO_USERS if s.username == owner.username), None)
        region = spec.region if spec else rng.choice(("north", "east", "south", "west"))
        owner_info[owner.pk] = (region, owner.department_id)
    owner_ids = list(owner_info)
    counts: Counter = Counter()
    name_cache: dict[str, str] = {}
    contents = [gen.follow_up_text() for _ in range(500)]
    started = time.monotonic()
    made_follow_ups = 0
    for start in range(0, customers, batch_size):
        size = min(batch_size, customers - start)
        target = round(follow_ups * (start + size) / customers) - made_follow_ups
        per_customer = Counter(rng.randrange(size) for _ in range(max(target, 0)))
        with transaction.atomic():
            batch = _Batch(gen=gen, now=now, name_cache=name_cache, contents=contents, first_ids=first_ids)
            for i in range(size):
                owner_id = rng.choice(owner_ids)
                region, department_id = owner_info[owner_id]
                batch.add_customer(
                    owner_id=owner_id, region=region, department_id=department_id, follow_ups=per_customer.get(i, 0)
                )
            made = batch.flush(counts)
        if first_ids is not None:
            first_ids.update(batch.next_ids())
        counts["follow_ups"] += made
        made_follow_ups += made
        done = start + size
        if done % (batch_size * 10) == 0 or done == customers:
            rate = done / max(time.monotonic() - started, 1e-6)
            progress(f"  {done}/{customers} customers, {made_follow_ups} follow-ups ({rate:.0f} customers/s)")
    if first_ids is None:
        bulk_sequences_reset()
    return counts


def bulk_sequences_reset() -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the new rows. Also give PostgreSQL's planner
    the new rows' statistics at once (ANALYZE), not whenever autovacuum gets to them (never, where it is off): the
    search reads the token index's statistics to tell a piece in most names (有限) from a rare one."""
    models = [Customer, Contact, FollowUp, CustomerKey]
    reset = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in reset:
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


class _Batch:
    """One batch of the bulk path: customers with their contacts, follow-ups and match keys, written together."""

    def __init__(
        self,
        *,
        gen: Generator,
        now: dt.datetime,
        name_cache: dict[str, str],
        contents: list[Any],
        first_ids: dict[str, int] | None = None,
    ):
        self.gen, self.rng, self.now = gen, gen.rng, now
        self.name_cache, self.contents = name_cache, contents
        ids = first_ids or {}
        self.customer_rows = BulkInserter(Customer, now, first_id=ids.get("customer"))
        self.contact_rows = BulkInserter(Contact, now, first_id=ids.get("contact"))
        self.follow_up_rows = BulkInserter(FollowUp, now, first_id=ids.get("follow_up"))
        # Duplicate detection's match keys, from its own key functions (as customer_keys_rebuild writes them).
        self.key_rows = BulkInserter(CustomerKey, now, first_id=ids.get("key"))

    def next_ids(self) -> dict[str, int]:
        return {
            "customer": self.customer_rows.next_id,
            "contact": self.contact_rows.next_id,
            "follow_up": self.follow_up_rows.next_id,
            "key": self.key_rows.next_id,
        }

    def add_customer(self, *, owner_id: int, region: str, department_id: int | None, follow_ups: int) -> None:
        gen, rng, now = self.gen, self.rng, self.now
        data = gen.customer_data(region)
        times = gen.contact_ages(follow_ups, now)
        created = (times[0] if times else now - dt.timedelta(days=rng.uniform(1, 365))) - dt.timedelta(
            days=rng.uniform(0, 20)
        )
        individual = data["kind"] == Customer.Kind.INDIVIDUAL
        name_text = (
            _cached_name_text(self.name_cache, data["name"]) if individual else build_search_text(names=[data["name"]])
        )
        facts: dict[str, Any] = {}
        if times:
            facts = {"last_contact_at": times[-1], "status": Customer.Status.FOLLOWING}
            if rng.random() < 0.6:
                facts["next_follow_up_on"] = (times[-1] + dt.timedelta(days=rng.randint(3, 30))).date()
        customer_id = self.customer_rows.add(
            **data,
            **facts,
            owner_id=owner_id,
            department_id=department_id,
            created_by_id=owner_id,
            created_at=created,
            # as if last edited at the last contact (or creation), not all at the moment of loading
            updated_at=times[-1] if times else created,
            name_sort=name_sort_key(data["name"]),
            search_text=_join(
                name_text,
                build_search_text(
                    phones=[data.get("phone", "")], others=[data.get("email", ""), data.get("credit_code", "")]
                ),
            ),
        )
        for kind, value in customer_key_pairs(
            kind=data["kind"],
            name=data["name"],
            credit_code=data.get("credit_code", ""),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
        ):
            self.key_rows.add(customer_id=customer_id, contact_id=None, kind=kind, value=value)
        contact_ids = self._add_contacts(customer_id, owner_id, data, individual, created)
        for when in times:
            self.follow_up_rows.add(
                **rng.choice(self.contents),
                customer_id=customer_id,
                contact_id=rng.choice(contact_ids),
                author_id=owner_id,
                occurred_at=when,
                created_at=when,
                updated_at=when,
            )

    def _add_contacts(
        self, customer_id: int, owner_id: int, data: dict[str, Any], individual: bool, created: dt.datetime
    ) -> list[int]:
        contact_ids = []
        for k in range(1 if individual else self.rng.randint(1, 3)):
            cd = self.gen.contact_data(k)
            if individual:
                cd.update(name=data["name"], title="", mobile=data["phone"], is_decision_maker=True)
            search_text = _join(
                _cached_name_text(self.name_cache, cd["name"]),
                build_search_text(phones=[cd["mobile"]], others=[cd.get("email", ""), cd.get("wechat", "")]),
            )
            contact_id = self.contact_rows.add(
                **cd,
                customer_id=customer_id,
                owner_id=owner_id,  # as the database keeps it (contact_owner): SQLite's trigger has nothing to do
                created_at=created,
                search_text=search_text,
                name_sort=name_sort_key(cd["name"]),
            )
            contact_ids.append(contact_id)
            for kind, value in contact_key_pairs(mobile=cd["mobile"], phone="", email=cd.get("email", "")):
                self.key_rows.add(customer_id=customer_id, contact_id=contact_id, kind=kind, value=value)
        return contact_ids

    def flush(self, counts: Counter) -> int:
        """Write the batch; counts customers, contacts and keys, returns the follow-ups written."""
        counts["customers"] += self.customer_rows.flush()
        counts["contacts"] += self.contact_rows.flush()
        made = self.follow_up_rows.flush()
        counts["dedupe_keys"] += self.key_rows.flush()
        return made
