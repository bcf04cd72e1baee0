"""core.dbvendor.bulk_load around the customers' bulk path (benchmarks at 1M): the tables come out as row-by-row
writes would leave them: the same indexes and triggers, search through its indexes finding the loaded rows, the
kept follow-up counts and contact owners right, foreign keys checked again (SQLite)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.dbvendor import bulk_load, search_filter
from guanxi.customers.demo import customers_bulk_generate
from guanxi.customers.models import Contact, Customer, CustomerKey, FollowUp

from .test_followup_counts import counted, kept

pytestmark = pytest.mark.django_db(transaction=True)  # the index builds use sessions of their own on PostgreSQL

TABLES = [m._meta.db_table for m in (Customer, Contact, FollowUp, CustomerKey)]


def _indexes_and_triggers() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(TABLES))
            cursor.execute(
                f"SELECT type, name FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name IN ({marks})",  # noqa: S608
                TABLES,
            )
        else:
            cursor.execute(
                "SELECT 'index', indexname FROM pg_indexes WHERE tablename = ANY(%s) UNION "
                "SELECT 'trigger', t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relname = ANY(%s) AND NOT t.tgisinternal AND t.tgenabled = 'A'",
                [TABLES, TABLES],
            )
        return set(cursor.fetchall())


def test_a_bulk_load_leaves_the_tables_as_row_by_row_writes_would(org: Any, caplog: Any) -> None:
    # given the customers' tables with their indexes and triggers
    before = _indexes_and_triggers()
    assert any(kind == "trigger" for kind, _name in before)
    # when two reps' customers, contacts and follow-ups are loaded in bulk
    owners = [org["east_rep"], org["west_rep"]]
    with bulk_load(connection, tables=TABLES):
        counts = customers_bulk_generate(owners=owners, customers=40, follow_ups=120, seed=5)
    # then every index and trigger is there again, made by post_migrate's handlers (which refill what they keep)
    assert _indexes_and_triggers() == before
    assert not [r for r in caplog.records if "no post_migrate handler" in r.getMessage()]
    assert counts["customers"] == Customer.objects.count() == 40
    # and search finds the loaded rows through its index, short and long terms alike, the rows LIKE finds
    name = Customer.objects.order_by("pk").first().name
    for term in (name[:1], name[:2], name[:4]):
        with CaptureQueriesContext(connection) as queries:
            found = set(search_filter(Customer.objects.all(), "search_text", [term]).values_list("pk", flat=True))
        assert found == set(Customer.objects.filter(search_text__icontains=term).values_list("pk", flat=True))
        assert found, term
        if connection.vendor == "sqlite":
            assert "MATCH" in queries.captured_queries[-1]["sql"], term
    # and what the triggers keep is right: the follow-ups' day counts and each contact's owner
    assert kept() == counted() and sum(counted().values()) == 120
    assert not Contact.objects.exclude(owner_id__in=owners).exists()
    assert all(c.owner_id == c.customer.owner_id for c in Contact.objects.select_related("customer"))
    # and a contact written afterwards takes its customer's owner, as the kept owner's trigger does
    customer = Customer.objects.filter(owner=owners[1]).first()
    Contact.objects.create(customer=customer, name="新联系人", owner=owners[0])
    assert Contact.objects.get(name="新联系人").owner_id == owners[1].pk
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
