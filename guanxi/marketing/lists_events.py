"""The event list and the registration list (the shared list toolkit): the registrations of one event are the
list filtered by `event`, with "Check in" as a bulk action; the event page's figures open it filtered by status."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from guanxi.commerce.lists import choices_of, people
from guanxi.core.errors import ApplicationError
from guanxi.org.lists.registry import add_bulk_action, register
from guanxi.org.lists.spec import BulkAction, BulkResult, Choice, Column, EmptyState, Field, ListDefinition, Scene
from guanxi.org.policies import require_permission

from . import events, privacy
from .models_events import Event, Registration

CELLS = "marketing/cells/"
EVENT = pgettext_lazy("marketing event", "Event")


def _events(user: Any) -> list[Choice]:
    return [Choice(str(pk), name) for pk, name in Event.objects.order_by("-starts_at").values_list("pk", "name")[:200]]


@register
class EventList(ListDefinition):
    key = "events"
    title = pgettext_lazy("marketing event", "Events")
    model = Event
    permission = "marketing.view"
    url_name = "marketing:event_list"
    search_placeholder = gettext_lazy("Event name")
    create_url_name = "marketing:event_create"
    create_permission = "marketing.create"
    create_label = gettext_lazy("New event")
    default_sort = "-starts"
    empty = EmptyState(
        gettext_lazy("No events yet."),
        gettext_lazy("An exhibition or seminar: people register through a public form and are checked in at the "
                     "door; attendees become leads of its campaign."),
        icon="calendar-event",
    )  # fmt: skip
    no_action_text = gettext_lazy("Your role does not plan events.")
    columns = (
        Column("name", EVENT, template=CELLS + "event.html", sort=("name",), fixed=True),
        Column("kind", gettext_lazy("Kind"), value=lambda e: e.get_kind_display(), sort=("kind",), phone_inline=True),
        Column("starts", gettext_lazy("Starts at"), value=lambda e: e.starts_at, template=CELLS + "datetime.html",
               sort=("starts_at",), phone_inline=True),
        Column("registered", gettext_lazy("Registered"), value=lambda e: e.n_registered, sort=("n_registered",)),
        Column("attended", gettext_lazy("Checked in"), value=lambda e: e.n_attended, sort=("n_attended",)),
        Column("campaign", gettext_lazy("Campaign"), value=lambda e: str(e.campaign or ""), phone=False),
        Column("owner", gettext_lazy("Owner"), value=lambda e: str(e.owner or ""), sort=("owner__name",), phone=False),
    )  # fmt: skip
    fields = (
        Field("kind", gettext_lazy("Kind"), "kind", "choice", choices=choices_of(Event.Kind.choices), quick=True),
        Field("owner", gettext_lazy("Owner"), "owner_id", "user", choices=people),
    )
    scenes = (
        Scene("all", gettext_lazy("All"), lambda qs, user: qs),
        Scene("mine", gettext_lazy("Mine"), lambda qs, user: qs.filter(owner_id=user.pk)),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        require_permission(user, self.permission)
        live = ~Q(registrations__status=Registration.Status.CANCELLED)
        return Event.objects.select_related("owner", "campaign").annotate(
            n_registered=Count("registrations", filter=live),
            n_attended=Count("registrations", filter=Q(registrations__status=Registration.Status.ATTENDED)),
        )

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(Q(name__icontains=text) | Q(venue__icontains=text))

    def row_url(self, row: Any) -> str:
        return reverse("marketing:event_detail", args=[row.pk])


def _check_in(actor: Any, ids: list[int], data: QueryDict) -> BulkResult:
    done = skipped = 0
    for registration in Registration.objects.filter(pk__in=ids).order_by("pk"):
        if registration.status == Registration.Status.ATTENDED:
            skipped += 1
            continue
        try:
            events.registration_check_in(actor=actor, registration=registration)
        except ApplicationError:
            skipped += 1
        else:
            done += 1
    return BulkResult(done=done, skipped=skipped)


@register
class RegistrationList(ListDefinition):
    key = "registrations"
    title = gettext_lazy("Registrations")
    model = Registration
    permission = "marketing.view"
    url_name = "marketing:registration_list"
    search_placeholder = gettext_lazy("Name, company, mobile, e-mail or code")
    export_permission = "marketing.export"
    star = False
    default_sort = "-registered"
    empty = EmptyState(
        gettext_lazy("No registrations."),
        gettext_lazy("People register through the event's public form; its address is on the event's page."),
        icon="ticket",
    )
    columns = (
        Column("name", gettext_lazy("Name"), value=lambda r: r.name, sort=("name",), fixed=True),
        # one line a row at 1366 px: long names are cut (in full on hover), the least used columns are offered
        Column("company", gettext_lazy("Company"), value=lambda r: r.company, sort=("company",), phone_inline=True,
               template=CELLS + "short.html"),
        Column("event", EVENT, value=lambda r: r.event.name, phone=False, template=CELLS + "short.html"),
        Column("mobile", gettext_lazy("Mobile"), value=privacy.shown_mobile, phone=False,
               template=CELLS + "nowrap.html"),
        Column("email", gettext_lazy("E-mail"), value=privacy.shown_email, phone=False, template=CELLS + "short.html"),
        Column("code", gettext_lazy("Check-in code"), value=lambda r: r.code, phone=False, default=False),
        Column("status", gettext_lazy("Status"), value=lambda r: r.get_status_display(), sort=("status",),
               phone_inline=True, template=CELLS + "nowrap.html"),
        Column("registered", gettext_lazy("Registered at"), value=lambda r: r.registered_at,
               template=CELLS + "datetime.html", sort=("registered_at",), phone=False, default=False),
        Column("checked_in", gettext_lazy("Checked in at"), value=lambda r: r.checked_in_at,
               template=CELLS + "datetime.html", sort=("checked_in_at",), phone=False, default=False),
        Column("confirmation", gettext_lazy("Confirmation"), value=lambda r: r.get_confirmation_display(),
               sort=("confirmation",), phone=False, template=CELLS + "nowrap.html"),
    )  # fmt: skip
    fields = (
        Field("event", EVENT, "event_id", "choice", choices=_events, quick=True),
        Field("status", gettext_lazy("Status"), "status", "choice", choices=choices_of(Registration.Status.choices),
              quick=True),
    )  # fmt: skip
    scenes = (Scene("all", gettext_lazy("All"), lambda qs, user: qs),)
    bulk_actions = (
        BulkAction("check_in", gettext_lazy("Check in"), "user-check", "marketing.edit", _check_in,
                   confirm=gettext_lazy("They are marked present and become leads of the event's campaign.")),
    )  # fmt: skip

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        require_permission(user, self.permission)
        # a reader without the right to registrants' personal data sees their numbers and addresses masked
        return privacy.with_personal_visible(Registration.objects.select_related("event"), user)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        # numbers and addresses find only the registrants whose personal data the reader may see
        personal = (Q(mobile__icontains=text) | Q(email__icontains=text)) & Q(personal_visible=True)
        return qs.filter(Q(name__icontains=text) | Q(company__icontains=text) | personal
                         | Q(code__iexact=text.strip()))  # fmt: skip

    def row_url(self, row: Any) -> str:
        return reverse("marketing:event_detail", args=[row.event_id])


# --- "Add to a care plan" on the customer list (VIP care by hand, beside the plan's levels) -------------------
def _add_to_care_plan(actor: Any, ids: list[int], data: QueryDict) -> BulkResult:
    from guanxi.core.inputs import field_error, id_or_none

    from .care_plans import care_plan_add_customers
    from .models_care import CarePlan

    pk = id_or_none(data.get("plan"))
    plan = CarePlan.objects.filter(pk=pk).first() if pk else None
    if plan is None:
        raise field_error("plan", _("Choose a care plan."))
    added, skipped = care_plan_add_customers(actor=actor, plan=plan, customer_ids=ids)
    message = _("%(added)s customers added to the care plan “%(name)s”, %(skipped)s skipped (already on it, or out "
                "of reach).") % {"added": added, "name": plan.name, "skipped": skipped}  # fmt: skip
    return BulkResult(done=added, skipped=skipped, message=message)


add_bulk_action(
    "customers",
    BulkAction("add_to_care_plan", gettext_lazy("Add to a care plan"), "heart-handshake", "marketing.edit",
               _add_to_care_plan, form_template="marketing/_bulk_add_to_care_plan.html"),
)  # fmt: skip
