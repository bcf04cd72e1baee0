"""The public web-to-lead form and its JSON twin: valid entries, field errors, the spam trap, the rate
limit, CSRF and framing, and the assignment rules running on new web leads."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from guanxi.core.models import AuditLog, Notification
from guanxi.sales.models import Lead
from guanxi.sales.tests.factories import RuleFactory

pytestmark = pytest.mark.django_db

FORM = "/sales/forms/lead/"
JSON_URL = "/sales/forms/lead.json"
GOOD = {"person_name": "陈先生", "company_name": "厦门海蓝贸易", "mobile": "13600001111", "need": "报价"}


def post_json(client: Client, body: object, **extra: str):
    return client.post(JSON_URL, data=json.dumps(body), content_type="application/json", **extra)


# --- the HTML form ---------------------------------------------------------------------------
def test_the_form_page_is_public_and_embeddable(db):
    response = Client().get(FORM)
    assert response.status_code == 200
    assert "X-Frame-Options" not in response  # may sit in an iframe on the company website
    assert 'name="person_name"' in response.content.decode()
    # while the rest of the site still refuses framing
    assert Client().get("/sales/leads/")["X-Frame-Options"] == "DENY"


def test_a_visitor_submits_the_form_and_a_website_lead_appears(db, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    client.get(FORM)
    token = client.cookies["csrftoken"].value
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FORM, {**GOOD, "csrfmiddlewaretoken": token, "website": ""})
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    lead = Lead.objects.get()
    assert (lead.source, lead.status, lead.created_by, lead.owner) == ("website", "new", None, None)
    assert lead.company_name == "厦门海蓝贸易" and lead.need == "报价"
    assert AuditLog.objects.get(object_id=str(lead.pk), action="create").actor is None


def test_the_html_form_keeps_csrf_protection(db):
    response = Client(enforce_csrf_checks=True).post(FORM, GOOD)
    assert response.status_code == 403
    assert not Lead.objects.exists()


def test_bad_input_is_shown_on_the_fields_and_nothing_is_saved(db):
    response = Client().post(FORM, {"person_name": "", "email": "bad", "need": "x" * 6000})
    assert response.status_code == 400
    form = response.context["form"]
    assert {"person_name", "email", "need"} <= form.errors.keys()
    response = Client().post(FORM, {"person_name": "王", "company_name": "无联系方式"})
    assert response.status_code == 400
    assert "mobile" in response.context["form"].errors
    assert not Lead.objects.exists()


def test_the_honeypot_accepts_and_drops(db):
    response = Client().post(FORM, {**GOOD, "website": "http://spam.example"})
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    assert not Lead.objects.exists()


def test_the_form_rate_limit_answers_429_after_five_a_minute(db):
    client = Client()
    for i in range(5):
        assert client.post(FORM, {**GOOD, "mobile": f"1360000{i:04d}"}).status_code == 200
    response = client.post(FORM, GOOD)
    assert response.status_code == 429
    assert "Too many submissions" in response.content.decode()
    assert Lead.objects.count() == 5
    # another visitor (another IP) is not affected
    assert Client(REMOTE_ADDR="10.0.0.9").post(FORM, GOOD).status_code == 200


# --- the JSON endpoint -----------------------------------------------------------------------
def test_json_creates_a_lead_without_csrf(db):
    response = post_json(Client(enforce_csrf_checks=True), GOOD)
    assert response.status_code == 201
    assert response.json()["ok"] is True and "id" not in response.json()  # nothing to enumerate
    assert Lead.objects.get().source == Lead.Source.WEBSITE


def test_json_field_errors_use_the_error_envelope(db):
    response = post_json(Client(), {"person_name": "", "email": "nope"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert {"person_name", "email"} <= error["fields"].keys()
    # no contact details at all
    error = post_json(Client(), {"person_name": "王"}).json()["error"]
    assert "mobile" in error["fields"] and "email" in error["fields"]
    # unknown fields and non-objects are named
    assert "owner_id" in post_json(Client(), {**GOOD, "owner_id": 1}).json()["error"]["fields"]
    assert post_json(Client(), ["a"]).status_code == 400
    assert not Lead.objects.exists()


def test_json_that_is_not_json_is_a_clear_400(db):
    response = Client().post(JSON_URL, data=b"{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"body": ["Send a JSON object."]}
    assert Client().get(JSON_URL).status_code == 405


def test_json_honeypot_accepts_and_drops(db):
    response = post_json(Client(), {**GOOD, "website": "spam"})
    assert response.status_code == 201
    assert not Lead.objects.exists()


def test_json_rate_limit_answers_429_with_the_envelope(db):
    client = Client()
    codes = [post_json(client, GOOD).status_code for _ in range(6)]
    assert codes == [201] * 5 + [429]
    response = post_json(client, GOOD)
    assert response.json()["error"]["code"] == "throttled" and response["Retry-After"] == "60"
    assert Lead.objects.count() == 5


def test_new_web_leads_are_assigned_by_the_rules_after_commit(org, django_capture_on_commit_callbacks):
    # given a rule sending website leads to east_rep
    RuleFactory(sources=["website"], target_user=org["east_rep"])
    # when a visitor sends the form and the transaction commits (the job runs: immediate backend in tests)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_json(Client(), GOOD).status_code == 201
    # then the rep owns the lead and is told
    lead = Lead.objects.get()
    assert lead.owner == org["east_rep"] and lead.status == Lead.Status.ASSIGNED and lead.assigned_by is None
    assert Notification.objects.filter(recipient=org["east_rep"], kind="lead_assigned").exists()


def test_no_assignment_job_before_commit(org, django_capture_on_commit_callbacks):
    RuleFactory(target_user=org["east_rep"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_json(Client(), GOOD)
    assert len(callbacks) == 1
    assert Lead.objects.get().owner is None
