"""Overdue reminders for receivables (催款), a daily periodic job.

For every unpaid instalment of an approved/signed contract: on the due date the owner hears; at the first
and second overdue thresholds (policies: 7 and 30 days by default) the owner and every active user with the
sales_management role hear. Each stage is sent once per instalment (notification dedupe keys), so running the
job twice a day, or catching up after a missed day, never repeats a reminder.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.money import format_cny
from guanxi.core.services import notify
from guanxi.org.models import User

from ..models import Instalment
from ..policies import CHASER_ROLE, RECEIVABLE_STATUSES, reminder_policy, reminder_stage


def receivables_send_reminders(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send the due / overdue reminders that are due today; returns how many notifications were created."""
    today = timezone.localdate(now or timezone.now())
    policy = reminder_policy()
    chasers = list(User.objects.filter(is_active=True, roles__code=CHASER_ROLE).distinct())
    sent = {"due": 0, "overdue_1": 0, "overdue_2": 0}
    unpaid = (
        Instalment.objects.filter(
            paid__lt=F("amount"),
            due_date__lte=today,
            contract__status__in=RECEIVABLE_STATUSES,
            contract__deleted_at__isnull=True,
        )
        .select_related("contract", "contract__owner", "contract__customer")
        .order_by("due_date", "id")
    )
    for inst in unpaid:
        days = (today - inst.due_date).days
        stage = reminder_stage(days, policy)
        if stage is None:
            continue
        contract = inst.contract
        params = {
            "customer": contract.customer.name,
            "number": contract.number,
            "n": inst.sequence,
            "left": format_cny(inst.remaining),
            "days": days,
            "date": inst.due_date.isoformat(),
        }
        if stage == "due":
            title = _("Payment due today: %(customer)s, contract %(number)s instalment %(n)s, %(left)s") % params
            recipients = [contract.owner]
        else:
            title = (
                _("Overdue %(days)s days: %(customer)s, contract %(number)s instalment %(n)s, %(left)s unpaid") % params
            )
            recipients = [contract.owner, *[u for u in chasers if u.pk != contract.owner_id]]
        url = reverse("billing:contract_money", args=[contract.pk])
        for user in recipients:
            note = notify(
                recipient=user,
                kind=f"receivable_{stage}",
                title=title,
                url=url,
                level="info" if stage == "due" else "warning",
                dedupe_key=f"receivable:{inst.pk}:{stage}",
            )
            sent[stage] += note is not None
    return sent
