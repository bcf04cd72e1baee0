"""Pages of permission change requests: my requests, a new request, one request. Thin: parse, call one selector
or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from guanxi.core.errors import ApplicationError, NotFoundError
from guanxi.core.views_util import form_add_errors

from . import selectors, services
from .forms import PermissionChangeRequestForm


@login_required
def permission_request_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.permission_change_requests_for(user=request.user)[:200]
    return render(request, "org/permission_requests/list.html", {"rows": rows})


@login_required
def permission_request_create(request: HttpRequest) -> HttpResponse:
    """Choose whom (yourself, your staff; anyone as an administrator), then the roles and the reason."""
    choices = selectors.requestable_users(user=request.user)
    wanted = request.POST.get("user") or request.GET.get("user") or str(request.user.pk)
    subject = choices.filter(pk=int(wanted)).first() if wanted.isdigit() and len(wanted) < 19 else None
    if subject is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    held = subject.roles.order_by("-is_system", "name")
    lacking = selectors.requestable_roles().exclude(pk__in=held.values("pk"))
    form = PermissionChangeRequestForm(request.POST or None, held=held, lacking=lacking)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.permission_change_request_create(
                actor=request.user,
                user=subject,
                add_roles=form.cleaned_data["add_roles"],
                remove_roles=form.cleaned_data["remove_roles"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Your request was sent for approval."))
            return redirect("org:permission_request_detail", pk=created.pk)
    context = {"form": form, "subject": subject, "choices": choices, "held": held}
    return render(request, "org/permission_requests/form.html", context)


@login_required
def permission_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.permission_change_request_get(user=request.user, pk=pk)
    return render(request, "org/permission_requests/detail.html", {"row": row})
