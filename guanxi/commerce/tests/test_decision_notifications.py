"""One approval decision gives each person one notification: the applicant hears it from the approval engine,
the document's owner (when someone else applied) from the document."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from guanxi.approvals.selectors import approval_open_for
from guanxi.approvals.services import approval_approve, approval_reject
from guanxi.commerce import services
from guanxi.core.models import Notification

pytestmark = pytest.mark.django_db


def decision_notes(*users: Any) -> Counter[str]:
    notes = Notification.objects.filter(recipient__in=users).exclude(kind__in=["approval_reminder"])
    return Counter(n.recipient.username for n in notes if not n.title_text.startswith("Approval needed"))


def test_an_approved_quote_tells_its_owner_once(org: Any, execs: Any, customer: Any, make_quote: Any) -> None:
    # given the rep's quote at 4.8折, waiting for the president's assistant
    quote = services.quote_submit(actor=org["east_rep"], quote=make_quote(org["east_rep"], customer, "0.48"))
    # when it is approved
    approval_approve(actor=execs["assistant"], request=approval_open_for(quote), comment="同意")
    # then the rep, who applied and owns it, has one notification about it (not "Approved" and "Quote … approved")
    assert decision_notes(org["east_rep"]) == Counter({"east_rep": 1})


def test_a_rejected_contract_tells_its_owner_once(org: Any, execs: Any, customer: Any) -> None:
    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "100000"})
    services.contract_submit(actor=org["east_rep"], contract=contract)
    approval_reject(actor=org["east_manager"], request=approval_open_for(contract), comment="条款要改")
    assert decision_notes(org["east_rep"]) == Counter({"east_rep": 1})
    note = Notification.objects.get(recipient=org["east_rep"], kind="approval")
    assert note.body == "条款要改" and note.url.endswith(f"/contracts/{contract.pk}/")


def test_an_owner_who_did_not_apply_still_hears_of_the_decision(
    org: Any, execs: Any, customer: Any, make_quote: Any
) -> None:
    # given a quote of the rep that the manager submitted
    quote = make_quote(org["east_rep"], customer, "0.48")
    services.quote_submit(actor=org["east_manager"], quote=quote)
    # when the assistant approves it
    approval_approve(actor=execs["assistant"], request=approval_open_for(quote))
    # then the applicant (manager) and the owner (rep) each hear it once
    assert decision_notes(org["east_rep"], org["east_manager"]) == Counter({"east_rep": 1, "east_manager": 1})
