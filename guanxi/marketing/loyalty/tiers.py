"""The worker's daily tier review: each active member's measure over the rolling period (spending: the payments
received on their customer's contracts; or the points they earned) decides their tier, the highest whose threshold
it reaches. A member who moves up or down is told: the customer's owner by a notification, the member by e-mail
when their consent allows it (marketing.consent.may_contact)."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.i18n import Message
from guanxi.core.money import format_money
from guanxi.core.services import model_update, notify

from .models import LoyaltyProgramme, Member, PointsEntry, Tier

log = logging.getLogger("guanxi.marketing")
NOTICE_KIND = "loyalty_tier_changed"


def measured_members(today: dt.date) -> Any:
    """The active members annotated with `measure`: spending in yuan or points earned over the rolling period."""
    from guanxi.billing.models import Payment

    programme = LoyaltyProgramme.current()
    since = today - dt.timedelta(days=programme.tier_period_days)
    if programme.tier_basis == LoyaltyProgramme.Basis.SPENDING:
        rows = Payment.objects.filter(
            contract__customer_id=OuterRef("customer_id"), received_on__gt=since, received_on__lte=today
        ).order_by().values("contract__customer_id").annotate(s=Sum("amount")).values("s")  # fmt: skip
    else:
        start = timezone.make_aware(dt.datetime.combine(since + dt.timedelta(days=1), dt.time.min))
        rows = PointsEntry.objects.filter(
            Q(kind=PointsEntry.Kind.EARN) & Q(points__gt=0), member_id=OuterRef("pk"), at__gte=start
        ).order_by().values("member_id").annotate(s=Sum("points")).values("s")  # fmt: skip
    zero = Value(Decimal("0"), output_field=DecimalField(max_digits=18, decimal_places=2))
    return Member.objects.filter(status=Member.Status.ACTIVE).annotate(
        measure=Coalesce(Subquery(rows, output_field=DecimalField(max_digits=18, decimal_places=2)), zero)
    )


def tier_for(measure: Decimal, tiers: list[Tier]) -> Tier | None:
    """The highest tier whose threshold the measure reaches (tiers in any order)."""
    reached = [t for t in tiers if measure >= t.threshold]
    return max(reached, key=lambda t: (t.threshold, t.pk)) if reached else None


def tiers_review(*, today: dt.date | None = None) -> int:
    """Move every member to the tier their measure reaches; returns how many moved."""
    day = today or timezone.localdate()
    tiers = list(Tier.objects.all())
    moved = 0
    for member in measured_members(day).select_related("customer__owner", "contact", "tier").iterator(2000):
        target = tier_for(Decimal(member.measure), tiers)
        if (target.pk if target else None) == member.tier_id:
            continue
        with transaction.atomic():
            old = member.tier
            model_update(instance=member, data={"tier": target, "tier_since": day}, actor=None)
            _tell(member, old, target, Decimal(member.measure))
        moved += 1
    return moved


def _tell(member: Member, old: Tier | None, new: Tier | None, measure: Decimal) -> None:
    up = new is not None and (old is None or new.threshold > old.threshold)
    words = gettext_noop("%(member)s moved up to %(tier)s") if up else gettext_noop("%(member)s moved down to %(tier)s")
    tier_name = new.name if new else gettext_noop("no tier")
    title = Message(words, {"member": member.display_name, "tier": Message(tier_name) if new is None else tier_name})
    owner = member.customer.owner
    if owner is not None:
        notify(
            recipient=owner, kind=NOTICE_KIND, title=title, url=reverse("marketing:member_detail", args=[member.pk]),
            body=Message(gettext_noop("Card %(card)s; measured over the rolling period: %(measure)s"),
                         {"card": member.card_number, "measure": _measure_text(measure)}),
            dedupe_key=f"loyalty-tier:{member.pk}:{new.pk if new else 0}:{timezone.localdate()}",
        )  # fmt: skip
    if new is not None:
        _email_member(member, new, up)


def _measure_text(measure: Decimal) -> str:
    if LoyaltyProgramme.current().tier_basis == LoyaltyProgramme.Basis.SPENDING:
        return format_money(measure)
    return f"{int(measure)}"


def _email_member(member: Member, tier: Tier, up: bool) -> None:
    """An e-mail to the member (the contact, or the customer's first contact with an address) when the e-mail
    channel is open to them: not opted out, address not suppressed. Sent after commit when the installation sends
    e-mail (GUANXI_EMAIL_ENABLED, as for notifications); a failure is logged."""
    from guanxi.customers.models import Contact
    from guanxi.marketing.channels import Outgoing, SendFailed, provider_for
    from guanxi.marketing.consent import address_of, may_contact

    if not settings.GUANXI_EMAIL_ENABLED:  # a laptop or a demo load has no mail server to refuse the connection
        return
    contact = (
        member.contact
        or Contact.objects.filter(customer_id=member.customer_id)
        .exclude(email="")
        .order_by("-is_decision_maker", "pk")
        .first()
    )
    if contact is None or not may_contact(contact, "email"):
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = (_("Your membership is now %(tier)s") if up else _("Your membership tier is now %(tier)s")) % {
            "tier": tier.name
        }
        text = _("Dear %(name)s,\n\nyour membership card %(card)s is now in the tier %(tier)s.%(benefits)s\n") % {
            "name": contact.name, "card": member.card_number, "tier": tier.name,
            "benefits": ("\n" + tier.benefits) if tier.benefits else "",
        }  # fmt: skip
    message = Outgoing(to=address_of(contact, "email"), subject=subject, text=text)

    def send() -> None:
        try:
            provider_for("email").send(message)
        except SendFailed:
            log.warning("tier notice to member %s not sent", member.pk, exc_info=True)

    transaction.on_commit(send)
