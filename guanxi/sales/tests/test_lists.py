"""The lead and opportunity lists on the shared toolkit: the tabs each reader gets, filters, the bulk bar and the
cells through the services (a refused row or write changes nothing), the audited export, the empty states with the
next action, and a number of queries that does not grow with the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.core.models import AuditLog, Notification
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import Lead, Opportunity, Stage
from guanxi.sales.opportunities import services as opportunity_services
from guanxi.sales.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

LEADS = "/sales/leads/"
DEALS = "/sales/opportunities/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def deal(org, owner_key: str = "east_rep", **data) -> Opportunity:
    customer = CustomerFactory(owner=org[owner_key])
    return opportunity_services.opportunity_create(
        actor=org[owner_key], customer=customer, data={"name": "云帆 CRM", "amount": "100000", **data}
    )


def scene_keys(response) -> list[str]:
    return [s.key for s, _count, _exact in response.context["scene_counts"]]


def count_queries(client: Client, url: str) -> int:
    client.get(url)  # warm per-process caches (content types, the rule book)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


# --- leads: tabs, filters, empty states ------------------------------------------------------------------------
def test_routers_start_on_the_screening_queue_and_reps_on_their_own_leads(org):
    LeadFactory(company_name="待筛选公司")
    LeadFactory(company_name="我的线索", owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    router = client_for(org["east_assistant"]).get(LEADS)
    assert router.context["scene"] == "screen" and "待筛选公司" in router.content.decode()
    rep = client_for(org["east_rep"]).get(LEADS)
    assert rep.context["scene"] == "mine" and scene_keys(rep)[:2] == ["mine", "all"]
    html = rep.content.decode()
    assert "我的线索" in html and "待筛选公司" not in html


def test_old_queue_links_open_the_same_tab(org):
    LeadFactory(company_name="有效待分配公司", status=Lead.Status.VALID)
    response = client_for(org["east_assistant"]).get(LEADS + "?queue=unassigned")
    assert response.context["scene"] == "unassigned" and "有效待分配公司" in response.content.decode()


def test_quick_filters_combine_with_the_search(org):
    LeadFactory(company_name="广州甲公司", province="广东省", source=Lead.Source.EXHIBITION, status=Lead.Status.VALID)
    LeadFactory(company_name="杭州乙公司", province="浙江省", source=Lead.Source.PHONE, status=Lead.Status.VALID)
    client = client_for(org["east_manager"])
    html = client.get(LEADS + "?scene=all&source=phone&source=exhibition&q=hzy").content.decode()
    assert "杭州乙公司" in html and "广州甲公司" not in html
    html = client.get(LEADS + "?scene=all&province=广东省").content.decode()
    assert "广州甲公司" in html and "杭州乙公司" not in html


def test_a_rep_with_no_leads_is_told_there_is_nothing_to_do_and_why(org):
    response = client_for(org["east_rep"]).get(LEADS)
    html = response.content.decode()
    assert "No leads here" in html and "Until then there is nothing to do here." in html
    assert reverse("sales:lead_create") not in html  # reps do not enter leads


def test_a_router_with_an_empty_queue_is_offered_a_new_lead(org):
    html = client_for(org["east_assistant"]).get(LEADS).content.decode()
    assert "No leads here" in html and reverse("sales:lead_create") in html


def test_lead_list_queries_do_not_grow_with_rows(org):
    client = client_for(org["east_manager"])
    for _ in range(3):
        LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    few = count_queries(client, LEADS + "?scene=all")
    for _ in range(30):
        LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    assert count_queries(client, LEADS + "?scene=all") == few <= 30


# --- leads: bulk bar and cells -----------------------------------------------------------------------------------
def test_bulk_assign_reports_assigned_and_skipped(org):
    free = [LeadFactory() for _ in range(2)]
    west = LeadFactory(owner=org["west_rep"], status=Lead.Status.ASSIGNED)
    response = client_for(org["east_assistant"]).post(
        reverse("lists:bulk", args=["leads", "assign"]),
        {"ids": [free[0].pk, free[1].pk, west.pk], "assignee": org["east_rep"].pk, "next": LEADS + "?scene=all"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == LEADS + "?scene=all"
    assert "Assigned 2 lead(s)" in messages_of(response) and "skipped 1" in messages_of(response)
    assert Lead.objects.filter(owner=org["east_rep"]).count() == 2
    assert Lead.objects.get(pk=west.pk).owner == org["west_rep"]


def test_a_rep_cannot_use_the_routers_bulk_actions(org):
    free = LeadFactory()
    client = client_for(org["east_rep"])
    for action in ("assign", "rules", "delete"):
        url = reverse("lists:bulk", args=["leads", action])
        assert client.post(url, {"ids": [free.pk], "assignee": org["east_rep"].pk}).status_code == 403
    free.refresh_from_db()
    assert free.owner is None and free.version == 1 and not Notification.objects.exists()


def test_bulk_assign_by_rules_and_delete(org):
    from guanxi.sales.tests.factories import RuleFactory

    RuleFactory(target_user=org["east_rep"])
    waiting = LeadFactory()
    response = client_for(org["east_manager"]).post(
        reverse("lists:bulk", args=["leads", "rules"]), {"ids": [waiting.pk]}, follow=True
    )
    assert "Rules assigned 1 lead(s)" in messages_of(response)
    assert Lead.objects.get(pk=waiting.pk).owner == org["east_rep"]
    response = client_for(org["east_manager"]).post(
        reverse("lists:bulk", args=["leads", "delete"]), {"ids": [waiting.pk]}, follow=True
    )
    assert "Moved 1 to the recycle bin" in messages_of(response) and not Lead.objects.exists()


def test_owner_cell_assigns_and_a_stale_cell_changes_nothing(org):
    lead = LeadFactory(status=Lead.Status.VALID)
    client = client_for(org["east_assistant"])
    url = reverse("lists:inline", args=["leads", lead.pk, "owner"])
    stale = client.post(url, {"value": org["east_rep"].pk, "version": lead.version + 1})
    assert stale.status_code == 412
    assert Lead.objects.get(pk=lead.pk).owner is None
    saved = client.post(url, {"value": org["east_rep"].pk, "version": lead.version})
    assert saved.status_code == 200 and str(org["east_rep"]) in saved.content.decode()
    assert Lead.objects.get(pk=lead.pk).owner == org["east_rep"]


def test_status_cell_starts_the_follow_up(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    client = client_for(org["east_rep"])
    url = reverse("lists:inline", args=["leads", lead.pk, "status"])
    refused = client.post(url, {"value": "lost", "version": lead.version})
    assert refused.status_code == 400 and Lead.objects.get(pk=lead.pk).status == Lead.Status.ASSIGNED
    assert client.post(url, {"value": "following", "version": lead.version}).status_code == 200
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.FOLLOWING


def test_lead_export_is_audited_and_refused_without_the_right(org):
    LeadFactory(company_name="=HYPERLINK(1)", owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    url = reverse("lists:export", args=["leads"]) + "?scene=all&fmt=csv"
    response = client_for(org["east_manager"]).get(url)
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text  # formula-safe
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count() == 1
    assert client_for(org["east_rep"]).get(url).status_code == 403


# --- opportunities --------------------------------------------------------------------------------------------
def test_opportunity_scenes_and_status_filter(org):
    mine = deal(org, name="我的商机")
    theirs = deal(org, "east_rep2", name="同事的商机")
    opportunity_services.opportunity_close(actor=org["east_rep2"], opportunity=theirs, won=True)
    manager = client_for(org["east_manager"])
    response = manager.get(DEALS)
    assert scene_keys(response)[:4] == ["all", "mine", "subordinates", "collaborating"]
    html = manager.get(DEALS + "?scene=subordinates&status=won").content.decode()
    assert "同事的商机" in html and "我的商机" not in html
    rep = client_for(org["east_rep"]).get(DEALS + "?scene=all").content.decode()
    assert "我的商机" in rep and "同事的商机" not in rep
    assert mine.pk != theirs.pk


def test_opportunity_money_range_and_legacy_filters(org):
    deal(org, name="小单", amount="5000")
    deal(org, name="大单", amount="500000")
    client = client_for(org["east_rep"])
    html = client.get(DEALS + "?amount_from=100000").content.decode()
    assert "大单" in html and "小单" not in html
    html = client.get(DEALS + "?amount_max=10000").content.decode()  # the old query string still reads
    assert "小单" in html and "大单" not in html


def test_opportunity_list_links_the_board(org):
    html = client_for(org["east_rep"]).get(DEALS).content.decode()
    assert reverse("sales:opportunity_board") in html


def test_opportunity_list_queries_do_not_grow_with_rows(org):
    client = client_for(org["east_manager"])
    for _ in range(3):
        deal(org)
    few = count_queries(client, DEALS)
    for _ in range(25):
        deal(org, "east_rep2")
    assert count_queries(client, DEALS) == few <= 30


def test_bulk_transfer_of_deals(org):
    east, west = deal(org), deal(org, "west_rep")
    response = client_for(org["east_manager"]).post(
        reverse("lists:bulk", args=["opportunities", "transfer"]),
        {"ids": [east.pk, west.pk], "owner": org["east_rep2"].pk},
        follow=True,
    )
    assert "Updated 1, skipped 1" in messages_of(response)
    assert Opportunity.objects.get(pk=east.pk).owner == org["east_rep2"]
    assert Opportunity.objects.get(pk=west.pk).owner == org["west_rep"]
    refused = client_for(org["east_rep"]).post(
        reverse("lists:bulk", args=["opportunities", "transfer"]), {"ids": [east.pk], "owner": org["east_rep"].pk}
    )
    assert refused.status_code == 403 and Opportunity.objects.get(pk=east.pk).owner == org["east_rep2"]


def test_bulk_stage_edit_follows_the_stage_rules(org):
    ready, closed = deal(org), deal(org)
    opportunity_services.opportunity_close(actor=org["east_rep"], opportunity=closed, won=True)
    second = ready.pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("sort_order", "id")[1]
    response = client_for(org["east_rep"]).post(
        reverse("lists:bulk", args=["opportunities", "edit"]),
        {"ids": [ready.pk, closed.pk], "field": "stage", "value": second.pk},
        follow=True,
    )
    assert "Moved 1" in messages_of(response) and "skipped 1" in messages_of(response)
    assert Opportunity.objects.get(pk=ready.pk).stage == second
    assert Opportunity.objects.get(pk=closed.pk).status == Opportunity.Status.WON


def test_stage_and_date_cells_go_through_the_services(org):
    opp = deal(org)
    second = opp.pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("sort_order", "id")[1]
    client = client_for(org["east_rep"])
    url = reverse("lists:inline", args=["opportunities", opp.pk, "stage"])
    assert client.post(url, {"value": second.pk, "version": opp.version}).status_code == 200
    opp.refresh_from_db()
    assert opp.stage == second and opp.stage_changes.count() == 2
    url = reverse("lists:inline", args=["opportunities", opp.pk, "close"])
    assert client.post(url, {"value": "2027-02-01", "version": opp.version - 1}).status_code == 412
    assert client.post(url, {"value": "2027-02-01", "version": opp.version}).status_code == 200
    assert Opportunity.objects.get(pk=opp.pk).expected_close_date == dt.date(2027, 2, 1)
    # another rep's deal is out of reach: 404, nothing changes
    other = deal(org, "east_rep2")
    url = reverse("lists:inline", args=["opportunities", other.pk, "close"])
    assert client.post(url, {"value": "2027-02-01", "version": other.version}).status_code == 404
    assert Opportunity.objects.get(pk=other.pk).expected_close_date is None


def test_opportunity_export_is_audited(org):
    deal(org, name="出口商机")
    url = reverse("lists:export", args=["opportunities"]) + "?fmt=csv"
    response = client_for(org["east_manager"]).get(url)
    assert response.status_code == 200 and "出口商机" in response.content.decode("utf-8-sig")
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count() == 1
    assert client_for(org["east_rep"]).get(url).status_code == 403
