"""Fixtures of the approval tests: the company's executives in their positions, and a tiny test-only document
kind ("test_doc", on org's PartnerOrganisation) whose on_decided records outcomes and renames the document."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils.translation import gettext_lazy as _

from guanxi.approvals import kinds
from guanxi.approvals.kinds import DocumentKind, FactSpec
from guanxi.approvals.models import ApprovalRule, ApprovalRuleStep
from guanxi.org.tests.factories import PartnerOrganisationFactory, UserFactory

QUOTE_FACTS = {
    "min_discount_rate": FactSpec(_("Lowest discount"), "decimal"),
    "amount": FactSpec(_("Amount"), "decimal"),
    "department_id": FactSpec(_("Department"), "department"),
}
CONTRACT_FACTS = {
    **QUOTE_FACTS,
    "standard_template": FactSpec(_("Standard template"), "bool"),
}
EXPENSE_FACTS = {"amount": FactSpec(_("Amount"), "decimal"), "department_id": FactSpec(_("Department"), "department")}


class Decisions:
    """What on_decided received, in order."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = False

    def __call__(self, *, document: Any, outcome: str, actor: Any, comment: str) -> None:
        if self.fail:
            raise RuntimeError("document refused the outcome")
        self.calls.append({"document": document, "outcome": outcome, "actor": actor, "comment": comment})
        document.name = f"{document.name} [{outcome}]"
        document.save(update_fields=["name"])

    @property
    def outcomes(self) -> list[str]:
        return [c["outcome"] for c in self.calls]


@pytest.fixture
def decisions(monkeypatch: Any) -> Decisions:
    """Registers the test kind and stand-ins for the default kinds (restored after the test)."""
    recorder = Decisions()

    def url(doc: Any) -> str:
        return f"/test-doc/{doc.pk}/"

    def kind(code: str, label: Any, facts: dict[str, FactSpec]) -> DocumentKind:
        return DocumentKind(
            code=code,
            label=label,
            model="org.partnerorganisation",
            facts=facts,
            on_decided=recorder,
            url=url,
            summary=lambda doc: f"summary of {doc.name}",
        )

    for code, label, facts in [
        ("test_doc", "测试单", {"amount": FactSpec("金额", "decimal"), "urgent": FactSpec("加急", "bool")}),
        ("quote", _("quote"), QUOTE_FACTS),
        ("special_price", _("special price"), QUOTE_FACTS),
        ("contract", _("contract"), CONTRACT_FACTS),
        ("execution_order", _("execution order"), EXPENSE_FACTS),
        ("expense_claim", _("expense claim"), EXPENSE_FACTS),
    ]:
        monkeypatch.setitem(kinds._KINDS, code, kind(code, label, facts))
    return recorder


@pytest.fixture
def document(db: Any) -> Any:
    return PartnerOrganisationFactory(name="测试单据")


@pytest.fixture
def chain(org: Any, decisions: Decisions) -> dict[str, Any]:
    """A two-step test rule: 或签 by any of a1/a2, then 会签 by b1 and b2."""
    people = {k: UserFactory(username=k, department=org.east) for k in ("a1", "a2", "b1", "b2")}
    rule = ApprovalRule.objects.create(kind="test_doc", name="测试规则", priority=10, conditions=[])
    first = ApprovalRuleStep.objects.create(rule=rule, order=0, label="初审", approver_type="users", mode="any")
    first.users.set([people["a1"], people["a2"]])
    second = ApprovalRuleStep.objects.create(rule=rule, order=1, label="会签", approver_type="users", mode="all")
    second.users.set([people["b1"], people["b2"]])
    return {"rule": rule, "first": first, "second": second, **people}


def rate(text: str) -> Decimal:
    return Decimal(text)
