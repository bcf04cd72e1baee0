from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "guanxi.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from . import providers  # noqa: F401  (registers navigation and signals handlers for login audit)
        from .admin_lists import AuditTrailList, LoginHistoryList, UserList  # the administration lists (org.lists)
        from .lists.registry import register

        register(UserList)
        register(AuditTrailList)
        register(LoginHistoryList)

        from .mailboxes.lists import MailboxList
        from .webhooks.lists import WebhookDeliveryList, WebhookList

        register(WebhookList)
        register(WebhookDeliveryList)
        register(MailboxList)
