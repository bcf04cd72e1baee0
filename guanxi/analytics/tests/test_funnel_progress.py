"""Funnel progress (漏斗客户推进程度, the monthly report's per-rep figure): the month's steps forward — from an open
stage onto a later open stage or a won stage — of the deals the reader sees, counted for each deal's owner."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from guanxi.sales.metrics import funnel_progress
from guanxi.sales.opportunities.models import Opportunity, StageChange

from .helpers import at, opportunities, pipeline

pytestmark = pytest.mark.django_db


def _moves(deal: Opportunity, *steps: tuple[Any, Any, dt.datetime]) -> None:
    StageChange.objects.bulk_create(
        StageChange(opportunity=deal, from_stage=a, to_stage=b, at=when) for a, b, when in steps
    )


def _november(user: Any) -> dict[Any, Any]:
    return funnel_progress(user=user, date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30), group_by="owner")


def test_steps_forward_in_the_month_of_the_deals_the_reader_sees(org: Any) -> None:
    # given east_rep's deals with moves in November: forward, into won, backward, onto lost, in October, and one
    # deal in the recycle bin; and west_rep's deal moved forward
    s = pipeline()
    rep, other = org["east_rep"], org["west_rep"]
    a, b, c, d, binned = opportunities(rep, 5, when=at(1, month=10), stages=s)
    _moves(a, (s["A"], s["B"], at(3)), (s["B"], s["won"], at(20)))  # two steps forward
    _moves(b, (s["B"], s["A"], at(4)), (s["A"], s["lost"], at(5)))  # backward, then lost: none
    _moves(c, (None, s["A"], at(6)), (s["A"], s["B"], at(30, month=10)))  # its creation; forward in October
    _moves(d, (s["A"], s["B"], at(30, hour=23)))  # the last evening of the month (local time)
    _moves(binned, (s["A"], s["B"], at(7)))
    Opportunity.objects.filter(pk=binned.pk).update(deleted_at=timezone.now())
    (theirs,) = opportunities(other, 1, when=at(1, month=10), stages=s)
    _moves(theirs, (s["A"], s["won"], at(8)))
    # then the company counts three steps for east_rep and one for west_rep; east_rep sees only his own
    assert _november(org["admin"]) == {rep.pk: 3, other.pk: 1}
    assert _november(rep) == {rep.pk: 3}
