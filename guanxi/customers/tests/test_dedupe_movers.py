"""Structural: every column of every installed model that points at a customer either moves in a merge (a
registered mover) or is declared to stay, with its reason — so a new module cannot leave rows behind."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from guanxi.customers.dedupe.services import MERGE_STAYS, FkMove, merge_movers
from guanxi.customers.models import Customer


def customer_columns() -> set[tuple[str, str]]:
    """(model label, field name) of each foreign key to Customer and each plain `customer_id` column."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            points_at_customer = f.is_relation and f.many_to_one and f.related_model is Customer
            plain_id = not f.is_relation and f.name == "customer_id" and isinstance(f, models.IntegerField)
            if points_at_customer or plain_id:
                found.add((model._meta.label, f.name))
    return found


def test_every_column_pointing_at_a_customer_has_a_mover_or_a_reason_to_stay():
    # given the columns of all installed apps that point at a customer
    columns = customer_columns()
    # when they are compared with the registered movers and the declared exceptions
    moved = {(m.model, m.field) for m in merge_movers()}
    missing = columns - moved - set(MERGE_STAYS)
    # then none is left without one (register an FkMove in the app's providers.py, or explain why it stays)
    assert not missing, f"no merge mover for: {sorted(missing)}"
    # and the lists hold no stale entries, nor a column that both moves and stays
    assert not (moved - columns) and not (set(MERGE_STAYS) - columns) and not (moved & set(MERGE_STAYS))
    assert all(reason.strip() for reason in MERGE_STAYS.values())


def test_the_apps_above_customers_register_their_documents():
    # the sales, commerce and billing apps move their documents; the plain id column of the approval
    # engine moves too
    labels = {m.label for m in merge_movers()}
    assert {"opportunities", "converted_leads", "quotes", "contracts", "execution_orders"} <= labels
    assert {"implementation_orders", "expense_claims", "approval_requests", "contacts", "tasks"} <= labels


def test_registering_a_second_mover_for_one_column_is_an_error():
    # given the registry with its movers, when another app registers the opportunities column again
    from guanxi.core.registry import Registry

    fresh = Registry()
    fresh.add_merge_mover(FkMove("opportunities", "sales.Opportunity"))
    fresh.add_merge_mover(FkMove("opportunities", "sales.Opportunity"))  # the same mover twice is harmless
    # then start-up fails naming the column
    with pytest.raises(RuntimeError, match=r"sales\.Opportunity\.customer"):
        fresh.add_merge_mover(FkMove("deals", "sales.Opportunity"))
    assert len(fresh.merge_movers) == 1
