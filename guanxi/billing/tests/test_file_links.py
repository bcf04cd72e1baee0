"""No page, fragment or API response links an uploaded file by its media path: follow-up attachments, stage
documents, signed contract scans and expense receipts are all linked to the scoped download view, which answers
404 out of scope and 403 without the module permission."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from guanxi.billing import services
from guanxi.commerce.services import contract_attach_scan
from guanxi.core.models import AccessLog, AuditLog
from guanxi.customers.services import follow_up_create
from guanxi.org.tests.factories import UserFactory
from guanxi.sales.opportunities.services import opportunity_create, opportunity_document_add


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 " + name.encode(), content_type="application/pdf")


def test_pages_and_api_link_every_file_through_the_download_view(people: Any, contract: Any) -> None:
    # given one file of each kind on east_rep's customer: a follow-up attachment, a stage document, the signed
    # scan of the contract and an expense receipt
    rep, customer = people["east_rep"], contract.customer
    visit = follow_up_create(
        actor=rep, customer=customer, data={"content": "签约拜访", "method": "visit"}, attachments=[pdf("纪要.pdf")]
    )
    deal = opportunity_create(actor=rep, customer=customer, data={"name": "二期项目"})
    document = opportunity_document_add(actor=rep, opportunity=deal, file=pdf("方案.pdf"))
    contract = contract_attach_scan(actor=rep, contract=contract, file=pdf("合同扫描件.pdf"))
    claim = services.expense_claim_create(
        actor=rep,
        data={"title": "签约差旅", "customer": customer, "follow_up": visit},
        lines=[{"category": "travel", "spent_on": "2026-11-02", "amount": "300", "receipt": pdf("机票.pdf")}],
    )
    links = {
        f"/files/followup-attachment/{visit.attachments.get().pk}/": b"%PDF-1.4 \xe7\xba\xaa\xe8\xa6\x81.pdf",
        f"/files/opportunity-document/{document.pk}/": "%PDF-1.4 方案.pdf".encode(),
        f"/files/contract-signed-scan/{contract.pk}/": "%PDF-1.4 合同扫描件.pdf".encode(),
        f"/files/expense-receipt/{claim.lines.get().pk}/": "%PDF-1.4 机票.pdf".encode(),
    }
    client = client_for(rep)
    # when the owner reads every page and API response that shows them
    outputs = {
        path: client.get(path).content.decode()
        for path in (
            f"/customers/{customer.pk}/",
            f"/sales/opportunities/{deal.pk}/",
            f"/commerce/contracts/{contract.pk}/",
            f"/billing/expenses/{claim.pk}/",
            f"/api/v1/follow-ups?customer={customer.pk}",
            f"/api/v1/opportunities/{deal.pk}",
            f"/api/v1/contracts/{contract.pk}",
            f"/api/v1/expense-claims/{claim.pk}",
        )
    }
    # then none carries a media path, and together they link each file's download view
    assert [path for path, body in outputs.items() if settings.MEDIA_URL in body] == []
    for link in links:
        assert [path for path, body in outputs.items() if link in body], link
    # and each link gives the file
    for link, content in links.items():
        response = client.get(link)
        assert response.status_code == 200 and b"".join(response.streaming_content) == content, link
    assert AccessLog.objects.filter(actor=rep, kind="download").count() == len(links)
    # and the audit trail names the scan by its original name, keeping the stored path's random folder private
    scan_entry = AuditLog.objects.get(object_id=str(contract.pk), changes__has_key="signed_scan")
    assert scan_entry.changes["signed_scan"] == [None, "合同扫描件.pdf"]


def test_signed_scan_and_receipt_follow_their_modules(people: Any, contract: Any) -> None:
    # given a signed scan and a receipt of east_rep's
    rep = people["east_rep"]
    visit = follow_up_create(actor=rep, customer=contract.customer, data={"content": "回访", "method": "phone"})
    contract_attach_scan(actor=rep, contract=contract, file=pdf("scan.pdf"))
    claim = services.expense_claim_create(
        actor=rep,
        data={"title": "交通", "customer": contract.customer, "follow_up": visit},
        lines=[{"category": "transport", "spent_on": "2026-11-02", "amount": "30", "receipt": pdf("taxi.pdf")}],
    )
    scan, receipt = f"/files/contract-signed-scan/{contract.pk}/", f"/files/expense-receipt/{claim.lines.get().pk}/"
    implementation = UserFactory(username="impl", department=people.hq, roles=["implementation"])
    # then the department manager reads both; another department's rep gets 404 for both
    assert [client_for(people["east_manager"]).get(u).status_code for u in (scan, receipt)] == [200, 200]
    assert [client_for(people["west_rep"]).get(u).status_code for u in (scan, receipt)] == [404, 404]
    # finance reads both (contracts.view and expenses.view over the whole company)
    assert [client_for(people["finance"]).get(u).status_code for u in (scan, receipt)] == [200, 200]
    # implementation staff have neither contracts.view nor expenses.view: 403
    assert [client_for(implementation).get(u).status_code for u in (scan, receipt)] == [403, 403]
