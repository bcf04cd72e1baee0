"""The nightly recycle-bin purge with opportunities: a live opportunity keeps its deleted customer (skipped and
reported), without stopping the purge of every other customer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from guanxi.core.housekeeping import recycle_bin_purge
from guanxi.core.models import AuditLog
from guanxi.customers.models import Customer
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import Opportunity
from guanxi.sales.opportunities.services import opportunity_create

pytestmark = pytest.mark.django_db


def test_a_customer_a_live_opportunity_refers_to_is_skipped_and_reported_the_rest_is_purged(
    org: Any, settings: Any, caplog: Any
) -> None:
    settings.GUANXI_RECYCLE_BIN_DAYS = 90
    now = timezone.now()
    long_ago = now - dt.timedelta(days=120)
    # given three customers in the recycle bin for longer than the retention: one with a live opportunity,
    # one whose opportunity is in the recycle bin too, and one with nothing
    protected = CustomerFactory(owner=org["east_rep"], name="有商机公司")
    opportunity_create(actor=org["east_rep"], customer=protected, data={"name": "还在跟的商机"})
    both_gone = CustomerFactory(owner=org["east_rep"], name="都删了公司")
    gone_deal = opportunity_create(actor=org["east_rep"], customer=both_gone, data={"name": "删了的商机"})
    Opportunity.all_objects.filter(pk=gone_deal.pk).update(deleted_at=long_ago)
    plain = [CustomerFactory(owner=org["east_rep"]) for _ in range(2)]
    Customer.all_objects.filter(pk__in=[protected.pk, both_gone.pk, *(c.pk for c in plain)]).update(deleted_at=long_ago)

    # when the nightly purge runs
    result = recycle_bin_purge(now=now)

    # then everything that can go is gone (the deleted opportunity before its customer), the protected one stays
    assert result == {
        "purged": {"sales.Opportunity": 1, "customers.Customer": 3},
        "skipped": {"customers.Customer": 1},
    }
    assert list(Customer.all_objects.values_list("pk", flat=True)) == [protected.pk]
    # and the skip is reported: in the log and in an audit line naming the row and what refers to it
    assert "could not purge 1 customers.Customer" in caplog.text
    line = AuditLog.objects.get(message_id__startswith="recycle bin: kept")
    assert line.changes == {"skipped_ids": [protected.pk], "referenced_by": ["sales.Opportunity"]}
    assert AuditLog.objects.filter(message__startswith="recycle bin: purged 3 customers.Customer").exists()
    # the next night it is skipped again, and nothing else happens
    assert recycle_bin_purge(now=now) == {"purged": {}, "skipped": {"customers.Customer": 1}}
