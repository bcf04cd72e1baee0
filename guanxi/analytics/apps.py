from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "guanxi.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from . import figure_cache, providers  # noqa: F401  (permission module, navigation, league publication job, grants)

        # a committed write to a business record starts a new generation of cached figures (figure_cache.py)
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(figure_cache.on_model_write, dispatch_uid=f"analytics-figures-{id(signal)}")
