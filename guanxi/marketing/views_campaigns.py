"""Web UI of campaigns: the form with a per-recipient preview, the campaign page (figures, recipients, the
call list of a phone campaign), start, cancel, a test send to oneself, and the public tracking endpoints."""

from __future__ import annotations

import base64
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from guanxi.commerce.views_quotes import approval_panel_html
from guanxi.core.errors import NotFoundError
from guanxi.core.inputs import id_or_none
from guanxi.core.paging import CappedPaginator
from guanxi.core.views_util import form_page_status, form_page_submit, service_action
from guanxi.org.policies import has_permission, require_permission, scope_queryset

from . import budget, campaigns, tracking
from .forms import CampaignForm
from .models import Campaign, Channel, Delivery

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
RECIPIENTS_PER_PAGE = 50
# The recipients table's filters: a call list is worked through by "waiting", a send checked by its problems.
RECIPIENT_FILTERS: dict[str, Any] = {
    "waiting": Q(status=Delivery.Status.QUEUED),
    "opened": Q(opened_at__isnull=False),
    "clicked": Q(clicked_at__isnull=False),
    "problems": Q(status__in=[Delivery.Status.FAILED, Delivery.Status.BOUNCED, Delivery.Status.UNCONFIRMED]),
}


def _campaign(user: Any, pk: Any) -> Campaign:
    require_permission(user, "marketing.view")
    found = Campaign.objects.select_related("segment", "owner").filter(pk=pk).first()
    if found is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    return found


def _initial(campaign: Campaign) -> dict[str, Any]:
    fields = ("name", "goal", "channel", "budget", "cost", "starts_on", "ends_on", "expected_responses", "language",
              "subject", "body", "custom_text", "version")  # fmt: skip
    return {**{f: getattr(campaign, f) for f in fields}, "segment": campaign.segment_id}


@login_required
def campaign_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    campaign = _campaign(user, pk) if pk else None
    require_permission(user, "marketing.edit" if campaign else "marketing.create")
    if request.method == "POST":
        form = CampaignForm(request.POST)
    else:
        form = CampaignForm(initial=_initial(campaign) if campaign else {"channel": "email", "language": "zh-hans"})

    def save() -> Campaign:
        if campaign is None:
            return campaigns.campaign_create(actor=user, data=form.service_data())
        return campaigns.campaign_update(actor=user, campaign=campaign, data=form.service_data(),
                                         expected_version=form.cleaned_data.get("version"))  # fmt: skip

    then = lambda c: reverse("marketing:campaign_detail", args=[c.pk])  # noqa: E731
    if (answer := form_page_submit(request, form, save, _("Campaign saved."), then)) is not None:
        return answer
    context = {"form": form, "campaign": campaign}
    return render(request, "marketing/campaign_form.html", context, status=form_page_status(request))


def _preview(campaign: Campaign, contact_pk: int | None) -> tuple[Any, Any, list[Any]]:
    found = campaigns.audience(campaign)
    if found is None:
        return None, None, []
    choices = list(found.select_related("customer__owner").order_by("pk")[:20])
    contact = next((c for c in choices if c.pk == contact_pk), choices[0] if choices else None)
    if contact is None:
        return None, None, choices
    return contact, campaigns.compose(campaign, contact, delivery_id=None, to=""), choices


def _recipient_filters(campaign: Campaign) -> list[tuple[str, str]]:
    """The recipients table's filter pills; opens and clicks are tracked on e-mail only."""
    pills = [("", _("All")), ("waiting", _("To call") if campaign.channel == Channel.PHONE else _("Not sent yet"))]
    if campaign.channel == Channel.EMAIL:
        pills += [("opened", pgettext("campaign figure", "Opened")), ("clicked", _("Clicked"))]
    return [*pills, ("problems", _("Not delivered"))]


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = _campaign(user, pk)
    contact, message, choices = _preview(campaign, id_or_none(request.GET.get("as")))
    from guanxi.customers.models import Contact

    visible = scope_queryset(user, Contact.objects.all(), "view", module="contacts").values("pk")
    show = request.GET.get("show", "")
    recipients = campaign.deliveries.filter(RECIPIENT_FILTERS.get(show, Q()), contact_id__in=visible)
    recipients_page = CappedPaginator(recipients.select_related("contact__customer").order_by("pk"),
                                      RECIPIENTS_PER_PAGE).get_page(request.GET.get("page"))  # fmt: skip
    from guanxi.org.policies import permission_scope, scope_queryset_or_none
    from guanxi.sales.models import Opportunity

    from .attribution import campaign_attribution, roi

    deals = scope_queryset_or_none(user, Opportunity.objects.all(), "view", module="opportunities")
    found = campaign_attribution(campaign, opportunities=deals)
    deals_visible = permission_scope(user, "opportunities.view") is not None  # else won amounts are unknown, not 0
    from guanxi.sales.models import Lead

    from .leads import campaign_form_url, campaign_leads

    leads = scope_queryset_or_none(user, Lead.objects.all(), "view", module="leads")
    context = {
        "campaign": campaign,
        "attribution": found,
        "deals_visible": deals_visible,
        "roi_first": roi(found.won_first, campaign.cost) if deals_visible else None,
        "roi_last": roi(found.won_last, campaign.cost) if deals_visible else None,
        "stats": campaigns.campaign_stats(campaign),
        "recipients": recipients_page,
        "recipients_show": show if show in RECIPIENT_FILTERS else "",
        "recipient_filters": _recipient_filters(campaign),
        "preview_contact": contact,
        "preview": message,
        "preview_choices": choices,
        "can_edit": has_permission(user, "marketing.edit"),
        "can_call": has_permission(user, "followups.create"),
        "is_phone": campaign.channel == Channel.PHONE,
        "is_email": campaign.channel == Channel.EMAIL,  # opens and clicks are tracked in e-mail only
        "leads": campaign_leads(campaign, leads=leads),
        "form_url": campaign_form_url(campaign),
        "route": budget.budget_route(campaign) if campaign.status == Campaign.Status.DRAFT else None,
        "approval_panel": approval_panel_html(request, campaign),
    }
    return render(request, "marketing/campaign_detail.html", context)


def _back(campaign: Campaign) -> str:
    return reverse("marketing:campaign_detail", args=[campaign.pk])


@login_required
@require_POST
def campaign_start(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request.user, pk)
    return service_action(request, lambda: campaigns.campaign_start(actor=request.user, campaign=campaign),
                          _("Campaign started: the worker sends it in batches."), _back(campaign))  # fmt: skip


@login_required
@require_POST
def campaign_budget_submit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request.user, pk)
    return service_action(request, lambda: budget.budget_submit(actor=request.user, campaign=campaign),
                          _("Budget submitted for approval."), _back(campaign))  # fmt: skip


@login_required
@require_POST
def campaign_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request.user, pk)
    return service_action(request, lambda: campaigns.campaign_cancel(actor=request.user, campaign=campaign),
                          _("Campaign cancelled."), _back(campaign))  # fmt: skip


@login_required
@require_POST
def campaign_test_send(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request.user, pk)

    def run() -> str:
        return campaigns.campaign_test_send(actor=request.user, campaign=campaign)

    return service_action(request, run, _("Test sent to your e-mail address."), _back(campaign))


@login_required
@require_POST
def call_log(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    from guanxi.customers.models import Contact

    campaign = _campaign(request.user, pk)
    visible = scope_queryset(request.user, Contact.objects.all(), "view", module="contacts").values("pk")
    delivery = campaign.deliveries.filter(pk=delivery_pk, contact_id__in=visible).select_related("contact__customer")
    found = delivery.first()
    if found is None:
        raise NotFoundError(_("Not found, or you may not see it."))

    def run() -> Any:
        return campaigns.call_log(actor=request.user, delivery=found, result=request.POST.get("result", ""))

    return service_action(request, run, _("Call logged as a follow-up."), _back(campaign))


# --- public: tracking ----------------------------------------------------------------------------------------
def track_open(request: HttpRequest, token: str) -> HttpResponse:
    data = tracking.read(token)
    if data is not None and Delivery.objects.filter(pk=data["d"]).exists():
        campaigns.record_open(data["d"])
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


def track_click(request: HttpRequest, token: str) -> HttpResponse:
    """Only a link we issued (signed, with its target) redirects; anything else is a 404, never an open redirect."""
    data = tracking.read(token)
    if data is None or not data.get("u") or not Delivery.objects.filter(pk=data["d"]).exists():
        return HttpResponse(_("This link does not work."), status=404, content_type="text/plain; charset=utf-8")
    campaigns.record_click(data["d"])
    return HttpResponseRedirect(data["u"])


def lead_campaign_panel(request: HttpRequest, lead: Any) -> tuple[int | None, str]:
    """The lead page's Campaign panel: the campaign (or event) the lead came from, by its signed reference, the
    event where it checked in, and, once the lead became a deal, the campaigns that deal is attributed to (first
    and last touch). Empty (left out) when there is none, or the reader may not read marketing."""
    from django.template.loader import render_to_string

    from guanxi.org.policies import scope_queryset_or_none
    from guanxi.sales.models import Opportunity

    from .attribution import attribute
    from .leads import lead_ref_target
    from .models_events import Event, Registration

    if not has_permission(request.user, "marketing.view"):
        return None, ""
    campaign, event = None, None
    target = lead_ref_target(lead.referral)
    if target is not None and target[0] == "c":
        campaign = Campaign.objects.filter(pk=target[1]).first()
    elif target is not None:
        event = Event.objects.select_related("campaign").filter(pk=target[1]).first()
        campaign = event.campaign if event is not None else None
    registration = Registration.objects.filter(lead=lead).select_related("event").first()
    touches: dict[str, Campaign | None] = {"first": None, "last": None}
    deals = scope_queryset_or_none(request.user, Opportunity.objects.all(), "view", module="opportunities")
    if lead.converted_opportunity_id and deals is not None:
        deal = deals.filter(pk=lead.converted_opportunity_id)
        for campaign_id, found in attribute(deal).items():
            for model in ("first", "last"):
                if getattr(found, model):
                    touches[model] = Campaign.objects.filter(pk=campaign_id).first()
    if not (campaign or event or registration or touches["first"] or touches["last"]):
        return None, ""
    context = {"campaign": campaign, "event": event or (registration.event if registration else None),
               "registration": registration, "lead": lead, **touches}  # fmt: skip
    return None, render_to_string("marketing/tabs/lead_campaign.html", context, request=request)
