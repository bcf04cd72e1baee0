"""Webhook administration pages (org.admin): create, read and edit a subscription (the secret shown once), rotate
its secret, send a test, delete it, read a delivery and send it again. The lists are the toolkit's
(`list_page("webhooks")`, `list_page("webhook_deliveries")`). Thin: parse, call a selector or service, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError
from guanxi.core.mail.crypto import SecretUnreadable, secret_decrypt, secret_encrypt
from guanxi.core.views_util import form_add_errors

from ..policies import require_permission
from ..views_admin import admin_tabs
from . import selectors, services
from .forms import WebhookForm
from .lists import event_label

SECRET_SESSION_KEY = "webhook_secret_once"


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"admin_tabs": admin_tabs(request.user, "webhooks"), **context})


def _show_secret_once(request: HttpRequest, hook: Any) -> None:
    """Keep the new secret for the next page only, encrypted like the stored one (sessions are rows too)."""
    request.session[SECRET_SESSION_KEY] = {"id": hook.pk, "secret": secret_encrypt(hook.new_secret)}


@login_required
def webhook_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, services.PERMISSION)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            hook = services.webhook_create(actor=request.user, data=form.cleaned_data)
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            _show_secret_once(request, hook)
            messages.success(request, _("The webhook %(name)s was created.") % {"name": hook.name})
            return redirect("org:webhook_detail", pk=hook.pk)
    return _render(request, "org/webhooks/form.html", {"form": form, "hook": None})


@login_required
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    hook = selectors.webhook_get(user=request.user, pk=pk)
    initial = {
        "name": hook.name,
        "url": hook.url,
        "event_types": hook.event_types,
        "reader_role": hook.reader_role,
        "is_active": hook.is_active,
    }
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_update(actor=request.user, webhook=hook, data=form.cleaned_data)
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Changes to %(name)s were saved.") % {"name": hook.name})
            return redirect("org:webhook_detail", pk=hook.pk)
    shown = request.session.get(SECRET_SESSION_KEY)
    secret = ""
    if isinstance(shown, dict) and shown.get("id") == hook.pk:
        del request.session[SECRET_SESSION_KEY]
        try:
            secret = secret_decrypt(str(shown.get("secret", "")))
        except SecretUnreadable:
            secret = ""
    recent = list(selectors.delivery_list(user=request.user, webhook=hook)[:10])
    for delivery in recent:
        delivery.event_label = event_label(delivery.event_type)  # type: ignore[attr-defined]
    context = {
        "form": form,
        "hook": hook,
        "secret": secret,
        "recent": recent,
        "log_url": reverse("org:webhook_delivery_list") + f"?webhook={hook.pk}",
    }
    return _render(request, "org/webhooks/form.html", context)


@login_required
@require_POST
def webhook_rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    hook = services.webhook_rotate_secret(actor=request.user, webhook=selectors.webhook_get(user=request.user, pk=pk))
    _show_secret_once(request, hook)
    messages.success(request, _("A new signing secret was made; the old one no longer signs deliveries."))
    return redirect("org:webhook_detail", pk=hook.pk)


@login_required
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    hook = selectors.webhook_get(user=request.user, pk=pk)
    services.webhook_send_test(actor=request.user, webhook=hook)
    messages.success(request, _("A test event is on its way; its outcome appears in the delivery log."))
    return redirect("org:webhook_detail", pk=hook.pk)


@login_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    hook = selectors.webhook_get(user=request.user, pk=pk)
    services.webhook_delete(actor=request.user, webhook=hook)
    messages.success(request, _("The webhook %(name)s was deleted.") % {"name": hook.name})
    return redirect("org:webhook_list")


@login_required
def webhook_delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.delivery_get(user=request.user, pk=pk)
    context = {
        "delivery": delivery,
        "event_label": event_label(delivery.event_type),
        "payload": json.dumps(delivery.payload, ensure_ascii=False, indent=2),
    }
    return _render(request, "org/webhooks/delivery.html", context)


@login_required
@require_POST
def webhook_delivery_replay(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.delivery_get(user=request.user, pk=pk)
    try:
        again = services.webhook_delivery_replay(actor=request.user, delivery=delivery)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("org:webhook_delivery_detail", pk=delivery.pk)
    messages.success(request, _("The event is being sent again."))
    return redirect("org:webhook_delivery_detail", pk=again.pk)
