"""What the commerce web views share: running a service and showing its error, money/discount input."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from guanxi.core.errors import ApplicationError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.views_util import is_stale, stale_message

PER_PAGE = 50


def error_text(exc: ApplicationError) -> str:
    if is_stale(exc):
        return stale_message()
    details = [m for msgs in exc.fields.values() for m in msgs if m != exc.message]
    return " ".join(dict.fromkeys([exc.message, *details]))


def act(request: HttpRequest, run: Callable[[], Any], done: str, back: str) -> HttpResponse:
    """Run one service for a POST button; success or the refusal becomes a message; 403/404 propagate."""
    try:
        run()
    except (PermissionDeniedError, NotFoundError):
        raise
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(back)


def tenths_to_rate(value: str, field: str) -> Decimal:
    """A discount typed in 折 (8.5 = 85 % of list price; 10 or empty = none) as a fraction."""
    text = (value or "").strip().replace("折", "")
    if not text:
        return Decimal("1")
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        number = Decimal("-1")
    if not number.is_finite() or number <= 0 or number > 10:
        msg = _("Enter a discount between 0.1 and 10 (折; 10 = no discount).")
        raise ValidationFailed(msg, fields={field: [msg]})
    return (number / 10).quantize(Decimal("0.0001"))


def rate_to_tenths(rate: Decimal | None) -> str:
    if rate is None:
        return ""
    return f"{(rate * 10).normalize():f}"


def int_or_none(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None
