"""In a real browser: a rep drags a deal to the next column of the kanban and finds the move in the stage
history of the deal's page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.tests.factories import PASSWORD
from guanxi.sales import services
from guanxi.sales.models import Opportunity, Stage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def sign_in(page, username: str) -> None:
    page.goto(page.base_url + "/login/")
    # the browser asks for Chinese, so the sign-in page is in Chinese
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def test_rep_drags_a_card_to_the_next_stage(page, org):
    # given a deal in the first stage
    customer = CustomerFactory(owner=org["east_rep"], name="拖拽测试有限公司")
    opp = services.opportunity_create(actor=org["east_rep"], customer=customer, data={"name": "拖拽项目"})
    second = opp.pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("sort_order", "id")[1]
    sign_in(page, "east_rep")
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
    # and its page shows the move in the stage history
    page.goto(page.base_url + f"/sales/opportunities/{opp.pk}/")
    row = page.locator("#stage-history tbody tr").nth(1)
    expect(row).to_contain_text(str(second.name))
