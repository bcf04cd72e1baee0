"""Work on a customer: follow-ups, contacts, tasks, and the "my day" start page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import retarget

from guanxi.core.custom_fields.forms import custom_form_values
from guanxi.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from guanxi.core.registry import registry
from guanxi.core.views_util import announce_changes, form_add_errors, next_or
from guanxi.org.policies import has_permission, require_permission

from .. import selectors, services
from ..forms import ContactForm, FollowUpForm, TaskForm, contact_form
from ..pool.selectors import RETURNING_SOON_DAYS, customers_returning_soon
from .customer import detail_context


# --- follow-ups ------------------------------------------------------------------------------
@login_required
@require_POST
def follow_up_create(request: HttpRequest, pk: int) -> HttpResponse:
    data = selectors.customer_360(user=request.user, pk=pk)
    customer = data["customer"]
    form = FollowUpForm(request.POST, request.FILES, contacts=data["contacts"])
    if form.is_valid():
        values = form.model_data()
        if not values.get("occurred_at"):
            values.pop("occurred_at", None)
        try:
            services.follow_up_create(
                actor=request.user, customer=customer, data=values, attachments=form.cleaned_data["attachments"]
            )
        except ApplicationError as exc:
            if isinstance(exc, PermissionDeniedError | NotFoundError):
                raise
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Follow-up logged."))
            return redirect(reverse("customers:detail", args=[pk]) + "#tab-activity")
    return render(request, "customers/customer_detail.html", detail_context(request, pk, composer=form))


def _own_follow_up(request: HttpRequest, pk: int, action: str) -> Any:
    """A follow-up only its author may change: others get 403 (the service checks again)."""
    follow_up = selectors.follow_up_get(user=request.user, pk=pk, action=action)
    if follow_up.author_id != request.user.pk:
        raise PermissionDeniedError(_("Only the author may change a follow-up record."))
    return follow_up


@login_required
def follow_up_edit(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = _own_follow_up(request, pk, "edit")
    contacts = selectors.customer_360(user=request.user, pk=follow_up.customer_id)["contacts"]
    initial = {name: getattr(follow_up, name) for name in FollowUpForm.model_fields}
    initial["occurred_at"] = timezone.localtime(follow_up.occurred_at)
    initial["version"] = follow_up.version
    form = FollowUpForm(
        request.POST if request.method == "POST" else None,
        contacts=contacts,
        with_files=False,
        initial=initial,
        auto_id=f"fu{pk}_%s",
    )
    back = reverse("customers:detail", args=[follow_up.customer_id]) + "#tab-activity"
    if request.method == "POST" and form.is_valid():
        values = form.model_data()
        if not values.get("occurred_at"):
            values.pop("occurred_at", None)
        try:
            services.follow_up_update(
                actor=request.user,
                follow_up=follow_up,
                data=values,
                expected_version=form.cleaned_data.get("version"),
            )
        except ApplicationError as exc:
            if isinstance(exc, PermissionDeniedError | NotFoundError):
                raise
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Follow-up saved."))
            return redirect(back)
    template = "customers/_follow_up_form.html" if request.htmx else "customers/follow_up_form.html"
    return render(request, template, {"form": form, "follow_up": follow_up, "back": back})


@login_required
@require_POST
def follow_up_delete(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = _own_follow_up(request, pk, "delete")
    services.follow_up_delete(actor=request.user, follow_up=follow_up)
    messages.success(request, _("Follow-up deleted."))
    return redirect(reverse("customers:detail", args=[follow_up.customer_id]) + "#tab-activity")


# --- contacts --------------------------------------------------------------------------------
def _contacts_panel(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The contacts tab after an htmx change, with out-of-band swaps of what else on the 360 page shows the
    contacts: the tab's count, the primary-contact card and the follow-up composer's contact choice."""
    data = selectors.customer_360(user=request.user, pk=customer_id)
    actions = selectors.customer_actions(user=request.user, customer=data["customer"])
    context = {
        **data,
        "actions": actions,
        "contact_form": contact_form(request.user, auto_id="new_contact_%s"),
        "oob": True,
        "primary_contact": next((c for c in data["contacts"] if c.is_primary), None),
        "composer": FollowUpForm(contacts=data["contacts"]),
    }
    return render(request, "customers/_contacts_panel.html", context)


@login_required
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(user=request.user, pk=pk)
    require_permission(request.user, "contacts.create")
    form = contact_form(request.user, request.POST if request.method == "POST" else None, auto_id="new_contact_%s")
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_create(
                actor=request.user,
                customer=customer,
                data={**form.model_data(), "custom": custom_form_values(form)},
            )
        except ApplicationError as exc:
            if isinstance(exc, PermissionDeniedError | NotFoundError):
                raise
            form_add_errors(form, exc)
        else:
            if request.htmx:
                return _contacts_panel(request, pk)
            messages.success(request, _("Contact added."))
            return redirect(reverse("customers:detail", args=[pk]) + "#tab-contacts")
    ctx = {"form": form, "customer": customer, "contact": None}
    if request.htmx:
        response = render(request, "customers/_contact_form.html", ctx)
        return retarget(response, "#contact-form-new") if request.method == "POST" else response
    return render(request, "customers/contact_form.html", ctx)


@login_required
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(user=request.user, pk=pk, action="edit")
    initial = {name: getattr(contact, name) for name in ContactForm.model_fields}
    initial["version"] = contact.version
    form = contact_form(
        request.user,
        request.POST if request.method == "POST" else None,
        contact=contact,
        initial=initial,
        auto_id=f"contact{pk}_%s",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(
                actor=request.user,
                contact=contact,
                data={**form.model_data(), "custom": custom_form_values(form)},
                expected_version=form.cleaned_data.get("version"),
            )
        except ApplicationError as exc:
            if isinstance(exc, PermissionDeniedError | NotFoundError):
                raise
            form_add_errors(form, exc)
        else:
            if request.htmx:
                return _contacts_panel(request, contact.customer_id)
            messages.success(request, _("Contact saved."))
            return redirect(reverse("customers:detail", args=[contact.customer_id]) + "#tab-contacts")
    ctx = {"form": form, "customer": contact.customer, "contact": contact}
    if request.htmx:
        response = render(request, "customers/_contact_form.html", ctx)
        return retarget(response, f"#contact-form-{pk}") if request.method == "POST" else response
    return render(request, "customers/contact_form.html", ctx)


@login_required
@require_POST
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(user=request.user, pk=pk, action="delete")
    services.contact_delete(actor=request.user, contact=contact)
    if request.htmx:
        return _contacts_panel(request, contact.customer_id)
    messages.success(request, _("Contact deleted."))
    return redirect(reverse("customers:detail", args=[contact.customer_id]) + "#tab-contacts")


# --- tasks and my day ------------------------------------------------------------------------
def _task_form(request: HttpRequest, data: Any = None, *, with_customer: bool = True) -> TaskForm:
    user = request.user
    return TaskForm(
        data,
        customers=selectors.customer_choices(user=user) if with_customer else None,
        customer_options=selectors.task_customer_choices(user=user) if with_customer else None,
        users=selectors.assignable_users(user=user) if has_permission(user, "tasks.assign") else None,
        auto_id="task_%s",
    )


@login_required
def my_day(request: HttpRequest) -> HttpResponse:
    user = request.user
    # What waits for the reader in the other apps (approvals, payments falling due): each role's own work.
    cards = [html for card in registry.day_cards if (html := card.render(request))]
    try:
        data = selectors.my_day(user=user)
    except PermissionDeniedError:
        return render(request, "customers/my_day.html", {"no_permission": True, "day_cards": cards})
    data["day_cards"] = cards
    data["task_form"] = _task_form(request) if has_permission(user, "tasks.create") else None
    data["returning_soon"] = customers_returning_soon(user=user)
    data["returning_days"] = RETURNING_SOON_DAYS
    return render(request, "customers/my_day.html", data)


@login_required
def quick_pick(request: HttpRequest) -> HttpResponse:
    """The quick-create step for a record that belongs to a customer (contact, follow-up, task): search and
    choose the customer, then go on to that record's form (core.registry.QuickCreate.for_customer)."""
    item = registry.quick_create_item(request.GET.get("for", ""))
    if item is None or item.for_customer is None:
        raise Http404
    require_permission(request.user, item.permission)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        found = list(selectors.search_customers(user=request.user, query=query, limit=20))
    else:
        found = list(selectors.task_customer_choices(user=request.user, limit=20))
    rows = [{"customer": c, "url": item.for_customer(c.pk)} for c in found]
    context = {
        "item": item,
        "rows": rows,
        "query": query,
        "can_create": has_permission(request.user, "customers.create"),
    }
    return render(request, "customers/quick_pick.html", context)


@login_required
def task_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "tasks.create")
    back = next_or(request, reverse("customers:my_day"))
    form = _task_form(request, request.POST if request.method == "POST" else None)
    if request.method != "POST" and request.GET.get("customer"):  # from the quick create's customer picker
        form.initial["customer"] = request.GET["customer"]
    if request.method == "POST" and form.is_valid():
        data = form.model_data()
        if data.get("customer") is None:
            data.pop("customer", None)
        try:
            services.task_create(actor=request.user, data=data, assignee=form.cleaned_data.get("assignee"))
        except ApplicationError as exc:
            if isinstance(exc, PermissionDeniedError | NotFoundError):
                raise
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Task added."))
            return redirect(back)
    return render(request, "customers/task_form.html", {"form": form, "back": back})


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(user=request.user, pk=pk, action="edit")
    done = request.POST.get("done", "1") == "1"
    task = services.task_set_done(actor=request.user, task=task, done=done)
    if request.htmx:
        response = render(request, "customers/_task_item.html", {"task": task, "can_edit": True, "now": timezone.now()})
        return announce_changes(response, services.TASK_CHANGES)
    messages.success(request, _("Task done.") if done else _("Task reopened."))
    return redirect(next_or(request, reverse("customers:my_day")))


@login_required
def customer_email(request: HttpRequest, pk: int) -> HttpResponse:
    """Send an e-mail to one of the customer's contacts through one's own mailbox; filed as a follow-up."""
    from guanxi.org.mailboxes.models import UserMailbox

    from ..mail import customer_email_send

    data = selectors.customer_360(user=request.user, pk=pk)
    customer = data["customer"]
    contacts = [c for c in data["contacts"] if c.email]
    errors: dict[str, list[str]] = {}
    values = {"to": request.POST.get("to", ""), "subject": request.POST.get("subject", ""),
              "text": request.POST.get("text", "")}  # fmt: skip
    if request.method == "POST":
        contact = next((c for c in contacts if str(c.pk) == values["to"]), None)
        try:
            customer_email_send(actor=request.user, customer=customer, contact=contact, subject=values["subject"],
                                text=values["text"])  # fmt: skip
        except ApplicationError as exc:
            if isinstance(exc, PermissionDeniedError | NotFoundError):
                raise
            errors = exc.fields or {"text": [str(exc)]}
        else:
            messages.success(request, _("E-mail sent."))
            return redirect(reverse("customers:detail", args=[pk]) + "#tab-activity")
    context = {
        "customer": customer, "contacts": contacts, "values": values, "errors": errors,
        "mailbox": UserMailbox.objects.filter(user=request.user, is_active=True).first(),
    }  # fmt: skip
    return render(request, "customers/customer_email.html", context, status=400 if errors else 200)
