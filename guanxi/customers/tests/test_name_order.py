"""Lists sorted by name put Chinese names in pinyin order, however the record was saved: the form, the API,
a rename, an import."""

from __future__ import annotations

import pytest
from django.test import Client

from guanxi.core.imports.testing import csv_bytes, run_import
from guanxi.core.models import ImportJob
from guanxi.customers.models import Customer
from guanxi.customers.services import contact_create, customer_create, customer_update

pytestmark = pytest.mark.django_db


def names_in(client: Client, url: str) -> list[str]:
    return [item["name"] for item in client.get(url).json()["items"]]


def test_customers_sort_by_pinyin_through_the_web_list_and_the_api(org):
    rep = org["east_rep"]
    # given customers saved through the service, one renamed afterwards and one imported
    for name in ["张三贸易有限公司", "Apple 中国", "北京华信科技有限公司", "重庆长安物流"]:
        customer_create(actor=rep, data={"name": name})
    renamed = Customer.objects.get(name="张三贸易有限公司")
    customer_update(actor=rep, customer=renamed, data={"name": "安徽建工集团"})
    job = run_import(
        actor=org["east_manager"], kind="customers", data=csv_bytes([["客户名称"], ["阿里巴巴网络"]]), name="c.csv"
    )
    assert job.status == ImportJob.Status.DONE, job.report
    expected = ["阿里巴巴网络", "安徽建工集团", "Apple 中国", "北京华信科技有限公司", "重庆长安物流"]
    web = Client()
    web.force_login(org["east_manager"])  # who sees the rep's customers and the one they imported
    # when the manager sorts by name: then a li, an hui, apple, bei jing, chong qing
    assert names_in(web, "/api/v1/customers?sort=name") == expected
    assert names_in(web, "/api/v1/customers?sort=-name") == expected[::-1]
    html = web.get("/customers/?sort=name").content.decode()
    assert [html.index(name) for name in expected] == sorted(html.index(name) for name in expected)


def test_contacts_sort_by_pinyin(org):
    rep = org["east_rep"]
    customer = customer_create(actor=rep, data={"name": "北京华信科技有限公司"})
    for name in ["张山", "张三", "Amy Li", "安娜", "陈静"]:
        contact_create(actor=rep, customer=customer, data={"name": name})
    web = Client()
    web.force_login(rep)
    assert names_in(web, "/api/v1/contacts?sort=name") == ["Amy Li", "安娜", "陈静", "张三", "张山"]


def test_the_migration_fill_gives_customers_saved_before_the_key_their_place(org):
    from guanxi.core.search import name_sort_fill

    customer_create(actor=org["east_rep"], data={"name": "北京华信科技有限公司"})
    customer_create(actor=org["east_rep"], data={"name": "阿里巴巴网络"})
    Customer.objects.update(name_sort="")  # as rows stood before the migration
    name_sort_fill(Customer)
    assert dict(Customer.objects.values_list("name", "name_sort")) == {
        "北京华信科技有限公司": "bei jing hua xin ke ji you xian gong si",
        "阿里巴巴网络": "a li ba ba wang luo",
    }
