"""Template helpers of the marketing app (the bulk dialog on the customer and contact lists)."""

from __future__ import annotations

from typing import Any

from django import template

from guanxi.org.policies import has_permission

from ..models import Segment

register = template.Library()


@register.simple_tag
def marketing_static_lists(user: Any) -> list[Segment]:
    """The static lists the bulk dialog offers (none without the right to change them)."""
    if user is None or not getattr(user, "is_authenticated", False) or not has_permission(user, "marketing.edit"):
        return []
    return list(Segment.objects.filter(kind=Segment.Kind.STATIC).order_by("name")[:200])


@register.simple_tag
def marketing_care_plans(user: Any) -> list[Any]:
    """The active care plans the bulk dialog offers (none without the right to add customers to them)."""
    from ..models_care import CarePlan

    if user is None or not getattr(user, "is_authenticated", False) or not has_permission(user, "marketing.edit"):
        return []
    return list(CarePlan.objects.filter(active=True).order_by("name")[:200])
