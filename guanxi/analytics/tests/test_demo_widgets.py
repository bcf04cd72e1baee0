"""The demo makes every dashboard widget show something (issue 16 §8): every widget of the role defaults shows a
figure, a row or a count on some demo person's dashboard, and the figures and league on everyone's.

Not yet on everyone's: approvals wait for the approvers only (a rep's widget says none wait), 李娜's customers
were all contacted lately (no forgotten ones) and 马强 (an agent) has no deal closing this month."""

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
    if key in ("closing", "forgotten", "approvals"):
        return bool(data["count"])
    if key == "league":
        return bool(data["mine"] or data["top"])
    return True


def test_every_widget_of_every_demo_dashboard_shows_something(demo: None) -> None:
    window = window_for("month", timezone.localdate())
    empty: list[tuple[str, str]] = []
    seen: set[str] = set()
    shown: set[str] = set()
    for person in User.objects.filter(is_active=True, roles__code__in=list(dashboard.ROLE_DEFAULTS)).distinct():
        for item in dashboard.render_widgets(user=person, window=window, scope=default_scope(person)):
            key = item["widget"].key
            seen.add(key)
            if _shows_something(key, item["data"]):
                shown.add(key)
            else:
                empty.append((person.username, key))
    assert seen == shown == set(dashboard.WIDGETS), f"empty widgets: {empty}"
    assert not [e for e in empty if e[1] in ("figures", "league", "pipeline", "targets")], empty
