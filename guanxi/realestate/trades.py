"""Writes of the transaction chain (交易): unit selection (选房确认), small deposit (小定), subscription (认购) and
contract (签约), each converting the previous one, and their cancellation (退房, 换房) with a reason. Plain functions,
keyword-only, permission-checked, audited, one business action in one transaction each.

No double sale: depositing or subscribing moves the unit's status by one conditional UPDATE (services._move_status,
as holds do): of agents racing for one unit exactly one changes the row, the others get ConflictError; the partial
unique index re_trade_one_live_per_unit backs it up. The money side (the schedule, receipts, refunds) is in
receipts.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import ConflictError, InvalidStateError
from guanxi.core.inputs import clean_date, clean_decimal, clean_text, field_error, id_or_none
from guanxi.core.models import AuditLog
from guanxi.core.numbering import number_next, register_default_pattern
from guanxi.core.services import audit_record, model_update
from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.org.policies import require_permission, scope_queryset

from . import receipts
from .models import Deposit, PaymentScheme, Receipt, Trade, Unit
from .services import PRICE_MAX, _move_status

register_default_pattern("re_trade", "JY{yyyy}{mm}{dd}-{seq:03}")
register_default_pattern("re_selection", "XF{yyyy}{mm}{dd}-{seq:03}")
register_default_pattern("re_deposit", "XD{yyyy}{mm}{dd}-{seq:03}")
register_default_pattern("re_subscription", "RG{yyyy}{mm}{dd}-{seq:03}")
register_default_pattern("re_contract", "HT{yyyy}{mm}{dd}-{seq:03}")

SUBSCRIPTION_KIND = "re_subscription"  # the approval kind (providers.py)
DEPOSIT_DAYS_MAX = 90
Stage = Trade.Stage
UnitStatus = Unit.Status
# The unit's status at each stage of its live trade.
UNIT_STATUS = {
    Stage.DEPOSIT: UnitStatus.DEPOSIT,
    Stage.SUBSCRIBED: UnitStatus.SUBSCRIBED,
    Stage.SIGNED: UnitStatus.SIGNED,
    Stage.PAID_UP: UnitStatus.PAID_UP,
}
NO_HOLD = {"hold_reason": "", "held_until": None, "held_by_id": None}


# --- helpers ------------------------------------------------------------------------------------------
def _unit(value: Unit | int | Any, actor: User) -> Unit:
    """A unit of a project the actor works on (403 otherwise, before anything changes)."""
    from .selectors import require_project

    pk = id_or_none(value.pk if isinstance(value, Unit) else value)
    unit = Unit.objects.select_related("building__project").filter(pk=pk).first() if pk else None
    if unit is None:
        raise field_error("unit", _("Choose one of the list."))
    require_project(actor, unit.building.project_id)
    return unit


def _customer(actor: User, value: Customer | int | Any) -> Customer:
    """The buyer: a customer the actor may see (their data scope decides, as everywhere)."""
    pk = id_or_none(value.pk if isinstance(value, Customer) else value) or 0
    found = scope_queryset(actor, Customer.objects.all(), "view", module="customers").filter(pk=pk).first()
    if found is None:
        raise field_error("customer", _("Choose one of the list."))
    return found


def _scheme(unit: Unit, value: Any) -> PaymentScheme:
    pk = id_or_none(value.pk if isinstance(value, PaymentScheme) else value) or 0
    scheme = PaymentScheme.objects.filter(project_id=unit.building.project_id, pk=pk, is_active=True).first()
    if scheme is None:
        raise field_error("scheme", _("Choose one of the list."))
    return scheme


def _money(value: Any, field: str, *, low: str = "0.01") -> Decimal:
    return clean_decimal(value, field, low=Decimal(low), high=PRICE_MAX)


def trade_lock(trade: Trade | int) -> Trade:
    """The trade, locked for the rest of the transaction (FOR UPDATE OF the trade only: PostgreSQL)."""
    pk = trade.pk if isinstance(trade, Trade) else int(trade)
    return (
        Trade.objects.select_for_update(of=("self",))
        .select_related("unit__building__project", "customer", "scheme")
        .get(pk=pk)
    )


def _reserve(*, actor: User, unit: Unit, to: str) -> None:
    """Move an available unit (or one the actor holds) to `to` in one conditional UPDATE, or ConflictError."""
    from_ = [UnitStatus.AVAILABLE]
    if unit.status == UnitStatus.HELD and unit.held_by_id == actor.pk:
        from_.append(UnitStatus.HELD)
    if not _move_status(actor=actor, unit_ids=[unit.pk], from_=tuple(from_), to=to, extra=NO_HOLD):
        raise ConflictError(_("The unit is no longer available."))
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=unit, changes={"status": [unit.status, to]})


def advance_unit(*, unit_id: int, from_: str, to: str, actor: User | None, why: str = "") -> None:
    """Move the unit of a trade on (deposit → subscribed → signed, or back on sale); it must be where the trade
    left it (ConflictError otherwise). Audited on the unit."""
    extra = NO_HOLD if to == UnitStatus.AVAILABLE else {}
    if not _move_status(actor=actor, unit_ids=[unit_id], from_=(from_,), to=to, extra=extra):  # type: ignore[arg-type]
        raise ConflictError(_("The unit's status changed meanwhile: reload the page."))
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=Unit.objects.get(pk=unit_id),
        changes={"status": [from_, to]},
        message=why,
    )


def _stage(trade: Trade, stage: str, *, actor: User | None, **more: Any) -> Trade:
    old = trade.stage
    trade, _changes = model_update(instance=trade, data={"stage": stage, **more}, actor=actor, audit=False)
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=trade,
        changes={"stage": [old, stage], **{k: [None, str(v)] for k, v in more.items()}},
    )
    return trade


def _new_trade(*, actor: User, unit: Unit, customer: Customer, stage: str, **extra: Any) -> Trade:
    trade = Trade(
        number=number_next("re_trade"),
        project_id=unit.building.project_id,
        unit=unit,
        customer=customer,
        agent=actor,
        stage=stage,
        list_price=unit.total_price,
        **extra,
    )
    try:
        with transaction.atomic():
            trade.save(force_insert=True)
    except IntegrityError:
        # the partial unique index: another live trade holds the unit (the status update should have said so)
        raise ConflictError(_("The unit is no longer available.")) from None
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=trade,
        changes={"stage": [None, stage], "unit": [None, str(unit)], "customer": [None, str(customer)]},
    )
    return trade


def _trade_of(actor: User, trade: Trade | int, action: str) -> Trade:
    """The trade locked, within the actor's data scope for the action (404-like error otherwise)."""
    require_permission(actor, f"re_sales.{action}")
    from .selectors import in_project_scope

    pk = trade.pk if isinstance(trade, Trade) else id_or_none(trade)
    if not pk or not in_project_scope(actor, scope_queryset(actor, Trade.objects.filter(pk=pk), action)).exists():
        raise field_error("trade", _("Choose one of the list."))
    return trade_lock(pk)


# --- 八、选房 — unit selection ------------------------------------------------------------------------------
def selection_confirm(
    *, actor: User, unit: Unit | int, customer: Customer | int, scheme: Any = None, notes: str = ""
) -> Trade:
    """The buyer picked this unit (选房确认单): a trade starts, the unit stays on sale until the deposit."""
    require_permission(actor, "re_sales.create")
    unit = _unit(unit, actor)
    buyer = _customer(actor, customer)
    if unit.status not in (UnitStatus.AVAILABLE, UnitStatus.HELD) or unit.total_price is None:
        raise InvalidStateError(_("Only an available, priced unit can be selected."))
    with transaction.atomic():
        return _new_trade(
            actor=actor,
            unit=unit,
            customer=buyer,
            stage=Stage.SELECTED,
            scheme=_scheme(unit, scheme) if scheme not in (None, "") else None,
            selected_on=timezone.localdate(),
            selection_number=number_next("re_selection"),
            notes=clean_text(notes, "notes", max_length=2000, multiline=True),
        )


# --- 小定 — small deposit -----------------------------------------------------------------------------------
def deposit_take(
    *,
    actor: User,
    amount: Any,
    expires_on: Any,
    trade: Trade | int | None = None,
    unit: Unit | int | None = None,
    customer: Customer | int | None = None,
    method: str = Receipt.Method.TRANSFER,
) -> Deposit:
    """Take a small deposit (小定): the unit moves to "small deposit" atomically (exactly one of racing agents
    wins), the trade (a selected one, or a new one for the unit and buyer) reaches the deposit stage, and the sum is
    received on a numbered receipt. After `expires_on` the unit returns to sale by itself (deposits_expire)."""
    require_permission(actor, "re_sales.create")
    amount = _money(amount, "amount")
    today = timezone.localdate()
    expires = clean_date(expires_on, "expires_on")
    if expires < today or expires > today + dt.timedelta(days=DEPOSIT_DAYS_MAX):
        raise field_error(
            "expires_on", _("Choose a day from today to %(days)s days ahead.") % {"days": DEPOSIT_DAYS_MAX}
        )
    if method not in Receipt.Method.values:
        raise field_error("method", _("Choose one of the list."))
    with transaction.atomic():
        if trade is not None:
            found = _trade_of(actor, trade, "create")
            if found.stage != Stage.SELECTED:
                raise InvalidStateError(_("Only a selected unit's trade takes a small deposit."))
            _reserve(actor=actor, unit=found.unit, to=UnitStatus.DEPOSIT)
            found = _stage(found, Stage.DEPOSIT, actor=actor)
        else:
            the_unit = _unit(unit, actor)
            buyer = _customer(actor, customer)
            if the_unit.total_price is None:
                raise InvalidStateError(_("Only an available, priced unit can be selected."))
            _reserve(actor=actor, unit=the_unit, to=UnitStatus.DEPOSIT)
            found = _new_trade(actor=actor, unit=the_unit, customer=buyer, stage=Stage.DEPOSIT)
        deposit = Deposit.objects.create(
            trade=found,
            number=number_next("re_deposit"),
            amount=amount,
            paid_on=today,
            expires_on=expires,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            obj=deposit,
            changes={"amount": [None, str(amount)], "expires_on": [None, expires.isoformat()]},
        )
        receipts.receipt_write(
            trade=found,
            kind=Receipt.Kind.SMALL_DEPOSIT,
            amount=amount,
            method=method,
            received_on=today,
            actor=actor,
            payer=str(found.customer),
        )
    return deposit


def deposits_expire(*, today: dt.date | None = None) -> int:
    """The worker's job: small deposits past their expiry lapse, their units return to sale and their agents hear
    of it. What was paid stays on the trade for finance to refund (or keep, as the deposit terms say)."""
    today = today or timezone.localdate()
    done = 0
    due = Deposit.objects.filter(status=Deposit.Status.ACTIVE, expires_on__lt=today, trade__stage=Stage.DEPOSIT)
    for deposit_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            deposit = Deposit.objects.select_for_update().get(pk=deposit_id)
            trade = trade_lock(deposit.trade_id)
            if deposit.status != Deposit.Status.ACTIVE or trade.stage != Stage.DEPOSIT:
                continue
            release_unit(trade, actor=None)
            Deposit.objects.filter(pk=deposit.pk).update(status=Deposit.Status.EXPIRED)
            _stage(
                trade,
                Stage.CANCELLED,
                actor=None,
                cancelled_at=timezone.now(),
                cancel_kind=Trade.CancelKind.EXPIRED,
                cancel_reason=_("The small deposit expired on %(day)s.") % {"day": deposit.expires_on.isoformat()},
                cancelled_stage=Stage.DEPOSIT,
            )
            receipts.notify_agent(
                trade,
                kind="re_deposit_expired",
                title=_("Small deposit %(number)s expired: unit %(unit)s is back on sale")
                % {"number": deposit.number, "unit": trade.unit},
                key=f"re_deposit_expired:{deposit.pk}",
            )
            done += 1
    return done


def release_unit(trade: Trade, *, actor: User | None) -> None:
    """Put the unit of a live trade back on sale (cancellation, expiry, a rejected first subscription)."""
    status = UNIT_STATUS.get(trade.stage)  # type: ignore[call-overload]
    if status is not None:
        advance_unit(unit_id=trade.unit_id, from_=status, to=UnitStatus.AVAILABLE, actor=actor, why=str(trade))
