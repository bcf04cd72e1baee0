"""What the billing selectors share: the filters argument's type and the error naming a bad filter."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from guanxi.core.errors import ValidationFailed

Filters = QueryDict | dict[str, Any] | None


def _bad(field_name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field_name: [message]})
