"""Writing each app's default dictionaries (core.registry.DefaultDictionaries) into the database.

`seed` creates what is missing, by dictionary key and entry code, and changes nothing that exists: an
administrator's labels, order, colours and retirements stay as they left them. Apps call it from the data
migration that turns a column into a dictionary field (with `adopt_stored_values`, so every value a record
already holds is an entry), and core calls `seed_registered` after every `migrate`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Max
from django.utils import translation

from guanxi.core.registry import DictionarySpec, registry

from .cache import forget


def _both(label: Any) -> tuple[str, str]:
    """(Chinese, English) of an English msgid (lazy or plain)."""
    with translation.override("zh-hans"):
        zh = str(label)
    with translation.override("en"):
        en = str(label)
    return zh, en


def seed(specs: Iterable[DictionarySpec], *, apps: Any, app_label: str = "") -> int:
    """Create the missing dictionaries and entries with the models of `apps` (a migration's state or the installed
    apps); returns how many entries were created."""
    dictionary_model = apps.get_model("core", "Dictionary")
    entry_model = apps.get_model("core", "DictionaryEntry")
    created = 0
    for spec in specs:
        zh, en = _both(spec.label)
        found, _new = dictionary_model.objects.get_or_create(
            key=spec.key, defaults={"app_label": app_label, "label_zh": zh, "label_en": en, "is_tree": spec.is_tree}
        )
        held = dict(entry_model.objects.filter(dictionary=found).values_list("code", "id"))
        order = entry_model.objects.filter(dictionary=found).aggregate(m=Max("order"))["m"] or 0
        rows: list[tuple[Any, str]] = []  # (entry, its parent's code)
        for item in spec.entry_specs():
            if item.code in held:
                continue
            order += 10
            label_zh, label_en = (item.label_zh, str(item.label)) if item.label_zh else _both(item.label)
            entry = entry_model(
                dictionary=found,
                code=item.code,
                label_zh=label_zh,
                label_en=label_en,
                order=order,
                colour=item.colour,
                attributes=dict(item.attributes),
                is_system=item.system,
            )
            rows.append((entry, item.parent))
        if not rows:
            continue
        created += _create_parents_first(entry_model, found, rows, held)
        dictionary_model.objects.filter(pk=found.pk).update(revision=found.revision + 1)
        forget(spec.key)
    return created


def _create_parents_first(entry_model: Any, dictionary: Any, rows: list[tuple[Any, str]], held: dict[str, int]) -> int:
    """Create `rows` ((entry, parent code)) a tree level at a time, each with its parent's id at once: the 3,229
    regions take three INSERT rounds and no UPDATE of every row (a bulk_update's CASE of 3,195 arms was half the time
    of seeding). A parent code that names no entry leaves the parent empty. `held` ({code: id}) grows."""
    waiting = {entry.code for entry, _parent in rows}
    pending = rows
    while pending:
        ready = [(entry, parent) for entry, parent in pending if not parent or parent not in waiting]
        if not ready:  # a cycle of parents: the rest gets what exists
            ready = pending
        for entry, parent in ready:
            entry.parent_id = held.get(parent) if parent else None
        entry_model.objects.bulk_create([entry for entry, _parent in ready], batch_size=500)
        held.update(entry_model.objects.filter(dictionary=dictionary).values_list("code", "id"))
        waiting.difference_update(entry.code for entry, _parent in ready)
        pending = [(entry, parent) for entry, parent in pending if entry.code in waiting]
    return len(rows)


def adopt_stored_values(apps: Any, model: str, fields: Mapping[str, str]) -> int:
    """Make every value the rows of `model` ("customers.Customer") hold in `fields` ({field: dictionary key}) an
    entry of its dictionary (label = the value, active, after the seeded ones), so a migration keeps each record's
    value and shows it as before. Returns how many entries were added."""
    row_model = apps.get_model(*model.split("."))
    dictionary_model = apps.get_model("core", "Dictionary")
    entry_model = apps.get_model("core", "DictionaryEntry")
    added = 0
    for field_name, key in fields.items():
        found = dictionary_model.objects.get(key=key)
        held = set(entry_model.objects.filter(dictionary=found).values_list("code", flat=True))
        stored = set(row_model._base_manager.exclude(**{field_name: ""}).values_list(field_name, flat=True).distinct())
        order = entry_model.objects.filter(dictionary=found).aggregate(m=Max("order"))["m"] or 0
        for value in sorted(v for v in stored - held if v):
            order += 10
            entry_model.objects.create(dictionary=found, code=value, label_zh=value, label_en=value, order=order)
            added += 1
        if added:
            dictionary_model.objects.filter(pk=found.pk).update(revision=found.revision + 1)
            forget(key)
    return added


def seed_app(app: str, *, apps: Any) -> int:
    """Seed one app's registered dictionaries (its data migration calls this)."""
    return sum(seed(d.dictionaries, apps=apps, app_label=d.app) for d in registry.default_dictionaries if d.app == app)


def seed_registered(*, apps: Any = None, **kwargs: Any) -> int:
    """Seed every registered dictionary that is missing (post_migrate; conftest after a flush)."""
    if apps is None:
        from django.apps import apps as installed

        apps = installed
    try:
        apps.get_model("core", "DictionaryEntry")
    except LookupError:  # a migrate to before dictionaries existed
        return 0
    return sum(seed(d.dictionaries, apps=apps, app_label=d.app) for d in registry.default_dictionaries)
