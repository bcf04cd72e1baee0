from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommerceConfig(AppConfig):
    name = "guanxi.commerce"
    label = "commerce"
    verbose_name = _("Commerce")

    def ready(self) -> None:
        from . import lists, providers  # noqa: F401  (list pages; permission module, navigation, tabs, periodic jobs)
