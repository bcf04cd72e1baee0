"""The points ledger: every change of a member's points is one appended entry, and the member's balance moves
with it in the same transaction.

The balance moves by a conditional UPDATE (`points_balance >= spent`): two redemptions of the same points at the
same moment are decided by the database — on PostgreSQL the second waits for the first's row lock and re-checks
the condition, on SQLite writers are serialised by the IMMEDIATE transaction mode — so exactly one spends them
and the other is refused with nothing written. The balance can never go below zero (also a CHECK constraint).

Expiry is first in, first out: whatever was spent or expired consumed the oldest points first, so the points
that lapse by a day are the earned points due by then less everything consumed so far (never below zero). Running
the expiry twice expires nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import ConflictError, InvalidStateError
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_text, field_error
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record
from guanxi.org.models import User
from guanxi.org.policies import ensure_in_scope, require_permission

from .models import EarningRule, LoyaltyProgramme, Member, PointsEntry

POINTS_MAX = 100_000_000  # one entry's points: beyond any real purchase, below the integer column's range


def clean_points(value: Any, field: str = "points", *, allow_negative: bool = False) -> int:
    """A whole number of points (not zero; negative only for an adjustment), within POINTS_MAX."""
    try:
        number = int(str(value).strip()) if value not in (None, "") and not isinstance(value, bool | float) else None
    except ValueError:
        number = None
    if number is None:
        raise field_error(field, _("Enter a whole number of points."))
    low = -POINTS_MAX if allow_negative else 1
    if number == 0 or not low <= number <= POINTS_MAX:
        raise field_error(field, _("Enter a whole number of points between %(low)s and %(high)s, not 0.")
                          % {"low": low, "high": POINTS_MAX})  # fmt: skip
    return number


def _append(
    *,
    member: Member,
    kind: str,
    points: int,
    actor: User | None,
    source: str = "",
    rule: EarningRule | None = None,
    note: str = "",
    expires_on: dt.date | None = None,
    at: dt.datetime | None = None,
) -> PointsEntry:
    """Move the balance and append the entry, in the caller's transaction. A spend beyond the balance is
    refused (ConflictError) with nothing written."""
    moved = Member.all_objects.filter(pk=member.pk)
    if points < 0:
        moved = moved.filter(points_balance__gte=-points)
    if not moved.update(points_balance=F("points_balance") + points, updated_at=timezone.now()):
        raise ConflictError(_("Not enough points: the member's balance is lower than that."))
    balance = Member.all_objects.filter(pk=member.pk).values_list("points_balance", flat=True).get()
    member.points_balance = balance
    return PointsEntry.objects.create(
        member=member, kind=kind, points=points, source=source, rule=rule, note=note, expires_on=expires_on,
        balance_after=balance, created_by=actor, at=at or timezone.now(),
    )  # fmt: skip


def _expiry(day: dt.date | None = None) -> dt.date:
    return (day or timezone.localdate()) + dt.timedelta(days=LoyaltyProgramme.current().points_valid_days)


def _require_active(member: Member) -> None:
    if member.status != Member.Status.ACTIVE or member.deleted_at is not None:
        raise InvalidStateError(_("The membership is cancelled: its points cannot change."))


def points_earn(
    *,
    member: Member,
    points: int,
    source: str,
    rule: EarningRule | None,
    note: str = "",
    at: dt.datetime | None = None,
) -> PointsEntry | None:
    """Points earned by a rule (the worker: no actor). Each source earns once per member and rule: a second call
    for the same source writes nothing and answers None."""  # fmt: skip
    if member.status != Member.Status.ACTIVE:
        return None
    try:
        with transaction.atomic():
            day = timezone.localdate(at) if at else None
            return _append(member=member, kind=PointsEntry.Kind.EARN, points=points, actor=None, source=source,
                           rule=rule, note=note, expires_on=_expiry(day), at=at)  # fmt: skip
    except IntegrityError:  # earned already (a concurrent worker, or a second run)
        return None


@transaction.atomic
def points_redeem(*, actor: User, member: Member, points: Any, note: Any = "") -> PointsEntry:
    """The member spends points (a gift, a discount): refused when the balance is lower (409)."""
    require_permission(actor, "loyalty.edit")
    ensure_in_scope(actor, member, "edit")
    _require_active(member)
    spent = clean_points(points)
    entry = _append(member=member, kind=PointsEntry.Kind.REDEEM, points=-spent, actor=actor,
                    note=clean_text(note, "note", max_length=300))  # fmt: skip
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=member, changes={"points_balance": [None, entry.balance_after]},
        message=Message(gettext_noop("Redeemed %(points)s points"), {"points": spent}),
    )  # fmt: skip
    return entry


def points_due_to_expire(member_id: int, day: dt.date) -> int:
    """The points of a member that lapse by `day` and are not yet spent or expired (first in, first out)."""
    sums = PointsEntry.objects.filter(member_id=member_id).aggregate(
        due=Sum("points", filter=Q(points__gt=0, expires_on__lte=day)),
        consumed=Sum("points", filter=Q(points__lt=0)),
    )
    return max(0, (sums["due"] or 0) + (sums["consumed"] or 0))


def points_expire_due(*, today: dt.date | None = None) -> int:
    """The worker's daily job: each member's lapsed points leave as one "expired" entry. Returns the points
    expired."""
    day = today or timezone.localdate()
    candidates = (
        PointsEntry.objects.filter(points__gt=0, expires_on__lte=day, member__points_balance__gt=0)
        .values_list("member_id", flat=True)
        .distinct()
    )
    total = 0
    for member_id in list(candidates):
        with transaction.atomic():
            member = Member.all_objects.select_for_update(of=("self",)).get(pk=member_id)
            lapsed = min(points_due_to_expire(member_id, day), member.points_balance)
            if lapsed <= 0:
                continue
            _append(member=member, kind=PointsEntry.Kind.EXPIRE, points=-lapsed, actor=None)
            total += lapsed
    return total


def ledger_sum(member_id: int) -> int:
    """The sum of a member's ledger: always their balance (the tests hold the two together)."""
    return int(PointsEntry.objects.filter(member_id=member_id).aggregate(s=Sum("points"))["s"] or 0)
