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

        from django.db.models.signals import post_migrate

        from .followup_counts import followup_counts_triggers_ensure

        # the kept follow-up counts' triggers come back (and recount) if a migration rebuilt the table or the zone
        # changed; a flush leaves no count behind
        post_migrate.connect(followup_counts_triggers_ensure, sender=self, dispatch_uid="guanxi_followup_counts")
        from .contact_owner import contact_owner_triggers_ensure

        # likewise the contacts' kept owner
        post_migrate.connect(contact_owner_triggers_ensure, sender=self, dispatch_uid="guanxi_contact_owner")
        from .level_counts import customer_level_counts_triggers_ensure

        # and the kept customers by owner and level
        post_migrate.connect(
            customer_level_counts_triggers_ensure, sender=self, dispatch_uid="guanxi_customer_level_counts"
        )
