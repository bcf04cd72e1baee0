"""The access-log page and API: administrators filter who read what (user, kind, dates, object text), paginated;
nobody else may read it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core import context
from guanxi.core.accesslog import access_log_record
from guanxi.core.models import AccessLog, AuditLog
from guanxi.core.services import audit_record
from guanxi.org.tests.factories import UserFactory

URL = "/org/access-log/"
API = "/api/v1/access-log"


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def reads(org: Any) -> dict[str, AccessLog]:
    """east_rep opened the east department's page yesterday, west_rep exported today, and downloaded a file."""
    with context.bind(ip="10.1.1.1", request_id="req-east"):
        access_log_record(actor=org["east_rep"], kind=AccessLog.Kind.VIEW, obj=org.east)
    with context.bind(ip="10.2.2.2", request_id="req-west"):
        audit_record(actor=org["west_rep"], action=AuditLog.Action.EXPORT, message="Exported 12 customers")
        access_log_record(
            actor=org["west_rep"], kind=AccessLog.Kind.DOWNLOAD, obj=org.west,
            detail={"file_kind": "import-file", "file": "华西客户.xlsx"},
        )  # fmt: skip
    AccessLog.objects.filter(kind="view").update(at=timezone.now() - dt.timedelta(days=1))
    return {e.kind: e for e in AccessLog.objects.all()}


def test_administrator_sees_who_read_what(org: Any, reads: dict[str, AccessLog]) -> None:
    # when the administrator opens the access log
    response = client_for(org["admin"]).get(URL)
    # then every read is listed newest first, with the export's message and the downloaded file
    assert response.status_code == 200
    entries = list(response.context["page"].object_list)
    assert [e.kind for e in entries] == ["download", "export", "view"]
    html = response.content.decode()
    assert "Exported 12 customers" in html and "Import file: 华西客户.xlsx" in html and "10.2.2.2" in html
    assert org.east.name in html and "Access log" in html


@pytest.mark.parametrize(
    ("query", "kinds"),
    [
        ({"kind": "export"}, ["export"]),
        ({"q": "华东"}, ["view"]),
        ({"q": "req-west"}, ["download", "export"]),
        ({"q": "10.1.1.1"}, ["view"]),
        ({"date_from": "today"}, ["download", "export"]),
        ({"date_to": "yesterday"}, ["view"]),
    ],
)
def test_filters(org: Any, reads: dict[str, AccessLog], query: dict[str, str], kinds: list[str]) -> None:
    days = {"today": timezone.localdate(), "yesterday": timezone.localdate() - dt.timedelta(days=1)}
    params = {k: str(days.get(v, v)) for k, v in query.items()}
    page = client_for(org["admin"]).get(URL, params).context["page"]
    assert [e.kind for e in page.object_list] == kinds
    api = client_for(org["admin"]).get(API, params).json()
    assert [e["kind"] for e in api["items"]] == kinds


def test_filter_by_user_and_a_bad_filter_is_a_clear_400(org: Any, reads: dict[str, AccessLog]) -> None:
    admin = client_for(org["admin"])
    assert [e.kind for e in admin.get(URL, {"actor": org["east_rep"].pk}).context["page"].object_list] == ["view"]
    # a kind that does not exist names the filter, on the page and in the API
    page = admin.get(URL, {"kind": "read-minds"})
    assert page.status_code == 400 and "kind" in page.context["filter_errors"]
    api = admin.get(API, {"kind": "read-minds"})
    assert api.status_code == 400 and "kind" in api.json()["error"]["fields"]


def test_api_entry_shape(org: Any, reads: dict[str, AccessLog]) -> None:
    items = client_for(org["admin"]).get(API, {"kind": "download"}).json()["items"]
    assert items == [
        {
            "id": reads["download"].pk,
            "at": items[0]["at"],
            "actor": {"id": org["west_rep"].pk, "name": str(org["west_rep"])},
            "kind": "download",
            "kind_label": "Downloaded a file",
            "object_type": "department",
            "object_id": str(org.west.pk),
            "object_repr": org.west.name,
            "description": "Import file: 华西客户.xlsx",
            "detail": {"file_kind": "import-file", "file": "华西客户.xlsx"},
            "ip": "10.2.2.2",
            "request_id": "req-west",
        }
    ]


def test_only_administrators_read_it(org: Any, reads: dict[str, AccessLog]) -> None:
    # given a manager and the sales-management office (which reads the audit trail)
    office = UserFactory(username="office", department=org.hq, roles=["sales_management"])
    for user in (org["east_manager"], office, org["nobody"]):
        # then the page and the API refuse them, and the tab is not offered
        assert client_for(user).get(URL).status_code == 403
        assert client_for(user).get(API).status_code == 403
    audit_tabs = client_for(office).get("/org/audit/").context["admin_tabs"]
    assert "access" not in [t["key"] for t in audit_tabs]
    assert "access" in [t["key"] for t in client_for(org["admin"]).get(URL).context["admin_tabs"]]


def test_pages_of_fifty_in_a_fixed_number_of_queries(org: Any) -> None:
    # given 120 downloads and exports
    for i in range(60):
        audit_record(actor=org["east_rep"], action=AuditLog.Action.EXPORT, message=f"Exported {i}")
        access_log_record(actor=org["east_rep"], kind=AccessLog.Kind.DOWNLOAD, obj=org.east, detail={"file": f"{i}"})
    admin = client_for(org["admin"])
    admin.get(URL)
    # when the administrator reads page 1 and page 3
    with CaptureQueriesContext(connection) as first:
        page1 = admin.get(URL)
    with CaptureQueriesContext(connection) as last:
        page3 = admin.get(URL, {"page": 3})
    # then pages hold 50, the last the remaining 20, at the same query cost whatever the page holds
    assert len(page1.context["page"].object_list) == 50 and len(page3.context["page"].object_list) == 20
    assert len(first.captured_queries) == len(last.captured_queries) <= 15
