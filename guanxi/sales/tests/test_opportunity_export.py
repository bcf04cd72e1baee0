"""Exporting the opportunity list (the list toolkit's export of the page's view): the page's filters and the export
data scope, formula-safe, audited; refused (and not audited) without opportunities.export."""

from __future__ import annotations

import pytest
from django.test import Client

from guanxi.core.models import AuditLog
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.opportunities import services

pytestmark = pytest.mark.django_db
EXPORT = "/lists/opportunities/export/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_manager_exports_the_filtered_list(org):
    # given two deals in the east department (one of them a formula trap) and one in the west
    rep = org["east_rep"]
    services.opportunity_create(actor=rep, customer=CustomerFactory(owner=rep), data={"name": "=HYPERLINK(1)"})
    services.opportunity_create(actor=rep, customer=CustomerFactory(owner=rep), data={"name": "大项目", "amount": 9})
    west = org["west_rep"]
    services.opportunity_create(actor=west, customer=CustomerFactory(owner=west), data={"name": "西部项目"})
    client = client_for(org["east_manager"])
    # when the east manager exports the list page's view as CSV
    page = client.get("/sales/opportunities/").content.decode()
    assert f"{EXPORT}?" in page and "fmt=csv" in page
    response = client.get(f"{EXPORT}?fmt=csv")
    # then the file has the department's deals only, formulas neutralised, and the export is audited
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert "大项目" in text and "西部项目" not in text
    assert "'=HYPERLINK(1)" in text
    assert AuditLog.objects.filter(action="export", changes__list="opportunities").count() == 1
    # and a filter of the page (the toolkit's range, or the old query string's) applies to the file too
    for query in ("amount_from=5", "amount_min=5"):
        filtered = client.get(f"{EXPORT}?fmt=csv&{query}").content.decode("utf-8-sig")
        assert "大项目" in filtered and "HYPERLINK" not in filtered


def test_rep_cannot_export(org):
    rep = org["east_rep"]
    services.opportunity_create(actor=rep, customer=CustomerFactory(owner=rep), data={"name": "项目"})
    client = client_for(rep)
    assert EXPORT not in client.get("/sales/opportunities/").content.decode()
    assert client.get(f"{EXPORT}?fmt=csv").status_code == 403
    assert not AuditLog.objects.filter(action="export").exists()
