"""A person's pool actions: returning a customer to the public pool (公海), claiming and assigning pool
customers. Permission-checked, transactional, audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from guanxi.core.errors import (
    ApplicationError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from guanxi.core.events import event_emit
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_ids, clean_text
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, model_update, notify
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404, has_permission, require_permission, scope_queryset

from ...models import Customer, PoolEvent
from .. import policies
from ..policies import PoolErrorCode, RuleBook
from .rules import pool_rulebook

# The longest reason a customer is returned to the pool with (Customer.pool_reason).
REASON_MAX = 300


@dataclass
class PoolActionResult:
    """What a bulk pool action did: ids done, and (id, reason) for each one skipped."""

    done: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return list(dict.fromkeys(reason for _pk, reason in self.skipped))


# --- returning, claiming, assigning ----------------------------------------------------------
def _clean_reason(reason: str | None) -> str:
    if not " ".join((reason or "").split()):
        msg = _("Give a reason for returning this customer to the pool.")
        raise ValidationFailed(msg, fields={"reason": [msg]})
    return clean_text(reason, "reason", max_length=REASON_MAX)


def customer_return_to_pool(
    *, actor: User, customer: Customer, reason: str, now: dt.datetime | None = None
) -> Customer:
    """Put a customer in the public pool: its owner gives it up with a reason, or a manager holding
    customers.assign releases a customer within that scope. The former owner is told when it was not them."""
    reason = _clean_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        customer = get_scoped_or_404(
            actor, Customer.objects.select_related("owner").select_for_update(of=("self",)), customer.pk, "view"
        )
        old_owner = customer.owner
        if old_owner is None:
            raise InvalidStateError(_("This customer is already in the public pool."), code=PoolErrorCode.NOT_OWNED)
        by_owner = old_owner.pk == actor.pk
        if not by_owner:
            _require_release_right(actor, customer)
        model_update(
            instance=customer,
            data={
                "owner": None,
                "previous_owner": old_owner,
                "pool_entered_at": now,
                "pool_reason": reason,
                "pool_warning": 0,
            },
            actor=actor,
            audit=False,
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.TRANSFER,
            obj=customer,
            changes={"owner": [str(old_owner), None]},
            message=Message(gettext_noop("Returned to the public pool: %(reason)s"), {"reason": reason}),
        )
        PoolEvent.objects.create(
            customer=customer,
            action=PoolEvent.Action.RETURNED if by_owner else PoolEvent.Action.RELEASED,
            user=old_owner,
            actor=actor,
            at=now,
            reason=reason,
        )
        if not by_owner:
            _notify_released(actor, customer, old_owner, reason)
        event_emit("customer.returned_to_pool", obj=customer, actor=actor)
    return customer


def _require_release_right(actor: User, customer: Customer) -> None:
    """Someone other than the owner releases a customer only with customers.assign over it."""
    if not (
        has_permission(actor, "customers.assign")
        and scope_queryset(actor, Customer.objects.filter(pk=customer.pk), "assign").exists()
    ):
        raise PermissionDeniedError(
            _("Only the owner, or a manager who may assign this customer, can put it in the public pool.")
        )


def _notify_released(actor: User, customer: Customer, old_owner: User, reason: str) -> None:
    notify(
        recipient=old_owner,
        kind="pool_released",
        url=reverse("pool:list") + f"?previous_owner={old_owner.pk}",
        title=Message(
            gettext_noop("%(customer)s was put in the public pool by %(user)s"),
            {"customer": customer, "user": actor},
        ),
        body=reason,
    )


def _ids(customer_ids: Any) -> list[int]:
    ids = clean_ids(customer_ids)
    if not ids:
        raise ValidationFailed(_("Select at least one customer."), fields={"ids": [_("Select at least one customer.")]})
    if len(ids) > 1000:
        raise ValidationFailed(
            _("Select at most 1000 customers at a time."),
            fields={"ids": [_("Select at most 1000 customers at a time.")]},
        )
    return ids


def _missing_error(actor: User, pk: int) -> ApplicationError:
    """Why a selected customer is not claimable: someone took it meanwhile, or the actor cannot see it."""
    reach = policies.pool_visibility_q(actor)
    qs = Customer.objects.filter(pk=pk, owner__isnull=False)
    if (qs if reach is None else qs.filter(reach)).exists():
        return InvalidStateError(
            _("This customer is no longer in the public pool: someone else has claimed it."),
            code=PoolErrorCode.ALREADY_CLAIMED,
        )
    return NotFoundError(_("Not found, or you may not see it."))


def _take(*, customer: Customer, owner: User, now: dt.datetime) -> bool:
    """Give a pool customer an owner, if it is still in the pool (a conditional UPDATE: one winner per race)."""
    return bool(
        Customer.objects.filter(policies.in_pool_q(), pk=customer.pk).update(
            owner=owner,
            department_id=owner.department_id,
            pool_entered_at=None,
            pool_reason="",
            pool_warning=0,
            updated_at=now,
            version=F("version") + 1,
        )
    )


def _taken_record(
    *, customer: Customer, owner: User, actor: User, action: str, message: Message, now: dt.datetime
) -> None:
    """The pool event and the audit row of a customer that left the pool for an owner."""
    PoolEvent.objects.create(customer=customer, action=action, user=owner, actor=actor, at=now)
    audit_record(
        actor=actor,
        action=AuditLog.Action.TRANSFER,
        obj=customer,
        changes={"owner": [None, str(owner)]},
        message=message,
    )


def _claim_refusal(
    *, actor: User, customer: Customer, book: RuleBook, cap: int, used: int, now: dt.datetime
) -> ApplicationError | None:
    """Why the actor may not claim this pool customer now (the daily cap, the cool-down), or None."""
    if cap and used >= cap:
        return InvalidStateError(
            _("You have reached today's limit of %(cap)s claims from the public pool; try again tomorrow.")
            % {"cap": cap},
            code=PoolErrorCode.CLAIM_CAP,
        )
    if (
        customer.previous_owner_id == actor.pk
        and (until := policies.cooldown_until(customer=customer, rule=book.for_customer(customer)))
        and now < until
    ):
        return InvalidStateError(
            _("You gave up %(customer)s on %(date)s; you may claim it again after %(days)s days, from %(until)s.")
            % {
                "customer": customer,
                "date": timezone.localtime(customer.pool_entered_at).strftime("%Y-%m-%d"),
                "days": book.for_customer(customer).reclaim_cooldown_days,
                "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
            },
            code=PoolErrorCode.COOLDOWN,
        )
    return None


def _finish(result: PoolActionResult, errors: list[ApplicationError]) -> PoolActionResult:
    """A bulk action that did nothing is an error saying why; a partial one reports what it skipped."""
    if not result.done and errors:
        raise errors[0]
    return result


def pool_claim(*, actor: User, customer_ids: Any, now: dt.datetime | None = None) -> PoolActionResult:
    """A rep claims pool customers: at most the rule's daily cap per rep (Shanghai calendar days), and not a
    customer they gave up within the cool-down. Of concurrent claims on one customer exactly one wins.

    Claiming needs customers.create (taking a customer into one's own book, like registering it).
    """
    require_permission(actor, "customers.create")
    if actor.partner_org_id and not actor.is_superuser:
        raise PermissionDeniedError(
            _("Partner organisation users cannot claim from the company pool."), code=PoolErrorCode.PARTNER
        )
    ids = _ids(customer_ids)
    now = now or timezone.now()
    book = pool_rulebook()
    cap = book.for_department(actor.department_id).daily_claim_cap
    start, end = policies.day_bounds(now)
    result, errors = PoolActionResult(), []
    with transaction.atomic():
        # One rep's claims run one at a time, so two simultaneous requests cannot both pass the cap.
        User.objects.select_for_update(of=("self",)).filter(pk=actor.pk).exists()
        used = PoolEvent.objects.filter(user=actor, action=PoolEvent.Action.CLAIMED, at__gte=start, at__lt=end).count()
        visible = policies.pool_customers(actor).filter(pk__in=ids).in_bulk()
        for pk in ids:
            customer = visible.get(pk)
            if customer is None:
                error: ApplicationError | None = _missing_error(actor, pk)
            else:
                error = _claim_refusal(actor=actor, customer=customer, book=book, cap=cap, used=used, now=now)
                if error is None and not _take(customer=customer, owner=actor, now=now):
                    error = _missing_error(actor, pk)
            if error is not None:
                errors.append(error)
                result.skipped.append((pk, error.message))
                continue
            assert customer is not None
            _taken_record(
                customer=customer,
                owner=actor,
                actor=actor,
                action=PoolEvent.Action.CLAIMED,
                message=Message(gettext_noop("Claimed from the public pool")),
                now=now,
            )
            used += 1
            result.done.append(pk)
    return _finish(result, errors)


def pool_assign(*, actor: User, customer_ids: Any, owner: User, now: dt.datetime | None = None) -> PoolActionResult:
    """A manager holding customers.assign gives pool customers to a user (no cap or cool-down: a decision)."""
    require_permission(actor, "customers.assign")
    if not owner.is_active:
        msg = _("The new owner's account is closed.")
        raise ValidationFailed(msg, fields={"owner": [_("Choose an active user.")]})
    if not has_permission(owner, "customers.view"):
        msg = _("%(user)s may not see customers, so cannot own them.") % {"user": owner}
        raise ValidationFailed(msg, fields={"owner": [msg]})
    ids = _ids(customer_ids)
    now = now or timezone.now()
    result, errors = PoolActionResult(), []
    with transaction.atomic():
        visible = policies.pool_customers(actor).filter(pk__in=ids).in_bulk()
        for pk in ids:
            customer = visible.get(pk)
            if customer is None or not _take(customer=customer, owner=owner, now=now):
                error = _missing_error(actor, pk)
                errors.append(error)
                result.skipped.append((pk, error.message))
                continue
            _taken_record(
                customer=customer,
                owner=owner,
                actor=actor,
                action=PoolEvent.Action.ASSIGNED,
                message=Message(gettext_noop("Assigned from the public pool")),
                now=now,
            )
            result.done.append(pk)
        if result.done and owner.pk != actor.pk:
            notify(
                recipient=owner,
                kind="pool_assigned",
                url=reverse("customers:list") + "?scene=mine",
                title=ngettext(
                    "%(count)s customer from the public pool was assigned to you",
                    "%(count)s customers from the public pool were assigned to you",
                    len(result.done),
                )
                % {"count": len(result.done)},
                body=Message(gettext_noop("Assigned by %(user)s."), {"user": actor}),
            )
    return _finish(result, errors)
