"""What org registers with core at start-up."""

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import NavItem, registry

registry.add_nav(
    NavItem(
        key="org",
        label=_("Organisation"),
        url_name="org:user_list",
        icon="ti-building",
        order=900,
        permission="org.admin",
        match_prefix="/org/",
    )
)
registry.add_nav(
    NavItem(
        key="audit",
        label=_("Audit trail"),
        url_name="org:audit_list",
        icon="ti-history",
        order=910,
        permission="audit.view",
    )
)
