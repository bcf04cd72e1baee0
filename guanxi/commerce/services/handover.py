"""Hand-over of a leaver's unfinished quotes and contracts (drafts) to a successor when the account is closed.

Quotes and contracts past the draft (in approval, sent, signed…) keep the leaver's name: they record who quoted
and signed; the customer they belong to moves to the successor anyway (customers app).
"""

from __future__ import annotations

from django.db.models import Model

from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, model_update
from guanxi.org.models import User

from ..models import Contract, Quote


def _drafts_hand_over(model: type[Model], *, actor: User, leaving: User, successor: User) -> int:
    moved = 0
    drafts = model._default_manager.filter(owner=leaving, status="draft")
    for document in drafts.select_for_update(of=("self",)):
        model_update(
            instance=document,
            data={"owner": successor, "department": successor.department},
            actor=actor,
            audit=False,
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.TRANSFER,
            obj=document,
            changes={"owner": [str(leaving), str(successor)]},
        )
        moved += 1
    return moved


def quotes_hand_over(*, actor: User, leaving: User, successor: User) -> int:
    """A leaver's draft quotes go to the successor and their department, audited per quote."""
    return _drafts_hand_over(Quote, actor=actor, leaving=leaving, successor=successor)


def contracts_hand_over(*, actor: User, leaving: User, successor: User) -> int:
    """A leaver's draft contracts go to the successor and their department, audited per contract."""
    return _drafts_hand_over(Contract, actor=actor, leaving=leaving, successor=successor)
