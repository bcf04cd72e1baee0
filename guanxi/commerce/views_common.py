"""What the commerce web views share: a report's query string checked by its FilterSet, discount input in 折, ids
from query strings (running a service for a button: core.views_util.service_action and form_action)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed


def list_params(request: HttpRequest, filterset: Any) -> tuple[QueryDict, dict[str, list[str]]]:
    """The list's query string checked by its FilterSet. A value it rejects is left out and said so (the field
    named, the reason translated), so the page still answers instead of failing."""
    params = request.GET.copy()
    params.pop("page", None)
    form = filterset(data=params, queryset=filterset._meta.model.objects.none()).form
    errors = {key: [str(m) for m in msgs] for key, msgs in form.errors.items()}
    for key, msgs in errors.items():
        spec = filterset.base_filters.get(key)
        label = spec.label if spec is not None and spec.label else key
        messages.error(
            request, _("Filter “%(label)s” was ignored: %(error)s") % {"label": label, "error": " ".join(msgs)}
        )
        params.pop(key, None)
    return params, errors


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
