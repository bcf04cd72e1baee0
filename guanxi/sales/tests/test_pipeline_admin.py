"""Sales set-up pages (org.admin): pipelines and stages, lost reasons, competitors with their record."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.core.models import AuditLog
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import Competitor, LostReason, Pipeline, Stage
from guanxi.sales.opportunities import services

pytestmark = pytest.mark.django_db


def test_admin_creates_a_pipeline_and_a_stage(org: Any, client: Any) -> None:
    # given the administrator
    client.force_login(org["admin"])

    # when they create a pipeline, then a stage in it requiring the amount and the signing date
    resp = client.post("/sales/admin/pipelines/new/", {"name": "Channel sales", "sort_order": "5", "is_active": "on"})
    pipeline = Pipeline.objects.get(name="Channel sales")
    stage_resp = client.post(
        f"/sales/admin/pipelines/{pipeline.pk}/stages/new/",
        {
            "name": "Partner found",
            "sort_order": "1",
            "kind": "open",
            "probability": "20",
            "stall_days": "14",
            "required_fields": ["expected_close_date", "amount"],
            "is_active": "on",
        },
    )

    # then both exist (required fields in the fixed order), audited, and the pages show them
    assert resp.status_code == 302 and stage_resp.status_code == 302
    stage = Stage.objects.get(pipeline=pipeline)
    assert (stage.probability, stage.stall_days, stage.required_fields) == (20, 14, ["amount", "expected_close_date"])
    assert AuditLog.objects.filter(
        object_id=str(stage.pk), actor=org["admin"], action=AuditLog.Action.CREATE, content_type__model="stage"
    ).exists()
    assert "Partner found" in client.get(f"/sales/admin/pipelines/{pipeline.pk}/").content.decode()


def test_making_a_pipeline_default_moves_the_flag(org: Any, client: Any) -> None:
    # given the seeded default pipeline and a second one
    old = Pipeline.objects.get(is_default=True)
    other = Pipeline.objects.create(name="Renewals", sort_order=3)
    client.force_login(org["admin"])
    # when the second is made the default
    client.post(f"/sales/admin/pipelines/{other.pk}/", {"name": "Renewals", "sort_order": "3", "is_default": "on"})
    # then it is the only default
    assert list(Pipeline.objects.filter(is_default=True)) == [other]
    assert not Pipeline.objects.get(pk=old.pk).is_default


def test_bad_input_shows_errors_not_500(org: Any, client: Any) -> None:
    # given a stage of the default pipeline
    stage = Stage.objects.filter(pipeline__is_default=True).first()
    client.force_login(org["admin"])
    # when the admin posts a probability over 100 and an unknown required field
    resp = client.post(
        f"/sales/admin/pipelines/{stage.pipeline_id}/stages/{stage.pk}/",
        {"name": "X", "sort_order": "1", "kind": "open", "probability": "150", "required_fields": ["owner"]},
    )
    missing = client.get(f"/sales/admin/pipelines/{stage.pipeline_id}/stages/99999999/")
    # then the form comes back with errors and nothing changed; an unknown stage is a 404
    assert resp.status_code == 200
    assert Stage.objects.get(pk=stage.pk).name == stage.name
    assert missing.status_code == 404


def test_admin_edits_lost_reasons_and_competitors(org: Any, client: Any) -> None:
    # given the administrator
    client.force_login(org["admin"])
    # when they add a lost reason and a competitor
    client.post("/sales/admin/lost-reasons/new/", {"name": "Timing", "sort_order": "9", "is_active": "on"})
    client.post(
        "/sales/admin/competitors/new/",
        {"name": "对手软件", "website": "https://rival.example.com", "strengths": "价格低", "is_active": "on"},
    )
    # then both exist with what was entered
    assert LostReason.objects.filter(name="Timing", sort_order=9).exists()
    rival = Competitor.objects.get(name="对手软件")
    assert (rival.website, rival.strengths) == ("https://rival.example.com", "价格低")


def test_competitor_list_counts_wins_and_losses(org: Any, client: Any) -> None:
    # given a competitor in one won deal and one deal lost to it
    rival = Competitor.objects.create(name="Rival")
    rep = org["east_rep"]
    won = services.opportunity_create(actor=rep, customer=CustomerFactory(owner=rep), data={"competitors": [rival]})
    services.opportunity_close(actor=rep, opportunity=won, won=True)
    lost = services.opportunity_create(actor=rep, customer=CustomerFactory(owner=rep), data={})
    services.opportunity_close(
        actor=rep, opportunity=lost, won=False, lost_reason=LostReason.objects.first(), lost_to=rival
    )
    client.force_login(org["admin"])
    # when the admin opens the competitor list
    page = client.get("/sales/admin/competitors/")
    # then the row shows one win and one loss
    rows = {c.name: (c.wins, c.losses) for c in page.context["competitors"]}
    assert rows["Rival"] == (1, 1)


def test_rep_is_refused_and_nothing_changes(org: Any, client: Any) -> None:
    # given a rep and the seeded data
    stage = Stage.objects.filter(pipeline__is_default=True).first()
    reason = LostReason.objects.first()
    client.force_login(org["east_rep"])
    # when the rep opens the pages and posts changes
    codes = [
        client.get("/sales/admin/pipelines/").status_code,
        client.get("/sales/admin/competitors/").status_code,
        client.post("/sales/admin/pipelines/new/", {"name": "Mine", "sort_order": "1"}).status_code,
        client.post(
            f"/sales/admin/pipelines/{stage.pipeline_id}/stages/{stage.pk}/",
            {"name": "Hacked", "sort_order": "1", "kind": "open", "probability": "99"},
        ).status_code,
        client.post(f"/sales/admin/lost-reasons/{reason.pk}/", {"name": "Hacked", "sort_order": "1"}).status_code,
        client.post("/sales/admin/competitors/new/", {"name": "Mine"}).status_code,
    ]
    # then every answer is 403 and nothing changed
    assert codes == [403] * 6
    assert not Pipeline.objects.filter(name="Mine").exists() and not Competitor.objects.exists()
    assert Stage.objects.get(pk=stage.pk).name == stage.name
    assert LostReason.objects.get(pk=reason.pk).name == reason.name


def test_admin_pages_render(org: Any, client: Any) -> None:
    # given the administrator and the seeded pipeline
    pipeline = Pipeline.objects.get(is_default=True)
    stage = pipeline.stages.first()
    reason = LostReason.objects.first()
    rival = Competitor.objects.create(name="Rival")
    client.force_login(org["admin"])
    urls = [
        "/sales/admin/pipelines/",
        "/sales/admin/pipelines/new/",
        f"/sales/admin/pipelines/{pipeline.pk}/stages/new/",
        f"/sales/admin/pipelines/{pipeline.pk}/stages/{stage.pk}/",
        "/sales/admin/lost-reasons/",
        "/sales/admin/lost-reasons/new/",
        f"/sales/admin/lost-reasons/{reason.pk}/",
        "/sales/admin/competitors/new/",
        f"/sales/admin/competitors/{rival.pk}/",
    ]
    # when each page is opened, then it renders
    assert [client.get(u).status_code for u in urls] == [200] * len(urls)
