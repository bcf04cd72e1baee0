"""Search finds customers and contacts by their custom text fields' values, pinyin included, as by a built-in
field; a field shown to some roles only is not searched (a search would reveal its value)."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.core.custom_fields import services as field_services
from guanxi.customers import services
from guanxi.customers.selectors import search_contacts, search_customers

pytestmark = pytest.mark.django_db


def _field(admin: Any, target: str, code: str, **extra: Any) -> None:
    data = {"target": target, "code": code, "type": "text", "label_zh": code, **extra}
    field_services.custom_field_create(actor=admin, data=data)


def _names(found: Any) -> set[str]:
    return {c.name for c in found}


def test_a_custom_text_value_is_found_by_its_words_and_pinyin(org: Any) -> None:
    admin, manager = org["admin"], org["east_manager"]
    _field(admin, "customers.customer", "tax_office")
    _field(admin, "customers.customer", "secret_code", view_roles=["finance"])
    customer = services.customer_create(
        actor=admin,
        owner=manager,
        data={"name": "甲公司", "custom": {"tax_office": "西湖区税务局", "secret_code": "ZX-7788"}},
    )
    # then the value finds it, by its characters and its pinyin initials; the restricted field's value does not
    assert _names(search_customers(user=manager, query="西湖区")) == {"甲公司"}
    assert _names(search_customers(user=manager, query="xhq")) == {"甲公司"}
    assert _names(search_customers(user=manager, query="ZX-7788")) == set()
    # when the value changes, the new one finds it and the old one no longer does
    services.customer_update(actor=manager, customer=customer, data={"custom": {"tax_office": "滨江区税务局"}})
    assert _names(search_customers(user=manager, query="滨江")) == {"甲公司"}
    assert _names(search_customers(user=manager, query="西湖区")) == set()


def test_contacts_are_found_by_their_custom_text_too(org: Any) -> None:
    _field(org["admin"], "customers.contact", "nickname")
    manager = org["east_manager"]
    customer = services.customer_create(actor=manager, data={"name": "乙公司"})
    contact = services.contact_create(actor=manager, customer=customer, data={"name": "王芳"})
    services.contact_update(actor=manager, contact=contact, data={"custom": {"nickname": "芳姐"}})
    assert _names(search_contacts(user=manager, query="芳姐")) == {"王芳"}


def test_the_list_search_box_finds_restricted_and_long_text_fields_for_those_who_see_them(org: Any) -> None:
    from django.test import Client

    from guanxi.org.lists.testing import render_list, row_ids

    admin, manager = org["admin"], org["east_manager"]
    _field(admin, "customers.customer", "secret_code", view_roles=["finance"])
    _field(admin, "customers.customer", "story", type="long_text")
    found = services.customer_create(
        actor=admin,
        owner=manager,
        data={"name": "乙公司", "custom": {"secret_code": "ZX-7788", "story": "老客户的故事"}},
    )
    web = Client()
    web.force_login(manager)
    assert row_ids(render_list(web, "/customers/", {"scene": "all", "q": "的故事"})) == [found.pk]
    assert row_ids(render_list(web, "/customers/", {"scene": "all", "q": "ZX-7788"})) == []  # not theirs to see
    web.force_login(admin)  # an administrator sees every field
    assert row_ids(render_list(web, "/customers/", {"scene": "all", "q": "ZX-7788"})) == [found.pk]
