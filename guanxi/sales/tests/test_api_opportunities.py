"""The read-only opportunities API: scope, stage history, pipelines and the funnel numbers."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.core.search import name_sort_key
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import Opportunity
from guanxi.sales.tests.test_analytics_funnel import (
    at,
    build_hand_example,
    grant_opportunity_permissions,
    make_opportunity,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(org: Any) -> dict[str, Any]:
    grant_opportunity_permissions()
    s = build_hand_example(org["east_rep"])
    s["other"] = make_opportunity(org["east_rep2"], s["pipeline"], [(s["A"], at(3))], 5)
    return s


def test_rep_sees_only_own_opportunities(org: Any, deals: dict[str, Any], api_as: Any) -> None:
    # given east_rep's eleven deals and one of east_rep2
    client = api_as(org["east_rep"])

    # when east_rep lists and opens deals
    listed = client.call("get", "/opportunities?limit=200").json()
    own = Opportunity.objects.filter(owner=org["east_rep"]).first()
    mine = client.call("get", f"/opportunities/{own.pk}")
    theirs = client.call("get", f"/opportunities/{deals['other'].pk}")

    # then only their own appear; another rep's deal is a 404 in the error envelope
    assert listed["count"] == 11
    assert {i["owner"]["id"] for i in listed["items"]} == {org["east_rep"].pk}
    assert mine.status_code == 200
    assert theirs.status_code == 404
    assert theirs.json()["error"]["code"] == "not_found"


def test_manager_sees_team_and_filters(org: Any, deals: dict[str, Any], api_as: Any) -> None:
    # given the department manager
    client = api_as(org["east_manager"])

    # when listing all, only stage B, only won, and by expected date
    everything = client.call("get", "/opportunities?limit=200").json()
    in_b = client.call("get", f"/opportunities?stage={deals['B'].pk}").json()
    won = client.call("get", "/opportunities?status=won").json()
    bad = client.call("get", "/opportunities?status=maybe")

    # then both reps' deals are there; B holds deals 4–6; two are won; a bad status is a 422
    assert everything["count"] == 12
    assert sorted(int(float(i["amount"])) for i in in_b["items"]) == [40000, 50000, 60000]
    assert won["count"] == 2
    assert bad.status_code == 422


def test_detail_has_stage_history(org: Any, deals: dict[str, Any], api_as: Any) -> None:
    # given deal 1 (A → B → C → won)
    opp = Opportunity.objects.get(amount=10000)

    # when fetched
    resp = api_as(org["east_rep"]).call("get", f"/opportunities/{opp.pk}")

    # then the history lists the four entries in order with the seconds spent before each move
    body = resp.json()
    assert resp["ETag"] == f'"{opp.version}"'
    assert [(h["from_stage"] and h["from_stage"]["name"], h["to_stage"]["name"]) for h in body["stage_history"]] == [
        (None, "A"),
        ("A", "B"),
        ("B", "C"),
        ("C", "won"),
    ]
    assert [h["seconds_in_from_stage"] for h in body["stage_history"]] == [None, 172800, 259200, 86400]


def test_funnel_numbers_match_the_hand_computed_ones(org: Any, deals: dict[str, Any], api_as: Any) -> None:
    # given the hand example; when east_rep asks for the March funnel of the test pipeline
    url = f"/opportunities/funnel?period=custom&date_from=2026-03-01&date_to=2026-03-31&pipeline={deals['pipeline'].pk}"
    body = api_as(org["east_rep"]).call("get", url).json()

    # then the entries, conversions and win rate are the hand-computed ones (east_rep2's deal is not in scope)
    assert [(s["stage"]["name"], s["entered"], s["onward"]) for s in body["stages"]] == [
        ("A", 10, 6),
        ("B", 6, 3),
        ("C", 3, 2),
    ]
    assert [round(s["conversion"], 3) for s in body["stages"]] == [0.6, 0.5, 0.667]
    assert (body["won"], body["lost"], round(body["win_rate"], 3)) == (2, 1, 0.667)
    assert float(body["average_deal_size"]) == 15000.0
    assert body["average_cycle_days"] == 6.0
    assert (body["date_from"], body["date_to"]) == ("2026-03-01", "2026-03-31")


def test_funnel_of_an_unknown_department_is_all_zeros(org: Any, deals: dict[str, Any], api_as: Any) -> None:
    # an unknown department matches nothing (opportunity_scope): the funnel answers zeros, not a 500
    url = f"/opportunities/funnel?period=year&department=999999&pipeline={deals['pipeline'].pk}"
    response = api_as(org["admin"]).call("get", url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [s["entered"] for s in body["stages"]] == [0, 0, 0] and (body["won"], body["lost"]) == (0, 0)


def test_funnel_for_manager_includes_team_and_owner_filter(org: Any, deals: dict[str, Any], api_as: Any) -> None:
    # given the manager; when asking for March for everyone and for east_rep2 only
    base = (
        f"/opportunities/funnel?period=custom&date_from=2026-03-01&date_to=2026-03-31&pipeline={deals['pipeline'].pk}"
    )
    client = api_as(org["east_manager"])
    everyone = client.call("get", base).json()
    rep2 = client.call("get", base + f"&owner={org['east_rep2'].pk}").json()

    # then east_rep2's deal adds one entry to A; alone it is the only entry
    assert everyone["stages"][0]["entered"] == 11
    assert [s["entered"] for s in rep2["stages"]] == [1, 0, 0]


def test_funnel_bad_input_is_not_a_500(org: Any, deals: dict[str, Any], api_as: Any) -> None:
    # given bad periods and ids; when asked; then each is a 4xx in the envelope
    client = api_as(org["east_rep"])
    assert (
        client.call("get", "/opportunities/funnel?period=custom&date_from=2026-03-05&date_to=2026-03-01").status_code
        == 400
    )
    assert client.call("get", "/opportunities/funnel?period=custom").status_code == 400
    assert client.call("get", "/opportunities/funnel?period=week").status_code == 422
    assert client.call("get", "/opportunities/funnel?pipeline=999999").status_code == 404
    assert client.call("get", "/opportunities/funnel?date_from=2026-13-01").status_code == 422


def test_no_permission_is_403(org: Any, deals: dict[str, Any], api_as: Any) -> None:
    # given a user without any role; when reading; then 403 everywhere
    client = api_as(org["nobody"])
    for url in ["/opportunities", "/opportunities/funnel", "/pipelines", f"/opportunities/{deals['other'].pk}"]:
        assert client.call("get", url).status_code == 403


def test_pipelines_list_stages_in_order(org: Any, deals: dict[str, Any], api_as: Any) -> None:
    # given the test pipeline; when listed
    body = api_as(org["east_rep"]).call("get", "/pipelines").json()

    # then the test pipeline's stages come in order with their kinds
    test = next(p for p in body if p["id"] == deals["pipeline"].pk)
    assert [(s["name"], s["kind"]) for s in test["stages"]] == [
        ("A", "open"),
        ("B", "open"),
        ("C", "open"),
        ("won", "won"),
        ("lost", "lost"),
    ]


def test_the_list_sorts_by_name_amount_or_stage_as_asked(org: Any, deals: dict[str, Any], api_as: Any) -> None:
    client = api_as(org["east_manager"])
    # when the deals are listed by name, both ways, and by amount descending
    by_name = [i["name"] for i in client.call("get", "/opportunities?sort=name&limit=200").json()["items"]]
    by_name_desc = [i["name"] for i in client.call("get", "/opportunities?sort=-name&limit=200").json()["items"]]
    by_amount = [
        float(i["amount"]) for i in client.call("get", "/opportunities?sort=-amount&limit=200").json()["items"]
    ]
    # then each comes in that order; an unknown sort is a 422 naming the field, and the schema lists the keys
    assert by_name == sorted(by_name, key=name_sort_key) and by_name_desc == by_name[::-1] and len(by_name) == 12
    assert by_amount == sorted(by_amount, reverse=True)
    bad = client.call("get", "/opportunities?sort=owner")
    assert bad.status_code == 422 and "sort" in bad.content.decode()
    schema = client.call("get", "/openapi.json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/v1/opportunities"]["get"]["parameters"]}
    assert "-name" in str(params["sort"]["schema"]) and "stage" in params


def test_deal_names_sort_in_pinyin_order_on_the_list_and_in_the_api(org: Any, api_as: Any) -> None:
    from django.test import Client

    from guanxi.sales.opportunities.services import opportunity_create, opportunity_update

    rep = org["east_rep"]
    grant_opportunity_permissions()
    customer = CustomerFactory(owner=rep)
    for name in ["重庆二期", "Alpha 改造", "北京扩容", "张家口项目"]:
        opportunity_create(actor=rep, customer=customer, data={"name": name, "amount": "1"})
    renamed = Opportunity.objects.get(name="张家口项目")
    opportunity_update(actor=rep, opportunity=renamed, data={"name": "安防升级"})
    expected = ["Alpha 改造", "安防升级", "北京扩容", "重庆二期"]  # alpha, an fang, bei jing, chong qing
    items = api_as(rep).call("get", "/opportunities?sort=name").json()["items"]
    assert [i["name"] for i in items] == expected
    web = Client()
    web.force_login(rep)
    html = web.get("/sales/opportunities/?sort=name").content.decode()
    assert [html.index(n) for n in expected] == sorted(html.index(n) for n in expected)


def test_the_list_reads_a_constant_number_of_queries_and_shows_what_the_deal_page_shows(
    org: Any, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    # given deals of two reps in two departments (the list reads only the columns its items show: core.schema_columns)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guanxi.sales.opportunities import services

    client = api_as(org["admin"])

    def add(n: int) -> None:
        for i in range(n):
            rep = (org["east_rep"], org["west_rep"])[i % 2]
            services.opportunity_create(actor=rep, customer=CustomerFactory(owner=rep), data={"name": f"项目{i}"})

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.call("get", "/opportunities?limit=50").status_code == 200
        return len(ctx)

    client.call("get", "/opportunities?limit=50")  # warm up: the token's last-used time is written once a minute
    add(2)
    few = queries()
    add(20)
    # then more deals cost no more queries
    assert queries() == few
    with django_assert_max_num_queries(8):
        items = client.call("get", "/opportunities?limit=50").json()["items"]
    assert len(items) == 22
    # and each item shows what the deal's own endpoint shows for the same fields
    for item in items[:4]:
        detail = client.call("get", f"/opportunities/{item['id']}").json()
        assert item == {key: detail[key] for key in item}
        assert item["owner"]["name"] and item["customer"]["name"] and item["stage"]["name"]
