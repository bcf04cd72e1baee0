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
