"""The points ledger (hypothesis over random earn / redeem / correct / expire sequences): the member's balance is
always the sum of their ledger, never negative, a spend beyond it is refused with nothing written, and expiry
takes exactly the unspent points whose validity ended (first in, first out, as a hand model of lots says). The
ledger is append-only: no update or delete path."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.approvals.models import ApprovalRule
from guanxi.core.errors import ConflictError, ValidationFailed
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.marketing.loyalty import corrections, ledger
from guanxi.marketing.loyalty.models import LoyaltyProgramme, Member, PointsEntry

pytestmark = pytest.mark.django_db

START = dt.date(2026, 1, 1)
VALID_DAYS = 30
steps = st.lists(
    st.tuples(st.sampled_from(["earn", "redeem", "take", "expire"]), st.integers(1, 500), st.integers(0, 20)),
    min_size=1, max_size=25,
)  # fmt: skip


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def _consume(lots: list[list], points: int) -> None:
    """The hand model: points leave the lots that lapse first."""
    for lot in sorted(lots, key=lambda lot: lot[0]):
        used = min(lot[1], points)
        lot[1] -= used
        points -= used


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=steps)
def test_the_balance_is_always_the_sum_of_the_ledger_and_expiry_takes_the_oldest_unspent_points(people, ops):
    # given a member of a programme whose points are valid for 30 days
    LoyaltyProgramme.objects.update_or_create(pk=1, defaults={"points_valid_days": VALID_DAYS})
    member = Member.objects.create(customer=CustomerFactory(owner=people["east_rep"]),
                                   card_number=f"T{Member.all_objects.count():08d}")  # fmt: skip
    admin = people["admin"]
    ApprovalRule.objects.filter(kind="points_correction").update(is_active=False)  # corrections apply at once
    lots: list[list] = []  # [expires_on, points left]
    day = START
    for i, (kind, amount, step) in enumerate(ops):
        day += dt.timedelta(days=step)
        balance = sum(lot[1] for lot in lots)
        # when the step runs
        if kind == "earn":
            ledger.points_earn(member=member, points=amount, source=f"t:{i}", rule=None, at=_aware(day))
            lots.append([day + dt.timedelta(days=VALID_DAYS), amount])
        elif kind in ("redeem", "take"):
            before = PointsEntry.objects.filter(member=member).count()
            try:
                if kind == "redeem":
                    ledger.points_redeem(actor=admin, member=member, points=amount)
                else:
                    corrections.points_correction_request(actor=admin, member=member, points=-amount,
                                                          note="correction")  # fmt: skip
            except (ConflictError, ValidationFailed):
                # then a spend beyond the balance is refused and writes nothing
                assert amount > balance
                assert PointsEntry.objects.filter(member=member).count() == before
            else:
                assert amount <= balance
                _consume(lots, amount)
        else:
            expired = ledger.points_expire_due(today=day)
            lapsed = sum(lot[1] for lot in lots if lot[0] <= day)
            assert expired >= lapsed  # other examples' members may lapse too
            for lot in lots:
                if lot[0] <= day:
                    lot[1] = 0
        # then the balance, the ledger's sum and the hand model agree, and none is negative
        member.refresh_from_db()
        expected = sum(lot[1] for lot in lots)
        assert member.points_balance == ledger.ledger_sum(member.pk) == expected >= 0
        last = PointsEntry.objects.filter(member=member).order_by("-id").first()
        assert last is None or last.balance_after == member.points_balance


def test_expiry_run_twice_expires_nothing_the_second_time(people):
    member = Member.objects.create(customer=CustomerFactory(owner=people["east_rep"]), card_number="T1")
    ledger.points_earn(member=member, points=100, source="a", rule=None, at=_aware(START))
    ledger.points_redeem(actor=people["admin"], member=member, points=30)
    later = START + dt.timedelta(days=LoyaltyProgramme.current().points_valid_days)
    assert ledger.points_expire_due(today=later - dt.timedelta(days=1)) == 0
    assert ledger.points_expire_due(today=later) == 70
    assert ledger.points_expire_due(today=later) == 0
    member.refresh_from_db()
    assert member.points_balance == 0 == ledger.ledger_sum(member.pk)


def test_the_same_source_earns_once(people):
    member = Member.objects.create(customer=CustomerFactory(owner=people["east_rep"]), card_number="T2")
    assert ledger.points_earn(member=member, points=10, source="payment:1", rule=None) is not None
    # NULL rules are distinct in a unique index: the source alone must still be guarded by the rule's identity
    from guanxi.marketing.loyalty.models import EarningRule

    rule = EarningRule.objects.create(name="r", trigger="contract", points=5)
    assert ledger.points_earn(member=member, points=5, source="contract:1", rule=rule) is not None
    assert ledger.points_earn(member=member, points=5, source="contract:1", rule=rule) is None
    member.refresh_from_db()
    assert member.points_balance == 15 == ledger.ledger_sum(member.pk)


def test_the_ledger_has_no_update_or_delete_path(people):
    member = Member.objects.create(customer=CustomerFactory(owner=people["east_rep"]), card_number="T3")
    entry = ledger.points_earn(member=member, points=10, source="x", rule=None)
    entry.points = 1000
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    with pytest.raises(ValueError, match="append-only"):
        PointsEntry.objects.filter(pk=entry.pk).update(points=1000)
    with pytest.raises(ValueError, match="append-only"):
        PointsEntry.objects.filter(pk=entry.pk).delete()
    assert PointsEntry.objects.get(pk=entry.pk).points == 10


def test_bad_points_are_refused_naming_the_field(people):
    from guanxi.core.errors import ValidationFailed

    member = Member.objects.create(customer=CustomerFactory(owner=people["east_rep"]), card_number="T4")
    for bad in ("", "abc", "0", "-5", "1.5", 10**12):
        with pytest.raises(ValidationFailed) as exc:
            ledger.points_redeem(actor=people["admin"], member=member, points=bad)
        assert "points" in exc.value.fields
