"""One visibility rule per document: an approver reads the quotes they decide on in the list, the detail page,
the global search, the API and the PDF export alike, and nothing else of the module."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from guanxi.approvals.selectors import approval_open_for
from guanxi.approvals.services import approval_approve
from guanxi.commerce import services

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_approver_without_quote_permissions_reads_the_quote_everywhere_alike(
    org: Any, execs: dict[str, Any], customer: Any, make_quote: Any
) -> None:
    # given the president's assistant holding no role at all (approving by position only)
    assistant = execs["assistant"]
    assistant.roles.clear()
    # and a 4.8折 quote routed to them, approved, and another quote that never went to them
    theirs = services.quote_submit(
        actor=org["east_rep"], quote=make_quote(org["east_rep"], customer, "0.48", title="审批人要看的报价")
    )
    approval_approve(actor=assistant, request=approval_open_for(theirs), comment="同意")
    other = make_quote(org["east_rep"], customer, "1", title="与审批人无关的报价")
    client = signed_in(assistant)
    # when they open the quote list, the quote page, the global search, the API and the PDF
    listed = client.get("/commerce/quotes/").content.decode()
    found = client.get("/search/", {"q": theirs.number}).content.decode()
    detail = client.get(f"/commerce/quotes/{theirs.pk}/")
    api_list = json.dumps(client.get("/api/v1/quotes").json(), ensure_ascii=False)
    pdf = client.get(f"/commerce/quotes/{theirs.pk}/pdf/")
    # then every one of them shows the quote they decided on
    assert "审批人要看的报价" in listed and "审批人要看的报价" in found and "审批人要看的报价" in api_list
    assert detail.status_code == 200 and pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    # and none of them shows or opens the other quote
    assert "与审批人无关的报价" not in listed and "与审批人无关的报价" not in api_list
    assert "与审批人无关的报价" not in client.get("/search/", {"q": other.number}).content.decode()
    assert client.get(f"/commerce/quotes/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/quotes/{other.pk}").status_code == 404


def test_without_permission_and_without_approvals_the_quotes_are_forbidden(org: Any) -> None:
    # given a user with no role who approves nothing, when they open the quote list and its API
    client = signed_in(org["nobody"])
    # then both say they may not (403), and the search simply has no quotes group
    assert client.get("/commerce/quotes/").status_code == 403
    assert client.get("/api/v1/quotes").status_code == 403
    assert client.get("/search/", {"q": "BJ2026"}).status_code == 200


def test_a_second_read_rule_under_the_same_key_is_refused_at_start_up() -> None:
    from guanxi.core.registry import ReadRule, registry

    # given the read rule the commerce app registered for quote approvers
    known = next(r for r in registry.read_rules if r.key == "approvers:commerce.quote")
    # when another rule claims the same key, then registration fails loudly; the same rule again is a no-op
    with pytest.raises(RuntimeError):
        registry.add_read_rule(ReadRule(key=known.key, model=known.model, rows=lambda user: None))
    registry.add_read_rule(known)
    assert sum(1 for r in registry.read_rules if r.key == known.key) == 1


def test_quote_and_approval_entries_on_the_customer_timeline_follow_the_quote(
    org: Any, execs: dict[str, Any], customer: Any, make_quote: Any
) -> None:
    # given a quote of the customer's owner, submitted for approval (audit entries on the quote and its request)
    services.quote_submit(actor=org["east_rep"], quote=make_quote(org["east_rep"], customer, "0.5", title="保密的报价"))
    # when finance (customers in all data, but no quotes) opens the customer's changes
    finance_page = signed_in(execs["finance"]).get(f"/customers/{customer.pk}/", {"type": "change"})
    # then neither the quote's nor its approval request's entries are there
    assert finance_page.status_code == 200 and "保密的报价" not in finance_page.content.decode()
    # while the owner reads both
    owner_page = signed_in(org["east_rep"]).get(f"/customers/{customer.pk}/", {"type": "change"}).content.decode()
    # (each timeline line starts with its record: "Quote BJ… 保密的报价", "Approval request …")
    assert 'gx-record">Quote ' in owner_page and 'gx-record">Approval request ' in owner_page
    assert "保密的报价" in owner_page
