"""What commerce provides through core's ports (guanxi/core/ports.py): the opportunity page's actions (sales sits
below commerce). providers.py registers it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from guanxi.core.ports import OpportunityActions


class QuoteAndContractActions:
    """sales' OpportunityActions port: the opportunity page's "new quote / new contract" buttons."""

    def actions(self, request: HttpRequest, opportunity: Any) -> list[dict[str, str]]:
        from .views_tabs import opportunity_actions

        return opportunity_actions(request, opportunity)


opportunity_actions: OpportunityActions = QuoteAndContractActions()
