"""The demo company's opportunities: built through the services, spread over the pipeline with back-dated history,
so the board, funnel, stalled flags, targets and forecast show real figures; and quick to build."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from guanxi.core.registry import registry
from guanxi.org.models import User
from guanxi.sales.models import Opportunity, OpportunityActivity, SalesTarget, Stage, StageChange
from guanxi.sales.opportunities import funnel
from guanxi.sales.opportunities import selectors as opportunity_selectors
from guanxi.sales.targets import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The demo company up to this app's step (apps above sales are left out: their steps are theirs to test)."""
    from guanxi.sales import providers

    mine = providers._demo
    lower = ("guanxi.customers", "guanxi.approvals", "guanxi.org")
    steps = [s for s in registry.demo_steps if s is mine or s.__module__.startswith(lower)]
    saved = registry.demo_steps
    registry.demo_steps = steps
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            call_command("guanxi_demo", stdout=StringIO(), customers=60, seed=11)
            yield
            transaction.set_rollback(True)
    finally:
        registry.demo_steps = saved


def test_about_sixty_deals_across_every_stage(demo: None) -> None:
    opps = Opportunity.objects.all()
    assert 50 <= opps.count() <= 70
    by_kind = {kind: opps.filter(stage__kind=kind).count() for kind in Stage.Kind.values}
    assert by_kind["won"] >= 5 and by_kind["lost"] >= 3
    open_stages = set(opps.filter(status="open").values_list("stage__sort_order", flat=True))
    assert open_stages == {0, 1, 2, 3}
    # every deal has an owner who is a rep of the demo company (or 马强, the partner's agent) and a product line
    owners = {"zhangwei", "lina", "wangfang", "yangfan", "sunhao", "maqiang"}
    assert set(opps.values_list("owner__username", flat=True)) <= owners
    assert not opps.filter(lines__isnull=True).exists()


def test_stage_history_is_back_dated_and_consistent(demo: None) -> None:
    now = timezone.now()
    for opp in Opportunity.objects.all():
        changes = list(StageChange.objects.filter(opportunity=opp).order_by("at", "id"))
        assert changes[0].from_stage is None and changes[0].at == opp.created_at
        assert all(a.at <= b.at for a, b in zip(changes, changes[1:], strict=False))
        assert changes[-1].to_stage_id == opp.stage_id and changes[-1].at <= now
    oldest = Opportunity.objects.order_by("created_at").first()
    assert (now - oldest.created_at).days > 60


def test_funnel_stalled_flags_and_closings_show_real_figures(demo: None) -> None:
    admin = User.objects.get(username="admin")
    pipeline = opportunity_selectors.pipelines()[0]
    period = funnel.period_for("year", timezone.localdate())
    figures = funnel.funnel(opportunity_selectors.opportunity_scope(user=admin), pipeline, period)
    assert figures.stages[0].entered > figures.stages[-1].entered > 0
    assert figures.win_rate is not None and figures.stalled > 0
    confirmed = Opportunity.objects.exclude(status="open").filter(close_confirmed_at__isnull=False).count()
    waiting = Opportunity.objects.exclude(status="open").filter(close_confirmed_at__isnull=True).count()
    assert confirmed > 0 and waiting > 0
    assert OpportunityActivity.objects.filter(follow_up__isnull=False).exists()
    assert OpportunityActivity.objects.filter(task__isnull=False).exists()


def test_targets_and_forecast_have_figures(demo: None) -> None:
    manager = User.objects.get(username="wangqiang")
    start = selectors.period_of("month", timezone.localdate()).date_from
    data = selectors.targets_progress(user=manager, period_kind="month", period_start=start, metric="signed_amount")
    north = data["departments"][0]
    assert north.target is not None and north.split_difference == 0
    assert any(row.target is not None for row in data["people"])
    assert SalesTarget.objects.filter(period_kind="quarter").exists()
    forecast = selectors.forecast_for(user=manager, period=selectors.period_of("quarter", timezone.localdate()))
    assert forecast["count"] > 0 and forecast["weighted"] > 0


def test_leads_in_every_state_through_the_services(demo: None) -> None:
    from guanxi.sales.models import Lead

    # every state of a lead's life is there, the marketing queue fresh, the converted ones linked to a customer
    by_status = {s: Lead.objects.filter(status=s).count() for s in Lead.Status.values}
    assert all(by_status.values()), by_status
    assert not Lead.objects.filter(status=Lead.Status.NEW, owner__isnull=False).exists()
    assert Lead.objects.filter(status=Lead.Status.ASSIGNED, owner__username="zhangwei").exists()
    for lead in Lead.objects.filter(status=Lead.Status.CONVERTED):
        assert lead.converted_customer_id and lead.converted_customer.owner_id == lead.owner_id
    # and the invalid and lost ones say why
    assert not Lead.objects.filter(status=Lead.Status.INVALID, invalid_reason="").exists()
    assert not Lead.objects.filter(status=Lead.Status.LOST, lost_reason="").exists()
