"""Business events: what happened to which object, told to listeners (webhooks) once the transaction committed.

A service calls `event_emit("customer.created", obj=customer)` inside its transaction (STYLE.md rule 4: webhooks go
in `transaction.on_commit`); a rolled-back action emits nothing. Each event has an id (a UUID), its type (a key
registered as a core.registry.EventType by the app that owns the object), the time it happened and the object as
the REST API shows it, read when the first listener asks for it (after commit: the committed state), so an event
nobody subscribed to costs no serialisation. Bulk paths emit one event per object (`event_emit_many`, by id).

A listener's failure is logged and never reaches the user whose action committed.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from functools import cached_property
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from .registry import EventType, registry

log = logging.getLogger(__name__)


class DomainEvent:
    """One emitted event. `data` (the object as the API shows it) is read on first use."""

    def __init__(
        self,
        *,
        event_type: EventType,
        object_id: Any,
        obj: Any = None,
        occurred_at: dt.datetime | None = None,
        actor_id: int | None = None,
        event_id: str | None = None,
    ):
        self.id = event_id or str(uuid.uuid4())
        self.event_type = event_type
        self.type = event_type.key
        self.object_id = str(object_id)
        self.occurred_at = occurred_at or timezone.now()
        self.actor_id = actor_id
        self._obj = obj

    @cached_property
    def data(self) -> dict[str, Any]:
        obj = self._obj if self._obj is not None else _load(self.event_type, self.object_id)
        return self.event_type.serialise(obj)

    def envelope(self) -> dict[str, Any]:
        """The JSON body a webhook receives: {"id", "type", "occurred_at", "data"}."""
        return {
            "id": self.id,
            "type": self.type,
            "occurred_at": self.occurred_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            "data": self.data,
        }

    def __repr__(self) -> str:
        return f"<DomainEvent {self.type} {self.object_id} {self.id}>"


def _load(event_type: EventType, pk: str) -> Any:
    if event_type.load is not None:
        return event_type.load(pk)
    model = apps.get_model(event_type.model)
    manager = getattr(model, "all_objects", model._default_manager)
    return manager.get(pk=pk)


def event_type_get(key: str) -> EventType:
    event_type = registry.event_types.get(key)
    if event_type is None:  # a programming error: the emitting app did not register its event type
        raise ImproperlyConfigured(f"Unknown event type {key!r}: register it with registry.add_event_type.")
    return event_type


def _dispatch(events: list[DomainEvent]) -> None:
    for listener in registry.event_listeners:
        try:
            listener.handle(events)
        except Exception:  # the action committed: a listener's failure is logged, never the user's error
            log.exception("event listener %s failed on %s event(s) %s", listener.key, len(events), events[:3])


def event_emit(key: str, *, obj: Any, actor: Any = None) -> None:
    """Emit one event about `obj` once the surrounding transaction commits (at once outside one)."""
    event_type = event_type_get(key)
    if not registry.event_listeners:
        return
    event = DomainEvent(
        event_type=event_type, object_id=obj.pk, obj=obj, actor_id=getattr(actor, "pk", None) if actor else None
    )
    transaction.on_commit(lambda: _dispatch([event]))


def event_emit_many(key: str, *, ids: Iterable[Any], actor: Any = None) -> None:
    """Emit one event per object id (a bulk path); each object is read after commit, only if someone listens."""
    event_type = event_type_get(key)
    if not any(listener.wants is None or listener.wants(key) for listener in registry.event_listeners):
        return
    now = timezone.now()
    actor_id = getattr(actor, "pk", None) if actor else None
    events = [
        DomainEvent(event_type=event_type, object_id=pk, occurred_at=now, actor_id=actor_id)
        for pk in dict.fromkeys(ids)
    ]
    if events:
        transaction.on_commit(lambda: _dispatch(events))


def api_shape(schema: Any) -> Any:
    """A serialiser for EventType: the object through the app's API output schema, as JSON-ready data."""

    def serialise(obj: Any) -> dict[str, Any]:
        data: dict[str, Any] = schema.from_orm(obj).model_dump(mode="json")
        return data

    serialise.__qualname__ = f"api_shape({schema.__name__})"
    return serialise
