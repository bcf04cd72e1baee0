"""Custom fields on leads and opportunities: the forms take them (errors under the field, nothing written), the
record pages show them, an opportunity's field may be required from a stage on (a move there is refused naming
it until filled)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.core.custom_fields import services as field_services
from guanxi.core.errors import ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.leads import services as lead_services
from guanxi.sales.models import Lead, Opportunity, Stage
from guanxi.sales.opportunities import services as opportunity_services

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _field(admin: Any, target: str, code: str, type_: str, **extra: Any) -> Any:
    data = {"target": target, "code": code, "type": type_, "label_zh": code, "label_en": code.title(), **extra}
    return field_services.custom_field_create(actor=admin, data=data)


def test_the_lead_form_and_page_carry_custom_fields(org: Any):
    admin, rep = org["admin"], org["east_manager"]  # a manager enters and routes leads
    _field(admin, "sales.lead", "campaign_code", "text", required=True)
    client = _client(rep)
    assert 'name="custom.campaign_code"' in client.get("/sales/leads/new/").content.decode()
    base = {"company_name": "线索自定义公司", "mobile": "13800138000", "source": "phone"}
    r = client.post("/sales/leads/new/", base)
    assert r.status_code == 400 and not Lead.objects.filter(company_name="线索自定义公司").exists()
    assert "线索自定义公司" in r.content.decode()  # what was typed stays
    r = client.post("/sales/leads/new/", {**base, "custom.campaign_code": "EXPO-2026"})
    assert r.status_code == 302
    lead = Lead.objects.get(company_name="线索自定义公司")
    assert lead.custom == {"campaign_code": "EXPO-2026"}
    lead_services.lead_update(actor=admin, lead=lead, data={"custom": {"campaign_code": "EXPO-2027"}})
    entry = AuditLog.objects.filter(object_id=str(lead.pk), action=AuditLog.Action.UPDATE).latest("id")
    assert entry.changes == {"custom.campaign_code": ["EXPO-2026", "EXPO-2027"]}
    assert "EXPO-2027" in _client(admin).get(f"/sales/leads/{lead.pk}/").content.decode()


def test_an_opportunity_field_required_from_a_stage_blocks_the_move_until_filled(org: Any):
    admin, rep = org["admin"], org["east_rep"]
    customer = CustomerFactory(owner=rep)
    opp = opportunity_services.opportunity_create(actor=rep, customer=customer, data={"name": "大单", "amount": "1"})
    stages = list(opp.pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("sort_order", "id"))
    later = next(s for s in stages if s.probability > opp.stage.probability)
    _field(admin, "sales.opportunity", "budget_owner", "text", required_from_probability=later.probability)
    # moving to the stage of that probability is refused, naming the field
    with pytest.raises(ValidationFailed) as err:
        opportunity_services.opportunity_move_stage(actor=rep, opportunity=opp, stage=later)
    assert "custom.budget_owner" in err.value.fields and "Budget_Owner" in err.value.message
    opp.refresh_from_db()
    assert opp.stage_id != later.pk
    # filled in, the move goes through
    opp = opportunity_services.opportunity_update(actor=rep, opportunity=opp, data={"custom": {"budget_owner": "CFO"}})
    assert opportunity_services.opportunity_move_stage(actor=rep, opportunity=opp, stage=later).stage == later


def test_the_opportunity_form_and_page_carry_custom_fields(org: Any):
    admin, rep = org["admin"], org["east_rep"]
    _field(admin, "sales.opportunity", "tender_date", "date")
    customer = CustomerFactory(owner=rep)
    client = _client(rep)
    assert 'name="custom.tender_date"' in client.get("/sales/opportunities/new/").content.decode()
    base = {"name": "招标项目", "amount": "1000", "source": "customer", "customer": str(customer.pk)}
    r = client.post("/sales/opportunities/new/", {**base, "custom.tender_date": "not a date"})
    assert r.status_code == 400 and not Opportunity.objects.filter(name="招标项目").exists()
    r = client.post("/sales/opportunities/new/", {**base, "custom.tender_date": "2027-03-01"})
    assert r.status_code == 302
    opp = Opportunity.objects.get(name="招标项目")
    assert opp.custom == {"tender_date": "2027-03-01"}
    assert "2027-03-01" in client.get(f"/sales/opportunities/{opp.pk}/").content.decode()
