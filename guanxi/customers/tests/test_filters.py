"""List filters refuse out-of-range values with a field error instead of crashing."""

from __future__ import annotations

import pytest
from django.test import Client

from guanxi.org.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["99999999999", "-1"])
def test_absurd_no_contact_days_is_a_field_error_in_the_api(org, value):
    client = Client()
    client.login(username="east_rep", password=PASSWORD)
    response = client.get(f"/api/v1/customers?no_contact_days={value}")
    assert response.status_code == 422  # typed number parameters are validated by the schema (docs/api.md)
    assert "no_contact_days" in response.json()["error"]["fields"]


def test_absurd_no_contact_days_keeps_the_web_list_working(org):
    client = Client()
    client.login(username="east_rep", password=PASSWORD)
    assert client.get("/customers/?no_contact_days=99999999999").status_code == 200
