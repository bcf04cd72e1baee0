"""Web UI of the approval engine: the panel other apps put on their document pages, the decision buttons,
the inbox (待我审批 / 我已审批 / 我发起的) and one request's page. Thin: parse, call one selector/service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError
from guanxi.core.forms import DateField
from guanxi.core.views_util import form_add_errors, service_action
from guanxi.core.widgets import SearchSelect
from guanxi.org.forms import TablerForm
from guanxi.org.models import User

from . import selectors, services
from .kinds import _KINDS, document_summary, document_url
from .models import ApprovalRequest

STATUS_CLASSES = {
    "pending": "bg-yellow-lt",
    "approved": "bg-green-lt",
    "rejected": "bg-red-lt",
    "returned": "bg-orange-lt",
    "withdrawn": "bg-secondary-lt",
    "waiting": "bg-secondary-lt",
    "cancelled": "bg-secondary-lt",
}
STATUS_ICONS = {
    "pending": "ti-hourglass",
    "approved": "ti-circle-check",
    "rejected": "ti-circle-x",
    "returned": "ti-arrow-back-up",
    "withdrawn": "ti-arrow-back",
    "waiting": "ti-clock",
    "cancelled": "ti-minus",
}


def decorate_request(approval: ApprovalRequest, user: Any, *, document: Model | None = None) -> ApprovalRequest:
    """Attach what the templates show: kind label, status style, current step, the user's allowed actions."""
    kind = _KINDS.get(approval.kind)
    approval.kind_label = str(kind.label) if kind is not None else approval.kind  # type: ignore[attr-defined]
    approval.status_class = STATUS_CLASSES.get(approval.status, "")  # type: ignore[attr-defined]
    approval.status_icon = STATUS_ICONS.get(approval.status, "")  # type: ignore[attr-defined]
    steps = list(approval.steps.all())
    for step in steps:
        step.status_class = STATUS_CLASSES.get(step.status, "")  # type: ignore[attr-defined]
        step.status_icon = STATUS_ICONS.get(step.status, "")  # type: ignore[attr-defined]
        step.people = list(step.assignments.all())  # type: ignore[attr-defined]
        step.is_current = approval.is_open and step.order == approval.current_step  # type: ignore[attr-defined]
    approval.step_list = steps  # type: ignore[attr-defined]
    current = next((s for s in steps if s.order == approval.current_step), None) if approval.is_open else None
    approval.current = current  # type: ignore[attr-defined]
    approval.can_decide = selectors.can_decide(user, approval)  # type: ignore[attr-defined]
    approval.can_withdraw = approval.is_open and approval.applicant_id == user.pk  # type: ignore[attr-defined]
    approval.on_behalf = next(  # type: ignore[attr-defined]
        (
            a.on_behalf_of
            for a in (current.assignments.all() if current else [])
            if a.user_id == user.pk and a.on_behalf_of_id
        ),
        None,
    )
    if document is None:
        document = selectors.approval_document(approval)
    approval.document_url = document_url(approval.kind, document) if document is not None else ""  # type: ignore[attr-defined]
    approval.summary = document_summary(approval.kind, document) if document is not None else ""  # type: ignore[attr-defined]
    return approval


# --- for other apps' document pages --------------------------------------------------------------
def approval_panel(request: HttpRequest, document: Model) -> str:
    """The approval card of a document page: step chain, approvers, status, times, 会签/或签, comments, and the
    buttons 通过 / 驳回 / 退回修改 / 撤回 the current user may use (they post here and come back to `next`)."""
    history = [decorate_request(a, request.user, document=document) for a in selectors.approvals_for_document(document)]
    latest = history[0] if history else None
    context = {
        "latest": latest,
        "earlier": history[1:],
        "next": request.get_full_path(),
        # readers of the document who are neither applicant nor approver see the panel, not the request page
        "detail_visible": latest is not None and selectors.can_view_request(request.user, latest),
    }
    return render_to_string("approvals/_panel.html", context, request=request)


def approval_badge(document: Model) -> SafeString:
    """A small status badge of the document's latest approval (empty when it never went through one)."""
    latest = selectors.approvals_for_document(document).first()
    if latest is None:
        return SafeString("")
    return format_html(
        '<span class="badge {}"><i class="ti {}" aria-hidden="true"></i> {}</span>',
        STATUS_CLASSES.get(latest.status, ""),
        STATUS_ICONS.get(latest.status, ""),
        _("Approval: %(status)s") % {"status": latest.get_status_display()},
    )


# --- decisions -----------------------------------------------------------------------------------
def _act(request: HttpRequest, pk: int, run: Callable[[ApprovalRequest, str], Any], done: str) -> HttpResponse:
    """Decide or withdraw as the signed-in user, then back to the page the button was on (or the request's)."""
    approval = selectors.approval_get_for_user(request.user, pk)
    comment = request.POST.get("comment", "")
    return service_action(request, lambda: run(approval, comment), done, reverse("approvals:detail", args=[pk]))


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda a, c: services.approval_approve(actor=request.user, request=a, comment=c),
        _("Approved."),
    )


@login_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda a, c: services.approval_reject(actor=request.user, request=a, comment=c),
        _("Rejected."),
    )


@login_required
@require_POST
def return_for_changes(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda a, c: services.approval_return(actor=request.user, request=a, comment=c),
        _("Returned to the applicant for changes."),
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda a, c: services.approval_withdraw(actor=request.user, request=a, comment=c),
        _("Withdrawn."),
    )


# --- the request page (the inbox is the list `approvals`: lists.py) ------------------------------
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    approval = decorate_request(selectors.approval_get_for_user(request.user, pk), request.user)
    context = {"approval": approval, "latest": approval, "earlier": [], "next": request.get_full_path()}
    return render(request, "approvals/detail.html", context)


# --- delegation while away -----------------------------------------------------------------------
class DelegationForm(TablerForm):
    delegate = forms.ModelChoiceField(
        label=gettext_lazy("Delegate"), queryset=User.objects.none(), widget=SearchSelect()
    )
    start_date = DateField(label=gettext_lazy("From"))
    end_date = DateField(label=gettext_lazy("Until"))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["delegate"]
        field.queryset = selectors.delegate_choices(user)  # type: ignore[attr-defined]


@login_required
def delegations(request: HttpRequest) -> HttpResponse:
    form = DelegationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.delegation_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Delegation saved."))
            return redirect("approvals:delegations")
    context = {"form": form, "delegations": selectors.delegations_of(request.user), "today": timezone.localdate()}
    return render(request, "approvals/delegations.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def delegation_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = selectors.delegation_get_for_user(request.user, pk)
    services.delegation_cancel(actor=request.user, delegation=delegation)
    messages.success(request, _("Delegation ended."))
    return redirect("approvals:delegations")
