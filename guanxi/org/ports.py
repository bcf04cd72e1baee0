"""What org provides through core's ports (guanxi/core/ports.py): the permission checker and the API-token
authenticator. The annotated instances below let mypy check each implementation against its Protocol;
providers.py registers them."""

from __future__ import annotations

from typing import Any

from guanxi.core.ports import ApiTokenAuthenticator, PermissionChecker


class OrgPermissions:
    """core's PermissionChecker: org's roles and data scopes."""

    def has_permission(self, user: Any, perm: str) -> bool:
        from .policies import has_permission

        return has_permission(user, perm)

    def require_permission(self, user: Any, perm: str) -> str:
        from .policies import require_permission

        return require_permission(user, perm)

    def role_codes(self, user: Any) -> frozenset[str]:
        if not getattr(user, "is_authenticated", False):
            return frozenset()
        cached = getattr(user, "_guanxi_role_codes", None)
        if cached is None:
            cached = frozenset(user.roles.values_list("code", flat=True))
            user._guanxi_role_codes = cached
        return cached


class OrgApiTokens:
    """core's ApiTokenAuthenticator: org's hashed, revocable API tokens."""

    def authenticate(self, *, key: str) -> Any:
        from .services import api_token_authenticate

        return api_token_authenticate(key=key)


permissions: PermissionChecker = OrgPermissions()
api_tokens: ApiTokenAuthenticator = OrgApiTokens()
