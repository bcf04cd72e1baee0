"""Typed ports (guanxi/core/ports.py): provided once, a required one missing stops start-up, an optional one absent
reads as None."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from guanxi.core.ports import ALL_PORTS, COLLECTED_AMOUNTS, PERMISSIONS, Port
from guanxi.core.registry import Registry, registry


class AllowAll:
    def has_permission(self, user: Any, perm: str) -> bool:
        return True

    def require_permission(self, user: Any, perm: str) -> str:
        return "all"


class DenyAll:
    def has_permission(self, user: Any, perm: str) -> bool:
        return False

    def require_permission(self, user: Any, perm: str) -> str:
        raise AssertionError("not asked")


def test_a_port_is_provided_once() -> None:
    # given a registry whose permission checker is provided
    reg = Registry()
    first = AllowAll()
    reg.provide(PERMISSIONS, first)
    # when the same implementation (or another instance of its class) is provided again, nothing changes
    reg.provide(PERMISSIONS, first)
    reg.provide(PERMISSIONS, AllowAll())
    assert reg.port(PERMISSIONS) is first
    # when a different implementation is provided, start-up stops, naming the port and both implementations
    with pytest.raises(ImproperlyConfigured, match=r"permissions .*PermissionChecker.*AllowAll.*DenyAll"):
        reg.provide(PERMISSIONS, DenyAll())
    assert reg.port(PERMISSIONS) is first


def test_a_required_port_nobody_provides_is_a_clear_error() -> None:
    # given an empty registry, when a caller asks for a required port, the error names it and the app expected
    with pytest.raises(ImproperlyConfigured, match=r"permissions .*guanxi\.org is expected to provide"):
        Registry().port(PERMISSIONS)
    assert Registry().missing_ports() == [p for p in ALL_PORTS if p.required]


def test_an_optional_port_nobody_provides_is_none() -> None:
    assert Registry().optional_port(COLLECTED_AMOUNTS) is None
    assert Registry().missing_ports([COLLECTED_AMOUNTS]) == []


def test_the_installed_apps_provide_every_declared_port() -> None:
    # every port of the product is provided by the app it names (all apps are installed here)
    assert registry.missing_ports() == []
    assert all(registry.optional_port(p) is not None for p in ALL_PORTS)
    assert [e for e in checks.run_checks() if e.id == "guanxi.E004"] == []


def test_start_up_check_fails_when_a_required_port_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    # given org's permission checker is not registered (org left out of INSTALLED_APPS)
    monkeypatch.delitem(registry.ports, PERMISSIONS)
    # when Django runs its system checks (every start-up), then one error names the port and the app
    errors = [e for e in checks.run_checks() if e.id == "guanxi.E004"]
    assert len(errors) == 1 and errors[0].level == checks.ERROR
    assert "permissions (guanxi.core.ports.PermissionChecker)" in errors[0].msg
    assert "which guanxi.org is expected to provide in its providers.py" in errors[0].msg


def test_ports_have_distinct_names() -> None:
    names = [p.name for p in ALL_PORTS]
    assert len(names) == len(set(names)) and all(isinstance(p, Port) for p in ALL_PORTS)
