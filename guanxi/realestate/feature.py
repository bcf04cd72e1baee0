"""The installation switch: real-estate sales exist only where settings.REALESTATE_ENABLED is on (the
GUANXI_REALESTATE environment variable). When it is off every page and API operation of the app answers 404 and the
navigation leaves it out, as if the app were not installed; its tables stay (migrations never depend on a switch)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import Http404

F = TypeVar("F", bound=Callable[..., Any])


def enabled() -> bool:
    return bool(getattr(settings, "REALESTATE_ENABLED", False))


def ensure_enabled() -> None:
    if not enabled():
        raise Http404("real estate is not enabled")


def when_enabled(view: F) -> F:
    """A page or API operation that answers 404 on an installation without real-estate sales."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ensure_enabled()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
