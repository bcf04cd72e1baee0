"""Custom fields linking to a customer, a contact or a user sort in lists by the linked record's name (customers and
contacts in pinyin order, by `name_sort`), both ways; a linked customer out of the reader's reach sorts as empty,
so its name never orders the rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.core.custom_fields import services as field_services
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.org.lists.testing import render_list, row_ids

pytestmark = pytest.mark.django_db
LIST = "/customers/"


def _field(admin: Any, code: str, type_: str) -> Any:
    data = {"target": "customers.customer", "code": code, "type": type_, "label_zh": code, "label_en": code.title()}
    return field_services.custom_field_create(actor=admin, data=data)


def _before(ids: list[int], first: Any, second: Any) -> bool:
    return ids.index(first.pk) < ids.index(second.pk)


def test_link_and_user_columns_sort_by_the_linked_name(org: Any):
    admin, rep, west = org["admin"], org["east_rep"], org["west_rep"]
    _field(admin, "partner", "customer")
    _field(admin, "referee", "contact")
    _field(admin, "keeper", "user")
    zhong = CustomerFactory(owner=rep, name="中原伙伴有限公司")  # zhongyuan
    an = CustomerFactory(owner=rep, name="安达伙伴有限公司")  # anda: first in pinyin order
    hidden = CustomerFactory(owner=west, name="白云秘密客户")  # baiyun, out of the rep's reach
    li, wu = ContactFactory(customer=zhong, name="李雷"), ContactFactory(customer=zhong, name="吴刚")
    a = CustomerFactory(owner=rep, name="甲方一", custom={"partner": zhong.pk, "referee": wu.pk, "keeper": west.pk})
    b = CustomerFactory(owner=rep, name="甲方二", custom={"partner": an.pk, "referee": li.pk, "keeper": rep.pk})
    c = CustomerFactory(owner=rep, name="甲方三", custom={"partner": hidden.pk})
    web = Client()
    web.force_login(rep)
    ids = row_ids(render_list(web, LIST, {"scene": "all", "sort": "cf_partner"}))
    assert _before(ids, b, a)  # 安达 (anda) before 中原 (zhongyuan)
    # the hidden customer (白云, baiyun, would sort between them) sorts as empty: at an end, not between
    assert not (_before(ids, b, c) and _before(ids, c, a))
    assert _before(row_ids(render_list(web, LIST, {"scene": "all", "sort": "-cf_partner"})), a, b)
    assert _before(row_ids(render_list(web, LIST, {"scene": "all", "sort": "cf_referee"})), b, a)  # 李 li < 吴 wu
    assert _before(row_ids(render_list(web, LIST, {"scene": "all", "sort": "-cf_referee"})), a, b)
    west.name, rep.name = "Zed West", "Amy East"
    west.save(update_fields=["name"])
    rep.save(update_fields=["name"])
    assert _before(row_ids(render_list(web, LIST, {"scene": "all", "sort": "cf_keeper"})), b, a)
    assert _before(row_ids(render_list(web, LIST, {"scene": "all", "sort": "-cf_keeper"})), a, b)
