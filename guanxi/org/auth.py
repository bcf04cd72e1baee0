"""Login with throttling: too many failures for one user name, or from one IP, lock further tries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.utils import timezone

from .models import LoginEvent

# An IP may fail this many times more than a single account before it is locked out.
IP_FAILURE_FACTOR = 4


def login_locked(*, username: str, ip: str | None) -> bool:
    since = timezone.now() - dt.timedelta(minutes=settings.GUANXI_LOGIN_LOCKOUT_MINUTES)
    limit = settings.GUANXI_LOGIN_MAX_FAILURES
    attempts = LoginEvent.objects.filter(event=LoginEvent.Event.SIGN_IN)
    recent = attempts.filter(success=False, at__gte=since)
    # Failures after the latest success count; a good login resets the account's counter (a sign-out does not).
    last_ok = attempts.filter(username__iexact=username, success=True).order_by("-at").values("at").first()
    by_user = recent.filter(username__iexact=username)
    if last_ok:
        by_user = by_user.filter(at__gt=last_ok["at"])
    if by_user.exclude(reason="locked").count() >= limit:
        return True
    return bool(ip) and recent.filter(ip=ip).exclude(reason="locked").count() >= limit * IP_FAILURE_FACTOR


class ThrottledModelBackend(ModelBackend):
    """ModelBackend that refuses to check a password while the account or IP is locked out."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None:
            username = kwargs.get("username", "")
        ip = request.META.get("REMOTE_ADDR") if request is not None else None
        if username and login_locked(username=username, ip=ip):
            if request is not None:
                request.guanxi_login_locked = True  # type: ignore[attr-defined]
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
