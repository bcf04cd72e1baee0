"""Migrating a database that has records onto dictionaries keeps every record's value: the columns are not
touched, and each stored value no seeded entry has becomes an entry of its own (so it still shows and filters).

The migrations that made the choice columns dictionaries (core's seeding, then customers', sales' and billing's:
each a state-only field change and a RunPython that seeds and adopts) run here as `migrate` runs them, each after
those it depends on and from the migration state it starts from, on a database whose dictionary tables are empty,
as they were when those migrations first ran. Migrating the whole schema back to before dictionaries and forward
again (43 migrations each way) proved the same thing in over a minute of Django's migration state."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.dictionaries.cache import drop_local_copies

SEEDING = [
    ("core", "0013_seed_dictionaries"),
    ("customers", "0014_dictionaries"),
    ("sales", "0014_dictionaries"),
    ("billing", "0004_dictionaries"),
]


def _run_forward(loader: MigrationLoader, node: tuple[str, str]) -> None:
    """What MigrationExecutor.apply_migration does for one migration, without recording it (it is recorded)."""
    migration = loader.graph.nodes[node]
    state = loader.project_state(node, at_end=False)
    with connection.schema_editor(atomic=migration.atomic) as editor:
        migration.apply(state, editor)


@pytest.mark.django_db(transaction=True)  # the SQLite schema editor, as `migrate` uses it, runs outside a transaction
def test_migrating_forward_keeps_every_records_value():
    # given the database as it was before dictionaries: no dictionary or entry, customers holding today's values
    loader = MigrationLoader(connection)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_dictionaryentry")
        cursor.execute("DELETE FROM core_dictionary")
    drop_local_copies()
    from guanxi.customers.models import Customer

    rows = [
        {
            "name": "甲有限公司",
            "level": "A",
            "status": "won",
            "source": "exhibition",
            "size": "large",
            "industry": "制造业",
        },
        {"name": "乙有限公司", "level": "C", "status": "dormant", "source": "", "size": "", "industry": "互联网+"},
        {
            "name": "丙有限公司",
            "level": "B",
            "status": "following",
            "source": "referral",
            "size": "micro",
            "industry": "",
        },
    ]
    for row in rows:
        Customer.all_objects.create(**row)
    # when the dictionary migrations run forward (the entries core, customers, sales and billing seed, and the
    # adoption of values)
    for node in SEEDING:
        _run_forward(loader, node)
    drop_local_copies()
    # then every record holds the value it had
    got = list(Customer.all_objects.order_by("id").values("name", "level", "status", "source", "size", "industry"))
    assert got == rows
    # and each value is an entry: seeded ones with their labels, free text adopted as an active entry
    for row in rows:
        for field, key in (("level", "customer_level"), ("status", "customer_status"), ("industry", "industry")):
            if row[field]:
                assert dictionaries.entry(key, row[field]) is not None, (field, row[field])
    adopted = dictionaries.entry("industry", "互联网+")
    assert adopted is not None and adopted.is_active and adopted.label_zh == "互联网+"
    assert dictionaries.entry("industry", "制造业") is not None  # typed before: kept as its own entry
    # and the model reads labels for them
    customer = Customer.all_objects.get(name="甲有限公司")
    assert customer.get_status_display() in ("Deal made", "已成交")
