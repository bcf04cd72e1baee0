"""A rep asks the people who record a contract's money (finance) to record its payment plan or payments.

Whoever may see the contract may ask; the recorders (billing.selectors.money_recorders) each get a notification
linking the contract. One audit row per ask; a second ask about the same contract by the same person within
ASK_INTERVAL is refused (429), so repeated clicks do not flood finance.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.commerce.models import Contract
from guanxi.core.errors import InvalidStateError, ThrottledError
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_text
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, notify
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404

from .. import selectors

ASK_INTERVAL = dt.timedelta(hours=1)
ASK_NOTE_MAX = 300
ASK_AUDIT = gettext_noop("Asked %(people)s to record the payment plan and payments")


def _contract_url(contract: Contract) -> str:
    """The contract's own page (commerce, below billing), opened on its money tab."""
    return reverse("commerce:contract_detail", args=[contract.pk]) + "#tab-money"


def last_money_ask(*, actor: User, contract: Contract) -> dt.datetime | None:
    """When the actor last asked finance about this contract (from the audit trail), or None."""
    return (
        AuditLog.objects.filter(
            actor_id=actor.pk,
            content_type=ContentType.objects.get_for_model(Contract),
            object_id=str(contract.pk),
            message_id=ASK_AUDIT,
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


def contract_money_ask(*, actor: User, contract: Contract | int, note: str = "") -> list[User]:
    """Notify the contract's money recorders that the actor asks them to record its plan and payments.
    Returns who was told."""
    pk = contract.pk if isinstance(contract, Contract) else contract
    with transaction.atomic():
        row = get_scoped_or_404(actor, Contract.objects.select_related("customer"), pk, "view", module="contracts")
        Contract.objects.select_for_update(of=("self",)).filter(pk=row.pk).first()  # one ask at a time
        now = timezone.now()
        last = last_money_ask(actor=actor, contract=row)
        if last is not None and now - last < ASK_INTERVAL:
            again = timezone.localtime(last + ASK_INTERVAL)
            raise ThrottledError(
                _("You asked at %(at)s; finance has been told. You can ask again after %(again)s.")
                % {"at": date_format(timezone.localtime(last), "H:i"), "again": date_format(again, "H:i")}
            )
        recorders = selectors.money_recorders(contract=row)
        people = {u.pk: u for u in recorders["plan"] + recorders["payments"] if u.pk != actor.pk}
        if not people:
            raise InvalidStateError(_("Nobody may record this contract's payments: ask your administrator."))
        text = clean_text(note, "note", max_length=ASK_NOTE_MAX)
        audit_record(
            actor=actor,
            action=AuditLog.Action.OTHER,
            obj=row,
            message=Message(ASK_AUDIT, {"people": "、".join(str(u) for u in people.values())}),
        )
        for user in people.values():
            notify(
                recipient=user,
                kind="contract_money_ask",
                title=Message(
                    gettext_noop("%(actor)s asks you to record the payment plan and payments of contract %(number)s"),
                    {"actor": str(actor), "number": row.number},
                ),
                body=text,
                url=_contract_url(row),
            )
    return list(people.values())
