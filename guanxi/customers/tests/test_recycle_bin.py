"""core's daily housekeeping empties the recycle bin after its retention period: customers (with their contacts)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.core.housekeeping import recycle_bin_purge
from guanxi.core.models import AuditLog
from guanxi.customers.models import Contact, Customer
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_recycle_bin_purges_only_records_deleted_before_the_retention(org, settings):
    settings.GUANXI_RECYCLE_BIN_DAYS = 90
    now = timezone.now()
    old = CustomerFactory(owner=org["east_rep"], deleted_at=now - dt.timedelta(days=91))
    ContactFactory(customer=old)
    recent = CustomerFactory(owner=org["east_rep"], deleted_at=now - dt.timedelta(days=89))
    alive = CustomerFactory(owner=org["east_rep"])

    purged = recycle_bin_purge(now=now)

    assert purged == {"purged": {"customers.Customer": 1}, "skipped": {}}
    assert set(Customer.all_objects.values_list("pk", flat=True)) == {recent.pk, alive.pk}
    assert not Contact.all_objects.filter(customer_id=old.pk).exists()
    assert AuditLog.objects.filter(action="delete", message__contains="purged 1 customers.Customer").exists()
    assert recycle_bin_purge(now=now) == {"purged": {}, "skipped": {}}  # idempotent
