from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "guanxi.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from . import lists, providers  # noqa: F401  (list pages; permission module, navigation, tabs, periodic jobs)
