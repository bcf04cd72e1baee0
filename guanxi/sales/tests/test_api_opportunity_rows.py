"""The opportunity API's rows: contact roles and product lines on create/update, the stage documents, and
follow-ups and tasks logged on a deal (the customers' models, linked to it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from guanxi.core.models import AuditLog
from guanxi.customers.models import FollowUp, Task
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.sales.models import Opportunity, OpportunityActivity, OpportunityDocument
from guanxi.sales.opportunities import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(org: Any) -> Any:
    return CustomerFactory(owner=org["east_rep"])


def test_create_and_replace_contact_roles_and_lines(org: Any, api_as: Any, customer: Any) -> None:
    boss, user = ContactFactory(customer=customer, name="王总"), ContactFactory(customer=customer, name="小张")
    api = api_as(org["east_rep"])
    # when a deal is created with a decision maker and two product lines
    body = {
        "customer_id": customer.pk,
        "name": "云桌面项目",
        "contacts": [{"contact_id": boss.pk, "role": "decision_maker"}],
        "lines": [{"description": "云桌面", "quantity": "100", "unit_price": "1200"}, {"description": "实施"}],
    }
    created = api.call("post", "/opportunities", body)
    # then the answer carries them
    assert created.status_code == 201, created.content
    out = created.json()
    assert [(c["name"], c["role"]) for c in out["contact_roles"]] == [("王总", "decision_maker")]
    assert [(ln["description"], Decimal(ln["quantity"])) for ln in out["lines"]] == [
        ("云桌面", Decimal("100")),
        ("实施", Decimal("1")),
    ]
    # when a PATCH sends other contacts, the roles are replaced; lines not sent stay
    patched = api.call("patch", f"/opportunities/{out['id']}", {"contacts": [{"contact_id": user.pk, "role": "user"}]})
    assert patched.status_code == 200
    assert [c["contact_id"] for c in patched.json()["contact_roles"]] == [user.pk]
    assert len(patched.json()["lines"]) == 2


def test_a_contact_of_another_customer_is_a_field_error_and_nothing_changes(
    org: Any, api_as: Any, customer: Any
) -> None:
    opp = services.opportunity_create(actor=org["east_rep"], customer=customer, data={"name": "原名"})
    stranger = ContactFactory(customer=CustomerFactory(owner=org["east_rep"]))
    audits = AuditLog.objects.count()
    r = api_as(org["east_rep"]).call(
        "patch",
        f"/opportunities/{opp.pk}",
        {"name": "新名", "contacts": [{"contact_id": stranger.pk, "role": "user"}]},
    )
    assert r.status_code == 400 and "contacts" in r.json()["error"]["fields"]
    opp.refresh_from_db()
    assert opp.name == "原名" and AuditLog.objects.count() == audits
    bad_line = api_as(org["east_rep"]).call("patch", f"/opportunities/{opp.pk}", {"lines": [{"description": ""}]})
    assert bad_line.status_code in (400, 422)
    assert not opp.lines.exists()


def test_documents_upload_list_and_delete(org: Any, customer: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    opp = services.opportunity_create(actor=org["east_rep"], customer=customer, data={"name": "文档"})
    proposal = opp.pipeline.stages.get(name="Proposal / quote")
    client = Client()
    client.force_login(org["east_rep"])
    # when a proposal is uploaded for the proposal stage
    r = client.post(
        f"/api/v1/opportunities/{opp.pk}/documents",
        {"file": SimpleUploadedFile("方案.pdf", b"%PDF"), "stage_id": proposal.pk},
    )
    assert r.status_code == 201, r.content
    doc = r.json()
    assert doc["stage"]["id"] == proposal.pk and doc["size"] == 4
    # then the deal lists it with a download link that works
    detail = client.get(f"/api/v1/opportunities/{opp.pk}").json()
    assert [d["name"] for d in detail["documents"]] == ["方案.pdf"]
    assert client.get(doc["url"]).status_code == 200
    # and a refused type is a field error; a colleague who may not see the deal gets 404 on delete
    bad = client.post(f"/api/v1/opportunities/{opp.pk}/documents", {"file": SimpleUploadedFile("x.exe", b"MZ")})
    assert bad.status_code == 400 and "file" in bad.json()["error"]["fields"]
    other = Client()
    other.force_login(org["west_rep"])
    assert other.delete(f"/api/v1/opportunities/{opp.pk}/documents/{doc['id']}").status_code == 404
    assert client.delete(f"/api/v1/opportunities/{opp.pk}/documents/{doc['id']}").status_code == 204
    assert not OpportunityDocument.objects.exists()


def test_follow_up_and_task_on_a_deal(org: Any, api_as: Any, customer: Any) -> None:
    opp = services.opportunity_create(actor=org["east_rep"], customer=customer, data={"name": "跟进"})
    api = api_as(org["east_rep"])
    r = api.call("post", f"/opportunities/{opp.pk}/follow-ups", {"content": "电话确认需求", "method": "phone"})
    assert r.status_code == 201, r.content
    assert r.json()["customer_id"] == customer.pk
    due = (timezone.now() + timezone.timedelta(days=1)).isoformat()
    t = api.call("post", f"/opportunities/{opp.pk}/tasks", {"title": "发报价", "due_at": due})
    assert t.status_code == 201 and t.json()["customer_id"] == customer.pk
    links = OpportunityActivity.objects.filter(opportunity=opp)
    assert links.filter(follow_up=FollowUp.objects.get()).exists() and links.filter(task=Task.objects.get()).exists()
    # someone who cannot see the deal gets 404 and nothing is written
    outsider = api_as(org["west_rep"]).call("post", f"/opportunities/{opp.pk}/follow-ups", {"content": "x"})
    assert outsider.status_code == 404 and FollowUp.objects.count() == 1
    assert Opportunity.objects.get(pk=opp.pk).version == opp.version
