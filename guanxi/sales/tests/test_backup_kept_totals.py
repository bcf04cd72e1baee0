"""A backup restored on the other vendor (its portable section) gives back the totals the database keeps by
triggers exactly as they were, beside the deals and follow-ups they count: loading the deals fires the triggers,
whose rows must not be added to the backup's own (the restore would then not match its manifest, and the board's
totals would count every deal twice)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from guanxi.core.backup.archive import opened_archive
from guanxi.core.backup.manifest import table_digests
from guanxi.core.backup.services import backup_create, backup_restore
from guanxi.customers.models import FollowUp
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import OpportunityStageTotal
from guanxi.sales.opportunities import services
from guanxi.sales.opportunities.stage_totals import stage_totals

pytestmark = pytest.mark.django_db(transaction=True)
KEPT = ("sales_opportunity_stage_total", "customers_followup_day_count")


def test_a_portable_restore_gives_back_the_kept_totals_as_they_were(org: Any, tmp_path: Path) -> None:
    # given open deals (one edited: two change rows for its key) and follow-ups, backed up
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep)
    deals = [
        services.opportunity_create(actor=rep, customer=customer, data={"name": f"项目{i}", "amount": "100"})
        for i in range(3)
    ]
    services.opportunity_update(actor=rep, opportunity=deals[0], data={"amount": "250.50"})
    FollowUp.objects.create(customer=customer, author=rep, method="phone", content="回访")
    totals = stage_totals(pipeline_id=deals[0].pipeline_id)
    backup = backup_create(to_dir=tmp_path)
    with opened_archive(Path(backup.path)) as opened:
        expected = opened.manifest["tables"]
    assert all(expected[table]["rows"] > 0 for table in KEPT)

    # when the database is wiped and loaded from the portable section
    call_command("flush", interactive=False, verbosity=0)
    assert OpportunityStageTotal.objects.count() == 0
    report = backup_restore(path=Path(backup.path), portable=True)

    # then the kept tables measure as the backup's, and the board's totals are the deals' once
    assert report.tables == expected
    after = table_digests()
    assert {table: after[table] for table in KEPT} == {table: expected[table] for table in KEPT}
    assert stage_totals(pipeline_id=deals[0].pipeline_id) == totals
