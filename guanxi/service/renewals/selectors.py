"""Reads of renewals, narrowed to the reader's data scope through the customer (module "assets")."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404, scope_queryset, scope_queryset_or_none

from .models import Renewal


def renewal_list(*, user: User, action: str = "view") -> QuerySet[Renewal]:
    qs = Renewal.objects.select_related("asset", "customer", "owner", "asset__product")
    return scope_queryset(user, qs, action)


def renewal_get(*, user: User, pk: Any, action: str = "view") -> Renewal:
    qs = Renewal.objects.select_related("asset", "customer", "owner", "renewed_asset", "opportunity")
    return get_scoped_or_404(user, qs, pk, action)


def asset_renewals(*, user: User, asset: Any) -> list[Renewal]:
    """An asset's renewals, newest term first (its detail page)."""
    qs = scope_queryset_or_none(user, Renewal.objects.filter(asset=asset), "view")
    return list(qs.select_related("owner", "renewed_asset").order_by("-ends_on")[:20])
