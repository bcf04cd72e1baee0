"""A custom field naming a user shows the person's full name (the name the organisation page gives them), as the
owner column does, not their login name; a user without one shows the login name."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.core.custom_fields import services as field_services
from guanxi.core.custom_fields.definitions import fields_for
from guanxi.core.custom_fields.values import display_value, linked_names
from guanxi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_user_value_reads_as_the_persons_full_name(org: Any) -> None:
    field_services.custom_field_create(
        actor=org["admin"],
        data={"target": "customers.customer", "code": "keeper", "type": "user", "label_zh": "维护人"},
    )
    named = UserFactory(username="chenjing", name="陈静")
    bare = UserFactory(username="temp01", name="")
    field = next(f for f in fields_for("customers.customer") if f.code == "keeper")
    rows = [{"keeper": named.pk}, {"keeper": bare.pk}]
    names = linked_names([field], rows)
    assert [display_value(field, row["keeper"], names=names) for row in rows] == ["陈静", "temp01"]
