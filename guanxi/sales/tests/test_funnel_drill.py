"""Every figure of the funnel page links to the opportunity list showing the deals behind it: the list's count is
the figure (drill-down, issue 16)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from guanxi.org.lists.registry import rows_behind

from .test_analytics_funnel import build_hand_example, grant_opportunity_permissions

pytestmark = pytest.mark.django_db


def _link(html: str, marker: str) -> list[tuple[str, int]]:
    """(href, number shown) of the links marked by `marker` (an id or class attribute)."""
    found = re.findall(rf'<a href="([^"]+)"[^>]*{marker}[^>]*>(\d+)</a>', html)
    return [(unescape(href), int(n)) for href, n in found]


def test_each_funnel_figure_equals_the_count_of_its_list(client: Any, org: Any) -> None:
    grant_opportunity_permissions()
    s = build_hand_example(org["east_rep"])
    reader = org["executive"]
    client.force_login(reader)
    page = client.get(
        "/sales/opportunities/funnel/",
        {"period": "custom", "date_from": "2026-03-01", "date_to": "2026-03-31", "pipeline": s["pipeline"].pk},
    ).content.decode()

    entered = _link(page, 'class="gx-entered"')
    assert [n for _u, n in entered] == [10, 6, 3]  # the hand example's A, B, C
    stalled = _link(page, 'class="gx-stalled"') + _link(page, 'id="funnel-stalled"')
    won_lost = [(u, int(n)) for u, n in re.findall(r'<a href="([^"]+)" id="funnel-(?:won|lost)">(\d+)', page)]
    assert [n for _u, n in won_lost] == [2, 1]
    for url, shown in entered + stalled + [(unescape(u), n) for u, n in won_lost]:
        assert rows_behind(reader, url).count() == shown, url
    # a rep's list drilled from the same link shows only what the rep may see
    assert rows_behind(org["west_rep"], entered[0][0]).count() == 0
    # the big figures that open their deals read as links (Tabler would give a link in .h2 the heading's colour)
    assert page.count('class="h2 mb-0 gx-figure"') == 3
    assert re.search(r'class="h2 mb-0 gx-figure">[^<]*(<i [^>]*></i> )?<a href="[^"]+" id="funnel-stalled"', page)


def test_a_rows_conversion_and_average_days_open_the_deals_behind_them(client: Any, org: Any) -> None:
    grant_opportunity_permissions()
    s = build_hand_example(org["east_rep"])
    reader = org["executive"]
    client.force_login(reader)
    page = client.get(
        "/sales/opportunities/funnel/",
        {"period": "custom", "date_from": "2026-03-01", "date_to": "2026-03-31", "pipeline": s["pipeline"].pk},
    ).content.decode()

    # conversion: 60%, 50%, 67% of the deals that entered A, B, C moved on (6, 3, 2 deals: the last to won)
    onward = [unescape(u) for u in re.findall(r'<a href="([^"]+)" class="gx-onward"', page)]
    assert [rows_behind(reader, url).count() for url in onward] == [6, 3, 2]
    moved_on_from_c = {o.name for o in rows_behind(reader, onward[2])}
    assert moved_on_from_c == {o.name for o in rows_behind(reader, onward[2]) if o.status == "won"}
    # average days: the deals whose stay in A, B, C ended in March (6 left A, 3 left B, 3 left C: 2 won, 1 lost)
    left = [unescape(u) for u in re.findall(r'<a href="([^"]+)" class="gx-left"', page)]
    assert [rows_behind(reader, url).count() for url in left] == [6, 3, 3]
    # the list names what was drilled into; a rep outside the deals sees none
    assert "Also entered the next stage" in client.get(onward[0]).content.decode()
    assert rows_behind(org["west_rep"], left[0]).count() == 0
