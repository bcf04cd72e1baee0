from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "guanxi.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from guanxi.org.lists.registry import register

        from . import providers  # noqa: F401  (navigation, search, periodic jobs)
        from .leads.lists import LeadList
        from .opportunities.lists import OpportunityList

        register(LeadList)
        register(OpportunityList)
        from .opportunities.stage_totals import stage_totals_triggers_ensure

        # SQLite drops a table's triggers when a migration rebuilds it: the board's kept totals need theirs back.
        post_migrate.connect(stage_totals_triggers_ensure, sender=self, dispatch_uid="guanxi_sales_stage_totals")
        from .opportunities.customer_text import deal_customer_text_triggers_ensure

        # likewise the deals' search text kept with their customer's (and, on SQLite, made before the search tables')
        post_migrate.connect(
            deal_customer_text_triggers_ensure, sender=self, dispatch_uid="guanxi_sales_deal_customer_text"
        )
