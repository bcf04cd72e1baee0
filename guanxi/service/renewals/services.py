"""Writes of renewals (续保 / 续约): the worker opens the renewal list and sends the reminders; the owner marks a
renewal renewing or not renewing (with a reason), renews it — a new term of the asset, the old one linked to it —
or opens a renewal opportunity in sales. Each write is one transaction, permission-checked through the
customer's data scope and audited; administrators edit the window and the reminder lead times."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import InvalidStateError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_date, clean_text, field_error, pick
from guanxi.core.services import audit_record, model_create, model_update, notify, soft_delete
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404, require_permission

from ..models import Asset
from .models import REMINDER_DAYS_DEFAULT, WINDOW_DAYS_DEFAULT, Renewal, RenewalSettings

WINDOW_DAYS_MAX = 730
REMINDERS_MAX = 10
RENEWAL_CHANGES = ("renewals",)


# --- settings ----------------------------------------------------------------------------------------------
def renewal_settings() -> RenewalSettings:
    return RenewalSettings.objects.order_by("id").first() or RenewalSettings(
        window_days=WINDOW_DAYS_DEFAULT, reminder_days=list(REMINDER_DAYS_DEFAULT)
    )


def _reminder_days(value: Any) -> list[int]:
    """ "60, 30, 7" (or a list) → [60, 30, 7]: whole days, distinct, largest first."""
    parts = value if isinstance(value, list | tuple) else str(value or "").replace("，", ",").split(",")
    days: set[int] = set()
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        try:
            day = int(text)
        except ValueError:
            day = -1
        if not 0 <= day <= WINDOW_DAYS_MAX:
            raise field_error(
                "reminder_days", _("Enter whole numbers of days between 0 and %(max)s, separated by commas.")
                % {"max": WINDOW_DAYS_MAX},
            )  # fmt: skip
        days.add(day)
    if len(days) > REMINDERS_MAX:
        raise field_error("reminder_days", _("At most %(max)s reminders.") % {"max": REMINDERS_MAX})
    return sorted(days, reverse=True)


@transaction.atomic
def renewal_settings_update(*, actor: User, data: dict[str, Any]) -> RenewalSettings:
    """An administrator (org.admin) sets the renewal window and the reminder lead times. Audited."""
    require_permission(actor, "org.admin")
    data = pick(data, {"window_days", "reminder_days"})
    try:
        window = int(str(data.get("window_days", "")).strip())
    except ValueError:
        window = -1
    if not 1 <= window <= WINDOW_DAYS_MAX:
        msg = _("Enter a whole number of days between 1 and %(max)s.") % {"max": WINDOW_DAYS_MAX}
        raise ValidationFailed(msg, fields={"window_days": [msg]})
    values = {"window_days": window, "reminder_days": _reminder_days(data.get("reminder_days"))}
    current = RenewalSettings.objects.select_for_update(of=("self",)).order_by("id").first()
    if current is None:
        return model_create(instance=RenewalSettings(**values), actor=actor)
    current, _c = model_update(instance=current, data=values, actor=actor)
    return current


# --- the worker: open the list, remind the owners ---------------------------------------------------------
GRACE_DAYS = 30  # an asset that ended this recently still gets its renewal (entered late, or the worker was down)


def _in_window(asset: Asset, today: dt.date, window_days: int) -> bool:
    return (
        asset.status == Asset.Status.ACTIVE
        and asset.ends_on is not None
        and today - dt.timedelta(days=GRACE_DAYS) <= asset.ends_on <= today + dt.timedelta(days=window_days)
    )


def _open_one(asset: Asset, actor: User | None) -> Renewal:
    assert asset.ends_on is not None
    renewal = Renewal.objects.create(
        asset=asset, customer=asset.customer, ends_on=asset.ends_on, owner=asset.customer.owner
    )
    audit_record(actor=actor, action="create", obj=renewal, message=Message(gettext_noop("Renewal opened")))
    return renewal


def renewal_open_for(*, asset: Asset, actor: User | None = None, today: dt.date | None = None) -> Renewal | None:
    """The moment an asset is saved (by hand, import or a shipment): open its renewal now when its end date is
    within the renewal window and it has none for that end date yet, rather than at the worker's next run. Runs
    inside the caller's transaction (the asset's save), audited as the actor's.

    An undecided renewal of an end date the asset no longer has follows the asset: moved to the new end date
    (its reminders start again) when that is within the window, else withdrawn; a decided one stays as history."""
    in_window = asset.ends_on is not None and _in_window(
        asset, today or timezone.localdate(), renewal_settings().window_days
    )
    ends_on = asset.ends_on
    taken = in_window and ends_on is not None and Renewal.all_objects.filter(asset=asset, ends_on=ends_on).exists()
    stale = Renewal.objects.filter(asset=asset, status=Renewal.Status.UNDECIDED)
    if ends_on is not None:
        stale = stale.exclude(ends_on=ends_on)
    moved = None
    for renewal in stale.select_for_update():
        if in_window and not taken and moved is None:
            moved, _changes = model_update(
                instance=renewal, data={"ends_on": ends_on, "reminded_days": []}, actor=actor
            )
        else:
            soft_delete(instance=renewal, actor=actor)
    if moved is not None or not in_window or taken:
        return moved
    return _open_one(asset, actor)


def renewals_open(*, today: dt.date | None = None) -> int:
    """A renewal for each asset in force whose end date is within the window and has none for that end date yet,
    owned by the customer's owner. Returns how many were opened."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=renewal_settings().window_days)
    has_one = Renewal.all_objects.filter(asset=OuterRef("pk"), ends_on=OuterRef("ends_on"))
    due = (
        Asset.objects.filter(status=Asset.Status.ACTIVE, ends_on__isnull=False, ends_on__lte=horizon)
        .filter(ends_on__gte=today - dt.timedelta(days=GRACE_DAYS))
        .exclude(Exists(has_one))
        .select_related("customer")
    )
    opened = 0
    for asset in due.iterator(chunk_size=500):
        with transaction.atomic():
            _open_one(asset, None)
        opened += 1
    return opened


def renewals_remind(*, today: dt.date | None = None) -> int:
    """Tell each open renewal's owner once per lead time reached (the nearest one when several are reached
    at once, e.g. a renewal opened late). Returns how many reminders went out."""
    today = today or timezone.localdate()
    lead_times = renewal_settings().reminder_days or []
    if not lead_times:
        return 0
    furthest = today + dt.timedelta(days=max(lead_times))
    sent = 0
    rows = Renewal.objects.filter(
        status__in=(Renewal.Status.UNDECIDED, Renewal.Status.RENEWING), owner__isnull=False, ends_on__lte=furthest
    ).select_related("owner", "asset", "customer")
    for renewal in rows.iterator(chunk_size=500):
        days_left = (renewal.ends_on - today).days
        reached = [d for d in lead_times if days_left <= d and d not in (renewal.reminded_days or [])]
        if not reached:
            continue
        Renewal.objects.filter(pk=renewal.pk).update(reminded_days=sorted({*renewal.reminded_days, *reached}))
        nearest = min(reached)
        assert renewal.owner is not None
        notify(
            recipient=renewal.owner,
            kind="renewal_due",
            title=Message(
                gettext_noop("%(asset)s ends on %(date)s: renewal due"),
                {"asset": str(renewal.asset), "date": renewal.ends_on.isoformat()},
            ),
            body=renewal.customer.name,
            url=f"/service/renewals/{renewal.pk}/",
            dedupe_key=f"renewal-{renewal.pk}-{nearest}",
        )
        sent += 1
    return sent


def renewals_run() -> dict[str, int]:
    """The periodic job: open what came into the window, then remind."""
    return {"opened": renewals_open(), "reminded": renewals_remind()}


# --- the owner's decisions ------------------------------------------------------------------------------
def _for_change(actor: User, renewal: Renewal) -> Renewal:
    require_permission(actor, "assets.edit")
    return get_scoped_or_404(actor, Renewal.objects.select_for_update(of=("self",)), renewal.pk, "edit")


@transaction.atomic
def renewal_decide(*, actor: User, renewal: Renewal, status: str, reason: str = "") -> Renewal:
    """Mark a renewal undecided, renewing or not renewing (a reason is required); a renewed one is final."""
    renewal = _for_change(actor, renewal)
    if renewal.status == Renewal.Status.RENEWED:
        raise InvalidStateError(_("This renewal is already renewed."))
    allowed = {Renewal.Status.UNDECIDED, Renewal.Status.RENEWING, Renewal.Status.LOST}
    if status not in allowed:
        raise field_error("status", _("Choose one of the list."))
    reason = clean_text(reason, "reason", max_length=300, required=status == Renewal.Status.LOST)
    values: dict[str, Any] = {
        "status": status,
        "lost_reason": reason if status == Renewal.Status.LOST else "",
        "decided_at": timezone.now() if status == Renewal.Status.LOST else None,
    }
    renewal, _c = model_update(instance=renewal, data=values, actor=actor)
    return renewal


def _next_term(asset: Asset) -> tuple[dt.date, dt.date]:
    """The term after the current one: from the day after the end, as long as the current one (a year when the
    start is unknown)."""
    assert asset.ends_on is not None
    starts = asset.ends_on + dt.timedelta(days=1)
    length = (asset.ends_on - asset.starts_on) if asset.starts_on else dt.timedelta(days=364)
    return starts, starts + length


@transaction.atomic
def renewal_renew(*, actor: User, renewal: Renewal, data: dict[str, Any] | None = None) -> Renewal:
    """Renew: a new asset term (same customer, product and identifiers; a new policy number when given) from the
    day after the end, linked to this renewal, which becomes renewed."""
    from ..services import asset_create

    renewal = _for_change(actor, renewal)
    if renewal.status == Renewal.Status.RENEWED:
        raise InvalidStateError(_("This renewal is already renewed."))
    data = pick(data or {}, {"starts_on", "ends_on", "policy_number"})
    old = renewal.asset
    default_start, default_end = _next_term(Asset(starts_on=old.starts_on, ends_on=renewal.ends_on))
    starts = clean_date(data.get("starts_on"), "starts_on", required=False) or default_start
    ends = clean_date(data.get("ends_on"), "ends_on", required=False) or default_end
    if ends < starts:
        raise field_error("ends_on", _("The end date must not be before the start date."))
    policy = clean_text(data.get("policy_number"), "policy_number", max_length=60) or old.policy_number
    new = asset_create(
        actor=actor,
        data={
            "customer": old.customer_id, "kind": old.kind, "name": old.name, "product": old.product_id,
            "serial_number": old.serial_number, "plate_number": old.plate_number, "policy_number": policy,
            "previous_insurer": old.previous_insurer, "contract": None, "starts_on": starts, "ends_on": ends,
            "status": Asset.Status.ACTIVE, "address": old.address, "notes": old.notes,
        },
    )  # fmt: skip
    renewal, _c = model_update(
        instance=renewal,
        data={"status": Renewal.Status.RENEWED, "renewed_asset": new, "decided_at": timezone.now(), "lost_reason": ""},
        actor=actor,
    )
    return renewal


@transaction.atomic
def renewal_opportunity(*, actor: User, renewal: Renewal) -> Renewal:
    """Open a renewal opportunity in sales for the customer (the actor needs opportunities.create), linked to the
    renewal, which becomes renewing."""
    from guanxi.sales.opportunities.services import opportunity_create

    renewal = _for_change(actor, renewal)
    if not renewal.is_open:
        raise InvalidStateError(_("Only an open renewal gets a renewal opportunity."))
    if renewal.opportunity_id:
        raise InvalidStateError(_("This renewal already has an opportunity."))
    name = _("Renewal: %(asset)s") % {"asset": str(renewal.asset)}
    opp = opportunity_create(
        actor=actor,
        customer=renewal.customer,
        data={"name": name[:200], "expected_close_date": renewal.ends_on, "next_step": _("Renew before the end date")},
    )
    renewal, _c = model_update(
        instance=renewal, data={"opportunity": opp, "status": Renewal.Status.RENEWING}, actor=actor
    )
    return renewal
