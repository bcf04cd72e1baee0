"""Reports are built on loyalty members too, their custom fields offered like any list's."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.analytics.builder import objects_for
from guanxi.core.custom_fields import services as field_services
from guanxi.org.lists.custom import for_reader

pytestmark = pytest.mark.django_db


def test_reports_are_built_on_members_with_their_custom_fields(org: Any):
    admin = org["admin"]
    data = {"target": "marketing.member", "code": "shoe_size", "type": "number", "label_zh": "鞋码"}
    field_services.custom_field_create(actor=admin, data=data)
    members = next(d for d in objects_for(admin) if d.key == "members")
    assert "cf_shoe_size" in {f.key for f in for_reader(members, admin).fields}
