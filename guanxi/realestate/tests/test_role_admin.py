"""Role administration and the installation switch: while real-estate sales are off, the role editor shows none of
their permission modules, and saving a role keeps the real-estate grants it already holds; on, every action of
them has its checkbox (release for sale too)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guanxi.org.models import DataScope, Role

pytestmark = pytest.mark.django_db


def test_the_role_editor_hides_real_estate_while_it_is_off_and_keeps_its_grants(admin_web, org, settings):
    role = Role.objects.get(code="department_manager")
    assert "re_properties.release" in role.permissions
    url = reverse("org:role_edit", args=[role.pk])
    settings.REALESTATE_ENABLED = False
    body = admin_web.get(url).content.decode()
    assert 'value="customers.view"' in body and "re_properties" not in body and "re_pricing" not in body
    kept = [p for p in role.permissions if p.startswith("re_")]
    others = [p for p in role.permissions if not p.startswith("re_") and p != "customers.export"]
    r = admin_web.post(url, {"name": role.name, "data_scope": DataScope.DEPARTMENT, "perm": others})
    assert r.status_code == 302
    role.refresh_from_db()
    assert set(role.permissions) == set(others) | set(kept)
    settings.REALESTATE_ENABLED = True
    body = admin_web.get(url).content.decode()
    for perm in ("re_properties.view", "re_properties.release", "re_properties.import", "re_pricing.approve"):
        assert f'value="{perm}"' in body
    assert 'name="perm" value="re_properties.release" checked' in body
