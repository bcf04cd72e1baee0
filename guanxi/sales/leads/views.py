"""Web UI for leads, their assignment and the assignment rules, plus the public web-to-lead form.
Thin: parse, call one selector/service, render."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guanxi.core.custom_fields.forms import custom_fields_attach, custom_form_values
from guanxi.core.errors import ApplicationError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.middleware import client_ip
from guanxi.core.registry import registry
from guanxi.core.views_util import error_text, form_add_errors, next_or, service_action
from guanxi.org.policies import has_permission, require_permission

from . import selectors, services
from .forms import (
    HONEYPOT,
    PROVINCES,
    AssignForm,
    ConvertForm,
    LeadForm,
    LoseForm,
    PublicLeadForm,
    RuleForm,
    ScreenForm,
)
from .models import Lead

log = logging.getLogger(__name__)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form came from (same site only)."""
    return redirect(next_or(request, default))


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    """Show a refused action as a message; forbidden and missing rows still answer 403/404."""
    if isinstance(exc, PermissionDeniedError | NotFoundError):
        raise exc
    messages.error(request, error_text(exc))


def _act(request: HttpRequest, pk: int, run: Callable[[], Any], done: str) -> HttpResponse:
    """A button on the lead's page: its message or its refusal, then back to the lead unless `next` says otherwise."""
    return service_action(request, run, done, reverse("sales:lead_detail", args=[pk]))


# --- the queue ------------------------------------------------------------------------------
# The list itself is the shared list toolkit's page (leads/lists.py); this button runs the rules on the whole queue.
@login_required
@require_POST
def lead_assign_by_rules(request: HttpRequest) -> HttpResponse:
    """Run the rules on the selected leads, or on every unowned new/valid lead in reach if none is selected."""
    ids = request.POST.getlist("ids") or None
    try:
        outcomes = services.lead_assign_by_rules(actor=request.user, lead_ids=ids)
    except ApplicationError as exc:
        _fail(request, exc)
        return _back(request, reverse("sales:lead_list"))
    assigned = sum(1 for o in outcomes if o.user is not None)
    capped = sum(1 for o in outcomes if o.reason == "at_capacity")
    unmatched = sum(1 for o in outcomes if o.reason == "no_rule")
    if not outcomes:
        messages.info(request, _("No unassigned leads to distribute."))
    else:
        messages.success(
            request,
            _(
                "Rules assigned %(assigned)s lead(s); %(capped)s wait because every matching rep is at the cap; "
                "%(unmatched)s match no rule."
            )
            % {"assigned": assigned, "capped": capped, "unmatched": unmatched},
        )
    return _back(request, reverse("sales:lead_list"))


# --- one lead ---------------------------------------------------------------------------------
@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    data = selectors.lead_detail(user=request.user, pk=pk)
    lead = data["lead"]
    data.update(
        {
            "assign_form": AssignForm(assignees=selectors.lead_assignees(user=request.user))
            if data["can_assign"]
            else None,
            "lose_form": LoseForm(),
            "screen_form": ScreenForm(),
            "screenable": lead.status in services.SCREENABLE and not lead.owner_id,
            "assignable": lead.status in services.ASSIGNABLE,
            "losable": lead.status in services.LOSABLE,
            "convertible": lead.status in services.CONVERTIBLE,
        }
    )
    data["panels"] = _record_panels(request, lead)
    return render(request, "sales/lead_detail.html", data)


def _record_panels(request: HttpRequest, lead: Lead) -> list[dict[str, Any]]:
    """The panels higher apps register for a lead (marketing's campaign and attribution), rendered for this user;
    a panel with nothing to show (empty html) is left out."""
    panels = []
    for tab in registry.tabs_for("sales.lead"):
        count, html = tab.render(request, lead)
        if html:
            panels.append({"key": tab.key, "label": tab.label, "count": count, "html": html})
    return panels


@login_required
def lead_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "leads.create")
    assignees = selectors.lead_assignees(user=request.user) if has_permission(request.user, "leads.assign") else None
    form = LeadForm(request.POST or None, assignees=assignees, initial={"source": Lead.Source.PHONE})
    custom_fields_attach(form, user=request.user, target="sales.lead")
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_create(
                actor=request.user,
                data={**form.model_data(), "custom": custom_form_values(form)},
                owner=form.cleaned_data.get("owner"),
            )
        except ApplicationError as exc:
            if isinstance(exc, PermissionDeniedError):
                raise
            form_add_errors(form, exc)
            return _form_page(request, form, lead=None, status=exc.http_status)
        messages.success(request, _("Lead saved."))
        if not has_permission(request.user, "leads.view"):  # entered for the queue (e.g. by a service agent)
            return redirect("sales:lead_create")
        return redirect("sales:lead_detail", pk=lead.pk)
    return _form_page(request, form, lead=None, status=400 if form.errors else 200)


@login_required
def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get(user=request.user, pk=pk, action="edit")
    initial = {name: getattr(lead, name) for name in LeadForm.model_fields}
    form = LeadForm(request.POST or None, initial=initial)
    custom_fields_attach(form, user=request.user, target="sales.lead", instance=lead)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_update(
                actor=request.user,
                lead=lead,
                data={**form.model_data(), "custom": custom_form_values(form)},
                expected_version=_int_or_none(request.POST.get("version")),
            )
        except ApplicationError as exc:
            if isinstance(exc, PermissionDeniedError | NotFoundError):
                raise
            form_add_errors(form, exc)
            return _form_page(request, form, lead=lead, status=exc.http_status)
        messages.success(request, _("Lead saved."))
        return redirect("sales:lead_detail", pk=lead.pk)
    return _form_page(request, form, lead=lead, status=400 if form.errors else 200)


def _form_page(request: HttpRequest, form: LeadForm, lead: Lead | None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "sales/lead_form.html",
        {
            "form": form,
            "lead": lead,
            "provinces": PROVINCES,
            "industries": selectors.lead_industries(user=request.user),
        },
        status=status,
    )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def lead_screen(request: HttpRequest, pk: int) -> HttpResponse:
    form = ScreenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose valid or invalid."))
        return redirect("sales:lead_detail", pk=pk)
    valid = form.cleaned_data["valid"]
    return _act(
        request,
        pk,
        lambda: services.lead_screen(
            actor=request.user, lead=Lead(pk=pk), valid=valid, reason=form.cleaned_data["reason"]
        ),
        _("Marked valid.") if valid else _("Marked invalid."),
    )


@login_required
@require_POST
def lead_assign(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.lead_get(user=request.user, pk=pk, action="assign")  # 403 without the right, 404 out of reach
    form = AssignForm(request.POST, assignees=selectors.lead_assignees(user=request.user))
    if not form.is_valid():
        messages.error(request, _("Choose who gets the lead."))
        return redirect("sales:lead_detail", pk=pk)
    user = form.cleaned_data["assignee"]

    def run() -> None:
        assigned, _skipped = services.lead_assign(actor=request.user, lead_ids=[pk], assignee=user)
        if not assigned:
            raise ValidationFailed(_("This lead cannot be assigned now (closed, invalid or theirs already)."))

    return _act(request, pk, run, _("Assigned to %(user)s.") % {"user": user})


@login_required
@require_POST
def lead_follow(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda: services.lead_mark_following(actor=request.user, lead=Lead(pk=pk)),
        _("Marked as being followed up."),
    )


@login_required
@require_POST
def lead_lose(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        pk,
        lambda: services.lead_lose(actor=request.user, lead=Lead(pk=pk), reason=reason),
        _("Marked lost."),
    )


@login_required
@require_POST
def lead_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.lead_delete(actor=request.user, lead=Lead(pk=pk))
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("sales:lead_detail", pk=pk)
    messages.success(request, _("Lead moved to the recycle bin."))
    return redirect("sales:lead_list")


@login_required
def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get(user=request.user, pk=pk, action="edit")
    initial = {"name": lead.company_name or lead.person_name, "create_opportunity": True}
    form = ConvertForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.lead_convert(
                actor=request.user,
                lead=lead,
                customer={"name": data["name"], "credit_code": data["credit_code"]},
                create_opportunity=data["create_opportunity"],
                opportunity={
                    "name": data["opportunity_name"],
                    "amount": data["amount"],
                    "expected_close_date": data["expected_close_date"],
                },
                expected_version=_int_or_none(request.POST.get("version")),
            )
        except ApplicationError as exc:
            if isinstance(exc, NotFoundError):
                raise
            # The duplicate check's and the customer's own field errors land on the matching fields.
            form_add_errors(form, exc)
            return _convert_page(request, form, lead, status=exc.http_status)
        messages.success(request, _("Converted: customer %(customer)s created.") % {"customer": result.customer})
        return redirect("customers:detail", pk=result.customer.pk)
    return _convert_page(request, form, lead, status=400 if form.errors else 200)


def _convert_page(request: HttpRequest, form: ConvertForm, lead: Lead, status: int) -> HttpResponse:
    context = {"form": form, "lead": lead, "convertible": lead.status in services.CONVERTIBLE}
    return render(request, "sales/lead_convert.html", context, status=status)


# --- assignment rules -------------------------------------------------------------------------
@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = list(selectors.assignment_rule_list(user=request.user))
    return render(request, "sales/rule_list.html", {"rules": rules})


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = selectors.assignment_rule_get(user=request.user, pk=pk) if pk else None
    require_permission(request.user, selectors.RULE_ADMIN)
    initial: dict[str, Any] = {"is_active": True, "priority": None}  # a new rule goes last unless ordered
    if rule is not None:
        initial = {name: getattr(rule, name) for name in RuleForm.model_fields}
        initial.update({k: getattr(rule, k) for k in ("provinces", "industries", "sizes", "sources")})
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if rule is None:
                services.assignment_rule_create(actor=request.user, data=form.rule_data())
            else:
                services.assignment_rule_update(
                    actor=request.user,
                    rule=rule,
                    data=form.rule_data(),
                    expected_version=_int_or_none(request.POST.get("version")),
                )
        except ApplicationError as exc:
            if isinstance(exc, PermissionDeniedError | NotFoundError):
                raise
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Assignment rule saved."))
            return redirect("sales:rule_list")
    status = 400 if form.errors else 200
    context = {"form": form, "rule": rule, "provinces": PROVINCES}
    return render(request, "sales/rule_form.html", context, status=status)


@login_required
@require_POST
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.assignment_rule_get(user=request.user, pk=pk)
    try:
        services.assignment_rule_move(actor=request.user, rule=rule, direction=request.POST.get("direction", ""))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("sales:rule_list")


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.assignment_rule_get(user=request.user, pk=pk)
    services.assignment_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Assignment rule deleted."))
    return redirect("sales:rule_list")


# --- public web-to-lead form ------------------------------------------------------------------
@xframe_options_exempt  # embedded in an iframe on the company website
def public_lead_form(request: HttpRequest) -> HttpResponse:
    """The enquiry form visitors fill in (no sign-in)."""
    form = PublicLeadForm(request.POST or None, initial={"referral": request.GET.get("ref", "")[:100]})
    context: dict[str, Any] = {"form": form, "provinces": PROVINCES, "honeypot": HONEYPOT}
    if request.method != "POST":
        return render(request, "sales/public_lead_form.html", context)
    try:
        services.web_lead_throttle(ip=client_ip(request))
    except services.ThrottledError as exc:
        context["throttled"] = exc.message
        return render(request, "sales/public_lead_form.html", context, status=429)
    if request.POST.get(HONEYPOT):
        log.info("web lead dropped by the spam trap from %s", client_ip(request))
        return render(request, "sales/public_lead_form.html", {**context, "thanks": True})
    if form.is_valid():
        try:
            services.web_lead_submit(data=form.lead_data())
        except ValidationFailed as exc:
            form_add_errors(form, exc)
        else:
            return render(request, "sales/public_lead_form.html", {**context, "thanks": True})
    return render(request, "sales/public_lead_form.html", context, status=400)


def _json_error(exc: ApplicationError) -> JsonResponse:
    return JsonResponse(exc.as_envelope(), status=exc.http_status)


@csrf_exempt  # a cross-site form post by design: no session, no cookies, nothing to forge
@require_POST
def public_lead_json(request: HttpRequest) -> JsonResponse:
    """The same as the form, for a website's own JavaScript: JSON in, JSON out."""
    try:
        services.web_lead_throttle(ip=client_ip(request))
    except services.ThrottledError as exc:
        response = _json_error(exc)
        response["Retry-After"] = "60"
        return response
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        msg = _("The request body is not valid JSON.")
        return _json_error(ValidationFailed(msg, fields={"body": [_("Send a JSON object.")]}))
    if not isinstance(payload, dict):
        return _json_error(ValidationFailed(_("Send a JSON object."), fields={"body": [_("Send a JSON object.")]}))
    accepted = {"ok": True, "message": _("Thank you! We will contact you soon.")}
    if payload.get(HONEYPOT):
        log.info("web lead dropped by the spam trap from %s", client_ip(request))
        return JsonResponse(accepted, status=201)
    unknown = sorted(set(payload) - set(PublicLeadForm.base_fields))
    if unknown:
        fields = {k[:50]: [_("Unknown field.")] for k in unknown[:20]}
        return _json_error(ValidationFailed(_("Please correct the errors below."), fields=fields))
    data = {k: v if isinstance(v, str) else ("" if v is None else str(v)) for k, v in payload.items()}
    form = PublicLeadForm(data)
    if not form.is_valid():
        fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
        return _json_error(ValidationFailed(_("Please correct the errors below."), fields=fields))
    try:
        services.web_lead_submit(data=form.lead_data())
    except ValidationFailed as exc:
        return _json_error(exc)
    return JsonResponse(accepted, status=201)
