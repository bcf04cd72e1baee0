"""Customer tags: a name is cleaned the same way wherever a tag is made."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.services import model_create
from guanxi.org.models import User
from guanxi.org.policies import has_permission

from ..models import Tag


def tag_name_clean(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("A tag needs a name."), fields={"tags": [_("A tag needs a name.")]})
    if len(name) > 50:
        raise ValidationFailed(
            _("Tag names are at most 50 characters."), fields={"tags": [_("Tag names are at most 50 characters.")]}
        )
    return name


def tag_get_or_create(*, actor: User, name: str) -> Tag:
    """The tag with this name (case-insensitive), created if missing; needs customers.create or .edit."""
    if not (has_permission(actor, "customers.create") or has_permission(actor, "customers.edit")):
        raise PermissionDeniedError(_("You do not have permission to create tags."))
    name = tag_name_clean(name)
    existing = Tag.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        return model_create(instance=Tag(name=name), actor=actor)
