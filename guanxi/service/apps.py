from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "guanxi.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self) -> None:
        from . import lists, providers  # noqa: F401  (list pages; permission modules, navigation, tabs, search)
        from .knowledge import lists as _knowledge_lists  # noqa: F401  (the knowledge base list)
        from .knowledge import providers as _knowledge_providers  # noqa: F401  (permissions, navigation, search)
        from .renewals import lists as renewal_lists  # noqa: F401
        from .renewals import providers as renewal_providers  # noqa: F401
        from .shipments import providers as shipment_providers  # noqa: F401
        from .stages import providers as stage_providers  # noqa: F401
        from .surveys import lists as _survey_lists  # noqa: F401  (the satisfaction answers)
        from .surveys import providers as _survey_providers  # noqa: F401  (CSAT metrics, the voice demo step)
