from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from guanxi.core.search import build_search_text, name_sort_key
from guanxi.customers.models import Contact, Customer, FollowUp, Task
from guanxi.org.tests.factories import UserFactory


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"测试客户{n}有限公司")
    owner = factory.SubFactory(UserFactory)
    department = factory.LazyAttribute(lambda c: c.owner.department if c.owner else None)
    level = Customer.Level.ORDINARY
    phone = ""
    email = ""
    credit_code = ""
    search_text = factory.LazyAttribute(
        lambda c: build_search_text(names=[c.name], phones=[c.phone], others=[c.email, c.credit_code])
    )
    name_sort = factory.LazyAttribute(lambda c: name_sort_key(c.name))


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Faker("name", locale="zh_CN")
    mobile = factory.Sequence(lambda n: f"138{n:08d}")
    phone = ""
    search_text = factory.LazyAttribute(lambda c: build_search_text(names=[c.name], phones=[c.mobile]))
    name_sort = factory.LazyAttribute(lambda c: name_sort_key(c.name))


class FollowUpFactory(DjangoModelFactory):
    class Meta:
        model = FollowUp

    customer = factory.SubFactory(CustomerFactory)
    author = factory.LazyAttribute(lambda f: f.customer.owner)
    content = "电话沟通需求"
    occurred_at = factory.LazyFunction(timezone.now)


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"任务{n}")
    assignee = factory.SubFactory(UserFactory)
    due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=2))
