from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "guanxi.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from guanxi.org.lists.registry import register

        from . import providers  # noqa: F401  (navigation, search, periodic jobs)
        from .leads.lists import LeadList
        from .opportunities.lists import OpportunityList

        register(LeadList)
        register(OpportunityList)
