"""The public-pool job's indexes (docs/pool.md): the reclaim UPDATE can use them, and adding them kept the
SQLite full-text triggers on customers (docs/decisions/0002-search-indexes.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models.sql.subqueries import UpdateQuery
from django.utils import timezone

from guanxi.customers.models import Customer, PoolRule
from guanxi.customers.pool import policies

pytestmark = pytest.mark.django_db


def postgresql_index_definitions() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'customers_customer'")
        return dict(cursor.fetchall())


def plan_of_update(qs) -> list[str]:
    query = qs.query.chain(UpdateQuery)
    query.add_update_values({"pool_warning": 0})
    sql, params = query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [row[3] for row in cursor.fetchall()]


def test_the_reclaim_and_warning_updates_use_the_pool_indexes(org):
    if connection.vendor == "postgresql":
        # PostgreSQL: both partial indexes exist, limited to owned customers outside the pool
        defs = postgresql_index_definitions()
        for name in ("customer_pool_idle", "customer_pool_warn"):
            assert "COALESCE(last_contact_at, created_at)" in defs[name]
            assert "pool_entered_at IS NULL" in defs[name] and "owner_id IS NOT NULL" in defs[name]
        return
    # given the hourly steady state: owned customers mostly contacted lately, a few past the limits, some in
    # the pool, with statistics gathered (as after `ANALYZE`), and the coverage of an active rule
    now = timezone.now()
    rep = org["east_rep"]
    Customer.objects.bulk_create(
        Customer(name=f"c{i}", owner=rep, department=rep.department, last_contact_at=now - dt.timedelta(days=i % 65))
        for i in range(600)
    )
    Customer.objects.bulk_create(Customer(name=f"p{i}", pool_entered_at=now) for i in range(200))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rule = PoolRule(is_active=True, reclaim_days=60, first_warning_days=30, second_warning_days=60)
    covered = Customer.objects.filter(
        policies.coverage_q(rule=rule, department_ids=[rep.department_id], include_no_department=True, now=now)
    )
    # when SQLite plans the reclaim and the first-warning UPDATEs
    reclaim = plan_of_update(covered.filter(policies.idle_q(now=now, days=60)))
    warn = plan_of_update(covered.filter(policies.idle_q(now=now, days=30), pool_warning__in=[0]))
    # then each reads its partial expression index
    assert any("customer_pool_idle" in step for step in reclaim), reclaim
    assert any("customer_pool_warn" in step for step in warn), warn


def test_the_customer_search_triggers_survive_the_index_migration(db):
    if connection.vendor == "postgresql":  # there the search index is the trigram GIN index, untouched
        assert "customers_customer_search_trgm" in postgresql_index_definitions()
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='customers_customer'")
        names = {row[0] for row in cursor.fetchall()}
    assert {f"customers_customer_search_text_fts_{s}" for s in ("ai", "ad", "au")} <= names
