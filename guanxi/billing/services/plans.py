"""Payment plans (回款计划): the instalments of a contract, which add up exactly to its amount.

An instalment with money on it (paid > 0) keeps its amount and due date; the others may be changed, added or
removed. `payment_plan_generate` proposes equal instalments or a percentage split (the last instalment takes
the rounding remainder) and saves it through `payment_plan_save`, so both follow the same rules.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from guanxi.commerce.models import Contract
from guanxi.core.errors import InvalidStateError, PreconditionFailedError, ValidationFailed
from guanxi.core.inputs import clean_amount, clean_date, clean_text, field_error
from guanxi.core.money import ZERO, format_cny
from guanxi.core.services import model_create, model_update, soft_delete
from guanxi.org.models import User
from guanxi.org.policies import ensure_in_scope

from ..models import Instalment
from ..money import split_equal, split_percent
from ..policies import PLAN_CLOSED_STATUSES
from ._common import contract_for, live_instalments

INSTALMENTS_MAX = 120


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def plan_version(contract: Contract) -> int:
    """A number that grows with every change to the plan (the plan's ETag): each created, changed or removed
    instalment adds at least one."""
    rows = Instalment.all_objects.filter(contract=contract).aggregate(
        v=Sum("version"), gone=Count("pk", filter=Q(deleted_at__isnull=False))
    )
    return int(rows["v"] or 0) + int(rows["gone"] or 0) + 1


def _clean_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not rows:
        raise field_error("instalments", _("Add at least one instalment."))
    if len(rows) > INSTALMENTS_MAX:
        raise field_error("instalments", _("At most %(max)s instalments.") % {"max": INSTALMENTS_MAX})
    clean = []
    for i, row in enumerate(rows, start=1):
        try:
            clean.append(
                {
                    "id": row.get("id"),
                    "due_date": clean_date(row.get("due_date"), "due_date"),
                    "amount": clean_amount(row.get("amount"), "amount"),
                    "note": clean_text(row.get("note"), "note"),
                }
            )
        except ValidationFailed as exc:
            details = "; ".join(m for msgs in exc.fields.values() for m in msgs)
            msg = _("Instalment %(n)s: %(error)s") % {"n": i, "error": details}
            raise field_error("instalments", msg)
    return clean


def payment_plan_save(
    *, actor: User, contract: Contract | int, instalments: list[dict[str, Any]], expected_version: int | None = None
) -> list[Instalment]:
    """Replace a contract's payment plan by `instalments` ([{id?, due_date, amount, note}], `id` keeps an
    existing instalment). Needs payments.edit on the contract. The amounts must add up exactly to the contract
    amount (the difference is named otherwise); instalments with payments keep their amount and due date.
    Instalments are numbered 1… by due date. Nothing is written when anything is refused."""
    with transaction.atomic():
        contract = contract_for(actor, contract, "edit", "payments")
        _check_plan_open(contract)
        _check_plan_version(contract, expected_version)
        rows = _clean_rows(instalments)
        _check_plan_total(contract, rows)
        existing = {i.pk: i for i in live_instalments(contract, lock=True)}
        kept = _match_kept_instalments(rows, existing)
        _remove_dropped_instalments(actor, existing, kept)
        saved = _save_in_due_order(actor, contract, rows, existing)
        for inst in saved:
            ensure_in_scope(actor, inst, "view", module="payments")
    return saved


def _check_plan_open(contract: Contract) -> None:
    if contract.status in PLAN_CLOSED_STATUSES:
        raise InvalidStateError(_("The contract is terminated: its payment plan cannot change."))


def _check_plan_version(contract: Contract, expected_version: int | None) -> None:
    """Refuse a plan edited from a version someone else has changed since (412)."""
    if expected_version is not None and int(expected_version) != plan_version(contract):
        raise PreconditionFailedError(
            _(
                "This payment plan was changed by someone else (version %(current)s, yours %(yours)s). "
                "Reload and try again."
            )
            % {"current": plan_version(contract), "yours": expected_version}
        )


def _check_plan_total(contract: Contract, rows: list[dict[str, Any]]) -> None:
    """The instalments add up exactly to the contract amount; otherwise the difference is named."""
    total = sum((r["amount"] for r in rows), ZERO)
    if total != contract.amount:
        difference = total - contract.amount
        msg = _(
            "The instalments add up to %(total)s but the contract amount is %(amount)s: %(difference)s %(word)s."
        ) % {
            "total": format_cny(total),
            "amount": format_cny(contract.amount),
            "difference": format_cny(abs(difference)),
            "word": _("too much") if difference > 0 else _("missing"),
        }
        raise field_error("instalments", msg)


def _match_kept_instalments(rows: list[dict[str, Any]], existing: dict[int, Instalment]) -> set[int]:
    """The existing instalments the rows keep (by `id`, made an int in the row); an instalment with payments
    keeps its amount and due date."""
    kept: set[int] = set()
    for row in rows:
        if row["id"] is None:
            continue
        try:
            pk = int(row["id"])
        except (TypeError, ValueError):
            pk = -1
        if pk not in existing or pk in kept:
            raise field_error("instalments", _("Unknown instalment %(id)s.") % {"id": row["id"]})
        row["id"] = pk
        kept.add(pk)
        old = existing[pk]
        if old.paid > 0 and (old.amount != row["amount"] or old.due_date != row["due_date"]):
            raise field_error(
                "instalments",
                _("Instalment %(n)s already has payments: its amount and due date cannot change.")
                % {"n": old.sequence},
            )
    return kept


def _remove_dropped_instalments(actor: User, existing: dict[int, Instalment], kept: set[int]) -> None:
    """Soft-delete the instalments the new plan leaves out; one with payments cannot be left out."""
    dropped = [old for pk, old in existing.items() if pk not in kept]
    for old in dropped:
        if old.paid > 0:
            raise field_error(
                "instalments",
                _("Instalment %(n)s already has payments: it cannot be removed.") % {"n": old.sequence},
            )
    for old in dropped:
        soft_delete(instance=old, actor=actor)


def _save_in_due_order(
    actor: User, contract: Contract, rows: list[dict[str, Any]], existing: dict[int, Instalment]
) -> list[Instalment]:
    """Write the rows numbered 1… by due date (ties keep their order), updating kept instalments in place."""
    ordered = sorted(enumerate(rows), key=lambda pair: (pair[1]["due_date"], pair[0]))
    final = {row["id"]: seq for seq, (_i, row) in enumerate(ordered, start=1) if row["id"] is not None}
    # Renumber without tripping over the unique (contract, sequence): kept rows whose number changes step
    # aside first; the others keep a number nobody else will take.
    moving = [pk for pk, seq in final.items() if existing[pk].sequence != seq]
    Instalment.objects.filter(pk__in=moving).update(sequence=F("sequence") + 100_000)
    saved: list[Instalment] = []
    for sequence, (_index, row) in enumerate(ordered, start=1):
        values = {"sequence": sequence, "due_date": row["due_date"], "amount": row["amount"], "note": row["note"]}
        if row["id"] is not None:
            inst = existing[row["id"]]
            if row["id"] in moving:
                inst.sequence += 100_000
            inst, _changes = model_update(instance=inst, data=values, actor=actor)
        else:
            fresh = Instalment(contract=contract, currency=contract.currency, **values)
            inst = model_create(instance=fresh, actor=actor)
        saved.append(inst)
    return saved


def plan_proposal(
    *,
    amount: Decimal,
    first_due_date: dt.date,
    count: int | None = None,
    percents: list[Any] | None = None,
    months_between: int = 1,
) -> list[dict[str, Any]]:
    """Instalments for "N equal parts" or "by percentages" (30/60/10), one every `months_between` months."""
    if not 0 <= months_between <= 24:
        raise field_error("months_between", _("Enter a number of months between 0 and 24."))
    if percents:
        try:
            parts = [Decimal(str(p)) for p in percents]
        except (InvalidOperation, ValueError):
            raise field_error("percents", _("Enter numbers, e.g. 30, 60, 10."))
        if len(parts) > INSTALMENTS_MAX or any(not p.is_finite() or p <= 0 for p in parts):
            raise field_error("percents", _("Each percentage must be above 0."))
        if sum(parts, Decimal(0)) != 100:
            raise field_error(
                "percents",
                _("The percentages add up to %(sum)s, not 100.") % {"sum": f"{sum(parts, Decimal(0)).normalize():f}"},
            )
        amounts = split_percent(amount, parts)
    else:
        if count is None or not 1 <= count <= INSTALMENTS_MAX:
            raise field_error(
                "count", _("Enter a number of instalments between 1 and %(max)s.") % {"max": INSTALMENTS_MAX}
            )
        amounts = split_equal(amount, count)
    return [
        {"due_date": add_months(first_due_date, i * months_between), "amount": value, "note": ""}
        for i, value in enumerate(amounts)
    ]


def payment_plan_generate(
    *,
    actor: User,
    contract: Contract | int,
    first_due_date: Any,
    count: int | None = None,
    percents: list[Any] | None = None,
    months_between: int = 1,
) -> list[Instalment]:
    """Replace a plan with nothing paid on it by equal instalments or a percentage split of the contract amount."""
    with transaction.atomic():
        locked = contract_for(actor, contract, "edit", "payments")
        if any(i.paid > 0 for i in live_instalments(locked)):
            raise InvalidStateError(_("Payments are already booked on this plan: edit the instalments instead."))
        first = clean_date(first_due_date, "first_due_date")
        rows = plan_proposal(
            amount=locked.amount, first_due_date=first, count=count, percents=percents, months_between=months_between
        )
        return payment_plan_save(actor=actor, contract=locked, instalments=rows)
