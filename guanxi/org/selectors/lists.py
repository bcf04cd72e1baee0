"""Reads of the shared list toolkit: a user's saved views (their own and those shared with one of their roles),
column choices, default view, stars."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet

from ..models import ListPreference, SavedView, Star, User


def saved_views(*, user: User, list_key: str) -> QuerySet[SavedView]:
    """The user's own views of the list and the views an administrator shared with one of their roles."""
    return (
        SavedView.objects.filter(list_key=list_key)
        .filter(Q(user=user, role__isnull=True) | Q(role__in=user.roles.all()))
        .select_related("role")
        .order_by("role_id", "name")
        .distinct()
    )


def saved_view_get(*, user: User, list_key: str, pk: Any) -> SavedView | None:
    try:
        return saved_views(user=user, list_key=list_key).get(pk=int(pk))
    except (SavedView.DoesNotExist, ValueError, TypeError, OverflowError):
        return None


def list_preference(*, user: User, list_key: str, view: SavedView | None = None) -> ListPreference | None:
    """The user's column choice for the saved view, else for the list; None: the list's default columns."""
    where = Q(view__isnull=True) | Q(view=view) if view is not None else Q(view__isnull=True)
    prefs = {p.view_id: p for p in ListPreference.objects.filter(where, user=user, list_key=list_key)}
    if view is not None and view.pk in prefs and prefs[view.pk].columns:
        return prefs[view.pk]
    return prefs.get(None)


def default_view(*, user: User, list_key: str) -> SavedView | None:
    """The view that opens on the bare list: the one the user chose (their own or a shared one)."""
    pref = (
        ListPreference.objects.filter(user=user, list_key=list_key, view__isnull=True)
        .select_related("default_view")
        .first()
    )
    if pref is not None and pref.default_view_id:
        chosen = saved_views(user=user, list_key=list_key).filter(pk=pref.default_view_id).first()
        if chosen is not None:
            return chosen
    return SavedView.objects.filter(user=user, list_key=list_key, role__isnull=True, is_default=True).first()


def starred_ids(*, user: User, model: type[Model], ids: Iterable[int]) -> set[int]:
    ct = ContentType.objects.get_for_model(model)
    return set(
        Star.objects.filter(user=user, content_type=ct, object_id__in=list(ids)).values_list("object_id", flat=True)
    )


def starred_subquery(*, user: User, model: type[Model]) -> QuerySet[Any]:
    """The ids of the user's starred rows of a model, for `pk__in=` (the "Starred" scene)."""
    ct = ContentType.objects.get_for_model(model)
    return Star.objects.filter(user=user, content_type=ct).values("object_id")
