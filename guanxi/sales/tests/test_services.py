"""Lead services: entry, who sees owner-less leads, screening, manual assignment, follow-up, loss,
conversion (all or nothing) and hand-over."""

from __future__ import annotations

from decimal import Decimal

import pytest

from guanxi.core.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from guanxi.core.models import AuditLog, Notification
from guanxi.customers.models import Contact, Customer
from guanxi.org.services import user_deactivate
from guanxi.org.tests.factories import UserFactory
from guanxi.sales.leads import selectors
from guanxi.sales.leads import services as lead_services
from guanxi.sales.models import Lead, Opportunity
from guanxi.sales.opportunities import services as opportunity_services
from guanxi.sales.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def snapshot(lead: Lead) -> tuple:
    fresh = Lead.all_objects.get(pk=lead.pk)
    return (fresh.status, fresh.owner_id, fresh.version, fresh.converted_customer_id, fresh.lost_reason)


def lead_audit_count(lead: Lead) -> int:
    return AuditLog.objects.filter(object_id=str(lead.pk), content_type__model="lead").count()


# --- entry -----------------------------------------------------------------------------------
def test_create_lead_normalises_builds_search_text_and_audits(org):
    lead = lead_services.lead_create(
        actor=org["east_assistant"],
        data={"company_name": "  北京 华信科技 ", "person_name": "王伟", "mobile": "138-1234-5678", "email": "W@X.CN"},
    )
    assert lead.company_name == "北京 华信科技" and lead.email == "w@x.cn"
    assert lead.status == Lead.Status.NEW and lead.owner is None and lead.created_by == org["east_assistant"]
    assert "bjhxkj" in lead.search_text and "13812345678" in lead.search_text
    assert AuditLog.objects.filter(action="create", object_id=str(lead.pk)).exists()


def test_a_lead_needs_a_name_and_a_way_to_reach_them(org):
    with pytest.raises(ValidationFailed) as exc:
        lead_services.lead_create(actor=org["east_assistant"], data={"need": "想了解产品"})
    assert {"company_name", "person_name", "mobile"} <= exc.value.fields.keys()
    with pytest.raises(ValidationFailed) as exc:
        lead_services.lead_create(actor=org["east_assistant"], data={"person_name": "张三", "email": "not-an-email"})
    assert "email" in exc.value.fields
    assert not Lead.objects.exists()


def test_a_rep_may_not_enter_leads_and_nothing_is_written(org):
    before = AuditLog.objects.count()
    with pytest.raises(PermissionDeniedError):
        lead_services.lead_create(actor=org["east_rep"], data={"person_name": "张三", "mobile": "13800000000"})
    assert not Lead.objects.exists() and AuditLog.objects.count() == before


def test_creating_with_an_owner_assigns_and_notifies_at_once(org):
    lead = lead_services.lead_create(
        actor=org["east_assistant"], data={"person_name": "张三", "mobile": "13800000000"}, owner=org["east_rep"]
    )
    assert lead.status == Lead.Status.ASSIGNED and lead.owner == org["east_rep"]
    assert Notification.objects.filter(recipient=org["east_rep"], kind="lead_assigned").count() == 1


# --- who sees owner-less leads ---------------------------------------------------------------
def test_owner_less_leads_are_seen_by_routers_not_by_reps_or_agents(org):
    queue = LeadFactory()
    mine = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    theirs = LeadFactory(owner=org["west_rep"], status=Lead.Status.ASSIGNED)

    def visible(user: str) -> set[int]:
        return set(selectors.lead_scope(org[user]).values_list("pk", flat=True))

    assert visible("east_assistant") == {queue.pk, mine.pk}  # department scope + the owner-less queue
    assert visible("east_manager") == {queue.pk, mine.pk}
    assert visible("east_rep") == {mine.pk}
    assert visible("agent_rep") == set()  # partner users stay inside their own organisation
    assert visible("admin") == {queue.pk, mine.pk, theirs.pk}
    with pytest.raises(PermissionDeniedError):
        visible("nobody")


def test_whoever_entered_an_owner_less_lead_keeps_seeing_it(org):
    # given a role that may view and enter leads (own scope) but not assign them
    from guanxi.org.models import DataScope, Role

    role = Role.objects.create(
        code="front_desk", name="Front desk", permissions=["leads.view", "leads.create"], data_scope=DataScope.SELF
    )
    clerk = UserFactory(username="front", department=org.hq)
    clerk.roles.set([role])
    # when the clerk enters a lead while another one waits in the queue
    other = LeadFactory()
    lead = lead_services.lead_create(actor=clerk, data={"person_name": "来电客户", "phone": "021-5555 0000"})
    # then the clerk sees the own entry, not the other owner-less lead
    assert list(selectors.lead_scope(clerk).values_list("pk", flat=True)) == [lead.pk]
    assert other.pk != lead.pk


def test_a_service_agent_enters_leads_for_the_queue_without_seeing_leads(org):
    agent = UserFactory(username="cs", department=org.hq, roles=["service_agent"])
    lead = lead_services.lead_create(actor=agent, data={"person_name": "来电客户", "phone": "021-5555 0000"})
    assert lead.status == Lead.Status.NEW and lead.created_by == agent
    with pytest.raises(PermissionDeniedError):
        selectors.lead_scope(agent)
    assert lead.pk in set(selectors.lead_scope(org["east_assistant"]).values_list("pk", flat=True))


# --- screening -------------------------------------------------------------------------------
def test_screening_marks_valid_or_invalid_with_reason(org):
    ok, bad = LeadFactory(), LeadFactory()
    lead_services.lead_screen(actor=org["east_assistant"], lead=ok, valid=True)
    lead_services.lead_screen(actor=org["east_assistant"], lead=bad, valid=False, reason="空号")
    ok.refresh_from_db()
    bad.refresh_from_db()
    assert ok.status == Lead.Status.VALID and ok.screened_by == org["east_assistant"] and ok.screened_at
    assert bad.status == Lead.Status.INVALID and bad.invalid_reason == "空号"
    assert AuditLog.objects.filter(object_id=str(bad.pk), message__contains="空号").exists()


def test_invalid_needs_a_reason_and_a_rep_cannot_screen(org):
    lead = LeadFactory()
    before = (snapshot(lead), lead_audit_count(lead))
    with pytest.raises(ValidationFailed) as exc:
        lead_services.lead_screen(actor=org["east_assistant"], lead=lead, valid=False, reason="  ")
    assert "reason" in exc.value.fields
    with pytest.raises(PermissionDeniedError):
        lead_services.lead_screen(actor=org["east_rep"], lead=lead, valid=True)
    assert (snapshot(lead), lead_audit_count(lead)) == before


def test_an_assigned_lead_is_not_screened_again(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    with pytest.raises(InvalidStateError):
        lead_services.lead_screen(actor=org["east_manager"], lead=lead, valid=False, reason="x")


# --- manual assignment -----------------------------------------------------------------------
def test_bulk_assign_takes_what_the_actor_may_assign_and_skips_the_rest(org):
    # given leads: owner-less, owned inside the east department, owned in the west, converted, invalid
    free = LeadFactory()
    east = LeadFactory(owner=org["east_rep2"], status=Lead.Status.FOLLOWING)
    west = LeadFactory(owner=org["west_rep"], status=Lead.Status.ASSIGNED)
    done = LeadFactory(owner=org["east_rep2"], status=Lead.Status.CONVERTED)
    junk = LeadFactory(status=Lead.Status.INVALID, invalid_reason="重复")
    west_before = snapshot(west)
    # when the east assistant (department scope) hands them all to east_rep
    assigned, skipped = lead_services.lead_assign(
        actor=org["east_assistant"],
        lead_ids=[free.pk, east.pk, west.pk, done.pk, junk.pk, 999_999],
        assignee=org["east_rep"],
    )
    # then only the first two move; the rest are skipped and unchanged
    assert assigned == [free.pk, east.pk]
    assert skipped == [west.pk, done.pk, junk.pk, 999_999]
    assert snapshot(west) == west_before
    assert Lead.objects.get(pk=done.pk).status == Lead.Status.CONVERTED
    for pk in assigned:
        lead = Lead.objects.get(pk=pk)
        assert lead.owner == org["east_rep"] and lead.status == Lead.Status.ASSIGNED
        assert lead.assigned_by == org["east_assistant"] and lead.assigned_at
    # and the assignee is told once, about both
    note = Notification.objects.get(recipient=org["east_rep"], kind="lead_assigned")
    assert "2" in note.title
    assert AuditLog.objects.filter(action=AuditLog.Action.TRANSFER, object_id=str(free.pk)).count() == 1


def test_single_assignment_notification_links_the_lead(org):
    lead = LeadFactory(company_name="单个线索公司")
    lead_services.lead_assign(actor=org["east_assistant"], lead_ids=[lead.pk], assignee=org["east_rep"])
    note = Notification.objects.get(recipient=org["east_rep"])
    assert "单个线索公司" in note.title and note.url == f"/sales/leads/{lead.pk}/"


def test_leads_only_go_to_people_in_reach_who_may_view_leads(org):
    lead = LeadFactory()
    before = snapshot(lead)
    with pytest.raises(ValidationFailed) as exc:
        lead_services.lead_assign(actor=org["east_assistant"], lead_ids=[lead.pk], assignee=org["west_rep"])
    assert "assignee" in exc.value.fields
    with pytest.raises(ValidationFailed):
        lead_services.lead_assign(actor=org["east_assistant"], lead_ids=[lead.pk], assignee=org["nobody"])
    assert snapshot(lead) == before and not Notification.objects.exists()


def test_a_rep_cannot_assign_and_nothing_changes(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    before = (snapshot(lead), lead_audit_count(lead))
    with pytest.raises(PermissionDeniedError):
        lead_services.lead_assign(actor=org["east_rep"], lead_ids=[lead.pk], assignee=org["east_rep2"])
    assert (snapshot(lead), lead_audit_count(lead)) == before
    assert not Notification.objects.exists()


def test_bad_ids_are_a_validation_error(org):
    with pytest.raises(ValidationFailed):
        lead_services.lead_assign(actor=org["east_assistant"], lead_ids=["1; drop"], assignee=org["east_rep"])
    with pytest.raises(ValidationFailed):
        lead_services.lead_assign(actor=org["east_assistant"], lead_ids=[2**70], assignee=org["east_rep"])


# --- working the lead ------------------------------------------------------------------------
def test_owner_follows_up_then_loses_with_a_reason(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    lead_services.lead_mark_following(actor=org["east_rep"], lead=lead)
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.FOLLOWING
    with pytest.raises(ValidationFailed):
        lead_services.lead_lose(actor=org["east_rep"], lead=lead, reason="")
    lead_services.lead_lose(actor=org["east_rep"], lead=lead, reason="预算不足")
    lead.refresh_from_db()
    assert lead.status == Lead.Status.LOST and lead.lost_reason == "预算不足"
    with pytest.raises(InvalidStateError):
        lead_services.lead_mark_following(actor=org["east_rep"], lead=lead)


def test_another_rep_cannot_touch_my_lead(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    before = snapshot(lead)
    with pytest.raises(NotFoundError):
        lead_services.lead_lose(actor=org["east_rep2"], lead=lead, reason="抢单")
    with pytest.raises(NotFoundError):
        lead_services.lead_update(actor=org["east_rep2"], lead=lead, data={"company_name": "改"})
    assert snapshot(lead) == before


def test_update_corrects_facts_and_refreshes_search(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED, company_name="旧名")
    lead = lead_services.lead_update(
        actor=org["east_rep"], lead=lead, data={"company_name": "上海新名", "wechat": "wx1"}
    )
    assert lead.version == 2 and "shxm" in Lead.objects.get(pk=lead.pk).search_text
    with pytest.raises(ValidationFailed):
        lead_services.lead_update(actor=org["east_rep"], lead=lead, data={"status": "converted"})


# --- conversion ------------------------------------------------------------------------------
def test_conversion_creates_customer_contact_opportunity_and_links_them(org):
    # given a rep's lead with company and person
    lead = LeadFactory(
        owner=org["east_rep"],
        status=Lead.Status.FOLLOWING,
        company_name="杭州云帆科技有限公司",
        person_name="李娜",
        title="采购经理",
        mobile="13912345678",
        email="lina@yunfan.cn",
        province="浙江省",
        city="杭州",
        industry="I",
        source=Lead.Source.EXHIBITION,
        need="需要CRM",
    )
    LeadFactory(owner=org["east_rep"], status=Lead.Status.FOLLOWING)  # unrelated
    history_before = lead_audit_count(lead)
    # when the rep converts it with an opportunity
    result = lead_services.lead_convert(
        actor=org["east_rep"],
        lead=lead,
        create_opportunity=True,
        opportunity={"name": "云帆 CRM 项目", "amount": "128000.50"},
    )
    # then a customer owned by the rep, carrying the lead's facts
    customer = Customer.objects.get(pk=result.customer.pk)
    assert customer.name == "杭州云帆科技有限公司" and customer.owner == org["east_rep"]
    assert (customer.province, customer.industry, customer.source) == ("浙江省", "I", "exhibition")
    # a primary contact from the person fields
    contact = Contact.objects.get(customer=customer)
    assert (contact.name, contact.title, contact.mobile, contact.is_primary) == (
        "李娜",
        "采购经理",
        "13912345678",
        True,
    )
    # an opportunity in CNY linked to all three
    opp = Opportunity.objects.get()
    assert (
        opp.amount == Decimal("128000.50")
        and opp.currency == "CNY"
        and opp.stage == opportunity_services.first_open_stage(opportunity_services.default_pipeline())
    )
    assert (opp.customer, opp.contact, opp.source_lead_id, opp.owner) == (customer, contact, lead.pk, org["east_rep"])
    # and the lead is converted, linked, its history kept and extended
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED and lead.converted_by == org["east_rep"]
    assert (lead.converted_customer, lead.converted_contact, lead.converted_opportunity) == (customer, contact, opp)
    assert lead_audit_count(lead) == history_before + 1
    # the customer's own trail says where it came from
    assert AuditLog.objects.filter(customer_id=customer.pk, changes__lead=[None, lead.pk]).exists()


def test_conversion_without_person_or_opportunity(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED, person_name="", company_name="无人公司")
    result = lead_services.lead_convert(actor=org["east_rep"], lead=lead)
    assert result.contact is None and result.opportunity is None
    assert not Opportunity.objects.exists()
    assert Lead.objects.get(pk=lead.pk).converted_customer == result.customer


def test_a_person_only_lead_becomes_an_individual_customer(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED, company_name="", person_name="赵六")
    result = lead_services.lead_convert(actor=org["east_rep"], lead=lead)
    assert result.customer.kind == Customer.Kind.INDIVIDUAL and result.customer.name == "赵六"


def test_a_duplicate_refused_by_customer_create_leaves_no_trace(org, monkeypatch):
    # given customer_create writes the customer and then its duplicate check refuses (as it will
    # when the "first registrant wins" rule finds an existing customer)
    from guanxi.customers import services as customer_services

    real_create = customer_services.customer_create

    def create_then_refuse(**kwargs):
        real_create(**kwargs)
        raise ConflictError("已有客户", fields={"name": ["该客户已由他人登记"]})

    monkeypatch.setattr(customer_services, "customer_create", create_then_refuse)
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.FOLLOWING)
    before = (snapshot(lead), lead_audit_count(lead), AuditLog.objects.count())
    # when the rep converts the lead
    with pytest.raises(ConflictError) as exc:
        lead_services.lead_convert(actor=org["east_rep"], lead=lead, create_opportunity=True)
    # then the error names the field, and nothing at all was written
    assert exc.value.fields == {"name": ["该客户已由他人登记"]}
    assert (snapshot(lead), lead_audit_count(lead), AuditLog.objects.count()) == before
    assert not Customer.objects.exists() and not Contact.objects.exists() and not Opportunity.objects.exists()


def test_a_customer_validation_error_comes_back_on_the_field_and_nothing_changes(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.FOLLOWING)
    before = snapshot(lead)
    with pytest.raises(ValidationFailed) as exc:
        lead_services.lead_convert(actor=org["east_rep"], lead=lead, customer={"credit_code": "91350100M000100Y44"})
    assert "credit_code" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        lead_services.lead_convert(
            actor=org["east_rep"], lead=lead, create_opportunity=True, opportunity={"amount": "-5"}
        )
    assert "amount" in exc.value.fields
    assert snapshot(lead) == before and not Customer.objects.exists()


def test_only_open_leads_convert_and_a_converted_lead_is_frozen(org):
    new = LeadFactory()
    with pytest.raises(InvalidStateError):
        lead_services.lead_convert(actor=org["east_assistant"], lead=new)
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    lead_services.lead_convert(actor=org["east_rep"], lead=lead)
    with pytest.raises(InvalidStateError):
        lead_services.lead_convert(actor=org["east_rep"], lead=lead)
    with pytest.raises(InvalidStateError):
        lead_services.lead_update(actor=org["east_rep"], lead=lead, data={"need": "改"})
    assert Customer.objects.count() == 1


def test_a_manager_converting_a_reps_lead_gives_the_customer_to_the_rep(org):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.FOLLOWING)
    result = lead_services.lead_convert(actor=org["east_manager"], lead=lead)
    assert result.customer.owner == org["east_rep"]


# --- hand-over -------------------------------------------------------------------------------
def test_a_leavers_open_leads_go_to_the_successor(org):
    open_lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.FOLLOWING)
    closed = LeadFactory(owner=org["east_rep"], status=Lead.Status.LOST, lost_reason="无")
    handed = user_deactivate(actor=org["admin"], user=org["east_rep"], successor=org["east_rep2"])
    assert handed.get("leads") == 1
    assert Lead.objects.get(pk=open_lead.pk).owner == org["east_rep2"]
    assert Lead.objects.get(pk=closed.pk).owner == org["east_rep"]
