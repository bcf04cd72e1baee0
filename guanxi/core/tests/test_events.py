"""Business events: told to listeners only after the transaction commits, never for a rolled-back action, read
lazily (an event nobody wants is not serialised), and a listener's failure never reaches the user."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from guanxi.core import events
from guanxi.core.models import NumberSequence
from guanxi.core.registry import EventListener, EventType, registry

pytestmark = pytest.mark.django_db

serialised: list[Any] = []


def _serialise(obj: Any) -> dict[str, Any]:
    serialised.append(obj.pk)
    return {"id": obj.pk, "kind": obj.kind}


EVENT = EventType(
    key="test.sequence_touched", label="Sequence touched", model="core.numbersequence", serialise=_serialise
)


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    got: list[Any] = []
    serialised.clear()
    monkeypatch.setitem(registry.event_types, EVENT.key, EVENT)
    monkeypatch.setattr(registry, "event_listeners", [EventListener(key="test", handle=got.extend)])
    return got


def _sequence(key: str = "Q") -> NumberSequence:
    return NumberSequence.objects.create(kind=key, pattern="{seq}")


def test_an_event_is_told_after_commit_with_the_object_as_the_api_shows_it(heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        seq = _sequence()
        events.event_emit(EVENT.key, obj=seq)
        assert heard == []  # not before the commit
    (event,) = heard
    envelope = event.envelope()
    assert envelope["type"] == EVENT.key and envelope["data"] == {"id": seq.pk, "kind": "Q"}
    assert len(envelope["id"]) == 36 and envelope["occurred_at"].endswith("Z")


def test_a_rolled_back_action_emits_nothing(heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                events.event_emit(EVENT.key, obj=_sequence())
                raise RuntimeError("refused")
        except RuntimeError:
            pass
    assert callbacks == [] and heard == []


def test_a_bulk_emit_reads_each_object_only_when_asked(heard, django_capture_on_commit_callbacks):
    seqs = [_sequence("A"), _sequence("B")]
    with django_capture_on_commit_callbacks(execute=True):
        events.event_emit_many(EVENT.key, ids=[s.pk for s in seqs] + [seqs[0].pk])
    assert [e.object_id for e in heard] == [str(seqs[0].pk), str(seqs[1].pk)]  # once per object
    assert serialised == []  # nobody read the data yet
    assert heard[1].data == {"id": seqs[1].pk, "kind": "B"}


def test_a_failing_listener_is_logged_and_the_next_still_hears(monkeypatch, caplog, django_capture_on_commit_callbacks):
    got: list[Any] = []

    def broken(batch: list[Any]) -> None:
        raise ValueError("receiver table missing")

    monkeypatch.setitem(registry.event_types, EVENT.key, EVENT)
    monkeypatch.setattr(
        registry,
        "event_listeners",
        [EventListener(key="broken", handle=broken), EventListener(key="ok", handle=got.extend)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        events.event_emit(EVENT.key, obj=_sequence())
    assert len(got) == 1 and "event listener broken failed" in caplog.text


def test_an_unknown_event_type_is_a_programming_error():
    with pytest.raises(ImproperlyConfigured):
        events.event_emit("nobody.registered", obj=None)


def test_every_registered_event_type_names_a_model_and_its_api_shape():
    keys = set(registry.event_types)
    assert {
        "customer.created",
        "customer.updated",
        "customer.transferred",
        "customer.returned_to_pool",
        "lead.assigned",
        "opportunity.stage_changed",
        "opportunity.won",
        "opportunity.lost",
        "quote.approved",
        "contract.signed",
        "payment.received",
    } <= keys
    with pytest.raises(ImproperlyConfigured):
        registry.add_event_type(EventType(key="customer.created", label="x", model="x.y", serialise=_serialise))
