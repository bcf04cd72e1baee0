"""`{% if user|can:"payments.export" %}`: whether the user holds a permission (org.policies.has_permission), so a
page shows a link only to those it would not refuse."""

from __future__ import annotations

from typing import Any

from django import template

from guanxi.org.policies import has_permission

register = template.Library()


@register.filter
def can(user: Any, permission: str) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and has_permission(user, permission))
