"""What each contact made of our marketing (the 360 page's Marketing tab and GET …/contacts/{id}/engagement):
campaigns received, opens, clicks, responses (enquiries through a campaign's form, leads tagged with its
reference) and loyalty points, read for all the customer's contacts at once, a fixed number of queries whatever
their number (grouped counts and a windowed "latest campaigns" read, never a query per contact)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import Lower, RowNumber

from guanxi.core.prefetch import ids_asked_either_way
from guanxi.org.policies import has_permission, scope_queryset_or_none

from .models import Delivery

LATEST = 5  # campaigns listed per contact; the counts cover all of them
TOUCHED = (Delivery.Status.SENT, Delivery.Status.CALLED)


@dataclass
class Engagement:
    received: int = 0  # campaigns whose message reached the contact (sent, or a call logged)
    opened: int = 0  # of those, opened at least once
    clicked: int = 0  # of those, a link clicked at least once
    opens: int = 0  # every open counted
    clicks: int = 0
    responses: int | None = 0  # leads through a campaign's form from the contact; None: the reader sees no leads
    points: int | None = None  # the contact's loyalty balance; None: not a member, or the reader may not see it
    member_id: int | None = None
    latest: list[Delivery] = field(default_factory=list)


def _deliveries(contact_ids: list[int], out: dict[int, Engagement]) -> None:
    counted = (
        Delivery.objects.filter(contact_id__in=contact_ids).values("contact_id")
        .annotate(received=Count("pk", filter=Q(status__in=TOUCHED)),
                  opened=Count("pk", filter=Q(opened_at__isnull=False)),
                  clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
                  opens=Sum("opens"), clicks=Sum("clicks"))
    )  # fmt: skip
    for row in counted:
        e = out[row["contact_id"]]
        e.received, e.opened, e.clicked = row["received"], row["opened"], row["clicked"]
        e.opens, e.clicks = row["opens"] or 0, row["clicks"] or 0
    latest = (
        Delivery.objects.filter(contact_id__in=contact_ids).select_related("campaign")
        .annotate(rank=Window(RowNumber(), partition_by=[F("contact_id")],
                              order_by=[F("sent_at").desc(nulls_last=True), F("pk").desc()]))
        .filter(rank__lte=LATEST).order_by("contact_id", "rank")
    )  # fmt: skip
    for delivery in latest:
        out[delivery.contact_id].latest.append(delivery)


def _responses(user: Any, contacts: list[Any], out: dict[int, Engagement]) -> None:
    """Leads with a campaign's signed reference, matched to the contact they were converted to or, before that, by
    e-mail or mobile; in the reader's lead scope."""
    from guanxi.sales.models import Lead

    from .leads import lead_ref_target

    if not has_permission(user, "leads.view"):
        for contact in contacts:
            out[contact.pk].responses = None
        return
    emails = {c.email.strip().lower(): c.pk for c in contacts if c.email}
    mobiles = {"".join(ch for ch in c.mobile if ch.isdigit()): c.pk for c in contacts if c.mobile}
    ids = {c.pk for c in contacts}
    match = Q(converted_contact_id__in=ids_asked_either_way(ids)) | Q(email_lower__in=list(emails))
    if mobiles:
        match |= Q(mobile__in=list(mobiles))
    leads = scope_queryset_or_none(user, Lead.objects.exclude(referral=""), "view", module="leads")
    rows = leads.annotate(email_lower=Lower("email")).filter(match)
    for converted, email, mobile, ref in rows.values_list("converted_contact_id", "email_lower", "mobile", "referral"):
        target = lead_ref_target(ref)
        if target is None or target[0] != "c":
            continue
        digits = "".join(ch for ch in mobile if ch.isdigit())
        contact_id = converted if converted in ids else emails.get(email or "") or mobiles.get(digits)
        if contact_id is not None:
            out[contact_id].responses = (out[contact_id].responses or 0) + 1


def _points(user: Any, contact_ids: list[int], out: dict[int, Engagement]) -> None:
    from .loyalty.models import Member

    members = scope_queryset_or_none(user, Member.objects.filter(contact_id__in=contact_ids, status="active"))
    for member_id, contact_id, balance in members.values_list("pk", "contact_id", "points_balance"):
        out[contact_id].points, out[contact_id].member_id = balance, member_id


def engagement_by_contact(*, user: Any, contacts: list[Any]) -> dict[int, Engagement]:
    """{contact id: Engagement} for `contacts` (already in the reader's contact scope). Campaign figures need
    marketing.view (without it: empty), responses the reader's lead scope, points loyalty.view."""
    out: dict[int, Engagement] = defaultdict(Engagement)
    ids = ids_asked_either_way(c.pk for c in contacts)  # a customer with no contacts asks the same queries (issue 13)
    if has_permission(user, "marketing.view"):
        _deliveries(ids, out)
        _responses(user, contacts, out)
    if has_permission(user, "loyalty.view"):
        _points(user, ids, out)
    return out
