"""Writes about signing in: personal API tokens, the sign-in history (sign-ins, failures, sign-outs, idle ones
included) and the record of audit-trail exports."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core import context
from guanxi.core.errors import ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record

from ..models import ApiToken, LoginEvent, User
from ..policies import require_permission


# --- API tokens ------------------------------------------------------------------------------
def api_token_create(
    *, actor: User, name: str, read_only: bool = False, expires_at: Any = None
) -> tuple[ApiToken, str]:
    """Create a token for the actor. Returns the token and its secret, which is never shown again."""
    if not name.strip():
        raise ValidationFailed(_("Give the token a name."), fields={"name": [_("This field is required.")]})
    secret = ApiToken.PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken(
            user=actor,
            name=name.strip()[:100],
            key_prefix=secret[:10],
            key_hash=ApiToken.hash_key(secret),
            read_only=read_only,
            expires_at=expires_at,
        )
        token.save()
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            obj=token,
            changes={"name": [None, token.name], "read_only": [None, read_only]},
        )
    return token, secret


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk:
        require_permission(actor, "org.admin")
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            revoked = Message(gettext_noop("API token revoked"))
            audit_record(actor=actor, action=AuditLog.Action.DELETE, obj=token, message=revoked)
    return token


def api_token_authenticate(*, key: str) -> User | None:
    """The active user behind a token secret, or None. Touches last_used_at at most once a minute."""
    if not key or not key.startswith(ApiToken.PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.user.api_token = token  # type: ignore[attr-defined]
    return token.user


# --- login history ---------------------------------------------------------------------------
# The audit line of a sign-in attempt, by its LoginEvent.reason ("" = signed in), shown in the reader's language.
LOGIN_MESSAGES = {
    "": gettext_noop("%(username)s signed in"),
    "bad_credentials": gettext_noop("Sign-in as %(username)s failed: wrong user name or password"),
    "locked": gettext_noop("Sign-in as %(username)s refused: too many failed attempts, locked for a while"),
    "other": gettext_noop("Sign-in as %(username)s failed (%(reason)s)"),
}


def login_record(*, username: str, user: User | None, success: bool, reason: str = "") -> LoginEvent:
    """Record a login attempt in the history and the audit trail (same transaction)."""
    ctx = context.current()
    with transaction.atomic():
        event = LoginEvent.objects.create(
            user=user, username=username[:150], ip=ctx.ip, user_agent=ctx.user_agent, success=success, reason=reason
        )
        audit_record(
            actor=user,
            action=AuditLog.Action.LOGIN if success else AuditLog.Action.LOGIN_FAILED,
            obj=user,
            message=Message(
                LOGIN_MESSAGES.get("" if success else reason, LOGIN_MESSAGES["other"]),
                {"username": username[:150], "reason": reason},
            ),
        )
    return event


def logout_record(*, user: User, idle_minutes: int | None = None) -> AuditLog:
    """A sign-out, by the user or by the idle timeout (`idle_minutes`), in the login history and the audit trail
    (same transaction). The session itself ends in the caller."""
    ctx = context.current()
    idle = idle_minutes is not None
    with transaction.atomic():
        LoginEvent.objects.create(
            user=user,
            username=user.username[:150],
            event=LoginEvent.Event.IDLE_SIGN_OUT if idle else LoginEvent.Event.SIGN_OUT,
            ip=ctx.ip,
            user_agent=ctx.user_agent,
            success=True,
            reason="idle" if idle else "",
        )
        message = (
            Message(gettext_noop("Signed out after %(minutes)s minutes without activity"), {"minutes": idle_minutes})
            if idle
            else ""
        )
        return audit_record(actor=user, action=AuditLog.Action.LOGOUT, obj=user, message=message)


def audit_export_record(*, actor: User, row_count: int, file_format: str, filters: dict[str, Any]) -> AuditLog:
    """Reading the audit trail out is itself on the audit trail: who exported which rows, when."""
    require_permission(actor, "audit.export")
    return audit_record(
        actor=actor,
        action=AuditLog.Action.EXPORT,
        changes={"filters": [None, {k: v for k, v in filters.items() if v not in (None, "", [])}]},
        message=Message(
            gettext_noop("Audit trail exported: %(count)s rows (%(format)s)"),
            {"count": row_count, "format": file_format},
        ),
    )
