"""The report builder's page, API and e-mail (issue 16 §6): the page shows the figures with their drill-down links
and saves (audited); a bad part answers 400 naming the field and saves nothing; the API is the same; a built
report e-mailed on a schedule holds what each recipient's own data scope allows."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from guanxi.analytics import services, subscriptions
from guanxi.analytics.models import SavedReport
from guanxi.core.errors import ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.org.models import Role

from .helpers import at, customers, joined

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(org: Any) -> Any:
    joined()
    customers(org["east_rep"], 3, when=at(3), level="A")
    customers(org["west_rep"], 4, when=at(6), level="A")
    return org


def test_the_page_shows_figures_linking_to_their_lists_and_saves(client: Any, data: Any) -> None:
    manager = data["east_manager"]
    client.force_login(manager)
    # when the manager counts customers by owner
    page = client.get("/analytics/builder/?object=customers&group_by=owner&measure=count&chart=bar")
    html = page.content.decode()
    # then the east rep's figure links to the customer list filtered to them; the west rep is not there
    assert page.status_code == 200
    assert str(data["east_rep"]) in html and str(data["west_rep"]) not in html
    assert "/customers/?where=" in html and 'id="save-form"' in html
    # saving: audited, then opened by its id
    saved = client.post(
        "/analytics/builder/",
        {
            "action": "save",
            "name": "按负责人",
            "object": "customers",
            "group_by": "owner",
            "measure": "count",
            "chart": "pie",
            "f0": "level",
            "op0": "eq",
            "v0": "A",
        },
    )
    report = SavedReport.objects.get()
    assert saved.status_code == 302 and report.chart == "pie" and "%22v%22%3A%22A%22" in report.filters
    assert AuditLog.objects.filter(object_id=str(report.pk), action=AuditLog.Action.CREATE).count() == 1
    opened = client.get(f"/analytics/builder/?report={report.pk}")
    assert opened.status_code == 200 and "按负责人" in opened.content.decode()


def test_bad_input_is_400_naming_the_field_and_saves_nothing(client: Any, data: Any) -> None:
    client.force_login(data["east_manager"])
    page = client.get("/analytics/builder/?object=customers&group_by=no_such_field")
    assert page.status_code == 400 and "Choose one of the groupings offered." in page.content.decode()
    bad = client.post(
        "/analytics/builder/",
        {"action": "save", "name": "", "object": "customers", "group_by": "owner", "f0": "level", "op0": "gt"},
    )
    assert bad.status_code == 400 and not SavedReport.objects.exists()
    # a reader without analytics.view: 403; a rep may open the page but sees no builder form and cannot save
    client.force_login(data["nobody"])
    assert client.get("/analytics/builder/").status_code == 403
    client.force_login(data["east_rep"])
    assert 'id="builder-form"' not in client.get("/analytics/builder/").content.decode()
    denied = client.post(
        "/analytics/builder/", {"action": "save", "name": "x", "object": "customers", "group_by": "owner"}
    )
    assert denied.status_code == 403 and not SavedReport.objects.exists()
    assert not AuditLog.objects.filter(content_type__model="savedreport").exists()


def test_the_api_runs_saves_and_lists_reports(client: Any, data: Any) -> None:
    manager = data["east_manager"]
    client.force_login(manager)
    objects = client.get("/api/v1/analytics/builder/objects").json()
    customers_object = next(o for o in objects if o["key"] == "customers")
    assert {"owner", "department", "created:month"} <= {g["key"] for g in customers_object["groupings"]}
    assert all(o["key"] not in ("users", "audit") for o in objects)
    run = client.post(
        "/api/v1/analytics/builder/run",
        {"object": "customers", "group_by": "owner"},
        content_type="application/json",
    ).json()
    assert [(r["label"], r["value"]) for r in run["rows"]] == [(str(data["east_rep"]), "3")]
    bad = client.post(
        "/api/v1/analytics/builder/run", {"object": "customers", "group_by": "x"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "group_by" in bad.json()["error"]["fields"]
    made = client.post(
        "/api/v1/analytics/reports",
        {"name": "R", "object": "customers", "group_by": "level"},
        content_type="application/json",
    )
    assert made.status_code == 201
    report_id = made.json()["id"]
    assert [r["id"] for r in client.get("/api/v1/analytics/reports").json()] == [report_id]
    result = client.get(f"/api/v1/analytics/reports/{report_id}/result").json()
    assert result["total"] == "3"
    client.force_login(data["west_manager"])  # not shared with them
    assert client.get(f"/api/v1/analytics/reports/{report_id}/result").status_code == 404
    assert client.delete(f"/api/v1/analytics/reports/{report_id}").status_code == 404


def test_an_emailed_report_holds_what_each_recipient_may_see(data: Any, smtp_server: Any) -> None:
    # given a report built by the executive, shared with department managers
    executive, east, west = data["executive"], data["east_manager"], data["west_manager"]
    role = Role.objects.get(code="department_manager")
    report = services.saved_report_save(
        actor=executive,
        data={"name": "客户按负责人", "object": "customers", "group_by": "owner", "roles": [str(role.pk)]},
    )
    for person, address in ((east, "east@example.com"), (west, "west@example.com")):
        person.email = address
        person.save(update_fields=["email"])
        subscriptions.subscription_create(
            actor=person, data={"report": "built", "saved_report": report.pk, "frequency": "daily", "fmt": "xlsx"}
        )
    # when the worker's job runs
    assert subscriptions.subscriptions_send_due(now=at(2, month=12, hour=8)) == 2
    # then each recipient's sheet holds their own department's reps only
    sheets = {}
    for mail in smtp_server.messages:
        [part] = list(mail.iter_attachments())
        book = load_workbook(io.BytesIO(part.get_payload(decode=True)))
        sheets[mail["To"]] = {r[0].value: r[1].value for r in book.worksheets[0].iter_rows(min_row=2)}
    assert sheets["east@example.com"] == {str(data["east_rep"]): 3, "Total": 3}
    assert sheets["west@example.com"] == {str(data["west_rep"]): 4, "Total": 4}
    # a report not shared with someone cannot be subscribed to (the administrator does not hold the role)
    admin = data["admin"]
    admin.email = "admin@example.com"
    admin.save(update_fields=["email"])
    with pytest.raises(ValidationFailed) as err:
        subscriptions.subscription_create(
            actor=admin, data={"report": "built", "saved_report": report.pk, "frequency": "daily"}
        )
    assert "saved_report" in (err.value.fields or {})
