"""What the knowledge base registers at start-up: its permission module and default grants (service people write,
everybody else reads), the navigation entry and the global search source."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import DefaultGrants, NavItem, SearchSource, registry
from guanxi.org.policies import register_module

register_module("knowledge", _("Knowledge base"), ["view", "create", "edit", "delete"])

_READ = ["knowledge.view"]
_WRITE = ["knowledge.view", "knowledge.create", "knowledge.edit"]
registry.add_default_grants(
    DefaultGrants(
        app="service.knowledge",
        grants_by_role={
            "sales_rep": _READ,
            "channel_rep": _READ,
            "business_manager": _READ,
            "department_manager": _READ,
            "department_assistant": _READ,
            "sales_management": _READ,
            "executive": _READ,
            "service_agent": _WRITE,
            "service_manager": [*_WRITE, "knowledge.delete"],
        },
    )
)
registry.add_nav(
    NavItem(
        key="knowledge", label=_("Knowledge base"), url_name="service:article_list", icon="ti-book", order=43,
        permission="knowledge.view", match_prefix="/service/knowledge/",
    )
)  # fmt: skip


def _article_rows(*, user: Any, query: str, limit: int) -> Any:
    from guanxi.org.policies import has_permission

    from .selectors import article_list, article_search

    if not has_permission(user, "knowledge.view"):
        return []
    return article_search(article_list(user=user), query).order_by("-helped_count", "-id")[:limit]


def _article_hit(a: Any) -> dict[str, Any]:
    return {
        "kind": "article",
        "title": a.title,
        "subtitle": " · ".join(filter(None, [a.category, a.get_status_display()])),
        "url": reverse("service:article_detail", args=[a.pk]),
    }


registry.add_search(
    SearchSource(
        key="articles",
        label=_("Knowledge base"),
        rows=_article_rows,
        fields=("title", "category", "status"),
        hit=_article_hit,
        order=85,
    )
)
