"""Scheduled reports: a person subscribes (analytics.export), the worker's job e-mails each due report once per
period through a real SMTP server (aiosmtpd), with the XLSX or PDF attached, as the subscriber sees it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from guanxi.analytics import subscriptions
from guanxi.analytics.models import ReportSubscription
from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog

from .helpers import at, customers, joined

pytestmark = pytest.mark.django_db


def _subscribe(user: Any, **data: str) -> ReportSubscription:
    return subscriptions.subscription_create(actor=user, data={"fmt": "xlsx", **data})


def test_a_monthly_report_goes_out_once_on_the_first_with_the_xlsx(org: Any, smtp_server: Any) -> None:
    joined()
    manager = org["east_manager"]
    manager.email = "manager@example.com"
    manager.save(update_fields=["email"])
    customers(org["east_rep"], 3, when=at(10))
    customers(org["west_rep"], 5, when=at(10))  # beyond the east manager's scope
    row = _subscribe(manager, report="monthly_report", frequency="monthly")

    assert subscriptions.subscriptions_send_due(now=at(1, month=12, hour=6)) == 0  # before 07:00
    assert subscriptions.subscriptions_send_due(now=at(1, month=12, hour=8)) == 1
    assert subscriptions.subscriptions_send_due(now=at(1, month=12, hour=9)) == 0  # once a period

    [mail] = smtp_server.messages
    assert mail["To"] == "manager@example.com" and "2026-11" in mail["Subject"]
    [part] = [p for p in mail.iter_attachments()]
    assert part.get_filename() == "monthly_report-202611.xlsx"
    book = load_workbook(io.BytesIO(part.get_payload(decode=True)))
    people = book.worksheets[-1]
    names = [r[0].value for r in people.iter_rows(min_row=2)]
    assert str(org["east_rep"]) in names and str(org["west_rep"]) not in names  # the subscriber's own scope
    row.refresh_from_db()
    assert row.last_period == "2026-12" and row.last_sent_at is not None
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, object_id=str(row.pk)).count() == 1


def test_the_league_as_a_pdf_and_daily(org: Any, smtp_server: Any) -> None:
    joined()
    manager = org["east_manager"]
    manager.email = "m@example.com"
    manager.save(update_fields=["email"])
    _subscribe(manager, report="league", frequency="daily", fmt="pdf")
    _subscribe(manager, report="dashboard", frequency="daily")

    assert subscriptions.subscriptions_send_due(now=at(2, month=12, hour=7)) == 2
    assert subscriptions.subscriptions_send_due(now=at(3, month=12, hour=7)) == 2  # the next day again
    kinds = sorted(p.get_content_type() for m in smtp_server.messages for p in m.iter_attachments())
    assert kinds.count("application/pdf") == 2
    pdf = next(p for m in smtp_server.messages for p in m.iter_attachments() if p.get_content_type().endswith("pdf"))
    assert pdf.get_payload(decode=True).startswith(b"%PDF")


def test_subscribing_is_checked_and_audited(org: Any) -> None:
    rep = org["east_rep"]  # a rep views analytics but may not export
    with pytest.raises(PermissionDeniedError):
        _subscribe(rep, report="league", frequency="daily")
    assert not ReportSubscription.objects.exists()

    manager = org["east_manager"]
    manager.email = "m@example.com"
    manager.save(update_fields=["email"])
    with pytest.raises(ValidationFailed) as bad:
        _subscribe(manager, report="nonsense", frequency="hourly")
    assert set(bad.value.fields) == {"report", "frequency"}
    row = _subscribe(manager, report="league", frequency="weekly")
    with pytest.raises(ValidationFailed) as twice:
        _subscribe(manager, report="league", frequency="weekly")
    assert "frequency" in twice.value.fields
    assert AuditLog.objects.filter(object_id=str(row.pk), action=AuditLog.Action.CREATE).exists()

    other = org["east_rep2"]
    with pytest.raises(Exception):  # noqa: B017, PT011 (someone else's subscription is not found)
        subscriptions.subscription_delete(actor=other, pk=row.pk)
    assert ReportSubscription.objects.filter(pk=row.pk).exists()
    subscriptions.subscription_delete(actor=manager, pk=row.pk)
    assert not ReportSubscription.objects.exists()


def test_the_page_subscribes_and_stops(client: Any, org: Any) -> None:
    manager = org["east_manager"]
    manager.email = "m@example.com"
    manager.save(update_fields=["email"])
    client.force_login(manager)
    assert client.get("/analytics/subscriptions/").status_code == 200
    bad = client.post("/analytics/subscriptions/", {"report": "x", "frequency": "daily"})
    assert bad.status_code == 400 and "is-invalid" in bad.content.decode()
    ok = client.post("/analytics/subscriptions/", {"report": "dashboard", "frequency": "daily", "fmt": "xlsx"})
    assert ok.status_code == 302
    row = ReportSubscription.objects.get(user=manager)
    client.post("/analytics/subscriptions/", {"action": "delete", "subscription": str(row.pk)})
    assert not ReportSubscription.objects.exists()
    assert client.post("/analytics/subscriptions/", {"action": "delete", "subscription": "abc"}).status_code == 404


def test_the_api_lists_subscribes_and_stops(client: Any, org: Any) -> None:
    manager = org["east_manager"]
    manager.email = "m@example.com"
    manager.save(update_fields=["email"])
    client.force_login(manager)
    url = "/api/v1/analytics/subscriptions"
    made = client.post(url, {"report": "league", "frequency": "monthly", "fmt": "pdf"}, content_type="application/json")
    assert made.status_code == 201 and made.json()["fmt"] == "pdf"
    bad = client.post(url, {"report": "league", "frequency": "yearly"}, content_type="application/json")
    assert bad.status_code in (400, 422) and "frequency" in bad.text
    assert [r["report"] for r in client.get(url).json()] == ["league"]
    client.force_login(org["east_rep2"])
    assert client.get(url).json() == []  # only one's own
    assert client.delete(f"{url}/{made.json()['id']}").status_code == 404
    client.force_login(manager)
    assert client.delete(f"{url}/{made.json()['id']}").status_code == 204
    assert not ReportSubscription.objects.exists()


def test_the_demo_subscribes_the_director_as_sent_this_period(org: Any, smtp_server: Any) -> None:
    from guanxi.analytics.providers import _demo_subscriptions

    users = {"chenjing": org["executive"], "liuyang": org["east_manager"]}
    _demo_subscriptions(users=users, now=at(6, month=12, hour=9))
    assert ReportSubscription.objects.count() == 2
    assert subscriptions.subscriptions_send_due(now=at(6, month=12, hour=10)) == 0  # nothing mailed at once
