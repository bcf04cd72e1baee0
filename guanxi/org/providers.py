"""What org registers with core at start-up: navigation, and the hooks core calls for permissions, API tokens
and set-up (core sits below org, so it asks through the registry instead of importing org)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import NavItem, registry


def _has_permission(user: Any, perm: str) -> bool:
    from .policies import has_permission

    return has_permission(user, perm)


def _require_permission(user: Any, perm: str) -> str:
    from .policies import require_permission

    return require_permission(user, perm)


def _api_token_authenticate(*, key: str) -> Any:
    from .services import api_token_authenticate

    return api_token_authenticate(key=key)


def _roles_ensure_defaults() -> int:
    from .services import roles_ensure_defaults

    return roles_ensure_defaults()


registry.set_hook("has_permission", _has_permission)
registry.set_hook("require_permission", _require_permission)
registry.set_hook("api_token_authenticate", _api_token_authenticate)
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
