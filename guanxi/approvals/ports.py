"""What the approval engine provides through core's ports (guanxi/core/ports.py): the engine itself, for org's
permission change requests (org sits below approvals). providers.py registers it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Model

from guanxi.core.ports import ApprovalEngine


class Engine:
    """core's ApprovalEngine port: org's permission change requests are approved here."""

    def submit(
        self,
        *,
        actor: Any,
        document: Model,
        kind: str,
        facts: dict[str, Any],
        title: str,
        amount: Decimal | None = None,
        currency: str = "CNY",
    ) -> Any:
        from .services import approval_submit

        return approval_submit(
            actor=actor, document=document, kind=kind, facts=facts, title=title, amount=amount, currency=currency
        )

    def involves(self, *, user: Any, document: Model) -> bool:
        from .selectors import approval_involves

        return approval_involves(user=user, document=document)

    def seed_rules(self, specs: list[dict[str, Any]]) -> int:
        from .defaults import ensure_kind_rules

        return ensure_kind_rules(specs)


approval_engine: ApprovalEngine = Engine()
