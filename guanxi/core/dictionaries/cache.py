"""Dictionary entries as every page reads them: loaded once per process and dictionary, shared by all requests.

A change (services.py) drops this process' copy at once and bumps the dictionary's revision in Django's cache, so
other processes reload on their next read when they share a cache (GUANXI_CACHE_URL: Redis, database); with the
per-process default (locmem) they reload at the latest after MAX_AGE seconds, as every copy does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache as shared_cache
from django.db import transaction

from guanxi.core.context import forget_per_request, once_per_request

from .labels import pick_label

MAX_AGE = 30.0  # seconds a process trusts its copy without a shared revision to compare

_lock = threading.Lock()
_loaded: dict[str, tuple[float, DictionarySnapshot]] = {}
# Set by every change (forget): tests drop their copies after a test that changed a dictionary.
changed = False
_announced: set[str] = set()  # dictionaries whose revision this process told the others


@dataclass(frozen=True)
class Entry:
    """One entry as read (immutable: shared between threads)."""

    id: int
    code: str
    label_zh: str
    label_en: str
    order: int
    colour: str
    is_active: bool
    parent_code: str
    attributes: Mapping[str, Any]
    is_system: bool

    @property
    def label(self) -> str:
        return pick_label(self.label_zh, self.label_en)

    @property
    def badge_class(self) -> str:
        """Tabler's light badge in the entry's colour (grey without one)."""
        return f"bg-{self.colour}-lt" if self.colour else "bg-secondary-lt"


@dataclass(frozen=True)
class DictionarySnapshot:
    key: str
    label_zh: str = ""
    label_en: str = ""
    is_tree: bool = False
    revision: int = 0
    entries: tuple[Entry, ...] = ()
    by_code: Mapping[str, Entry] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return pick_label(self.label_zh, self.label_en) or self.key


def _revision_key(key: str) -> str:
    return f"guanxi:dictionary:{key}:revision"


def shared_revision(key: str) -> Any:
    """The dictionary's revision other processes announced (None: none announced), read from the shared cache once
    per request: a list page shows a dictionary's labels hundreds of times."""
    name = _revision_key(key)
    return once_per_request(name, lambda: shared_cache.get(name))


def _read(key: str) -> DictionarySnapshot:
    from guanxi.core.models import Dictionary, DictionaryEntry

    found = Dictionary.objects.filter(key=key).first()
    if found is None:
        return DictionarySnapshot(key=key)
    rows = list(
        DictionaryEntry.objects.filter(dictionary=found)
        .order_by("order", "id")
        .values(
            "id", "code", "label_zh", "label_en", "order", "colour", "is_active", "parent_id", "attributes", "is_system"
        )
    )
    codes = {r["id"]: r["code"] for r in rows}
    entries = tuple(
        Entry(
            id=r["id"],
            code=r["code"],
            label_zh=r["label_zh"],
            label_en=r["label_en"],
            order=r["order"],
            colour=r["colour"],
            is_active=r["is_active"],
            parent_code=codes.get(r["parent_id"], ""),
            attributes=dict(r["attributes"] or {}),
            is_system=r["is_system"],
        )
        for r in rows
    )
    return DictionarySnapshot(
        key=key,
        label_zh=found.label_zh,
        label_en=found.label_en,
        is_tree=found.is_tree,
        revision=found.revision,
        entries=entries,
        by_code={e.code: e for e in entries},
    )


def preload() -> None:
    """Read every dictionary not held yet (a warm process' state: tests call it before they count queries)."""
    from guanxi.core.models import Dictionary

    now = time.monotonic()
    for key in Dictionary.objects.values_list("key", flat=True):
        if key not in _loaded:
            snap = _read(key)
            with _lock:
                _loaded[key] = (now, snap)


def snapshot(key: str) -> DictionarySnapshot:
    """The dictionary's entries, from this process' copy while it is current."""
    now = time.monotonic()
    held = _loaded.get(key)
    if held is not None:
        loaded_at, snap = held
        if now - loaded_at < MAX_AGE and shared_revision(key) in (None, snap.revision):
            return snap
    snap = _read(key)
    if snap.revision:  # an unknown key (not seeded yet) is read again next time
        with _lock:
            _loaded[key] = (now, snap)
    return snap


def drop_local_copies() -> None:
    """Forget every dictionary this process holds and the revisions it announced (tests: after one that changed a
    dictionary and rolled back, an announced revision the database no longer holds would make every read reload)."""
    global changed
    with _lock:
        _loaded.clear()
        announced = list(_announced)
        _announced.clear()
    shared_cache.delete_many([_revision_key(key) for key in announced])
    changed = False


def forget(key: str | None = None, *, revision: int | None = None) -> None:
    """Drop this process' copy (of one dictionary, or all) and announce the new revision to the others; once more
    after the transaction commits, so a read in between cannot keep a copy of uncommitted rows."""

    global changed
    changed = True

    def drop() -> None:
        with _lock:
            dropped = list(_loaded) if key is None else [key]
            for name in dropped:
                _loaded.pop(name, None)
        for name in dropped:  # this request asks the shared cache again
            forget_per_request(_revision_key(name))
        if key is not None and revision is not None:
            shared_cache.set(_revision_key(key), revision, timeout=None)
            with _lock:
                _announced.add(key)

    drop()
    transaction.on_commit(drop)
