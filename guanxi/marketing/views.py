"""Web UI of the marketing app: segments (live count and preview), the suppression list, the consent panel on
the customer 360 page and the public unsubscribe page. Thin: parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guanxi.core.errors import PermissionDeniedError
from guanxi.core.inputs import id_or_none
from guanxi.core.views_util import form_action, form_page_status, form_page_submit, service_action
from guanxi.org.policies import get_scoped_or_404, has_permission, require_permission

from . import consent, selectors, services
from .engagement import engagement_by_contact
from .forms import ConsentForm, SegmentForm, SuppressionForm
from .models import Channel, Segment
from .segments import Members, clean_query, filtered_contacts, preview, segment_members


def _count_context(members: Members) -> dict[str, Any]:
    return {
        "total": members.contacts.count(),
        "reach": selectors.reach_by_channel(members),
        "channels": Channel.choices,
        "preview": preview(members),
        "warnings": members.warnings,
    }


@login_required
def segment_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    segment = selectors.segment_get(user=user, pk=pk) if pk else None
    require_permission(user, "marketing.edit" if segment else "marketing.create")
    if request.method == "POST":
        form = SegmentForm(request.POST)
    elif segment is not None:
        form = SegmentForm(initial={"name": segment.name, "kind": segment.kind, "base": segment.base,
                                    "query": segment.query, "description": segment.description,
                                    "version": segment.version})  # fmt: skip
    else:
        query, base = clean_query(request.GET.get("query", ""))
        base = base or request.GET.get("base") or Segment.Base.CUSTOMERS
        form = SegmentForm(initial={"kind": request.GET.get("kind") or "dynamic", "base": base, "query": query})

    def save() -> Segment:
        if segment is None:
            return services.segment_create(actor=user, data=form.service_data())
        return services.segment_update(actor=user, segment=segment, data=form.service_data(),
                                       expected_version=form.cleaned_data.get("version"))  # fmt: skip

    then = lambda s: reverse("marketing:segment_detail", args=[s.pk])  # noqa: E731
    if (answer := form_page_submit(request, form, save, _("Segment saved."), then)) is not None:
        return answer
    context = {"form": form, "segment": segment}
    return render(request, "marketing/segment_form.html", context, status=form_page_status(request))


@login_required
def segment_count(request: HttpRequest) -> HttpResponse:
    """The live count and preview beside the segment form (htmx): the filters as typed, in the reader's scope."""
    require_permission(request.user, "marketing.view")
    query, named = clean_query(request.GET.get("query", ""))
    base = named or request.GET.get("base")
    if base not in Segment.Base.values:
        base = Segment.Base.CUSTOMERS
    if request.GET.get("kind") == Segment.Kind.STATIC:
        return render(request, "marketing/_segment_count.html", {"static": True})
    try:
        members = filtered_contacts(user=request.user, base=base, query=query)
    except PermissionDeniedError:
        return render(request, "marketing/_segment_count.html", {"denied": True})
    return render(request, "marketing/_segment_count.html", _count_context(members))


@login_required
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    segment = selectors.segment_get(user=user, pk=pk)
    try:
        members = segment_members(user=user, segment=segment)
    except PermissionDeniedError:
        members = None
    list_url = ""
    if segment.kind == Segment.Kind.DYNAMIC:
        name = "customers:list" if segment.base == Segment.Base.CUSTOMERS else "customers:contact_list"
        list_url = reverse(name) + (f"?{segment.query}" if segment.query else "")
    context: dict[str, Any] = {
        "segment": segment,
        "list_url": list_url,
        "can_edit": has_permission(user, "marketing.edit"),
        "can_delete": has_permission(user, "marketing.delete"),
        "denied": members is None,
    }
    if members is not None:
        context.update(_count_context(members))
    return render(request, "marketing/segment_detail.html", context)


@login_required
@require_POST
def segment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    segment = selectors.segment_get(user=request.user, pk=pk)

    def run() -> None:
        services.segment_delete(actor=request.user, segment=segment,
                                expected_version=id_or_none(request.POST.get("version")))  # fmt: skip

    return service_action(request, run, _("Segment moved to the recycle bin."), reverse("marketing:segment_list"))


@login_required
@require_POST
def segment_member_remove(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    segment = selectors.segment_get(user=request.user, pk=pk)

    def run() -> None:
        services.segment_remove_contact(actor=request.user, segment=segment, contact_id=contact_pk)

    back = reverse("marketing:segment_detail", args=[pk])
    return service_action(request, run, _("Contact removed from the list."), back)


# --- suppression list -------------------------------------------------------------------------------------------
@login_required
def suppression_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "marketing.edit")
    form = SuppressionForm(request.POST or None)
    answer = form_page_submit(
        request, form, lambda: consent.suppression_add(actor=request.user, **form.cleaned_data),
        _("Address suppressed: nothing will be sent to it."), "marketing:suppression_list",
    )  # fmt: skip
    if answer is not None:
        return answer
    return render(request, "marketing/suppression_form.html", {"form": form}, status=form_page_status(request))


# --- consent, on the customer 360 page ------------------------------------------------------------------------
@login_required
@require_POST
def consent_set(request: HttpRequest, pk: int) -> HttpResponse:
    from guanxi.customers.models import Contact

    contact = get_scoped_or_404(request.user, Contact.objects.all(), pk, "view", module="contacts")
    back = reverse("customers:detail", args=[contact.customer_id]) + "#tab-marketing"

    def run(data: dict[str, Any]) -> Any:
        return consent.consent_set(actor=request.user, contact=contact, **data)

    return form_action(request, ConsentForm(request.POST), run, _("Consent recorded."), back)


def customer_contacts_seen(request: HttpRequest, customer: Any) -> list[Any]:
    """The customer's contacts in the reader's scope (with their consents), read once per request: the 360 page's
    Marketing and Care tabs both show them."""
    memo: dict[int, list[Any]] = request.__dict__.setdefault("_gx_marketing_contacts", {})
    if customer.pk not in memo:
        memo[customer.pk] = selectors.customer_contacts_with_consents(user=request.user, customer=customer)
    return memo[customer.pk]


def customer_marketing_tab(request: HttpRequest, customer: Any) -> tuple[int | None, str]:
    user = request.user
    if not has_permission(user, "contacts.view"):
        return None, render_to_string("customers/_no_permission.html", {}, request=request)
    contacts = customer_contacts_seen(request, customer)
    engaged = engagement_by_contact(user=user, contacts=contacts)
    rows = []
    for contact in contacts:
        given = {c.channel: c for c in contact.consents.all()}
        rows.append({"contact": contact, "engagement": engaged.get(contact.pk),
                     "channels": [(value, label, given.get(value)) for value, label in Channel.choices]})  # fmt: skip
    context = {"rows": rows, "can_edit": has_permission(user, "contacts.edit"), "form": ConsentForm(),
               "sees_campaigns": has_permission(user, "marketing.view"),
               "sees_points": has_permission(user, "loyalty.view")}  # fmt: skip
    return None, render_to_string("marketing/tabs/marketing.html", context, request=request)


# --- the public unsubscribe page ------------------------------------------------------------------------------
@csrf_exempt  # a signed link from an e-mail, with no session: one-click (RFC 8058) posts come from mail clients
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    data = consent.unsubscribe_read(token)
    if data is None:
        return render(request, "marketing/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        contact = consent.unsubscribe(token=token)
        if contact is None:
            return render(request, "marketing/unsubscribe.html", {"invalid": True}, status=404)
        return render(request, "marketing/unsubscribe.html", {"done": True, "channel": Channel(data["ch"]).label})
    return render(request, "marketing/unsubscribe.html", {"channel": Channel(data["ch"]).label})
