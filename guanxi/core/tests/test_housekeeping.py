"""Daily housekeeping: old idempotency records. (Emptying the recycle bin is proved on real business records in the
customers and sales tests, the apps that own them.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.core.housekeeping import idempotency_records_purge
from guanxi.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def test_idempotency_records_older_than_a_day_are_purged(org, settings):
    settings.GUANXI_IDEMPOTENCY_HOURS = 24
    now = timezone.now()
    for hours, key in ((25, "old"), (1, "new")):
        IdempotencyRecord.objects.create(
            user=org["east_rep"],
            key=key,
            method="POST",
            path="/api/v1/customers",
            request_hash="x",
            status_code=201,
            response_body={},
            created_at=now - dt.timedelta(hours=hours),
        )
    assert idempotency_records_purge(now=now) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
