"""My mailbox (account/mailbox/): connect, change or disconnect one's own mailbox, with when it was last read and
its last error in words. The administrators' list of every mailbox is the toolkit's `list_page("mailboxes")`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError
from guanxi.core.mail.models import MailboxState, MailMessage
from guanxi.core.views_util import form_add_errors

from . import services
from .forms import MailboxForm
from .models import UserMailbox


@login_required
def mailbox_settings(request: HttpRequest) -> HttpResponse:
    mailbox = UserMailbox.objects.filter(user=request.user).first()
    initial: dict[str, Any] = {name: getattr(mailbox, name) for name in services.SETTINGS} if mailbox else {}
    form = MailboxForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.mailbox_save(actor=request.user, data=form.cleaned_data)  # type: ignore[arg-type]
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Your mailbox is connected."))
            return redirect("org:mailbox_settings")
    key = mailbox.poll_key if mailbox else ""
    context = {
        "form": form,
        "mailbox": mailbox,
        "state": MailboxState.objects.filter(key=key).first() if mailbox else None,
        "filed": MailMessage.objects.filter(mailbox=key).exclude(filed_as="").count() if mailbox else 0,
    }
    return render(request, "org/mailboxes/settings.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def mailbox_disconnect(request: HttpRequest) -> HttpResponse:
    services.mailbox_delete(actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Your mailbox is disconnected."))
    return redirect("org:mailbox_settings")
