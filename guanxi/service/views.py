"""Web UI of the service app: asset and ticket pages, their forms and actions, and the customer 360 tabs.
Thin: parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.custom_fields.forms import custom_fields_attach
from guanxi.core.errors import ApplicationError
from guanxi.core.inputs import id_or_none
from guanxi.core.views_util import form_page_status, form_page_submit, service_action
from guanxi.org.policies import has_permission, require_permission, scope_children, scope_queryset_or_none

from . import selectors, services
from .forms import AssetForm, TicketForm
from .mailbox import service_mailbox_configured, ticket_reply_address
from .models import Asset, Ticket

ACTION_LABELS = {
    "start": (gettext_lazy("Start work"), "player-play", "btn-primary"),
    "wait": (gettext_lazy("Wait for customer"), "hourglass", ""),
    "resume": (gettext_lazy("Resume"), "player-play", "btn-primary"),
    "resolve": (gettext_lazy("Resolve"), "circle-check", "btn-success"),
    "close": (gettext_lazy("Close"), "lock", ""),
    "reopen": (gettext_lazy("Reopen"), "rotate", ""),
}


def _customers(user: Any) -> Any:
    from guanxi.customers.selectors import customer_choices

    return customer_choices(user=user)


def _customer_of(request: HttpRequest, obj: Any = None) -> Any:
    """The customer the form is about: the record's, the posted one, or ?customer= (none when out of reach)."""
    if obj is not None and "customer" not in request.POST:
        return obj.customer
    pk = id_or_none(request.POST.get("customer") or request.GET.get("customer"))
    return _customers(request.user).filter(pk=pk).first() if pk else None


# --- assets -----------------------------------------------------------------------------------------
def _asset_form(request: HttpRequest, asset: Asset | None) -> AssetForm:
    from guanxi.commerce.models import Contract, Product

    user = request.user
    customer = _customer_of(request, asset)
    contracts = (
        scope_children(user, Contract.objects.all(), via="customer", parent=customer, module="contracts", or_none=True)
        if customer
        else Contract.objects.none()
    )
    kwargs: dict[str, Any] = {"customers": _customers(user), "products": Product.objects.filter(is_active=True),
                              "contracts": contracts}  # fmt: skip
    if request.method == "POST":
        return _with_custom(AssetForm(request.POST, **kwargs), request, services.ASSET_TARGET, asset)
    initial: dict[str, Any] = {"status": Asset.Status.ACTIVE, "kind": request.GET.get("kind") or "equipment"}
    if customer is not None:
        initial["customer"] = customer.pk
    if asset is not None:
        initial = {f: getattr(asset, f) for f in ("kind", "name", "plate_number", "policy_number", "serial_number",
                   "previous_insurer", "starts_on", "ends_on", "status", "address", "notes")}  # fmt: skip
        initial.update(customer=asset.customer_id, product=asset.product_id, contract=asset.contract_id,
                       version=asset.version)  # fmt: skip
    return _with_custom(AssetForm(initial=initial, **kwargs), request, services.ASSET_TARGET, asset)


def _with_custom(form: Any, request: HttpRequest, target: str, instance: Any) -> Any:
    """The custom fields (core.custom_fields) the user may edit, at the end of the form."""
    custom_fields_attach(form, user=request.user, target=target, instance=instance)
    return form


@login_required
def asset_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    asset = selectors.asset_get(user=user, pk=pk, action="edit") if pk else None
    if asset is None:
        require_permission(user, "assets.create")
    form = _asset_form(request, asset)

    def save() -> Asset:
        if asset is None:
            return services.asset_create(actor=user, data=form.service_data())
        return services.asset_update(actor=user, asset=asset, data=form.service_data(),
                                     expected_version=form.cleaned_data.get("version"))  # fmt: skip

    then = lambda a: reverse("service:asset_detail", args=[a.pk])  # noqa: E731
    if (answer := form_page_submit(request, form, save, _("Asset saved."), then)) is not None:
        return answer
    context = {"form": form, "asset": asset}
    return render(request, "service/asset_form.html", context, status=form_page_status(request))


@login_required
def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    asset = selectors.asset_get(user=user, pk=pk)
    tickets = scope_queryset_or_none(user, Ticket.objects.filter(asset=asset), "view").select_related("owner")
    context = {
        "asset": asset,
        "tickets": list(tickets.order_by("-created_at")[:50]),
        "can_edit": has_permission(user, "assets.edit"),
        "can_delete": has_permission(user, "assets.delete"),
        "can_ticket": has_permission(user, "tickets.create"),
        "contract_visible": asset.contract_id and has_permission(user, "contracts.view"),
    }
    return render(request, "service/asset_detail.html", context)


@login_required
@require_POST
def asset_delete(request: HttpRequest, pk: int) -> HttpResponse:
    asset = selectors.asset_get(user=request.user, pk=pk, action="delete")

    def run() -> None:
        services.asset_delete(actor=request.user, asset=asset, expected_version=id_or_none(request.POST.get("version")))

    return service_action(request, run, _("Asset moved to the recycle bin."), reverse("service:asset_list"))


# --- tickets ----------------------------------------------------------------------------------------
def _ticket_form(request: HttpRequest, ticket: Ticket | None) -> TicketForm:
    from guanxi.customers.models import Contact

    user = request.user
    customer = _customer_of(request, ticket)
    kwargs: dict[str, Any] = {
        "customers": _customers(user),
        "contacts": scope_children(user, Contact.objects.all(), via="customer", parent=customer, or_none=True)
        if customer
        else Contact.objects.none(),
        "assets": scope_children(user, Asset.objects.all(), via="customer", parent=customer, or_none=True)
        if customer
        else Asset.objects.none(),
        "editing": ticket is not None,
    }
    if request.method == "POST":
        return _with_custom(TicketForm(request.POST, request.FILES, **kwargs), request, services.TICKET_TARGET, ticket)
    initial: dict[str, Any] = {
        "priority": "normal",
        "type": request.GET.get("type") or "consultation",
        "channel": "phone",
    }
    if customer is not None:
        initial["customer"] = customer.pk
    asset_pk = id_or_none(request.GET.get("asset"))
    if asset_pk:
        initial["asset"] = asset_pk
    contact_pk = id_or_none(request.GET.get("contact"))  # the caller view names who is calling
    if contact_pk:
        initial["contact"] = contact_pk
    if ticket is not None:
        initial = {f: getattr(ticket, f) for f in ("type", "priority", "channel", "subject", "description")}
        initial.update(customer=ticket.customer_id, contact=ticket.contact_id, asset=ticket.asset_id,
                       version=ticket.version)  # fmt: skip
    return _with_custom(TicketForm(initial=initial, **kwargs), request, services.TICKET_TARGET, ticket)


@login_required
def ticket_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    ticket = selectors.ticket_get(user=user, pk=pk, action="edit") if pk else None
    if ticket is None:
        require_permission(user, "tickets.create")
    form = _ticket_form(request, ticket)

    def save() -> Ticket:
        if ticket is None:
            upload = form.cleaned_data.get("attachment")
            return services.ticket_create(actor=user, data=form.service_data(), files=[upload] if upload else [])
        return services.ticket_update(actor=user, ticket=ticket, data=form.service_data(),
                                      expected_version=form.cleaned_data.get("version"))  # fmt: skip

    then = lambda t: reverse("service:ticket_detail", args=[t.pk])  # noqa: E731
    if (answer := form_page_submit(request, form, save, _("Ticket saved."), then)) is not None:
        return answer
    context = {"form": form, "ticket": ticket}
    return render(request, "service/ticket_form.html", context, status=form_page_status(request))


@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    ticket = selectors.ticket_get(user=user, pk=pk)
    can_edit = scope_queryset_or_none(user, Ticket.objects.filter(pk=ticket.pk), "edit").exists()
    actions = [(a, *ACTION_LABELS[a]) for a in services.actions_for(ticket)] if can_edit else []
    context = {
        "ticket": ticket,
        "history": selectors.ticket_history(ticket=ticket),
        "attachments": list(ticket.attachments.all()),
        "can_edit": can_edit,
        "actions": actions,
        "can_assign": ticket.is_open and has_permission(user, "tickets.assign"),
        "agents": selectors.agent_choices(user=user) if has_permission(user, "tickets.assign") else [],
        "reopen_deadline": services.reopen_deadline(ticket),
        "asset_visible": ticket.asset_id and has_permission(user, "assets.view"),
        "mail_reply_to": ticket_reply_address(ticket) if can_edit and service_mailbox_configured() else None,
    }
    return render(request, "service/ticket_detail.html", context)


def _ticket_back(ticket: Ticket) -> str:
    return reverse("service:ticket_detail", args=[ticket.pk])


@login_required
@require_POST
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    ticket = selectors.ticket_get(user=request.user, pk=pk, action="edit")

    def run() -> Ticket:
        return services.ticket_transition(
            actor=request.user, ticket=ticket, action=action, note=request.POST.get("note", ""),
            resolution=request.POST.get("resolution", ""),
        )  # fmt: skip

    return service_action(request, run, _("Ticket updated."), _ticket_back(ticket), changed=services.TICKET_CHANGES)


@login_required
@require_POST
def ticket_assign(request: HttpRequest, pk: int) -> HttpResponse:
    from guanxi.org.models import User

    ticket = selectors.ticket_get(user=request.user, pk=pk, action="edit")

    def run() -> Ticket:
        owner_pk = id_or_none(request.POST.get("owner"))
        owner = User.objects.filter(pk=owner_pk).first() if owner_pk else None
        if owner is None:
            from guanxi.core.inputs import field_error

            raise field_error("owner", _("Choose the new owner."))
        return services.ticket_assign(actor=request.user, ticket=ticket, owner=owner, note=request.POST.get("note", ""))

    return service_action(request, run, _("Ticket assigned."), _ticket_back(ticket), changed=services.TICKET_CHANGES)


@login_required
@require_POST
def ticket_note(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_get(user=request.user, pk=pk, action="edit")

    def run() -> Any:
        return services.ticket_note(actor=request.user, ticket=ticket, text=request.POST.get("text", ""))

    return service_action(request, run, _("Note added."), _ticket_back(ticket))


@login_required
@require_POST
def ticket_attach(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_get(user=request.user, pk=pk, action="edit")

    def run() -> Any:
        return services.ticket_attach(actor=request.user, ticket=ticket, upload=request.FILES.get("file"))

    return service_action(request, run, _("File attached."), _ticket_back(ticket))


@login_required
@require_POST
def ticket_email(request: HttpRequest, pk: int) -> HttpResponse:
    """Reply to the customer by e-mail from the service mailbox (guanxi/service/mailbox.py)."""
    from .mailbox import ticket_reply_by_email

    ticket = selectors.ticket_get(user=request.user, pk=pk, action="edit")

    def run() -> Any:
        return ticket_reply_by_email(
            actor=request.user, ticket=ticket, text=request.POST.get("text", ""), to=request.POST.get("to", "")
        )

    return service_action(request, run, _("E-mail sent."), _ticket_back(ticket))


@login_required
def service_settings(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "org.admin")
    policy = services.service_policy()
    if request.method == "POST":

        def run() -> Any:
            return services.service_policy_update(
                actor=request.user, data={"reopen_days": request.POST.get("reopen_days")}
            )

        return service_action(request, run, _("Settings saved."), reverse("service:settings"))
    from .mailbox import service_mailbox_status

    return render(request, "service/settings.html", {"policy": policy, "mailbox": service_mailbox_status()})


# --- the customer 360 tabs ------------------------------------------------------------------------------
def _no_permission(request: HttpRequest) -> tuple[None, str]:
    return None, render_to_string("customers/_no_permission.html", {}, request=request)


def customer_assets_tab(request: HttpRequest, customer: Any) -> tuple[int | None, str]:
    user = request.user
    if not has_permission(user, "assets.view"):
        return _no_permission(request)
    assets = selectors.customer_assets(user=user, customer=customer)
    new_url = (
        f"{reverse('service:asset_create')}?customer={customer.pk}" if has_permission(user, "assets.create") else ""
    )
    html = render_to_string("service/tabs/assets.html", {"assets": assets, "new_url": new_url}, request=request)
    return len(assets), html


def customer_tickets_tab(request: HttpRequest, customer: Any) -> tuple[int | None, str]:
    user = request.user
    if not has_permission(user, "tickets.view"):
        return _no_permission(request)
    tickets = selectors.customer_tickets(user=user, customer=customer)
    new_url = (
        f"{reverse('service:ticket_create')}?customer={customer.pk}" if has_permission(user, "tickets.create") else ""
    )
    context = {"tickets": tickets, "new_url": new_url, "customer": customer}
    html = render_to_string("service/tabs/tickets.html", context, request=request)
    return len(tickets), html


# --- assignment rules (org.admin) ------------------------------------------------------------------------
def _rule_context(rule: Any = None, values: dict[str, Any] | None = None, error: Any = None) -> dict[str, Any]:
    from guanxi.commerce.models import Product
    from guanxi.core.dictionaries.selectors import active_choices
    from guanxi.customers.selectors import department_choices
    from guanxi.org.models import User

    from .models import AssignmentRule

    if values is None:
        values = {
            "name": rule.name if rule else "", "order": rule.order if rule else 10,
            "is_active": rule.is_active if rule else True, "types": rule.types if rule else [],
            "channels": rule.channels if rule else [], "customer_levels": rule.customer_levels if rule else [],
            "provinces": ", ".join(rule.provinces) if rule else "",
            "product": str(rule.product_id or "") if rule else "",
            "department": str(rule.department_id or "") if rule else "",
            "users": [str(u.pk) for u in rule.users.all()] if rule else [],
            "method": rule.method if rule else "round_robin", "cap": rule.cap if rule else 0,
        }  # fmt: skip
    return {
        "rule": rule, "values": values, "error": error, "methods": AssignmentRule.Method.choices,
        "types": active_choices("ticket_type"), "channels": active_choices("ticket_channel"),
        "levels": active_choices("customer_level"), "products": Product.objects.filter(is_active=True).order_by("code"),
        "departments": department_choices(), "people": User.objects.filter(is_active=True).order_by("name"),
    }  # fmt: skip


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    from .models import AssignmentRule

    require_permission(request.user, "org.admin")
    rules = AssignmentRule.objects.select_related("department", "product").prefetch_related("users")
    return render(request, "service/rule_list.html", {"rules": rules})


@login_required
def rule_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    from django.shortcuts import get_object_or_404

    from .assignment import assignment_rule_save
    from .models import AssignmentRule

    require_permission(request.user, "org.admin")
    rule = get_object_or_404(AssignmentRule, pk=pk) if pk else None
    if request.method == "POST":
        post = request.POST
        data = {
            "name": post.get("name", ""), "order": post.get("order", ""), "is_active": post.get("is_active") == "on",
            "types": post.getlist("types"), "channels": post.getlist("channels"),
            "customer_levels": post.getlist("customer_levels"),
            "provinces": [p.strip() for p in post.get("provinces", "").replace("，", ",").split(",") if p.strip()],
            "product": post.get("product") or None, "department": post.get("department") or None,
            "users": post.getlist("users"), "method": post.get("method", ""), "cap": post.get("cap", ""),
        }  # fmt: skip
        try:
            assignment_rule_save(actor=request.user, data=data, rule=rule)
        except ApplicationError as exc:
            values = {**data, "provinces": post.get("provinces", ""), "product": post.get("product", ""),
                      "department": post.get("department", "")}  # fmt: skip
            return render(request, "service/rule_form.html", _rule_context(rule, values, exc), status=400)
        messages.success(request, _("Assignment rule saved."))
        return redirect("service:rule_list")
    return render(request, "service/rule_form.html", _rule_context(rule))


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    from django.shortcuts import get_object_or_404

    from .assignment import assignment_rule_delete
    from .models import AssignmentRule

    require_permission(request.user, "org.admin")
    rule = get_object_or_404(AssignmentRule, pk=pk)

    def run() -> None:
        assignment_rule_delete(actor=request.user, rule=rule)

    return service_action(request, run, _("Assignment rule deleted."), reverse("service:rule_list"))
