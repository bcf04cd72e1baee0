"""The customers' business events (webhooks hear them): each action emits once, after commit, with the customer as
the API shows it; bulk paths (transfer, the pool's reclaim job) emit one event per customer."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from guanxi.core.registry import EventListener, registry
from guanxi.customers import services
from guanxi.customers.pool import services as pool_services
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.webhooks import services as webhook_services
from guanxi.org.webhooks.models import WebhookDelivery
from guanxi.org.webhooks.testing import verify, webhook_receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    got: list[Any] = []
    monkeypatch.setattr(registry, "event_listeners", [EventListener(key="test", handle=got.extend)])
    return got


def _types(events: list[Any]) -> list[tuple[str, str]]:
    return [(e.type, e.object_id) for e in events]


def test_create_update_transfer_and_return_each_emit_once(org, heard, django_capture_on_commit_callbacks):
    rep, rep2 = org["east_rep"], org["east_rep2"]
    with django_capture_on_commit_callbacks(execute=True):
        customer = services.customer_create(actor=rep, data={"name": "上海事件测试有限公司"})
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_update(actor=rep, customer=customer, data={"remarks": "重点客户"})
        services.customer_update(actor=rep, customer=customer, data={"remarks": "重点客户"})  # no change: no event
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_transfer(actor=org["east_manager"], customer_ids=[customer.pk], new_owner=rep2)
    with django_capture_on_commit_callbacks(execute=True):
        pool_services.customer_return_to_pool(actor=rep2, customer=customer, reason="不再跟进")
    pk = str(customer.pk)
    assert _types(heard) == [
        ("customer.created", pk),
        ("customer.updated", pk),
        ("customer.transferred", pk),
        ("customer.returned_to_pool", pk),
    ]
    # the data is the API's customer, read when asked (after commit: the transfer shows the new owner)
    assert heard[0].data["name"] == "上海事件测试有限公司" and heard[0].data["id"] == customer.pk
    assert heard[2].data["owner"] is None  # read after the later return to the pool
    assert set(heard[1].data) >= {"id", "version", "name", "owner", "level", "status", "tags", "updated_at"}


def test_a_bulk_transfer_emits_one_event_per_customer_moved(org, heard, django_capture_on_commit_callbacks):
    mine = [CustomerFactory(owner=org["east_rep"]) for _ in range(3)]
    theirs = CustomerFactory(owner=org["west_rep"])  # out of the east manager's reach: skipped, no event
    with django_capture_on_commit_callbacks(execute=True):
        moved, skipped = services.customer_transfer(
            actor=org["east_manager"], customer_ids=[c.pk for c in [*mine, theirs]], new_owner=org["east_rep2"]
        )
    assert (moved, skipped) == (3, 1)
    assert sorted(_types(heard)) == sorted(("customer.transferred", str(c.pk)) for c in mine)


def test_a_refused_action_emits_nothing(org, heard, django_capture_on_commit_callbacks):
    customer = CustomerFactory(owner=org["west_rep"])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):
        services.customer_update(actor=org["east_rep"], customer=customer, data={"remarks": "x"})
    assert heard == []


def test_the_reclaim_job_emits_one_event_per_reclaimed_customer(org, heard, django_capture_on_commit_callbacks):
    now = timezone.now()
    old = now - dt.timedelta(days=400)
    idle = [
        CustomerFactory(owner=org["east_rep"], last_contact_at=now - dt.timedelta(days=61), created_at=old)
        for _ in range(2)
    ]
    CustomerFactory(owner=org["east_rep"], last_contact_at=now - dt.timedelta(days=5), created_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        stats = pool_services.pool_reclaim_idle(now=now)
    assert stats["reclaimed"] == 2
    assert sorted(_types(heard)) == sorted(("customer.returned_to_pool", str(c.pk)) for c in idle)
    assert heard[0].data["owner"] is None


def test_a_subscribed_receiver_gets_the_new_customer(org, settings, django_capture_on_commit_callbacks):
    # given an allowed local receiver subscribed to new customers (the test backend runs jobs at once)
    settings.GUANXI_OUTBOUND_ALLOWED_NETWORKS = "127.0.0.1/32"
    with webhook_receiver() as receiver:
        hook = webhook_services.webhook_create(
            actor=org["admin"], data={"name": "ERP", "url": receiver.url, "event_types": ["customer.created"]}
        )
        # when a rep registers a customer
        with django_capture_on_commit_callbacks(execute=True):
            customer = services.customer_create(actor=org["east_rep"], data={"name": "深圳收件测试有限公司"})
        # then the receiver got it, signed, as the API shows it
        (got,) = receiver.requests
    assert verify(secret=hook.signing_secret, headers=got.headers, body=got.body)
    body = json.loads(got.body)
    assert body["type"] == "customer.created" and body["data"]["id"] == customer.pk
    assert body["data"]["owner"]["id"] == org["east_rep"].pk
    assert WebhookDelivery.objects.get().status == "delivered"
