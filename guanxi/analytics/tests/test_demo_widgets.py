"""The demo makes every dashboard widget show something (issue 16 §8): every widget of the role defaults shows a
figure, a row or a count on the dashboard of every demo person who has one (reps, agents, managers, executives,
finance, service and marketing), for the month running and their widest scope."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from guanxi.analytics import dashboard
from guanxi.analytics.selectors import default_scope, window_for
from guanxi.org.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("guanxi_demo", stdout=StringIO(), customers=60, seed=11)
        yield
        transaction.set_rollback(True)


def _shows_something(key: str, data: dict[str, Any]) -> bool:
    if key == "figures":
        return any(r.value for r in data["rows"])
    if key in ("pipeline", "targets"):
        return bool(data["rows"])
    if key in ("closing", "forgotten", "approvals", "tasks", "tickets", "leads"):
        return bool(data["count"])
    if key == "receivables":
        return bool(data["count"] and data["total"])
    if key == "league":
        return bool(data["mine"] or data["top"])
    return True


def test_every_widget_of_every_demo_dashboard_shows_something(demo: None) -> None:
    from guanxi.org.policies import has_permission

    window = window_for("month", timezone.localdate())
    empty: list[tuple[str, str]] = []
    seen: set[str] = set()
    people = [p for p in User.objects.filter(is_active=True).order_by("pk") if has_permission(p, "analytics.view")]
    assert {"zhangwei", "chenjing", "xujing", "huangmin", "hejun", "liuyang", "maqiang"} <= {p.username for p in people}
    for person in people:
        for item in dashboard.render_widgets(user=person, window=window, scope=default_scope(person)):
            key = item["widget"].key
            seen.add(key)
            if not _shows_something(key, item["data"]):
                empty.append((person.username, key))
    assert not empty, f"empty widgets: {empty}"
    assert seen == set(dashboard.WIDGETS)  # every widget is on some role's default dashboard


def test_the_finance_dashboard_has_money_signed_and_collected_in_the_month_running(demo: None) -> None:
    # given the demo's finance person (何军) on the first days of any month
    finance = User.objects.get(username="hejun")
    window = window_for("month", timezone.localdate())
    # when they open their dashboard
    (figures,) = [
        item["data"]
        for item in dashboard.render_widgets(user=finance, window=window, scope=default_scope(finance))
        if item["widget"].key == "figures"
    ]
    # then the month's signed contract amount and money collected are not empty (a fresh demo shows real figures)
    values = {row.metric.key: row.value for row in figures["rows"]}
    assert values["signed_contract_amount"] > 0
    assert values["collected_amount"] > 0
