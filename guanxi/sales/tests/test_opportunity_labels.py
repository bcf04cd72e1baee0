"""Opportunity outcomes read as deal outcomes (赢单/输单), and the move view refuses a bad stage id cleanly."""

from __future__ import annotations

import pytest
from django.utils import translation

from guanxi.sales.models import Opportunity
from guanxi.sales.opportunities.selectors import stage_get


def test_outcomes_are_won_and_lost_deals_in_chinese():
    with translation.override("zh-hans"):
        assert str(Opportunity.Status.WON.label) == "赢单"
        assert str(Opportunity.Status.LOST.label) == "输单"


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["", "abc", "-1", "99999999999999999999999", None])
def test_stage_get_returns_nothing_for_bad_ids(raw):
    assert stage_get(pk=raw) is None
