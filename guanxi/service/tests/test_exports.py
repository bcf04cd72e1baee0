"""The ticket and asset lists export what their reader sees, with the filters applied, formula-safe and audited; a
reader without the export right gets 403, no file and no audit row."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from guanxi.core.models import AuditLog

from .factories import make_asset, make_ticket

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_ticket_export_is_formula_safe_filtered_and_audited(people: Any, customer: Any) -> None:
    from guanxi.customers.tests.factories import CustomerFactory

    formula = CustomerFactory(name='=HYPERLINK("http://x")', owner=people["east_rep"])
    make_ticket(people["agent"], formula, subject="投诉", type="complaint")
    make_ticket(people["agent"], customer, subject="空调不制冷", type="repair")
    response = _client(people["service_manager"]).get(
        "/lists/tickets/export/", {"scene": "all", "type": "complaint", "fmt": "csv"}
    )
    assert response.status_code == 200
    rows = _rows(response)
    text = "\n".join(",".join(r) for r in rows[1:])
    assert len(rows) == 2 and rows[1][1] == '\'=HYPERLINK("http://x")' and "空调" not in text
    entry = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert entry.changes["list"] == "tickets" and entry.changes["filters"]["type"] == "complaint"


def test_an_agent_without_the_export_right_gets_no_file(people: Any, customer: Any) -> None:
    make_asset(people["agent"], customer)
    for url in ("/lists/tickets/export/", "/lists/assets/export/"):
        assert _client(people["agent"]).get(url, {"fmt": "csv"}).status_code == 403
    assert not AuditLog.objects.filter(action=AuditLog.Action.EXPORT).exists()


def test_the_asset_export_lists_the_assets_the_reader_sees(people: Any, customer: Any) -> None:
    make_asset(people["agent"], customer, plate_number="京A·8K3M2")
    response = _client(people["service_manager"]).get("/lists/assets/export/", {"fmt": "csv"})
    assert response.status_code == 200 and any("8K3M2" in ",".join(r) for r in _rows(response)[1:])
