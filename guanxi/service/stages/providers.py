"""What staged tasks register at start-up: the unfinished-work page in the navigation and the demo templates."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import NavItem, registry

registry.add_nav(
    NavItem(
        key="unfinished_work", label=_("Unfinished work"), url_name="service:work", icon="ti-list-check", order=43,
        permission="tasks.assign", match_prefix="/service/work/",
    )
)  # fmt: skip
registry.add_nav(
    NavItem(
        key="caller", label=_("Caller view"), url_name="service:caller", icon="ti-phone-incoming", order=39,
        permission="tickets.view", match_prefix="/service/caller/",
    )
)  # fmt: skip


def _demo(**kwargs: Any) -> None:
    from .demo import stages_demo_build

    stages_demo_build(**kwargs)


registry.add_demo_step(_demo)
