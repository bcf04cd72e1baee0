"""Deals are searched like customers (opportunities.filters.apply_search): every term must be in the deal's own
search text (its name with pinyin and initials) or in its customer's, each side through its search indexes
(core.dbvendor.search_filter) — one- and two-character Chinese terms included — with exactly the rows of LIKE."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.core.search import search_terms
from guanxi.core.selectors import global_search
from guanxi.customers.models import Customer
from guanxi.customers.services import customer_update
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import Opportunity
from guanxi.sales.opportunities import selectors, services
from guanxi.sales.opportunities.filters import apply_search

pytestmark = pytest.mark.django_db

SQLITE = connection.vendor == "sqlite"
MIGRATION = importlib.import_module("guanxi.sales.migrations.0012_opportunity_search")


def found(rep: Any, query: str) -> list[int]:
    return sorted(o.pk for o in selectors.opportunity_list(user=rep, filters={"q": query}))


@pytest.fixture
def deals(org: Any) -> dict[str, Any]:
    rep = org["east_rep"]
    hengxin = CustomerFactory(owner=rep, name="北京恒信科技有限公司")
    donghai = CustomerFactory(owner=rep, name="上海东海贸易有限公司")
    return {
        "erp": services.opportunity_create(actor=rep, customer=hengxin, data={"name": "王府井门店 ERP 升级"}),
        "crm": services.opportunity_create(actor=rep, customer=donghai, data={"name": "华南区 CRM 项目"}),
        "hengxin": hengxin,
        "donghai": donghai,
        "rep": rep,
    }


def test_deals_are_found_by_short_chinese_terms_pinyin_and_their_customer(deals: dict[str, Any]) -> None:
    rep, erp, crm = deals["rep"], deals["erp"].pk, deals["crm"].pk
    # a surname-like character and a two-character word of the deal's name
    assert found(rep, "王") == [erp]
    assert found(rep, "华南") == [crm]
    # pinyin initials and full pinyin of the deal's name
    assert found(rep, "wfj") == [erp]
    assert found(rep, "huanan") == [crm]
    # the customer's two-character brand and its initials
    assert found(rep, "恒信") == [erp]
    assert found(rep, "shdh") == [crm]
    # one term in the deal's name, the other in its customer's: both must match
    assert found(rep, "erp 恒信") == [erp]
    assert found(rep, "crm 恒信") == []


def test_renames_are_found_at_once(deals: dict[str, Any]) -> None:
    rep = deals["rep"]
    # when the deal is renamed, its new name finds it and its old one no longer does
    services.opportunity_update(actor=rep, opportunity=deals["erp"], data={"name": "西单旗舰店"})
    assert found(rep, "西单") == [deals["erp"].pk]
    assert found(rep, "王府井") == []
    # when the customer is renamed, its deals are found by the customer's new name
    customer_update(actor=rep, customer=deals["donghai"], data={"name": "深圳前海数据有限公司"})
    assert found(rep, "前海") == [deals["crm"].pk]
    assert found(rep, "东海") == []


def test_the_api_and_the_global_search_find_deals(deals: dict[str, Any], api_as: Any) -> None:
    rep = deals["rep"]
    # when the API is asked with q, and the global search with a two-character brand
    listed = api_as(rep).call("get", "/opportunities?q=恒信").json()
    groups = {g["key"]: g for g in global_search(user=rep, query="恒信")}
    # then both find the brand's deal
    assert [i["id"] for i in listed["items"]] == [deals["erp"].pk]
    assert [h["title"] for h in groups["opportunities"]["hits"]] == ["王府井门店 ERP 升级"]


def test_an_over_long_api_query_is_a_field_error(deals: dict[str, Any], api_as: Any) -> None:
    response = api_as(deals["rep"]).call("get", "/opportunities?q=" + "恒" * 101)
    assert response.status_code in (400, 422)
    assert "q" in response.content.decode()


def test_migration_fills_the_search_text_of_existing_deals_and_builds_the_indexes(deals: dict[str, Any]) -> None:
    # given deals written before deals had search text, and their indexes dropped (the migration backwards)
    Opportunity.all_objects.update(search_text="")
    editor = SimpleNamespace(connection=connection)
    if not SQLITE:  # PostgreSQL builds no index on a table with deferred checks pending in this transaction
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    MIGRATION.drop_indexes(apps, editor)
    # when the migration runs forwards
    MIGRATION.fill_search_text(apps, editor)
    MIGRATION.create_indexes(apps, editor)
    # then every deal has its search text and is found through the indexes
    assert Opportunity.all_objects.get(pk=deals["erp"].pk).search_text.startswith("王府井门店erp升级 ")
    assert found(deals["rep"], "王府") == [deals["erp"].pk]
    assert found(deals["rep"], "wfjmd") == [deals["erp"].pk]


# --- property: the same rows as LIKE on either side ------------------------------------------------

NAMES = st.text(alphabet="王李张恒信华南北京科技门店项目ABCabc012３４（）- ", min_size=1, max_size=16).filter(str.strip)


def like_ids(qs: Any, terms: list[str]) -> set[int]:
    from django.db.models import Q

    for term in terms:
        qs = qs.filter(Q(search_text__contains=term) | Q(customer__search_text__contains=term))
    return set(qs.values_list("pk", flat=True))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_deal_search_returns_the_like_rows(org: Any, data: Any) -> None:
    rep = org["east_rep"]
    with transaction.atomic():
        customers = [CustomerFactory(owner=rep, name=n) for n in data.draw(st.lists(NAMES, min_size=1, max_size=3))]
        for name in data.draw(st.lists(NAMES, min_size=1, max_size=5)):
            customer = data.draw(st.sampled_from(customers))
            services.opportunity_create(actor=rep, customer=customer, data={"name": name})
        query = data.draw(st.text(alphabet="王李张恒信华南北京科技门店项目ABCabc012３４（）- ", min_size=1, max_size=8))
        qs = Opportunity.objects.filter(customer__in=customers)
        assert set(apply_search(qs, query).values_list("pk", flat=True)) == like_ids(qs, search_terms(query))
        transaction.set_rollback(True)
    assert not Customer.objects.filter(pk__in=[c.pk for c in customers]).exists()
