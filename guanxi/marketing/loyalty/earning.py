"""The worker's earning job: points for what members did, by the rules an administrator edits.

* per purchase amount: each payment received on a contract of the member's customer earns `points` for each full
  `per_amount` yuan (a reversal of a payment takes them back, never below zero);
* per contract signed: each contract of the member's customer signed on or after the day they joined;
* per campaign response: each click on a campaign message by the member's contact (or, for a customer member, by
  any of its contacts);
* per event attended: each registration checked in at an event, when the registrant is a member's contact (found
  by the registration's e-mail or mobile) or a contact of a member customer. It is earned at the check-in itself
  (marketing.events calls `points_for_attendance`) and the hourly job catches up on check-ins made before a rule
  existed or while it was off; either way once per registration.

A purchase earns for the customer's membership, or, when the customer itself is not a member, for the
membership of the contract's contact. Each source earns once per member and rule (a unique constraint), so the job
reads a window of recent days and may run again, or twice at once, without paying anybody twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from .ledger import _append, points_earn
from .models import EarningRule, Member, PointsEntry

WINDOW_DAYS = 7  # the job runs hourly: a week covers a worker that was down for days


def _member_for_purchase(customer_id: int, contact_id: int | None) -> Member | None:
    found = Member.objects.filter(customer_id=customer_id, contact__isnull=True, status=Member.Status.ACTIVE).first()
    if found is None and contact_id:
        found = Member.objects.filter(contact_id=contact_id, status=Member.Status.ACTIVE).first()
    return found


def _member_for_contact(contact_id: int, customer_id: int) -> Member | None:
    found = Member.objects.filter(contact_id=contact_id, status=Member.Status.ACTIVE).first()
    if found is None:
        found = Member.objects.filter(
            customer_id=customer_id, contact__isnull=True, status=Member.Status.ACTIVE
        ).first()
    return found


def payment_points(amount: Decimal, rule: EarningRule) -> int:
    """Points for a payment: `points` per full `per_amount` (a negative amount, a reversal, gives negative points)."""
    per = rule.per_amount or Decimal("1")
    units = (abs(amount) / per).to_integral_value(rounding=ROUND_DOWN)
    return int(units) * rule.points * (-1 if amount < 0 else 1)


def _earn_payments(rule: EarningRule, since: dt.datetime) -> int:
    from guanxi.billing.models import Payment

    count = 0
    rows = Payment.objects.filter(created_at__gte=since).select_related("contract").order_by("pk")
    for payment in rows.iterator(500):
        member = _member_for_purchase(payment.contract.customer_id, payment.contract.contact_id)
        points = payment_points(payment.amount, rule)
        if member is None or points == 0 or payment.received_on < member.joined_on:
            continue
        source = f"payment:{payment.pk}"
        if points > 0:
            count += points_earn(member=member, points=points, source=source, rule=rule) is not None
        else:
            count += _take_back(member, -points, source, rule)
    return count


def _take_back(member: Member, points: int, source: str, rule: EarningRule) -> int:
    """A reversed payment takes its points back, as far as the balance goes (spent points stay spent)."""
    if PointsEntry.objects.filter(member=member, source=source, rule=rule).exists():
        return 0
    with transaction.atomic():
        locked = Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
        taken = min(points, locked.points_balance)
        if taken <= 0:
            return 0
        _append(member=locked, kind=PointsEntry.Kind.ADJUST, points=-taken, actor=None, source=source, rule=rule,
                note=gettext_noop("Payment reversed"))  # fmt: skip
    return 1


def _earn_contracts(rule: EarningRule, since: dt.datetime) -> int:
    from guanxi.commerce.models import Contract

    signed = (Contract.Status.SIGNED, Contract.Status.IN_EXECUTION, Contract.Status.COMPLETED)
    count = 0
    rows = Contract.objects.filter(status__in=signed, signed_on__gte=since.date()).order_by("pk")
    for contract in rows.iterator(500):
        member = _member_for_purchase(contract.customer_id, contract.contact_id)
        if member is None or contract.signed_on is None or contract.signed_on < member.joined_on:
            continue
        earned = points_earn(member=member, points=rule.points, source=f"contract:{contract.pk}", rule=rule)
        count += earned is not None
    return count


def _earn_responses(rule: EarningRule, since: dt.datetime) -> int:
    from guanxi.marketing.models import Delivery

    count = 0
    rows = Delivery.objects.filter(clicked_at__gte=since).select_related("contact").order_by("pk")
    for delivery in rows.iterator(500):
        member = _member_for_contact(delivery.contact_id, delivery.contact.customer_id)
        if member is None or delivery.clicked_at is None or timezone.localdate(delivery.clicked_at) < member.joined_on:
            continue
        earned = points_earn(member=member, points=rule.points, source=f"delivery:{delivery.pk}", rule=rule)
        count += earned is not None
    return count


def _member_for_registration(registration: Any) -> Member | None:
    """The membership a registrant earns for: the contact's own (matched by e-mail, then mobile), else their
    customer's."""
    from guanxi.customers.models import Contact
    from guanxi.marketing.selectors_care import mobile_spellings

    email, mobiles = (registration.email or "").strip(), mobile_spellings([registration.mobile or ""])
    for query in (Q(email__iexact=email) if email else None, Q(mobile__in=mobiles) if mobiles else None):
        if query is None:
            continue
        for contact_id, customer_id in Contact.objects.filter(query).values_list("pk", "customer_id")[:5]:
            member = _member_for_contact(contact_id, customer_id)
            if member is not None:
                return member
    return None


def points_for_attendance(registration: Any, *, rules: Any = None) -> int:
    """Points for one checked-in registration, by each active "event attended" rule (once per registration and
    rule, however often it is called); returns the entries written."""
    if registration.status != "attended":
        return 0
    active = (
        rules
        if rules is not None
        else EarningRule.objects.filter(is_active=True, trigger=EarningRule.Trigger.EVENT_ATTENDED)
    )
    active = list(active)
    member = _member_for_registration(registration) if active else None
    if member is None or (registration.checked_in_at and timezone.localdate(registration.checked_in_at)
                          < member.joined_on):  # fmt: skip
        return 0
    written = 0
    for rule in active:
        earned = points_earn(member=member, points=rule.points, source=f"registration:{registration.pk}", rule=rule,
                             note=registration.event.name[:300])  # fmt: skip
        written += earned is not None
    return written


def _earn_attendance(rule: EarningRule, since: dt.datetime) -> int:
    from guanxi.marketing.models_events import Registration

    rows = Registration.objects.filter(status=Registration.Status.ATTENDED, checked_in_at__gte=since)
    return sum(points_for_attendance(r, rules=[rule]) for r in rows.select_related("event").order_by("pk"))


EARNERS = {
    EarningRule.Trigger.PAYMENT: _earn_payments,
    EarningRule.Trigger.CONTRACT: _earn_contracts,
    EarningRule.Trigger.CAMPAIGN_RESPONSE: _earn_responses,
    EarningRule.Trigger.EVENT_ATTENDED: _earn_attendance,
}


def points_earn_due(*, now: dt.datetime | None = None, days: int = WINDOW_DAYS) -> dict[str, Any]:
    """Earn the points of the last `days` by every active rule; returns the entries written per trigger."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    written: dict[str, Any] = {}
    for rule in EarningRule.objects.filter(is_active=True).order_by("pk"):
        written[rule.trigger] = written.get(rule.trigger, 0) + EARNERS[EarningRule.Trigger(rule.trigger)](rule, since)
    return written
