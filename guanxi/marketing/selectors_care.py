"""Reads for the customer 360 page's Care tab (客户关怀): the greetings sent to, and coming up for, the customer's
contacts, its VIP care tasks, and the event registrations and attendance of its contacts (matched by e-mail or
mobile, as the loyalty earning does). Only the contacts the reader may see (contacts.view scope) count."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Window
from django.utils import timezone

from guanxi.core.prefetch import ids_asked_either_way

from .models_care import CareTask, Greeting, GreetingSend
from .models_events import Registration
from .occasions import Occasion, birthday_in, next_holidays
from .selectors import customer_contacts

UPCOMING_DAYS = 30
SHOWN = 20


@dataclass
class CustomerCare:
    sent: int = 0
    planned: int = 0
    registered: int = 0
    attended: int = 0
    sends: list[Any] = field(default_factory=list)
    upcoming: list[dict[str, Any]] = field(default_factory=list)
    registrations: list[Any] = field(default_factory=list)
    tasks: list[Any] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.sent + self.planned + self.registered


def mobile_spellings(values: list[str]) -> set[str]:
    """The ways a stored mobile may be written: as typed, as digits, and an 11-digit one 3-4-4 with spaces or
    dashes (138 0013 8000), to match registrations and contacts typed by different people."""
    found: set[str] = set()
    for value in values:
        digits = "".join(ch for ch in value if ch.isdigit())
        if not digits:
            continue
        found |= {value.strip(), digits}
        if len(digits) == 11:
            found |= {sep.join((digits[:3], digits[3:7], digits[7:])) for sep in (" ", "-")}
    return found


def _upcoming(contacts: list[Any], today: dt.date) -> list[dict[str, Any]]:
    """Greetings coming up in the next UPCOMING_DAYS days: each contact's birthday (when a birthday greeting is
    active) and each holiday that has an active greeting (once for the customer, with how many contacts)."""
    active = list(Greeting.objects.filter(active=True).order_by("occasion", "name"))
    by_occasion: dict[str, list[Greeting]] = {}
    for greeting in active:
        by_occasion.setdefault(greeting.occasion, []).append(greeting)
    end = today + dt.timedelta(days=UPCOMING_DAYS)
    rows: list[dict[str, Any]] = []
    if by_occasion.get(Occasion.BIRTHDAY):
        for contact in contacts:
            if contact.birthday is None:
                continue
            day = birthday_in(today.year, contact.birthday)
            if day < today:
                day = birthday_in(today.year + 1, contact.birthday)
            if day <= end:
                rows.append({"on": day, "occasion": Occasion.BIRTHDAY.label, "contact": contact,
                             "greetings": by_occasion[Occasion.BIRTHDAY]})  # fmt: skip
    for occasion, day in next_holidays(today, 6):
        if day <= end and by_occasion.get(occasion) and contacts:
            rows.append({"on": day, "occasion": occasion.label, "contact": None, "count": len(contacts),
                         "greetings": by_occasion[occasion]})  # fmt: skip
    return sorted(rows, key=lambda row: row["on"])


def customer_care(
    *, user: Any, customer: Any, today: dt.date | None = None, contacts: list[Any] | None = None
) -> CustomerCare:
    """The care of one customer as the reader may see it (the caller checked marketing.view and the customer);
    `contacts`: the customer's contacts in the reader's scope, when the caller has them already. The 360 page pays
    for this tab on every visit, so each list comes with its counts in one query (window counts over the whole
    list, before the page's LIMIT)."""
    today = today or timezone.localdate()
    in_scope = customer_contacts(user=user, customer=customer).prefetch_related(None)
    if contacts is None:
        contacts = list(in_scope)
    care = CustomerCare()
    care.upcoming = _upcoming(contacts, today)
    sent = Q(status=GreetingSend.Status.SENT)
    queued = Q(status__in=[GreetingSend.Status.QUEUED, GreetingSend.Status.CALL_TASK], on__gte=today)
    care.sends = list(
        GreetingSend.objects.filter(contact_id__in=in_scope.values("pk"))  # asked even with no contact
        .select_related("greeting", "contact")
        .annotate(n_sent=Window(Count("pk", filter=sent)), n_queued=Window(Count("pk", filter=queued)))
        .order_by("-on", "-pk")[:SHOWN]
    )
    care.sent = care.sends[0].n_sent if care.sends else 0
    care.planned = (care.sends[0].n_queued if care.sends else 0) + len(care.upcoming)
    emails = {c.email.strip().lower() for c in contacts if c.email}
    mobiles = mobile_spellings([c.mobile for c in contacts if c.mobile])
    # asked even with no address to match (no row has id 0), so the 360 page's queries do not vary (issue 13)
    match = Q(pk__in=ids_asked_either_way([]))
    if emails:
        match |= Q(email__in=emails)
    if mobiles:
        match |= Q(mobile__in=mobiles)
    care.registrations = list(
        Registration.objects.filter(match)
        .select_related("event")
        .annotate(
            n_registered=Window(Count("pk", filter=~Q(status=Registration.Status.CANCELLED))),
            n_attended=Window(Count("pk", filter=Q(status=Registration.Status.ATTENDED))),
        )
        .order_by("-event__starts_at", "-pk")[:SHOWN]
    )
    if care.registrations:
        care.registered = care.registrations[0].n_registered
        care.attended = care.registrations[0].n_attended
    care.tasks = list(CareTask.objects.filter(customer=customer).select_related("task", "plan")
                      .order_by("-due_on", "-pk")[:SHOWN])  # fmt: skip
    return care
