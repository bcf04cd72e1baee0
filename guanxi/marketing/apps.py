from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "guanxi.marketing"
    label = "marketing"
    verbose_name = _("Marketing")

    def ready(self) -> None:
        # list pages; permission modules, navigation, tabs, search
        from . import lists, lists_events, providers  # noqa: F401
        from .loyalty import lists as loyalty_lists  # noqa: F401  (members, points ledger, coupons)
        from .loyalty import providers as loyalty_providers  # noqa: F401  (the loyalty module, its tab and jobs)
