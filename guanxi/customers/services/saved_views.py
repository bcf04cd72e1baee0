"""Saved list views: a user's named filters for a list, one of them the default."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.org.models import User

from ..models import SavedView


def saved_view_save(
    *, actor: User, name: str, query: str, list_name: str = "customers", is_default: bool = False
) -> SavedView:
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the view a name."), fields={"name": [_("This field is required.")]})
    with transaction.atomic():
        view, _created = SavedView.objects.update_or_create(
            user=actor, list_name=list_name, name=name[:100], defaults={"query": query[:2000], "is_default": is_default}
        )
        if is_default:
            SavedView.objects.filter(user=actor, list_name=list_name).exclude(pk=view.pk).update(is_default=False)
    return view


def saved_view_delete(*, actor: User, view_id: int) -> None:
    SavedView.objects.filter(user=actor, pk=view_id).delete()
