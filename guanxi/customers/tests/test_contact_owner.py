"""A contact's kept owner (customers.contact_owner) is its customer's owner after every path that changes either:
the services (transfer, pool return, claim and reclaim, merge, contact update, import) and plain writes
(queryset updates, bulk inserts, a full save of a contact read before its customer changed hands), in any order."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.core.imports.testing import run_import, xlsx_bytes
from guanxi.core.models import ImportJob
from guanxi.customers import services
from guanxi.customers.contact_owner import contact_owner_triggers_drop, contact_owner_triggers_ensure
from guanxi.customers.dedupe.services import customer_merge
from guanxi.customers.models import Contact, Customer
from guanxi.customers.pool import services as pool
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def assert_kept() -> None:
    rows = Contact._base_manager.values_list("pk", "owner_id", "customer__owner_id")
    wrong = [(pk, kept, meant) for pk, kept, meant in rows if kept != meant]
    assert not wrong, wrong  # (contact, kept owner, its customer's owner)
    assert rows  # the check saw contacts


def test_the_services_keep_the_contacts_owner(org: Any) -> None:
    admin, rep, other = org["admin"], org["east_rep"], org["east_rep2"]
    # given customers of a rep, each with contacts
    a, b, c = (CustomerFactory(owner=rep, department=org.east, name=f"客户{i}") for i in range(3))
    for customer in (a, b, c):
        ContactFactory.create_batch(2, customer=customer)
    assert_kept()
    # when each path changes an owner or a contact's customer, then every contact's owner is its customer's
    services.customer_transfer(actor=admin, customer_ids=[a.pk, b.pk], new_owner=other)
    assert_kept()
    pool.customer_return_to_pool(actor=admin, customer=a, reason="不再跟进")
    assert Contact.objects.filter(customer=a, owner__isnull=True).count() == 2
    assert_kept()
    pool.pool_claim(actor=rep, customer_ids=[a.pk])
    assert set(Contact.objects.filter(customer=a).values_list("owner_id", flat=True)) == {rep.pk}
    assert_kept()
    services.contact_update(actor=admin, contact=Contact.objects.filter(customer=b).first(), data={"title": "经理"})
    assert_kept()
    customer_merge(actor=admin, survivor_id=b.pk, merged_ids=[c.pk])  # c's contacts go from the rep to the other
    assert set(Contact.objects.filter(customer=b).values_list("owner_id", flat=True)) == {other.pk}
    assert_kept()


def test_reclaiming_idle_customers_keeps_their_contacts_owner(org: Any) -> None:
    # given a customer untouched for a year, with contacts
    now = timezone.now()
    idle = CustomerFactory(owner=org["east_rep"], last_contact_at=now - dt.timedelta(days=365))
    ContactFactory.create_batch(2, customer=idle)
    # when the periodic job reclaims it (one set-based UPDATE of the customers)
    assert pool.pool_reclaim_idle(now=now)["reclaimed"] == 1
    # then its contacts are in the pool with it
    assert Contact.objects.filter(customer=idle, owner__isnull=True).count() == 2
    assert_kept()


def test_imported_contacts_take_their_customers_owner(org: Any) -> None:
    rep = org["east_rep"]
    services.customer_create(actor=rep, data={"name": "北京华信科技有限公司"})
    header = ["客户名称", "统一社会信用代码", "姓名", "职务", "手机", "邮箱", "生日", "决策人", "首要联系人"]
    rows = [header, ["北京华信科技有限公司", "", "王芳", "采购经理", "13812345678", "", "", "是", "是"]]
    job = run_import(actor=rep, kind="contacts", data=xlsx_bytes(rows))
    assert job.status == ImportJob.Status.DONE, job.report.get("rows")
    assert Contact.objects.get(name="王芳").owner_id == rep.pk
    assert_kept()


OPS = st.tuples(
    st.sampled_from(["hand_over", "pool", "move", "stale_save", "new", "bulk_new", "delete_customer"]),
    st.integers(0, 3),
    st.integers(0, 3),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=1, max_size=10))
def test_plain_writes_in_any_order_keep_the_contacts_owner(org: Any, ops: list[Any]) -> None:
    people = [org["east_rep"], org["west_rep"], org["east_manager"], None]
    customers = [CustomerFactory(owner=people[i % 3]) for i in range(4)]
    for customer in customers:
        ContactFactory(customer=customer)
    for op, i, j in ops:
        customer, person = customers[i], people[j]
        contact = Contact._base_manager.filter(customer__in=customers).order_by("pk")[i % 2 :].first()
        if op == "hand_over":  # a set-based UPDATE of several customers (bulk actions, the reclaim job)
            Customer._base_manager.filter(pk__in=[customer.pk, customers[j].pk]).update(owner=person)
        elif op == "pool":
            Customer._base_manager.filter(pk=customer.pk).update(owner=None)
        elif op == "move" and contact is not None:
            Contact._base_manager.filter(pk=contact.pk).update(customer=customer)
        elif op == "stale_save" and contact is not None:  # read, its customer changes hands, then a full save
            Customer._base_manager.filter(pk=contact.customer_id).update(owner=person)
            contact.remarks = "改"
            contact.save()
        elif op == "new":
            ContactFactory(customer=customer)
        elif op == "bulk_new":
            Contact.objects.bulk_create(
                [Contact(customer=customer, name="批量"), Contact(customer=customer, name="二")]
            )
        elif op == "delete_customer":  # the recycle bin keeps the owner
            Customer._base_manager.filter(pk=customer.pk).update(deleted_at=timezone.now())
        assert_kept()


def test_lost_triggers_are_made_again_after_migrating(org: Any) -> None:
    # given contacts whose triggers were dropped (a SQLite table rebuild drops them), then a change of owner
    customer = CustomerFactory(owner=org["east_rep"])
    ContactFactory(customer=customer)
    contact_owner_triggers_drop(using=connection)
    Customer.objects.filter(pk=customer.pk).update(owner=org["west_rep"])
    assert Contact.objects.get(customer=customer).owner_id == org["east_rep"].pk
    # when post_migrate checks them, then they are made again and every owner set
    assert contact_owner_triggers_ensure(using="default") is True
    assert contact_owner_triggers_ensure(using="default") is False
    assert_kept()
    Customer.objects.filter(pk=customer.pk).update(owner=org["east_rep"])
    assert_kept()
