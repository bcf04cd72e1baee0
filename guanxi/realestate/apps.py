from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealEstateConfig(AppConfig):
    name = "guanxi.realestate"
    label = "realestate"
    verbose_name = _("Real estate")

    def ready(self) -> None:
        from . import lists, lists_trades, lists_visits, providers  # noqa: F401  (lists; modules, navigation, demo)
