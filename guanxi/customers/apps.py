from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "guanxi.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from guanxi.org.lists.registry import register

        from . import providers  # noqa: F401  (navigation, search, handover, periodic reminders)
        from .lists import ContactList, CustomerList, FollowUpList
        from .pool.lists import PoolList

        register(CustomerList)
        register(ContactList)
        register(PoolList)
        register(FollowUpList)
