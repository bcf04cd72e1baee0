"""The webhook pages' lists, on the shared list toolkit: subscriptions (`webhooks`) and the delivery log
(`webhook_deliveries`, filter by webhook, status and event; replay the ticked deliveries in bulk). Administrators
only (org.admin). Registered in OrgConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import ApplicationError

from ..lists.spec import BulkAction, BulkResult, Choice, Column, EmptyState, Field, ListDefinition, Scene
from . import selectors, services
from .models import WebhookDelivery, WebhookSubscription


def admin_tabs_for(user: Any, active: str) -> list[dict[str, Any]]:
    from ..views_admin import admin_tabs

    return admin_tabs(user, active)


def event_label(key: str) -> str:
    event = next((e for e in selectors.event_type_choices() if e.key == key), None)
    if event is not None:
        return str(event.label)
    return _("Test (ping)") if key == "ping" else key


def _event_choices(user: Any) -> list[Choice]:
    return [Choice(e.key, e.label) for e in selectors.event_type_choices()]


def _events_text(hook: WebhookSubscription) -> str:
    return ", ".join(event_label(k) for k in hook.event_types or [])


class WebhookList(ListDefinition):
    key = "webhooks"
    title = gettext_lazy("Webhooks")
    model = WebhookSubscription
    permission = "org.admin"
    url_name = "org:webhook_list"
    template = "org/webhooks/list_page.html"
    search_placeholder = gettext_lazy("Name or URL")
    create_url_name = "org:webhook_create"
    create_permission = "org.admin"
    create_label = gettext_lazy("New webhook")
    star = False
    default_sort = "name"
    empty = EmptyState(
        gettext_lazy("No webhooks yet."),
        gettext_lazy(
            "A webhook tells another system (ERP, call centre, shop) at once when a customer, deal, contract or "
            "payment changes: Guanxi posts the event, signed, to its address."
        ),
        icon="webhook",
    )
    scenes = (
        Scene("all", gettext_lazy("All"), lambda qs, user: qs),
        Scene("active", gettext_lazy("Active"), lambda qs, user: qs.filter(is_active=True)),
        Scene("off", gettext_lazy("Switched off"), lambda qs, user: qs.filter(is_active=False)),
    )
    columns = (
        Column("name", gettext_lazy("Name"), template="org/webhooks/cells/name.html", sort=("name",), fixed=True),
        Column("url", gettext_lazy("URL"), template="org/webhooks/cells/url.html", sort=("url",)),
        Column("events", gettext_lazy("Events"), value=_events_text, phone=False),
        Column(
            "status",
            gettext_lazy("Status"),
            value=lambda h: _("Active") if h.is_active else _("Switched off"),
            template="org/webhooks/cells/status.html",
            sort=("is_active",),
            phone_inline=True,
        ),
        Column(
            "failures",
            gettext_lazy("Failures in a row"),
            value=lambda h: h.consecutive_failures,
            sort=("consecutive_failures",),
            numeric=True,
            phone=False,
        ),
        Column(
            "created",
            gettext_lazy("Created"),
            value=lambda h: h.created_at,
            template="org/cells/datetime.html",
            sort=("created_at",),
            default=False,
            phone=False,
        ),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.webhook_list(user=user)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        from django.db.models import Q

        return qs.filter(Q(name__icontains=text) | Q(url__icontains=text))

    def row_url(self, row: Any) -> str:
        return reverse("org:webhook_detail", args=[row.pk])

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        return {"admin_tabs": admin_tabs_for(user, "webhooks")}


def _webhook_choices(user: Any) -> list[Choice]:
    return [Choice(str(h.pk), h.name) for h in selectors.webhook_list(user=user)]


def _bulk_replay(actor: Any, ids: list[int], data: QueryDict) -> BulkResult:
    done = 0
    for delivery in selectors.delivery_list(user=actor).filter(pk__in=ids):
        try:
            services.webhook_delivery_replay(actor=actor, delivery=delivery)
        except ApplicationError:
            continue
        done += 1
    return BulkResult(
        done=done,
        skipped=len(ids) - done,
        message=_("Sent again: %(done)s; skipped %(skipped)s (webhook switched off).")
        % {"done": done, "skipped": len(ids) - done},
    )


def _response_text(d: WebhookDelivery) -> str:
    parts = [str(d.response_status) if d.response_status else "", f"{d.response_ms} ms" if d.response_ms else ""]
    return " · ".join(p for p in parts if p)


class WebhookDeliveryList(ListDefinition):
    key = "webhook_deliveries"
    title = gettext_lazy("Webhook deliveries")
    model = WebhookDelivery
    permission = "org.admin"
    url_name = "org:webhook_delivery_list"
    template = "org/webhooks/list_page.html"
    search_placeholder = gettext_lazy("Event ID, object ID or error")
    star = False
    default_sort = "-created"
    empty = EmptyState(
        gettext_lazy("No deliveries here."),
        gettext_lazy("Each event sent to a webhook is logged here with its answer; replay one to send it again."),
        icon="send",
    )
    no_action_text = gettext_lazy("Deliveries appear as events happen; there is nothing to add here.")
    scenes = (
        Scene("all", gettext_lazy("All"), lambda qs, user: qs),
        Scene("failed", gettext_lazy("Failed"), lambda qs, user: qs.filter(status=WebhookDelivery.Status.FAILED)),
        Scene(
            "waiting",
            gettext_lazy("Waiting for a retry"),
            lambda qs, user: qs.filter(status=WebhookDelivery.Status.PENDING, attempts__gt=0),
        ),
    )
    columns = (
        Column(
            "created",
            gettext_lazy("Time"),
            value=lambda d: d.created_at,
            template="org/webhooks/cells/delivery_time.html",
            sort=("created_at",),
            fixed=True,
        ),
        Column("webhook", gettext_lazy("Webhook"), value=lambda d: d.subscription.name, sort=("subscription__name",)),
        Column("event", gettext_lazy("Event"), value=lambda d: event_label(d.event_type), sort=("event_type",)),
        Column(
            "status",
            gettext_lazy("Status"),
            value=lambda d: d.get_status_display(),
            template="org/webhooks/cells/delivery_status.html",
            sort=("status",),
            phone_inline=True,
        ),
        Column("response", gettext_lazy("Response"), value=_response_text, phone=False),
        Column("attempts", gettext_lazy("Attempts"), sort=("attempts",), numeric=True, phone=False),
        Column("error", gettext_lazy("Error"), template="org/webhooks/cells/error.html", phone=False),
        Column(
            "next_attempt",
            gettext_lazy("Next attempt"),
            value=lambda d: d.next_attempt_at if d.status == WebhookDelivery.Status.PENDING else None,
            template="org/cells/datetime.html",
            default=False,
            phone=False,
        ),
        Column("event_id", gettext_lazy("Event ID"), default=False, phone=False),
    )
    fields = (
        Field("webhook", gettext_lazy("Webhook"), "subscription_id", "ref", choices=_webhook_choices, quick=True),
        Field(
            "status",
            gettext_lazy("Status"),
            "status",
            "choice",
            choices=lambda user: [Choice(v, label) for v, label in WebhookDelivery.Status.choices],
            quick=True,
        ),
        Field("event", gettext_lazy("Event"), "event_type", "choice", choices=_event_choices, quick=True),
        Field("date", gettext_lazy("Date"), "created_at", "datetime"),
    )
    bulk_actions = (
        BulkAction(
            "replay",
            gettext_lazy("Send again"),
            "send",
            "org.admin",
            _bulk_replay,
            confirm=gettext_lazy("Each selected event is sent again to its webhook, with a new signature."),
        ),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.delivery_list(user=user)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        from django.db.models import Q

        return qs.filter(Q(event_id__icontains=text) | Q(object_id=text) | Q(error__icontains=text))

    def row_url(self, row: Any) -> str:
        return reverse("org:webhook_delivery_detail", args=[row.pk])

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        return {"admin_tabs": admin_tabs_for(user, "webhooks")}
