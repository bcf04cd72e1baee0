"""The approvals part of the demo company: the executives the default rules route to, in their positions.

Runs as a demo step (registry.add_demo_step) after the customers app built the users and before the apps
above submit demo quotes and contracts, so those approvals reach real people.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from guanxi.core.registry import registry
from guanxi.org.models import Position, Role
from guanxi.org.services import user_create, user_update

# username, name, position code (all at headquarters, reporting to the president)
DEMO_EXECUTIVES = [
    ("zhaomin", "赵敏", "president_assistant"),
    ("wutao", "吴涛", "rd_vp"),
    ("zhenghua", "郑华", "implementation_vp"),
]
# Demo users of the customers app moved into the positions of the default rules.
DEMO_POSITIONS = {"liuyang": "president", "chenjing": "sales_management_manager"}


def demo_approvals(*, result: Any, gen: Any, now: dt.datetime, progress: Any) -> None:
    progress("Approval positions and executives…")
    users = result.users
    admin = users["admin"]
    # The demo company (built by the customers app above) signs everyone in with one password and one mail
    # domain: the new executives take the administrator's, without this lower app importing that one.
    domain = admin.email.partition("@")[2] or "example.com"
    positions = {}
    for code, name in {c: n for d in registry.default_approval_rules for c, n in d.positions.items()}.items():
        positions[code] = Position.objects.filter(code=code).first() or Position.objects.create(code=code, name=name)
    for username, code in DEMO_POSITIONS.items():
        if username in users:
            users[username] = user_update(actor=admin, user=users[username], data={"position": positions[code]})
    executive = Role.objects.filter(code="executive").first()
    president = users.get("liuyang")
    hq = president.department if president is not None else None
    for username, name, code in DEMO_EXECUTIVES:
        if username in users:
            continue
        person = user_create(
            actor=admin,
            username=username,
            password=secrets.token_urlsafe(16),
            name=name,
            email=f"{username}@{domain}",
            department=hq,
            manager=president,
            roles=[executive] if executive else [],
            position=positions[code],
        )
        person.password = admin.password  # the same hash: the demo password
        person.save(update_fields=["password"])
        users[username] = person
    result.counts["approval_executives"] = len(DEMO_EXECUTIVES)


def demo_approve_all(document: Any, comment: str = "同意", at: dt.datetime | None = None) -> None:
    """Approve every step of the document's open request as the people it names (the demo's quotes, contracts
    and campaign budgets); with `at`, the request reads as submitted then and decided an hour later (the engine
    stamps the present, the story's document may be older)."""
    from .selectors import approval_open_for

    request = approval_open_for(document)
    _approve_open(document, comment)
    if at is not None and request is not None:
        _date_request(request.pk, submitted=at, decided=at + dt.timedelta(hours=1))


def _date_request(pk: int, *, submitted: dt.datetime, decided: dt.datetime) -> None:
    from .models import ApprovalAction, ApprovalAssignment, ApprovalRequest, ApprovalStep

    ApprovalRequest.objects.filter(pk=pk).update(submitted_at=submitted, decided_at=decided)
    ApprovalStep.objects.filter(request_id=pk).update(started_at=submitted, decided_at=decided)
    ApprovalAssignment.objects.filter(step__request_id=pk, decided_at__isnull=False).update(decided_at=decided)
    submit = ApprovalAction.Action.SUBMIT
    ApprovalAction.objects.filter(request_id=pk, action=submit).update(at=submitted)
    ApprovalAction.objects.filter(request_id=pk).exclude(action=submit).update(at=decided)


def _approve_open(document: Any, comment: str) -> None:
    from .selectors import approval_open_for
    from .services import approval_approve

    for _round in range(8):
        request = approval_open_for(document)
        if request is None:
            return
        step = request.steps.filter(status="pending").order_by("order").first()
        if step is None:
            return
        for assignment in list(step.assignments.filter(decision="")):
            approval_approve(actor=assignment.user, request=request, comment=comment)
            request.refresh_from_db()
            if not request.is_open:
                break
