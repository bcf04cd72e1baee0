"""Real-estate reports on a worked example: sales by building, layout and month with the average price per m²,
conversion, collections and arrears, the agents' ranking and the visitor funnel — within the reader's projects — and
the sales office's API (a visit, a return, the visitors list, a follow-up)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from guanxi.customers.services.customers import customer_create
from guanxi.realestate import reports, services, services_visits
from guanxi.realestate.models import (
    Deposit,
    PaymentDue,
    PaymentScheme,
    ProjectMember,
    SaleContract,
    Subscription,
    Trade,
    Unit,
)

pytestmark = pytest.mark.django_db
D = Decimal
DAY = dt.date(2026, 11, 10)


def _trade(project, unit, buyer, agent, *, stage, n, price, deposit_on=None, sub_on=None, signed_on=None):
    """A trade as the chain leaves it (the chain's own services are tested in test_trades.py)."""
    scheme = PaymentScheme.objects.filter(project=project).first()
    trade = Trade.objects.create(number=f"T{n}", project=project, unit=unit, customer=buyer, agent=agent,
                                 stage=stage, agreed_price=price, scheme=scheme)  # fmt: skip
    if deposit_on:
        status = Deposit.Status.CONVERTED if sub_on else Deposit.Status.ACTIVE
        Deposit.objects.create(trade=trade, number=f"D{n}", amount=D("20000"), paid_on=deposit_on,
                               expires_on=deposit_on + dt.timedelta(days=7), status=status)  # fmt: skip
    if sub_on:
        status = Subscription.Status.CONVERTED if signed_on else Subscription.Status.ACTIVE
        Subscription.objects.create(
            trade=trade, number=f"S{n}", scheme=scheme, list_price=price, agreed_price=price,
            deposit_amount=D("50000"), subscribed_on=sub_on, sign_by=sub_on, status=status,
        )  # fmt: skip
    if signed_on:
        SaleContract.objects.create(
            trade=trade, number=f"C{n}", scheme=scheme, contract_price=price, signed_on=signed_on
        )
    return trade


@pytest.fixture
def sold(org, project):
    admin, rep, rep2 = org["admin"], org["east_rep"], org["east_rep2"]
    services.scheme_add(
        actor=admin, project=project, data={"name": "一次性", "kind": "full", "discount_percent": "100"}
    )
    units = list(Unit.objects.filter(building__project=project).order_by("floor", "number"))
    buyers = []
    for i, phone in enumerate(("13800000001", "13800000002", "13800000003")):
        visit = services_visits.visit_register(actor=admin, project=project, data={
            "phone": phone, "name": f"买家{i}", "agent": rep.pk if i < 2 else rep2.pk,
            "visited_at": dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)})  # fmt: skip
        buyers.append(visit.visitor.customer)
    services_visits.visit_register(actor=admin, project=project, data={"phone": "13800000001"})  # a return
    # units[0]: 100 m², units[1]: 118.50 m² (the fixture's second position)
    _trade(project, units[0], buyers[0], rep, stage="signed", n=1, price=D("3000000"),
           deposit_on=DAY, sub_on=DAY, signed_on=DAY)  # fmt: skip
    _trade(project, units[1], buyers[1], rep, stage="signed", n=2, price=D("3555000"),
           deposit_on=DAY, sub_on=DAY, signed_on=dt.date(2026, 12, 1))  # fmt: skip
    t3 = _trade(project, units[2], buyers[2], rep2, stage="deposit", n=3, price=None, deposit_on=DAY)
    t1 = Trade.objects.get(number="T1")
    PaymentDue.objects.create(trade=t1, position=1, kind="down_payment", due_on=DAY, amount=D("900000"),
                              received=D("900000"))  # fmt: skip
    PaymentDue.objects.create(trade=t1, position=2, kind="instalment", due_on=dt.date(2026, 11, 20),
                              amount=D("2100000"), received=D("100000"))  # fmt: skip
    return {"units": units, "t3": t3}


def test_sales_by_building_layout_and_month_with_the_average_price(org, project, sold):
    f = reports.ReportFilter(project=project.pk)
    [row] = reports.sales_by(user=org["admin"], f=f, by="building")
    assert (row["units"], row["area"], row["amount"]) == (2, D("218.50"), D("6555000.00"))
    assert str(row["area"]) == "218.50"  # shown as held, not as SQLite's float sum (218.500000000000)
    assert row["average"] == D("30000.00")  # 6,555,000 / 218.50
    months = reports.sales_by(user=org["admin"], f=f, by="month")
    assert [(m["label"], m["units"]) for m in months] == [("2026-11", 1), ("2026-12", 1)]
    november = reports.ReportFilter(project=project.pk, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    assert reports.sales_total(reports.sales_by(user=org["admin"], f=november, by="layout"))["amount"] == D("3000000")


def test_conversion_collections_ranking_and_funnel(org, project, sold):
    admin = org["admin"]
    f = reports.ReportFilter(project=project.pk)
    conv = reports.conversion(user=admin, f=f)
    assert (conv["deposits"], conv["deposits_converted"], conv["deposit_rate"]) == (3, 2, D("66.7"))
    assert (conv["subscriptions"], conv["subscriptions_converted"], conv["subscription_rate"]) == (2, 2, D("100.0"))
    [coll] = reports.collections(user=admin, f=reports.ReportFilter(project=project.pk, end=dt.date(2026, 11, 30)))
    assert coll["scheduled"] == D("3000000") and coll["received"] == D("1000000")
    assert coll["arrears"] == D("2000000") and coll["overdue_trades"] == 1
    ranking = reports.agent_ranking(user=admin, f=f)
    assert [(r["agent_id"], r["visitors"], r["contracts"], r["amount"]) for r in ranking] == [
        (org["east_rep"].pk, 2, 2, D("6555000")), (org["east_rep2"].pk, 1, 0, D("0"))]  # fmt: skip
    steps = {s["step"]: s["count"] for s in reports.funnel(user=admin, f=f)}
    assert steps == {"visit": 3, "return": 1, "deposit": 3, "subscription": 2, "contract": 2}
    assert {t.number for t in reports.trades(user=admin, f=f, reached="contract")} == {"T1", "T2"}
    late = reports.trades(user=admin, f=reports.ReportFilter(end=dt.date(2026, 11, 30)), overdue=True)
    assert [t.number for t in late] == ["T1"]


def test_reports_keep_to_the_readers_projects(org, project, sold, client):
    other = services.project_create(actor=org["admin"], data={"name": "翠湖天地"})
    ProjectMember.objects.filter(project=project, user=org["east_manager"]).delete()
    ProjectMember.objects.create(project=other, user=org["east_manager"])
    manager = org["east_manager"]
    assert reports.sales_by(user=manager, f=reports.ReportFilter(), by="project") == []
    assert reports.sales_by(user=manager, f=reports.ReportFilter(project=project.pk), by="project") == []
    client.force_login(manager)
    assert client.get("/api/v1/realestate/reports/sales?by=building").json() == []
    assert client.get(f"/realestate/reports/trades/?project={project.pk}&reached=contract").context["count"] == 0
    client.force_login(org["admin"])
    page = client.get(f"/realestate/reports/?project={project.pk}")
    assert page.status_code == 200 and "30,000.00" in page.content.decode()
    drill = client.get(f"/realestate/reports/trades/?project={project.pk}&reached=contract").content.decode()
    assert "T1" in drill and "T2" in drill and "T3" not in drill


def test_the_office_api_registers_a_visit_and_a_return(org, project, client):
    ProjectMember.objects.filter(project=project, user=org["east_rep"]).update(rotation_order=1)
    client.force_login(org["east_rep"])
    url = f"/api/v1/realestate/projects/{project.pk}/visits"
    first = client.post(url, json.dumps({"phone": "13912345678", "name": "钱女士", "source": "online",
                                         "answers": {}}), content_type="application/json")  # fmt: skip
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["is_return"] is False and body["agent_id"] == org["east_rep"].pk and body["visitor"]["grade"] == "C"
    again = client.post(url, json.dumps({"phone": "+86 139 1234 5678"}), content_type="application/json")
    assert again.json()["is_return"] is True and again.json()["visitor"]["visit_count"] == 2
    bad = client.post(url, json.dumps({"phone": "139", "name": "x"}), content_type="application/json")
    assert bad.status_code == 422 or bad.status_code == 400
    assert "phone" in json.dumps(bad.json())
    listed = client.get("/api/v1/realestate/visitors?phone=13912345678").json()
    assert listed["count"] == 1
    vid = listed["items"][0]["id"]
    fu = client.post(f"/api/v1/realestate/visitors/{vid}/follow-ups", json.dumps({"content": "微信发了户型图"}),
                     content_type="application/json")  # fmt: skip
    assert fu.status_code == 201
    client.force_login(org["west_rep"])  # not a member of the project any more
    ProjectMember.objects.filter(project=project, user=org["west_rep"]).delete()
    assert client.get(f"/api/v1/realestate/visitors/{vid}").status_code == 404
    assert client.post(url, json.dumps({"phone": "13700000000", "name": "x"}),
                       content_type="application/json").status_code == 404  # fmt: skip


def test_pages_of_the_sales_office(org, project, client):
    admin = org["admin"]
    customer_create(actor=admin, data={"kind": "individual", "name": "孙先生", "phone": "13366667777"})
    client.force_login(org["east_rep"])
    page = client.get(f"/realestate/visits/new/?project={project.pk}")
    assert page.status_code == 200
    r = client.post("/realestate/visits/new/", {"project": project.pk, "phone": "133 6666 7777", "party_size": "2"})
    assert r.status_code == 302
    detail = client.get(r["Location"])
    assert "孙先生" in detail.content.decode()
    bad = client.post("/realestate/visits/new/", {"project": project.pk, "phone": "1", "name": "x"})
    assert bad.status_code == 400
    assert client.get("/realestate/visitors/").status_code == 200
    client.force_login(admin)
    office = client.get(f"/realestate/projects/{project.pk}/office/")
    assert office.status_code == 200
    r = client.post(
        f"/realestate/projects/{project.pk}/office/rule/",
        {"name": "复访", "grade": "B", "priority": "5", "conditions": "visits >= 2\nsource in walk_in, referral"},
    )
    assert r.status_code == 302
    from guanxi.realestate.models import GradeRule

    rule = GradeRule.objects.get()
    assert rule.conditions == [{"fact": "visits", "op": "gte", "value": "2"},
                               {"fact": "source", "op": "in", "value": ["walk_in", "referral"]}]  # fmt: skip


def test_the_real_estate_figures_equal_the_trades_behind_them(org, project, sold, client):
    # given November's sales (two subscriptions and one contract of east_rep signed in November, one in December)
    from guanxi.core.registry import registry

    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    rep = org["east_rep"]
    for person in (org["admin"], org["east_manager"], rep):
        ProjectMember.objects.get_or_create(project=project, user=person)
        client.force_login(person)
        for key, count in (("re_contracts_signed", 1), ("re_subscriptions", 2)):
            metric = registry.metrics[key]
            # then each figure, all of it and the agent's, is the count of the trades its link lists, for each reader
            total = metric.compute(user=person, date_from=start, date_to=end, group_by="total")
            by_agent = metric.compute(user=person, date_from=start, date_to=end, group_by="owner")
            assert total == {None: count} and by_agent == {rep.pk: count}, (person, key)
            for owner in (None, rep.pk):
                url = metric.records(date_from=start, date_to=end, owner=owner)
                assert client.get(url).context["count"] == count, (person, key, url)
        amount = registry.metrics["re_contract_amount"].compute(user=person, date_from=start, date_to=end,
                                                                group_by="total")  # fmt: skip
        assert amount == {None: D("3000000")}
    # a team's figure lists the trades of several agents (the drill-down repeats agent=)
    team = [rep.pk, org["east_rep2"].pk]
    url = registry.metrics["re_subscriptions"].records(date_from=start, date_to=end, owner=team)
    client.force_login(org["admin"])
    assert client.get(url).context["count"] == 2
