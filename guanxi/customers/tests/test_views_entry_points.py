"""Pages link to the features that live in other parts of the app (pool, import), for those allowed to use them."""

from __future__ import annotations

import pytest
from django.test import Client

from guanxi.org.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_customer_page_offers_return_to_pool_to_the_owner_only(org):
    from guanxi.customers.tests.factories import CustomerFactory

    customer = CustomerFactory(owner=org["east_rep"])
    owner, other = Client(), Client()
    owner.login(username="east_rep", password=PASSWORD)
    other.login(username="executive", password=PASSWORD)  # sees everything, may not assign
    url = f"/customers/pool/return/{customer.pk}/"
    assert url in owner.get(f"/customers/{customer.pk}/").content.decode()
    assert url not in other.get(f"/customers/{customer.pk}/").content.decode()


def test_customer_list_links_to_import_for_users_who_may_import(org):
    manager, rep = Client(), Client()
    manager.login(username="east_manager", password=PASSWORD)
    rep.login(username="east_rep", password=PASSWORD)
    assert "/imports/new/?kind=customers" in manager.get("/customers/").content.decode()
    assert "/imports/new/?kind=customers" not in rep.get("/customers/").content.decode()
