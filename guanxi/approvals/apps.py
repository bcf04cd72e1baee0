from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "guanxi.approvals"
    label = "approvals"
    verbose_name = _("Approvals")

    def ready(self) -> None:
        from . import providers  # noqa: F401  (permission module, navigation, tabs, periodic jobs)
