"""The split form on the targets page: a department target shared among its members, with the roll-up check
(difference named, nothing written on a mismatch) and the split status on the progress table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from guanxi.core.models import AuditLog
from guanxi.sales.models import SalesTarget
from guanxi.sales.targets import services

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)
PAGE = "/sales/targets/?period=month&start=2026-03-01&metric=signed_amount"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def east_target(org: Any) -> SalesTarget:
    return services.target_set(
        actor=org["east_manager"],
        department=org.east,
        period_kind="month",
        period_start=MARCH,
        metric="signed_amount",
        value="1000000",
    )


def test_split_form_lists_the_members_of_the_department_tree(org: Any, east_target: SalesTarget) -> None:
    # when the east manager opens the split form
    html = client_for(org["east_manager"]).get(f"/sales/targets/{east_target.pk}/split/").content.decode()
    # then every active member of 华东销售部 and its team is offered, nobody from the west
    for key in ("east_rep", "east_rep2", "team_rep", "east_manager"):
        assert f'name="member-{org[key].pk}"' in html
    assert f'name="member-{org["west_rep"].pk}"' not in html


def test_mismatched_split_names_the_difference_and_writes_nothing(org: Any, east_target: SalesTarget) -> None:
    # given the audit count
    audits = AuditLog.objects.count()
    # when the members get 600,000 + 300,000 (100,000 short of 1,000,000)
    response = client_for(org["east_manager"]).post(
        f"/sales/targets/{east_target.pk}/split/",
        {f"member-{org['east_rep'].pk}": "600000", f"member-{org['east_rep2'].pk}": "300,000"},
    )
    # then the page says by how much, keeps the typed values, and no member target or audit row exists
    assert response.status_code == 400
    html = response.content.decode()
    assert "difference -100,000.00" in html and 'value="600000"' in html
    assert SalesTarget.objects.filter(owner__isnull=False).count() == 0
    assert AuditLog.objects.count() == audits


def test_split_that_adds_up_is_saved_and_the_table_says_so(org: Any, east_target: SalesTarget) -> None:
    client = client_for(org["east_manager"])
    # when 600,000 + 400,000 are entered
    response = client.post(
        f"/sales/targets/{east_target.pk}/split/",
        {f"member-{org['east_rep'].pk}": "600000", f"member-{org['east_rep2'].pk}": "400000"},
    )
    # then the member targets point to the department target and the page shows the split adds up
    assert response.status_code == 302 and response["Location"].endswith("start=2026-03-01&metric=signed_amount")
    members = {t.owner: t.value for t in SalesTarget.objects.filter(parent=east_target)}
    assert members == {org["east_rep"]: Decimal("600000.00"), org["east_rep2"]: Decimal("400000.00")}
    assert "Split adds up" in client.get(PAGE).content.decode()
    # when one member's target is later changed directly, then the table shows the mismatch and its difference
    services.target_set(
        actor=org["east_manager"],
        owner=org["east_rep2"],
        period_kind="month",
        period_start=MARCH,
        metric="signed_amount",
        value="450000",
    )
    html = client.get(PAGE).content.decode()
    assert "Members ¥1,050,000.00 (difference ¥50,000.00)" in html


def test_resplitting_can_zero_a_member_who_is_left_empty(org: Any, east_target: SalesTarget) -> None:
    client = client_for(org["east_manager"])
    url = f"/sales/targets/{east_target.pk}/split/"
    client.post(url, {f"member-{org['east_rep'].pk}": "500000", f"member-{org['east_rep2'].pk}": "500000"})
    # when the split is redone giving everything to one rep and leaving the other empty
    response = client.post(url, {f"member-{org['east_rep'].pk}": "1000000", f"member-{org['east_rep2'].pk}": ""})
    # then it adds up: the empty member's earlier share becomes 0
    assert response.status_code == 302
    assert SalesTarget.objects.get(owner=org["east_rep2"]).value == Decimal("0.00")


def test_reps_and_other_departments_cannot_split(org: Any, east_target: SalesTarget) -> None:
    url = f"/sales/targets/{east_target.pk}/split/"
    # a rep may not set targets at all; the west manager cannot reach the east target; a bad id is a 404
    assert client_for(org["east_rep"]).get(url).status_code == 403
    assert client_for(org["west_manager"]).post(url, {f"member-{org['west_rep'].pk}": "1000000"}).status_code == 404
    assert client_for(org["east_manager"]).get("/sales/targets/99999999999999999999/split/").status_code == 404
    assert not SalesTarget.objects.filter(owner__isnull=False).exists()
