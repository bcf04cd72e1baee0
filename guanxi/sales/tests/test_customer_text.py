"""A deal's search text is its own text followed by its customer's (sales.opportunities.customer_text) after every
path that changes either: the services (create, rename, customer rename, merge) and plain writes (queryset updates,
bulk inserts, a full save of a deal read before its customer was renamed), in any order; and the search indexes
kept from that column find what LIKE finds (on SQLite their triggers must fire before the composing ones)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.core.dbvendor import search_filter, search_fts_name
from guanxi.core.search import SEARCH_TEXT_MAX
from guanxi.customers.dedupe.services import customer_merge
from guanxi.customers.models import Customer
from guanxi.customers.services import customer_update
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import Opportunity
from guanxi.sales.opportunities import customer_text, selectors, services

pytestmark = pytest.mark.django_db

SQLITE = connection.vendor == "sqlite"


def expected(own: str | None, customer: str) -> str:
    return f"{own or ''} {customer}".strip(" ")[:SEARCH_TEXT_MAX]


def assert_kept() -> None:
    rows = Opportunity._base_manager.values_list("pk", "search_text", "own_search_text", "customer__search_text")
    wrong = [(pk, kept) for pk, kept, own, of_customer in rows if kept != expected(own, of_customer)]
    assert not wrong, wrong  # (deal, its search text)
    assert rows  # the check saw deals


def assert_indexes_find_what_like_finds(terms: list[str]) -> None:
    """Each term through the search indexes gives the LIKE's deals; on SQLite the trigram table matches its rows."""
    deals = Opportunity._base_manager.order_by()
    for term in terms:
        like = set(deals.filter(search_text__contains=term).values_list("pk", flat=True))
        assert set(search_filter(deals, "search_text", [term]).values_list("pk", flat=True)) == like, term
    if SQLITE:
        fts = search_fts_name(customer_text.DEALS, "search_text")
        with connection.cursor() as cursor:  # raises when the index and the rows disagree
            cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')")  # noqa: S608 (a constant name)


def found(user: Any, query: str) -> list[int]:
    return sorted(o.pk for o in selectors.opportunity_list(user=user, filters={"q": query}))


def test_merging_customers_gives_their_deals_the_survivors_text(org: Any) -> None:
    admin, rep = org["admin"], org["east_rep"]
    survivor = CustomerFactory(owner=rep, name="北京恒信科技有限公司")
    merged = CustomerFactory(owner=rep, name="恒信科技（北京）")
    deal = services.opportunity_create(actor=rep, customer=merged, data={"name": "ERP 升级"})
    assert found(rep, "恒信科技（") == [deal.pk]
    # when the duplicate is merged into the survivor, the deal is found by the survivor's name, not the merged one's
    customer_merge(actor=admin, survivor_id=survivor.pk, merged_ids=[merged.pk])
    assert found(rep, "恒信科技有限") == [deal.pk]
    assert found(rep, "恒信科技（") == []
    assert_kept()


def test_a_renamed_deal_keeps_its_customers_text_after_its_own(org: Any) -> None:
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep, name="上海东海贸易有限公司")
    deal = services.opportunity_create(actor=rep, customer=customer, data={"name": "华南区项目"})
    # when the deal is renamed, it keeps its customer's text after its own new one
    services.opportunity_update(actor=rep, opportunity=deal, data={"name": "西南区项目"})
    deal.refresh_from_db()
    assert deal.search_text.startswith("西南区项目 ") and "东海" in deal.search_text
    assert found(rep, "东海 西南") == [deal.pk]
    assert_kept()


OPS = st.tuples(
    st.sampled_from(["rename", "move", "stale_save", "own", "bulk_new", "new", "delete", "forge"]),
    st.integers(0, 2),
    st.integers(0, 2),
)
NAMES = ["恒信科技", "东海贸易", "华南数据"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=1, max_size=8))
def test_plain_writes_in_any_order_keep_the_deals_text_and_its_indexes(org: Any, ops: list[Any]) -> None:
    rep = org["east_rep"]
    with transaction.atomic():
        customers = [CustomerFactory(owner=rep, name=f"{name}有限公司") for name in NAMES]
        for customer in customers:
            services.opportunity_create(actor=rep, customer=customer, data={"name": "项目"})
        for n, (op, i, j) in enumerate(ops):
            customer = customers[i]
            deal = Opportunity._base_manager.filter(customer__in=customers).order_by("pk")[j:].first()
            if op == "rename":  # a customer's search text rewritten by a plain UPDATE
                Customer._base_manager.filter(pk=customer.pk).update(search_text=f"{NAMES[j]}{n} 改名{n}")
            elif op == "move" and deal is not None:  # a deal moved to another customer (as a merge does)
                Opportunity._base_manager.filter(pk=deal.pk).update(customer=customer)
            elif op == "stale_save" and deal is not None:  # read, its customer renamed, then a full save
                Customer._base_manager.filter(pk=deal.customer_id).update(search_text=f"旧读{n}")
                deal.close_note = "改"
                deal.save()
            elif op == "own" and deal is not None:
                Opportunity._base_manager.filter(pk=deal.pk).update(own_search_text=f"自己{n}")
            elif op == "forge" and deal is not None:  # a writer setting the column itself is corrected
                Opportunity._base_manager.filter(pk=deal.pk).update(search_text="伪造")
            elif op == "bulk_new":  # raw inserts carrying only the deal's own text
                template = Opportunity._base_manager.filter(customer__in=customers).first()
                Opportunity._base_manager.bulk_create(
                    [_copy(template, customer, own=f"批量{n}"), _copy(template, customer, own=None)]
                )
            elif op == "new":
                services.opportunity_create(actor=rep, customer=customer, data={"name": f"新{n}"})
            elif op == "delete" and deal is not None:
                Opportunity._base_manager.filter(pk=deal.pk).delete()
            assert_kept()
        assert_indexes_find_what_like_finds(["恒信", "东海贸", "改名", "旧读", "自己", "批量", "伪造", "项"])
        transaction.set_rollback(True)


def _copy(template: Opportunity, customer: Customer, *, own: str | None) -> Opportunity:
    fields = {f.attname: getattr(template, f.attname) for f in Opportunity._meta.concrete_fields if not f.primary_key}
    return Opportunity(**{**fields, "customer_id": customer.pk, "own_search_text": own, "search_text": "旧"})


def test_lost_triggers_are_made_again_after_migrating(org: Any) -> None:
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep, name="北京恒信科技有限公司")
    deal = services.opportunity_create(actor=rep, customer=customer, data={"name": "ERP"})
    # given the triggers dropped (a SQLite table rebuild drops them), then the customer renamed
    customer_text.deal_customer_text_triggers_drop()
    Customer._base_manager.filter(pk=customer.pk).update(search_text="深圳前海数据有限公司 szqhsj")
    assert found(rep, "前海") == []
    # when post_migrate runs, the triggers are back and every deal has its customer's text again
    assert customer_text.deal_customer_text_triggers_ensure() is True
    assert customer_text.deal_customer_text_triggers_ensure() is False
    assert found(rep, "前海") == [deal.pk]
    customer_update(actor=rep, customer=customer, data={"name": "杭州西湖软件有限公司"})
    assert found(rep, "西湖") == [deal.pk]
    assert_kept()
    assert_indexes_find_what_like_finds(["西湖", "erp", "前海"])


@pytest.mark.skipif(not SQLITE, reason="the order of a table's triggers matters on SQLite only")
def test_on_sqlite_the_search_tables_triggers_fire_first(org: Any) -> None:
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep, name="北京恒信科技有限公司")
    # given the composing triggers made after the search tables' (so they fire first)
    customer_text.deal_customer_text_triggers_drop()
    with connection.cursor() as cursor:
        for sql in customer_text._sqlite_sql():
            cursor.execute(sql)
    # then a new deal leaves the trigram table disagreeing with the rows
    with pytest.raises(DatabaseError), transaction.atomic():
        services.opportunity_create(actor=rep, customer=customer, data={"name": "ERP"})
        assert_indexes_find_what_like_finds(["恒信"])
    # when post_migrate runs, it sees the order and makes the search tables' triggers again after them
    assert customer_text.deal_customer_text_triggers_ensure() is True
    deal = services.opportunity_create(actor=rep, customer=customer, data={"name": "ERP"})
    Opportunity._base_manager.filter(pk=deal.pk).update(close_note="x", updated_at=timezone.now())
    assert found(rep, "恒信") == [deal.pk]
    assert_kept()
    assert_indexes_find_what_like_finds(["恒信", "erp", "bjhx"])
