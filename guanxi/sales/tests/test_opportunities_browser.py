"""In a real browser: a rep drags a deal to the next column of the kanban, finds the move in the stage history of
the deal's page, and sees the funnel's numbers change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guanxi.core.tests.browser import sign_in
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import Opportunity, Stage
from guanxi.sales.opportunities import services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_rep_drags_a_card_to_the_next_stage(page, org):
    # given a deal in the first stage
    customer = CustomerFactory(owner=org["east_rep"], name="拖拽测试有限公司")
    opp = services.opportunity_create(
        actor=org["east_rep"], customer=customer, data={"name": "拖拽项目", "amount": "120000"}
    )
    second = opp.pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("sort_order", "id")[1]
    first = opp.stage
    sign_in(page, "east_rep")
    # and a funnel where one deal entered the first stage (with 0% going on) and none the second
    page.goto(page.base_url + "/sales/opportunities/funnel/")
    first_row = page.locator(f'#funnel-table tr[data-stage="{first.pk}"] td')
    second_row = page.locator(f'#funnel-table tr[data-stage="{second.pk}"] td')
    expect(first_row.nth(1)).to_have_text("1")
    expect(first_row.nth(3)).to_have_text("0%")
    expect(second_row.nth(1)).to_have_text("0")
    page.goto(page.base_url + "/sales/opportunities/board/")
    card = page.locator(f'.gx-board-card[data-id="{opp.pk}"] .text-truncate.small')
    target = page.locator(f'.gx-board-cards[data-stage="{second.pk}"]')
    expect(card).to_be_visible()
    # when the rep drags the card into the next column (mouse steps so SortableJS sees a real drag)
    box, goal = card.bounding_box(), target.bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 5)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(
            box["x"] + 10 + (goal["x"] + 40 - box["x"] - 10) * i / 10,
            box["y"] + 5 + (goal["y"] + 30 - box["y"]) * i / 10,
        )
    page.mouse.up()
    # then the server confirms and the deal is in that stage
    expect(page.locator("#board-toasts .text-bg-success")).to_be_visible()
    assert Opportunity.objects.get(pk=opp.pk).stage_id == second.pk

    # and, without a reload, both columns' count, amount and weighted amount follow, and the card starts its stage
    def header(stage: Stage) -> list[str]:
        column = page.locator(f'section[aria-labelledby="col-{stage.pk}"]')
        return [column.locator(s).inner_text() for s in ("[data-count]", "[data-total]", "[data-weighted]")]

    expect(page.locator(f'section[aria-labelledby="col-{second.pk}"] [data-count]')).to_have_text("1")
    weighted = f"¥{120000 * second.probability / 100:,.2f}"
    assert header(first) == ["0", "¥0.00", "¥0.00"] and header(second) == ["1", "¥120,000.00", weighted]
    days = page.locator(f'.gx-board-card[data-id="{opp.pk}"] .gx-card-days')
    expect(days).to_have_text(re.compile(r"(^|\D)0\D"))
    # and what the page showed is what the server shows after a reload
    shown = header(first), header(second), days.inner_text()
    page.reload()
    assert (header(first), header(second), days.inner_text()) == shown
    # compact cards: the actions leave the card for its menu, and the board remembers the choice
    moved = page.locator(f'.gx-board-card[data-id="{opp.pk}"]')
    expect(moved.locator(".gx-move-form")).to_be_visible()
    page.locator('[data-board-density="compact"]').click()
    expect(moved.locator(".gx-move-form")).to_be_hidden()
    page.reload()
    expect(page.locator('[data-board-density="compact"]')).to_have_attribute("aria-pressed", "true")
    moved.locator(".gx-board-card-menu [data-bs-toggle=dropdown]").click()
    expect(moved.locator(".gx-board-card-menu .dropdown-item.text-success")).to_be_visible()
    # and its page shows the move in the stage history
    page.goto(page.base_url + f"/sales/opportunities/{opp.pk}/")
    row = page.locator("#stage-history tbody tr").nth(1)
    expect(row).to_contain_text(str(second.name))
    expect(row).to_contain_text(str(first.name))
    # and the funnel now counts the deal in the second stage, with 100% of the first stage going on
    page.goto(page.base_url + "/sales/opportunities/funnel/")
    expect(first_row.nth(1)).to_have_text("1")
    expect(first_row.nth(3)).to_have_text("100%")
    expect(second_row.nth(1)).to_have_text("1")
    expect(second_row.nth(2)).to_have_text("¥120,000.00")
