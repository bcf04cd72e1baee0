"""Shared write helpers: the audit trail, field-wise updates, soft delete, notifications.

Every app's services call these so that one piece of code does each of these things.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from decimal import Decimal
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import context
from .accesslog import access_log_record
from .errors import NotFoundError, PreconditionFailedError, ValidationFailed, validation_error_fields
from .i18n import Message, stored_message
from .models import AccessLog, AuditLog, BusinessModel, Notification, NotificationSettings
from .registry import registry

if TYPE_CHECKING:
    # The user model is org.User (AUTH_USER_MODEL); core only needs what every Django user has.
    from django.contrib.auth.models import AbstractUser as User

log = logging.getLogger(__name__)
M = TypeVar("M", bound=models.Model)


# --- audit -----------------------------------------------------------------------------------
def audit_value(value: Any) -> Any:
    """A JSON-safe, human-readable form of a field value for the audit trail."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [audit_value(v) for v in value]
    if isinstance(value, FieldFile):  # the original file name: the stored path's random folder stays private
        return PurePosixPath(value.name or "").name
    return value


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    message: str | Message = "",
    customer_id: int | None = None,
) -> AuditLog:
    """Append one audit row, inside the caller's transaction.

    A `Message` message is shown in each reader's language; a plain string (a reason someone typed) as written.
    """
    ctx = context.current()
    if customer_id is None and obj is not None:
        customer_id = _customer_id_of(obj)
    text, message_id, message_params = stored_message(message)
    entry = AuditLog.objects.create(
        actor_id=actor.pk if actor is not None and actor.pk else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        changes=changes or {},
        message=text[:500],
        message_id=message_id[:500],
        message_params=message_params,
        ip=ctx.ip,
        request_id=ctx.request_id,
        customer_id=customer_id,
    )
    if action == AuditLog.Action.EXPORT:  # every export is also a sensitive read: the access log names it
        access_log_record(actor=actor, kind=AccessLog.Kind.EXPORT, obj=obj, detail={"audit_id": entry.pk})
    return entry


def _customer_id_of(obj: models.Model) -> int | None:
    if obj._meta.label_lower == "customers.customer":
        return int(obj.pk)
    return getattr(obj, "customer_id", None)


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The audit-relevant field values of a row (concrete fields, FKs by id)."""
    exclude = getattr(obj, "audit_exclude", ())
    return {
        f.attname: audit_value(getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
        if f.attname not in exclude and f.name not in exclude
    }


# --- writes ----------------------------------------------------------------------------------
def full_clean_or_raise(obj: models.Model, *, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ValidationFailed(_("Please correct the errors below."), fields=validation_error_fields(exc))


def _stale(current: Any, yours: int) -> PreconditionFailedError:
    return PreconditionFailedError(
        _("This record was changed by someone else (version %(current)s, yours %(yours)s). Reload and try again.")
        % {"current": current, "yours": yours}
    )


def _is_versioned(obj: models.Model) -> bool:
    return any(f.name == "version" for f in obj._meta.concrete_fields)


def check_version(obj: models.Model, expected_version: int | None) -> None:
    """Refuse early a write based on a copy that is already seen to be stale (HTTP 412).

    This only fails fast (before duplicate checks, side tables, …); what guarantees that two writers with
    the same version cannot both win is the conditional UPDATE in `versioned_save`, which every write
    taking an `expected_version` goes through (model_update, soft_delete)."""
    if expected_version is None:
        return
    current = getattr(obj, "version", None)
    if current is not None and int(expected_version) != int(current):
        raise _stale(current, int(expected_version))


def versioned_save(instance: M, *, fields: list[str], expected_version: int | None = None) -> M:
    """Write `fields` of `instance` and bump its version in ONE conditional UPDATE.

    `UPDATE … SET <fields>, version = version + 1 WHERE id = %s [AND version = %s]`: when another writer
    saved the row since `expected_version`, no row matches and PreconditionFailedError (412) is raised, so
    the caller's transaction rolls back and nothing of this write (audit row included) is stored. Rows
    without a version are written the same way, unconditionally. Auto-now fields (`updated_at`) are set
    and file fields committed exactly as `Model.save(update_fields=…)` would.
    """
    model = instance.__class__  # not type(): request.user is a lazy proxy of the user
    meta = instance._meta
    names = list(dict.fromkeys([*fields, *(f.name for f in meta.concrete_fields if getattr(f, "auto_now", False))]))
    values: dict[str, Any] = {}
    for name in names:
        field = meta.get_field(name)
        assert isinstance(field, models.Field)  # a concrete column, never a reverse relation
        values[field.attname] = field.pre_save(instance, False)
    rows = model._base_manager.filter(pk=instance.pk)
    versioned = _is_versioned(instance)
    if versioned:
        values.pop("version", None)
        values["version"] = models.F("version") + 1
        if expected_version is not None:
            rows = rows.filter(version=expected_version)
    try:
        updated = rows.update(**values)
    except IntegrityError as exc:
        raise ValidationFailed(_("This record conflicts with an existing one: %(error)s") % {"error": exc})
    if updated != 1:
        if not (versioned and expected_version is not None):
            raise NotFoundError(_("Not found, or you may not see it."))
        current = model._base_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
        raise _stale(current, expected_version)
    if versioned:
        instance.version = (  # type: ignore[attr-defined]
            expected_version + 1
            if expected_version is not None
            else model._base_manager.filter(pk=instance.pk).values_list("version", flat=True).get()
        )
    return instance


def custom_changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, list[Any]]:
    """The audit changes of custom field values (core.custom_fields): one per field, "custom.<code>": [old, new]."""
    old, new = old or {}, new or {}
    return {
        f"custom.{code}": [old.get(code), new.get(code)]
        for code in sorted(set(old) | set(new))
        if old.get(code) != new.get(code)
    }


def model_update(
    *,
    instance: M,
    data: dict[str, Any],
    actor: User | None,
    audit: bool = True,
    expected_version: int | None = None,
) -> tuple[M, dict[str, list[Any]]]:
    """Set the given fields, validate, save only the changed ones, bump the version and audit old → new.

    With `expected_version` the save is conditional on the row still having that version (see
    `versioned_save`): a concurrent writer that saved first makes this one fail with 412, and, as the
    error is raised before the many-to-many writes and the audit row, the caller's transaction rolls
    back whole. Returns the instance and the changes `{field: [old, new]}` (empty when nothing changed).
    Many-to-many fields in `data` are set after the save; a change of them alone moves the version too.
    """
    m2m: dict[str, Any] = {}
    changes: dict[str, list[Any]] = {}
    changed_fields: list[str] = []
    for name, new in data.items():
        field = instance._meta.get_field(name)
        if field.many_to_many:
            m2m[name] = new
            continue
        attname = field.name if isinstance(new, models.Model) else getattr(field, "attname", field.name)
        old = getattr(instance, attname)
        if old != new and name == "custom" and isinstance(old, dict) and isinstance(new, dict):
            changes.update(custom_changes(old, new))
            setattr(instance, attname, new)
            changed_fields.append(field.name)
        elif old != new:
            changes[name] = [audit_value(old), audit_value(new)]
            setattr(instance, attname, new)
            changed_fields.append(field.name)
    for name, new in m2m.items():
        old_ids = sorted(getattr(instance, name).values_list("pk", flat=True))
        new_ids = sorted(v.pk if isinstance(v, models.Model) else int(v) for v in new)
        if old_ids != new_ids:
            changes[name] = [old_ids, new_ids]
    if not changes:
        check_version(instance, expected_version)
        return instance, {}
    if changed_fields:
        full_clean_or_raise(instance)
    if changed_fields or _is_versioned(instance):
        versioned_save(instance, fields=changed_fields, expected_version=expected_version)
    for name, new in m2m.items():
        getattr(instance, name).set(new)
    if audit:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=instance, changes=changes)
    return instance, changes


def model_create(*, instance: M, actor: User | None, m2m: dict[str, Any] | None = None) -> M:
    """Validate, insert and audit a new row (with its m2m values)."""
    full_clean_or_raise(instance)
    try:
        with transaction.atomic():
            instance.save(force_insert=True)
    except IntegrityError as exc:
        raise ValidationFailed(_("This record conflicts with an existing one: %(error)s") % {"error": exc})
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    changes = {k: [None, v] for k, v in snapshot(instance).items() if v not in (None, "", False)}
    for name, values in (m2m or {}).items():
        changes[name] = [None, sorted(v.pk if isinstance(v, models.Model) else int(v) for v in values)]
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=instance, changes=changes)
    return instance


def soft_delete(*, instance: BusinessModel, actor: User | None, expected_version: int | None = None) -> None:
    """Move a record to the recycle bin (restorable). With `expected_version` only if nobody changed it
    since (412 otherwise, see `versioned_save`); the version moves, so a stale edit cannot land on it."""
    instance.deleted_at = timezone.now()
    instance.deleted_by_id = actor.pk if actor is not None else None
    versioned_save(instance, fields=["deleted_at", "deleted_by"], expected_version=expected_version)
    audit_record(actor=actor, action=AuditLog.Action.DELETE, obj=instance)


def soft_restore(*, instance: BusinessModel, actor: User | None) -> None:
    instance.deleted_at = None
    instance.deleted_by = None
    instance.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit_record(actor=actor, action=AuditLog.Action.RESTORE, obj=instance)


# --- notifications ---------------------------------------------------------------------------
# What reading notifications changes, for the bell's count and list (core.views_util.announce_changes).
NOTIFICATION_CHANGES = ("notifications",)


def notify(
    *,
    recipient: User,
    kind: str,
    title: str | Message,
    body: str | Message = "",
    url: str = "",
    level: str = Notification.Level.INFO,
    dedupe_key: str = "",
    email: bool = True,
) -> Notification | None:
    """Tell a user something: an in-app notification, and an e-mail after commit if enabled.

    With a `dedupe_key` the same notification is created at most once per recipient, so periodic
    jobs can call this repeatedly. Returns None when it was a duplicate, the user is inactive or muted the
    kind's topic (their notification settings: a muted notification is not created at all, so it neither counts
    on the bell nor reaches an e-mail or the digest). A user who takes a daily digest gets no e-mail per
    notification: the digest job (core.notifications) sends the unread ones once a day.
    A `Message` title or body is shown (and e-mailed) in the recipient's language whenever it is read.
    """
    title_text, title_id, title_params = stored_message(title)
    body_text, body_id, body_params = stored_message(body)
    if not recipient.is_active:
        return None
    choices = NotificationSettings.objects.filter(user_id=recipient.pk).values_list("muted", "daily_digest").first()
    muted, digest = choices or ([], False)
    if muted:
        topic = registry.notification_topic_of(kind)
        if topic is not None and topic.key in muted:
            return None
    if dedupe_key and Notification.objects.filter(recipient_id=recipient.pk, dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                recipient_id=recipient.pk,
                kind=kind,
                title=title_text[:200],
                title_id=title_id[:500],
                title_params=title_params,
                body=body_text,
                body_id=body_id[:500],
                body_params=body_params,
                url=url,
                level=level,
                dedupe_key=dedupe_key[:200],
            )
    except IntegrityError:  # a concurrent worker created it first
        return None
    if email and not digest and settings.GUANXI_EMAIL_ENABLED and recipient.email:
        from .tasks import notification_email_send

        note_id = note.pk
        transaction.on_commit(lambda: notification_email_send.enqueue(notification_id=note_id))
    return note


def notification_draft(
    *,
    recipient: User,
    kind: str,
    title: str | Message,
    body: str | Message = "",
    url: str = "",
    level: str = Notification.Level.INFO,
    dedupe_key: str = "",
) -> Notification:
    """An unsaved notification as `notify` would create it (texts rendered in the current language), for
    `notify_many`."""
    title_text, title_id, title_params = stored_message(title)
    body_text, body_id, body_params = stored_message(body)
    note = Notification(
        recipient_id=recipient.pk,
        kind=kind,
        title=title_text[:200],
        title_id=title_id[:500],
        title_params=title_params,
        body=body_text,
        body_id=body_id[:500],
        body_params=body_params,
        url=url,
        level=level,
        dedupe_key=dedupe_key[:200],
    )
    note.recipient = recipient  # type: ignore[assignment]  # core knows the user model only as AbstractUser
    return note


def notify_many(drafts: list[Notification], *, email: bool = True) -> list[Notification]:
    """`notify` for many notifications at once (a periodic job's summaries): the same rules — inactive
    recipients and muted topics skipped, a dedupe key created at most once per recipient, e-mail after commit
    unless the recipient takes the digest — in a fixed number of queries. Returns those created."""
    drafts = [d for d in drafts if d.recipient.is_active]
    if not drafts:
        return []
    ids = {d.recipient_id for d in drafts}
    choices = {
        user_id: (muted or [], digest)
        for user_id, muted, digest in NotificationSettings.objects.filter(user_id__in=ids).values_list(
            "user_id", "muted", "daily_digest"
        )
    }
    keys = {d.dedupe_key for d in drafts if d.dedupe_key}
    taken = set(
        Notification.objects.filter(recipient_id__in=ids, dedupe_key__in=keys).values_list("recipient_id", "dedupe_key")
        if keys
        else []
    )
    wanted: list[Notification] = []
    for draft in drafts:
        muted, _digest = choices.get(draft.recipient_id, ([], False))
        topic = registry.notification_topic_of(draft.kind) if muted else None
        if topic is not None and topic.key in muted:
            continue
        if draft.dedupe_key and (draft.recipient_id, draft.dedupe_key) in taken:
            continue
        if draft.dedupe_key:
            taken.add((draft.recipient_id, draft.dedupe_key))
        wanted.append(draft)
    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create(wanted, batch_size=500)
    except IntegrityError:  # a concurrent worker created one of them first: one by one, skipping those
        created = []
        for draft in wanted:
            try:
                with transaction.atomic():
                    draft.pk = None
                    draft.save(force_insert=True)
                created.append(draft)
            except IntegrityError:
                continue
    if email and settings.GUANXI_EMAIL_ENABLED:
        from .tasks import notification_email_send

        for note in created:
            if note.recipient.email and not choices.get(note.recipient_id, ([], False))[1] and note.pk:
                transaction.on_commit(_email_enqueue(notification_email_send, note.pk))
    return created


def _email_enqueue(task: Any, notification_id: int) -> Any:
    return lambda: task.enqueue(notification_id=notification_id)


def notification_send_email(*, notification_id: int) -> bool:
    """Send one notification by SMTP. Returns False (and logs) when sending failed; the notification
    stays in-app with `emailed_at` empty."""
    note = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if note is None:  # deleted with its recipient before the worker got to it
        return False
    if note.emailed_at:
        return True
    if note.url.startswith(("http://", "https://")):
        link = note.url
    else:
        link = f"{settings.GUANXI_BASE_URL.rstrip('/')}{note.url}" if note.url else ""
    with translation.override(getattr(note.recipient, "language", "") or settings.LANGUAGE_CODE):
        title, text = note.title_text, note.body_text
    body = "\n\n".join(part for part in (text, link) if part)
    # A title typed with a line break (a task title, say) would make an invalid mail header.
    subject = " ".join(title.split())
    try:
        send_mail(subject, body or subject, None, [note.recipient.email], fail_silently=False)
    except (smtplib.SMTPException, OSError):  # refused, unreachable, timed out: the caller's work goes on
        log.exception("could not e-mail notification %s", note.pk)
        return False
    Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
    return True


def notification_mark_read(*, actor: User, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read (all unread ones when no ids are given)."""
    qs = Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
