"""Writes of the shared list toolkit: saved views (personal, or shared with a role by an administrator), a
user's column choice per list and view, stars."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import NotFoundError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record

from ..models import ListPreference, Role, SavedView, Star, User
from ..policies import require_permission
from ..selectors.lists import saved_view_get


def saved_view_save(
    *,
    actor: User,
    list_key: str,
    name: str,
    query: str,
    is_default: bool = False,
    role: Role | None = None,
) -> SavedView:
    """Save the list's current state under a name (same name: replaced). Shared with a role needs org.admin
    and is audited; `is_default` makes it open on the bare list for the actor."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Give the view a name."), fields={"name": [_("This field is required.")]})
    if len(name) > 100:
        msg = _("Give the view a name of at most 100 characters.")
        raise ValidationFailed(msg, fields={"name": [msg]})
    if role is not None:
        require_permission(actor, "org.admin")
    with transaction.atomic():
        view, _created = SavedView.objects.update_or_create(
            user=actor, list_key=list_key, name=name, defaults={"query": query[:2000], "role": role}
        )
        if is_default:
            SavedView.objects.filter(user=actor, list_key=list_key).exclude(pk=view.pk).update(is_default=False)
            if role is None:
                SavedView.objects.filter(pk=view.pk).update(is_default=True)
                view.is_default = True
            ListPreference.objects.update_or_create(
                user=actor, list_key=list_key, view=None, defaults={"default_view": view}
            )
        if role is not None:
            audit_record(
                actor=actor,
                action=AuditLog.Action.CREATE,
                obj=view,
                changes={"list": list_key, "query": view.query, "role": str(role)},
                message=Message(
                    gettext_noop("Shared the list view “%(name)s” with %(role)s"), {"name": name, "role": str(role)}
                ),
            )
    return view


def saved_view_delete(*, actor: User, list_key: str, view_id: Any) -> None:
    """Delete one of the actor's views; a view shared with a role only by an administrator. Another user's
    view is left alone (it is not found)."""
    view = saved_view_get(user=actor, list_key=list_key, pk=view_id)
    if view is None or (view.user_id != actor.pk and view.role_id is None):
        raise NotFoundError(_("Not found, or you may not see it."))
    if view.role_id is not None:
        require_permission(actor, "org.admin")
    with transaction.atomic():
        if view.role_id is not None:
            audit_record(
                actor=actor,
                action=AuditLog.Action.DELETE,
                obj=view,
                changes={"list": list_key, "role": str(view.role)},
                message=Message(gettext_noop("Deleted the shared list view “%(name)s”"), {"name": view.name}),
            )
        view.delete()


def list_default_clear(*, actor: User, list_key: str) -> None:
    with transaction.atomic():
        SavedView.objects.filter(user=actor, list_key=list_key).update(is_default=False)
        ListPreference.objects.filter(user=actor, list_key=list_key, view__isnull=True).update(default_view=None)


def list_columns_save(
    *, actor: User, list_key: str, columns: Sequence[str], allowed: Sequence[str], view: SavedView | None = None
) -> ListPreference | None:
    """Remember the visible columns (in order) of a list, or of one saved view of it; unknown keys are left out.
    No columns: back to the list's default (the choice is forgotten)."""
    kept = [c for c in dict.fromkeys(columns) if c in set(allowed)][:50]
    with transaction.atomic():
        if not kept:
            ListPreference.objects.filter(user=actor, list_key=list_key, view=view).update(columns=[])
            return None
        pref, _created = ListPreference.objects.update_or_create(
            user=actor, list_key=list_key, view=view, defaults={"columns": kept}
        )
    return pref


def star_toggle(*, actor: User, obj: Model) -> bool:
    """Star the record for the actor, or unstar it; True when it is starred now. The caller has checked that the
    actor sees the record."""
    ct = ContentType.objects.get_for_model(type(obj))
    with transaction.atomic():
        deleted, _rows = Star.objects.filter(user=actor, content_type=ct, object_id=obj.pk).delete()
        if deleted:
            return False
        Star.objects.get_or_create(user=actor, content_type=ct, object_id=obj.pk)
    return True
