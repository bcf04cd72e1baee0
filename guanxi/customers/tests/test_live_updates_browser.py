"""In a real browser: ticking a task off updates the figures shown elsewhere on the page at once (the gx:changed
event of core.views_util.announce_changes), without a reload."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanxi.core.tests.browser import sign_in
from guanxi.customers.tests.factories import CustomerFactory, TaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ticking_a_task_updates_the_counts_elsewhere_on_the_page(org, page):
    # given a rep with two overdue tasks, both on one customer
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep, name="实时刷新客户")
    yesterday = timezone.now() - timezone.timedelta(days=1)
    first = TaskFactory(assignee=rep, customer=customer, title="回电话", due_at=yesterday)
    TaskFactory(assignee=rep, customer=customer, title="发资料", due_at=yesterday)
    sign_in(page, "east_rep")

    # on my day: the overdue figure says 2
    page.goto(f"{page.base_url}/customers/my-day/")
    page.evaluate("window.gxNoReload = true")
    figures = page.locator("#my-day-figures .h2")
    expect(figures.first).to_have_text("2")
    expect(page.locator("#my-day-overdue-count")).to_have_text("2")
    # when the rep ticks one off
    page.get_by_role("button", name=f"Mark {first.title} done").click()
    # then the figures follow without a reload: 1 overdue, 1 done today
    expect(page.locator("#my-day-overdue-count")).to_have_text("1")
    expect(figures.first).to_have_text("1")
    expect(figures.nth(3)).to_have_text("1")
    assert page.evaluate("window.gxNoReload") is True

    # on the customer's 360 page: the Tasks tab counts one open task; ticking it off makes it 0
    page.goto(f"{page.base_url}/customers/{customer.pk}/?type=task")  # the timeline filtered on tasks
    page.evaluate("window.gxNoReload = true")
    expect(page.locator("#tasks-count")).to_have_text("1")
    page.get_by_role("tab", name=re.compile("Tasks")).click()
    page.get_by_role("button", name="Mark 发资料 done").click()
    expect(page.locator("#tasks-count")).to_have_text("0")
    # the timeline (its filter kept) shows it done too
    expect(page.locator("#timeline")).to_contain_text("Task done")
    assert page.evaluate("window.gxNoReload") is True
