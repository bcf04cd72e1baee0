"""What org registers with core at start-up: navigation, the ports core calls for permissions and API tokens,
and set-up (core sits below org, so it asks through the registry instead of importing org)."""

from django.utils.translation import gettext_lazy as _

from guanxi.core.ports import API_TOKENS, PERMISSIONS
from guanxi.core.registry import NavItem, registry

from . import ports


def _roles_ensure_defaults() -> int:
    from .services import roles_ensure_defaults

    return roles_ensure_defaults()


registry.provide(PERMISSIONS, ports.permissions)
registry.provide(API_TOKENS, ports.api_tokens)
registry.add_setup_step(_roles_ensure_defaults)

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

# Features of this app that live in sub-packages register themselves on import.
from .permission_requests import providers as _permission_requests_providers  # noqa: E402,F401,I001
from .webhooks import providers as _webhooks_providers  # noqa: E402,F401,I001
