from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "guanxi.approvals"
    label = "approvals"
    verbose_name = _("Approvals")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from guanxi.org.lists.registry import register

        from . import providers  # noqa: F401  (permission module, navigation, tabs, periodic jobs)
        from .defaults import seed_registered_rules

        # The default rules every app registers for its documents, seeded on a new database (see defaults.py).
        post_migrate.connect(seed_registered_rules, sender=self, dispatch_uid="guanxi_approvals_default_rules")
        from .lists import ApprovalList  # the inbox's list definition (org.lists)

        register(ApprovalList)
