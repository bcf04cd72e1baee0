"""One customer: the form (create/edit, duplicate check), the 360 page and its actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.accesslog import access_log_record
from guanxi.core.custom_fields.forms import custom_fields_attach, custom_form_values
from guanxi.core.errors import (
    ApplicationError,
    InvalidStateError,
    PermissionDeniedError,
    PreconditionFailedError,
    ValidationFailed,
)
from guanxi.core.models import AccessLog
from guanxi.core.registry import registry
from guanxi.core.views_util import form_add_errors, next_or
from guanxi.org.policies import has_permission, require_permission

from .. import selectors, services
from ..dedupe.services import DuplicateWarning
from ..forms import (
    PROVINCES,
    CustomerForm,
    FollowUpForm,
    TaskForm,
    TransferForm,
    contact_form,
    customer_initial,
)
from ..pool.selectors import customer_pool_status
from ._common import TIMELINE_KINDS


# --- create / edit ---------------------------------------------------------------------------
def _customer_form(request: HttpRequest, *, customer: Any = None, data: Any = None) -> CustomerForm:
    user = request.user
    can_assign = has_permission(user, "customers.assign")
    form = CustomerForm(
        data,
        initial=customer_initial(customer) if customer is not None else {"owner": None},
        users=selectors.assignable_users(user=user),
        tags=selectors.tag_choices(),
        can_assign=can_assign,
        customer=customer,
    )
    custom_fields_attach(form, user=user, target="customers.customer", instance=customer)
    return form


def _form_context(request: HttpRequest, form: CustomerForm, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "provinces": PROVINCES,
        **extra,
    }


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "customers.create")
    form = _customer_form(request, data=request.POST if request.method == "POST" else None)
    confirm = False
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_save(
                actor=request.user,
                data={**form.model_data(), "custom": custom_form_values(form)},
                owner=form.cleaned_data.get("owner"),
                collaborators=form.cleaned_data["collaborators"],
                tags=form.cleaned_data["tags"],
                new_tags=form.new_tag_names(),
                confirm_warnings=form.cleaned_data["confirm_duplicates"],
            )
        except ApplicationError as exc:
            form_add_errors(form, exc)
            confirm = isinstance(exc, DuplicateWarning)
        else:
            if customer.review_status == customer.Review.PENDING:
                messages.info(request, _("Customer saved. It waits for your manager's review before it is active."))
            else:
                messages.success(request, _("Customer “%(name)s” created.") % {"name": customer.name})
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", _form_context(request, form, confirm=confirm))


@login_required
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(user=request.user, pk=pk, action="edit")
    form = _customer_form(request, customer=customer, data=request.POST if request.method == "POST" else None)
    stale: list[tuple[str, str, str]] = []
    confirm = False
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_save(
                actor=request.user,
                customer=customer,
                data={**form.model_data(), "custom": custom_form_values(form)},
                owner=form.cleaned_data.get("owner"),
                collaborators=form.cleaned_data["collaborators"],
                tags=form.cleaned_data["tags"],
                new_tags=form.new_tag_names(),
                expected_version=form.cleaned_data.get("version"),
                confirm_warnings=form.cleaned_data["confirm_duplicates"],
            )
        except PreconditionFailedError:
            # Keep the user's input; show what the other person saved and accept the next save.
            current = selectors.customer_get(user=request.user, pk=pk, action="edit")
            stale = _differences(form, current)
            data = request.POST.copy()
            data["version"] = str(current.version)
            form = _customer_form(request, customer=current, data=data)
            form.is_valid()
            form.add_error(
                None,
                _(
                    "Someone else saved this customer while you were editing. Your input is kept below; "
                    "check the differences and save again to keep yours."
                ),
            )
            customer = current
        except ApplicationError as exc:
            form_add_errors(form, exc)
            confirm = isinstance(exc, DuplicateWarning)
        else:
            messages.success(request, _("Customer “%(name)s” saved.") % {"name": customer.name})
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        _form_context(request, form, customer=customer, stale=stale, confirm=confirm),
    )


def _differences(form: CustomerForm, current: Any) -> list[tuple[str, str, str]]:
    """(label, saved value, the user's value) where the saved record differs from the user's input."""

    def shown(name: str, value: Any) -> str:
        if value in (None, ""):
            return "∅"
        choices = dict(form.fields[name].choices) if hasattr(form.fields[name], "choices") else {}
        return str(choices.get(value, value))

    out = []
    for name in form.model_fields:
        mine = form.cleaned_data.get(name)
        theirs = getattr(current, name)
        if (mine or "") != (theirs or ""):
            out.append((str(form.fields[name].label), shown(name, theirs), shown(name, mine)))
    return out


@login_required
@require_GET
def customer_check_duplicate(request: HttpRequest) -> HttpResponse:
    """As-you-type check of the name and credit code (htmx): links to customers the user may see."""
    try:
        result = selectors.customer_duplicates(
            user=request.user,
            name=request.GET.get("name", ""),
            credit_code=request.GET.get("credit_code", ""),
            exclude_pk=request.GET.get("exclude"),
        )
    except PermissionDeniedError:
        result = {"visible": [], "hidden": False}
    return render(request, "customers/_duplicates.html", result)


# --- customer 360 ----------------------------------------------------------------------------
TIMELINE_FOLLOW_UPS = {"followup"}


def timeline_kinds(request: HttpRequest, *, follow_ups: bool) -> set[str]:
    """What the 360 timeline shows: the kinds the `type` filter names, none for everything (`type=all`). Without a
    filter it opens on the follow-ups, for a reader who may see them; the changes are a click away."""
    asked = request.GET.getlist("type")
    if not asked:
        return set(TIMELINE_FOLLOW_UPS) if follow_ups else set()
    return {k for k in asked if k in TIMELINE_KINDS}


def detail_context(request: HttpRequest, pk: int, **forms: Any) -> dict[str, Any]:
    user = request.user
    data = selectors.customer_360(user=user, pk=pk)
    customer = data["customer"]
    actions = selectors.customer_actions(user=user, customer=customer)
    kinds = timeline_kinds(request, follow_ups=actions["followups_view"])
    change_log = selectors.customer_change_log(user=user, customer=customer)
    timeline = selectors.timeline_with_labels(
        selectors.customer_timeline(user=user, customer=customer, kinds=kinds or None, changes=change_log), user=user
    )
    users = selectors.assignable_users(user=user)
    tasks = selectors.customer_tasks(user=user, customer=customer) if actions["tasks_view"] else []
    extra_tabs = []
    for tab in registry.tabs_for("customers.customer"):
        count, html = tab.render(request, customer)
        extra_tabs.append({"key": tab.key, "label": tab.label, "count": count, "html": html})
    primary = next((c for c in data["contacts"] if c.is_primary), None)
    review = selectors.customer_review_state(user=user, customer=customer)
    if review["request"] is not None:
        from guanxi.approvals.views import approval_panel

        review["panel"] = approval_panel(request, customer)
    return {
        **data,
        "review": review,
        "primary_contact": primary,
        "timeline": timeline,
        "timeline_kinds": kinds,
        "timeline_follow_ups": TIMELINE_FOLLOW_UPS,
        "actions": actions,
        "tasks": tasks,
        "open_tasks": sum(1 for t in tasks if not t.done),
        "change_log": change_log,
        "extra_tabs": extra_tabs,
        "composer": forms.get("composer")
        or FollowUpForm(contacts=data["contacts"], initial={"occurred_at": timezone.localtime().replace(second=0)}),
        "task_form": forms.get("task_form")
        or TaskForm(users=users if actions["tasks_assign"] else None, auto_id="task_%s"),
        "contact_form": contact_form(request.user, auto_id="new_contact_%s"),
        "transfer_form": TransferForm(users=users, auto_id="transfer_%s"),
        "active_tab": forms.get("active_tab", "activity"),
        "now": timezone.now(),
        "pool_status": customer_pool_status(customer),
    }


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    context = detail_context(request, pk)
    access_log_record(actor=request.user, kind=AccessLog.Kind.VIEW, obj=context["customer"])
    return render(request, "customers/customer_detail.html", context)


@login_required
@require_POST
def customer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(user=request.user, pk=pk, action="delete")
    services.customer_delete(actor=request.user, customer=customer)
    messages.success(
        request, _("“%(name)s” was moved to the recycle bin; it can be restored from there.") % {"name": customer.name}
    )
    return redirect("customers:list")


@login_required
@require_POST
def customer_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(user=request.user, pk=pk, action="assign")
    form = TransferForm(request.POST, users=selectors.assignable_users(user=request.user))
    if not form.is_valid():
        messages.error(request, _("Choose the new owner."))
        return redirect("customers:detail", pk=pk)
    moved, _skipped = services.customer_transfer(
        actor=request.user,
        customer_ids=[customer.pk],
        new_owner=form.cleaned_data["owner"],
        keep_as_collaborator=form.cleaned_data["keep_as_collaborator"],
    )
    if moved:
        messages.success(request, _("Handed to %(user)s.") % {"user": form.cleaned_data["owner"]})
    else:
        messages.info(request, _("Nothing changed: %(user)s already owns it.") % {"user": form.cleaned_data["owner"]})
    try:
        selectors.customer_get(user=request.user, pk=pk)
    except ApplicationError:  # handed outside the actor's reach
        return redirect("customers:list")
    return redirect("customers:detail", pk=pk)


@login_required
@require_POST
def customer_review(request: HttpRequest, pk: int) -> HttpResponse:
    # Visible is enough here: the service lets an approver of the review request decide, others need "approve".
    customer = selectors.customer_get(user=request.user, pk=pk)
    approve = request.POST.get("decision") == "approve"
    back = next_or(request, reverse("customers:detail", args=[pk]))
    try:
        customer = services.customer_review(
            actor=request.user, customer=customer, approve=approve, reason=request.POST.get("reason", "")[:300]
        )
    except (ValidationFailed, InvalidStateError) as exc:
        messages.error(request, exc.message)
    else:
        if customer.review_status == customer.Review.PENDING:  # a later approval step is still to come
            messages.success(request, _("Your approval is recorded; the next approver decides now."))
        elif approve:
            messages.success(request, _("“%(name)s” approved.") % {"name": customer.name})
        else:
            messages.success(request, _("“%(name)s” rejected.") % {"name": customer.name})
    return redirect(back)


@login_required
@require_POST
def customer_review_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(user=request.user, pk=pk, action="edit")
    try:
        approval = services.customer_review_resubmit(actor=request.user, customer=customer)
    except (ValidationFailed, InvalidStateError) as exc:
        messages.error(request, exc.message)
    else:
        if approval is not None:
            messages.success(request, _("Sent for review again."))
        else:
            messages.success(request, _("Sent to the department's reviewers again."))
    return redirect("customers:detail", pk=pk)
