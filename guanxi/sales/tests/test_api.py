"""REST API for leads and assignment rules: the same permissions as the UI, the error envelope,
If-Match and Idempotency-Key."""

from __future__ import annotations

import pytest

from guanxi.core.models import AuditLog
from guanxi.customers.models import Customer
from guanxi.sales.models import Lead, LeadAssignmentRule, Opportunity
from guanxi.sales.tests.factories import LeadFactory, RuleFactory

pytestmark = pytest.mark.django_db


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


# --- leads -----------------------------------------------------------------------------------
def test_list_is_scoped_filtered_and_paged(org, api_as):
    LeadFactory(company_name="队列A", province="广东省")
    LeadFactory(company_name="队列B", province="浙江省", status=Lead.Status.VALID)
    LeadFactory(company_name="西部", owner=org["west_rep"], status=Lead.Status.ASSIGNED)
    body = api_as(org["east_assistant"]).call("get", "/leads?sort=company&limit=1").json()
    assert body["count"] == 2 and [i["company_name"] for i in body["items"]] == ["队列A"]
    body = api_as(org["east_assistant"]).call("get", "/leads?queue=unassigned").json()
    assert [i["company_name"] for i in body["items"]] == ["队列B"]
    body = api_as(org["east_assistant"]).call("get", "/leads?status=new&status=valid&province=浙江省").json()
    assert [i["company_name"] for i in body["items"]] == ["队列B"]
    assert api_as(org["east_rep"]).call("get", "/leads").json()["count"] == 0
    assert error_of(api_as(org["east_rep"]).call("get", "/leads?status=bogus"), 400)["fields"].keys() == {"status"}
    assert error_of(api_as(org["nobody"]).call("get", "/leads"), 403)["code"] == "permission_denied"


def test_create_get_patch_with_etag_and_if_match(org, api_as):
    api = api_as(org["east_assistant"])
    response = api.call("post", "/leads", {"company_name": "接口公司", "mobile": "13500000000", "source": "referral"})
    assert response.status_code == 201 and response["ETag"] == '"1"'
    lead_id = response.json()["id"]
    got = api.call("get", f"/leads/{lead_id}")
    assert got.json()["source"] == "referral" and got.json()["status"] == "new" and got["ETag"] == '"1"'
    patched = api.call("patch", f"/leads/{lead_id}", {"city": "宁波"}, headers={"If-Match": '"1"'})
    assert patched.status_code == 200 and patched["ETag"] == '"2"'
    stale = api.call("patch", f"/leads/{lead_id}", {"city": "温州"}, headers={"If-Match": '"1"'})
    assert error_of(stale, 412)["code"] == "precondition_failed"
    assert Lead.objects.get(pk=lead_id).city == "宁波"


def test_create_validation_and_permission_errors(org, api_as):
    error = error_of(api_as(org["east_assistant"]).call("post", "/leads", {"need": "x"}), 400)
    assert {"company_name", "person_name", "mobile"} <= error["fields"].keys()
    error = error_of(api_as(org["east_assistant"]).call("post", "/leads", {"person_name": "x", "source": "tv"}), 422)
    assert "source" in error["fields"]
    error = error_of(api_as(org["east_assistant"]).call("post", "/leads", {"person_name": "x", "status": "won"}), 422)
    assert "status" in error["fields"]
    body = {"person_name": "x", "mobile": "1", "owner_id": org["west_rep"].pk}
    assert "owner" in error_of(api_as(org["east_assistant"]).call("post", "/leads", body), 400)["fields"]
    error_of(api_as(org["east_rep"]).call("post", "/leads", {"person_name": "x", "mobile": "1"}), 403)
    assert not Lead.objects.exists()


def test_create_is_idempotent(org, api_as):
    api = api_as(org["east_assistant"])
    body = {"person_name": "重复提交", "mobile": "13500000001"}
    first = api.call("post", "/leads", body, headers={"Idempotency-Key": "k-1"})
    again = api.call("post", "/leads", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert Lead.objects.count() == 1


def test_out_of_reach_is_404(org, api_as):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    api = api_as(org["east_rep2"])
    error_of(api.call("get", f"/leads/{lead.pk}"), 404)
    error_of(api.call("patch", f"/leads/{lead.pk}", {"city": "x"}), 404)
    error_of(api.call("post", f"/leads/{lead.pk}/lose", {"reason": "x"}), 404)
    assert Lead.objects.get(pk=lead.pk).version == 1


def test_screen_assign_follow_lose_flow(org, api_as):
    lead = LeadFactory()
    boss = api_as(org["east_assistant"])
    assert boss.call("post", f"/leads/{lead.pk}/screen", {"valid": True}).json()["status"] == "valid"
    assert "reason" in error_of(boss.call("post", f"/leads/{lead.pk}/screen", {"valid": False}), 400)["fields"]
    body = boss.call("post", "/leads/assign", {"ids": [lead.pk, 999999], "assignee_id": org["east_rep"].pk}).json()
    assert body == {"assigned": [lead.pk], "skipped": [999999]}
    rep = api_as(org["east_rep"])
    assert rep.call("post", f"/leads/{lead.pk}/follow").json()["status"] == "following"
    error_of(rep.call("post", f"/leads/{lead.pk}/lose", {"reason": ""}), 422)
    assert rep.call("post", f"/leads/{lead.pk}/lose", {"reason": "无预算"}).json()["lost_reason"] == "无预算"


def test_a_rep_cannot_assign_through_the_api(org, api_as):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.ASSIGNED)
    before = AuditLog.objects.count()
    rep = api_as(org["east_rep"])
    error_of(rep.call("post", "/leads/assign", {"ids": [lead.pk], "assignee_id": org["east_rep2"].pk}), 403)
    error_of(rep.call("post", "/leads/assign-by-rules", {}), 403)
    error_of(rep.call("post", f"/leads/{lead.pk}/screen", {"valid": True}), 403)
    assert Lead.objects.get(pk=lead.pk).owner == org["east_rep"] and AuditLog.objects.count() == before


def test_assign_by_rules_reports_who_got_what(org, api_as):
    rule = RuleFactory(provinces=["江苏"], target_user=org["east_rep"])
    js, sh = LeadFactory(province="江苏省"), LeadFactory(province="上海")
    body = api_as(org["east_assistant"]).call("post", "/leads/assign-by-rules", {}).json()
    assert body == [
        {
            "lead_id": js.pk,
            "assignee": {"id": org["east_rep"].pk, "name": str(org["east_rep"])},
            "rule_id": rule.pk,
            "result": "assigned",
        },
        {"lead_id": sh.pk, "assignee": None, "rule_id": None, "result": "no_rule"},
    ]


def test_convert_through_the_api(org, api_as):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.FOLLOWING, company_name="接口转化公司")
    rep = api_as(org["east_rep"])
    response = rep.call(
        "post",
        f"/leads/{lead.pk}/convert",
        {"create_opportunity": True, "opportunity_name": "首单", "amount": "9999.99"},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["lead"]["status"] == "converted" and body["contact_id"] and body["opportunity_id"]
    assert Customer.objects.get(pk=body["customer_id"]).name == "接口转化公司"
    assert str(Opportunity.objects.get(pk=body["opportunity_id"]).amount) == "9999.99"
    assert error_of(rep.call("post", f"/leads/{lead.pk}/convert", {}), 409)["code"] == "invalid_state"


def test_convert_errors_name_the_field_and_change_nothing(org, api_as):
    lead = LeadFactory(owner=org["east_rep"], status=Lead.Status.FOLLOWING)
    rep = api_as(org["east_rep"])
    error = error_of(rep.call("post", f"/leads/{lead.pk}/convert", {"credit_code": "91350100M000100Y44"}), 400)
    assert "credit_code" in error["fields"]
    error = error_of(rep.call("post", f"/leads/{lead.pk}/convert", {"amount": "-1", "create_opportunity": True}), 422)
    assert "amount" in error["fields"]
    error_of(rep.call("post", f"/leads/{lead.pk}/convert", {}, headers={"If-Match": '"7"'}), 412)
    assert not Customer.objects.exists() and Lead.objects.get(pk=lead.pk).status == Lead.Status.FOLLOWING


# --- rules -----------------------------------------------------------------------------------
def test_rules_list_create_update(org, api_as):
    api = api_as(org["east_assistant"])
    response = api.call(
        "post",
        "/lead-rules",
        {"name": "华东", "provinces": ["江苏", "浙江"], "sizes": ["large"], "target_department_id": org.east.pk},
    )
    assert response.status_code == 201, response.content
    rule = response.json()
    assert rule["target_department"]["id"] == org.east.pk and rule["distribution"] == "round_robin"
    patched = api.call(
        "patch",
        f"/lead-rules/{rule['id']}",
        {"target_department_id": None, "target_user_id": org["east_rep"].pk, "max_open_leads": 10},
        headers={"If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["target_user"]["id"] == org["east_rep"].pk and patched.json()["version"] == 2
    assert [r["name"] for r in api.call("get", "/lead-rules").json()] == ["华东"]
    error = error_of(api.call("patch", f"/lead-rules/{rule['id']}", {"target_user_id": None}), 400)
    assert "target_user" in error["fields"]
    error = error_of(api.call("post", "/lead-rules", {"name": "x", "target_user_id": 99999}), 400)
    assert "target_user_id" in error["fields"]
    error = error_of(api.call("post", "/lead-rules", {"name": "x", "target_department_id": 99999}), 400)
    assert "target_department_id" in error["fields"]


def test_rules_are_closed_to_reps(org, api_as):
    rule = RuleFactory(target_user=org["east_rep"])
    rep = api_as(org["east_rep"])
    error_of(rep.call("get", "/lead-rules"), 403)
    error_of(rep.call("post", "/lead-rules", {"name": "x", "target_user_id": org["east_rep"].pk}), 403)
    error_of(rep.call("patch", f"/lead-rules/{rule.pk}", {"name": "y"}), 403)
    assert LeadAssignmentRule.objects.get().name == rule.name
