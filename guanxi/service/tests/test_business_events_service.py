"""The service and loyalty apps' business events (webhooks hear them): a ticket created, resolved and closed, a member
enrolled, each once after commit with the object as the API shows it; a rolled-back action emits nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from guanxi.core.registry import EventListener, registry
from guanxi.service import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    got: list[Any] = []
    monkeypatch.setattr(registry, "event_listeners", [EventListener(key="test", handle=got.extend)])
    return got


def test_a_ticket_emits_created_resolved_and_closed(people, customer, heard, django_capture_on_commit_callbacks):
    agent = people["service_manager"]
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(actor=agent, data={"customer": customer.pk, "subject": "打印机无法联网"})
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_transition(actor=agent, ticket=ticket, action="resolve", resolution="重启路由器")
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_transition(actor=agent, ticket=ticket, action="close")
    pk = str(ticket.pk)
    assert [(e.type, e.object_id) for e in heard] == [
        ("ticket.created", pk), ("ticket.resolved", pk), ("ticket.closed", pk),
    ]  # fmt: skip
    assert heard[0].data["subject"] == "打印机无法联网" and heard[0].data["number"] == ticket.number


def test_a_rolled_back_ticket_emits_nothing(people, customer, heard, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.ticket_create(actor=people["service_manager"], data={"customer": customer.pk, "subject": "x"})
        raise RuntimeError
    assert heard == []


def test_every_service_event_type_is_registered() -> None:
    assert {"ticket.created", "ticket.resolved", "ticket.closed", "member.enrolled"} <= set(registry.event_types)
