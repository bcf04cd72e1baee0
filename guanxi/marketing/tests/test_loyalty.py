"""Membership and loyalty: enrolling with card numbers, permissions and data scope (a denied write changes
nothing), coupons with validity and limits, points earned by the rules from payments, contracts and campaign
clicks, and the daily tier review with its notices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from guanxi.billing.models import Payment
from guanxi.billing.tests.factories import ContractFactory
from guanxi.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog, Notification
from guanxi.marketing.loyalty import ledger, services
from guanxi.marketing.loyalty.earning import payment_points, points_earn_due
from guanxi.marketing.loyalty.models import Coupon, EarningRule, LoyaltyProgramme, Member, PointsEntry, Tier
from guanxi.marketing.loyalty.tiers import tier_for, tiers_review

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()  # set again before each test (root conftest): a run may cross midnight
TODAY_FOLLOWS_THE_CLOCK = True


@pytest.fixture
def member(people, book):
    return services.member_enrol(actor=people["marketer"], data={"customer": book["a1"].pk})


def test_enrolling_gives_a_card_number_and_once_per_customer_or_contact(people, book, member):
    assert member.card_number.startswith("VIP") and member.contact is None
    contact_member = services.member_enrol(actor=people["marketer"], data={"customer": book["a1"].pk,
                                                                           "contact": book["li"].pk})  # fmt: skip
    assert contact_member.card_number != member.card_number
    with pytest.raises(ValidationFailed) as exc:
        services.member_enrol(actor=people["marketer"], data={"customer": book["a1"].pk})
    assert "customer" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:  # a contact of another customer
        services.member_enrol(actor=people["marketer"], data={"customer": book["a1"].pk, "contact": book["chen"].pk})
    assert "contact" in exc.value.fields
    assert AuditLog.objects.filter(object_id=str(member.pk), action="create").exists()


def test_a_rep_reads_their_customers_members_and_changes_nothing(people, book, member):
    from guanxi.org.policies import scope_queryset

    west = services.member_enrol(actor=people["marketer"], data={"customer": book["b1"].pk})
    ledger.points_earn(member=member, points=50, source="s", rule=None)
    # the east rep sees their customer's member, not the west rep's
    seen = set(scope_queryset(people["east_rep"], Member.objects.all()).values_list("pk", flat=True))
    assert member.pk in seen and west.pk not in seen
    # and may not redeem, enrol or create coupons: nothing changes
    with pytest.raises(PermissionDeniedError):
        ledger.points_redeem(actor=people["east_rep"], member=member, points=10)
    with pytest.raises(PermissionDeniedError):
        services.member_enrol(actor=people["east_rep"], data={"customer": book["a2"].pk})
    member.refresh_from_db()
    assert member.points_balance == 50 and PointsEntry.objects.filter(member=member).count() == 1
    assert not Member.objects.filter(customer=book["a2"]).exists()


def _coupon(**kw):
    data = {
        "code": "new-year-100",
        "name": "新年券",
        "value": "100",
        "valid_from": TODAY.isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=30)).isoformat(),
        "limit_total": 2,
        "limit_per_member": 1,
    }
    return {**data, **kw}  # fmt: skip


def test_a_coupon_is_used_on_a_contract_of_the_members_customer_within_its_limits(people, book, member):
    coupon = services.coupon_create(actor=people["marketer"], data=_coupon())
    assert coupon.code == "NEW-YEAR-100"
    contract = ContractFactory(customer=book["a1"])
    other = ContractFactory(customer=book["b1"])
    with pytest.raises(ValidationFailed) as exc:
        services.coupon_redeem(actor=people["marketer"], member=member, code="new-year-100", contract=other.pk)
    assert "contract" in exc.value.fields
    with pytest.raises(ValidationFailed):  # no document named
        services.coupon_redeem(actor=people["marketer"], member=member, code="new-year-100")
    used = services.coupon_redeem(actor=people["marketer"], member=member, code="new-year-100", contract=contract.pk)
    assert used.contract == contract
    with pytest.raises(ConflictError):  # once per member
        services.coupon_redeem(actor=people["marketer"], member=member, code="NEW-YEAR-100", contract=contract.pk)
    coupon.refresh_from_db()
    assert coupon.redeemed_count == 1


def test_a_coupon_outside_its_validity_or_above_the_members_tier_is_refused(people, book, member):
    gold = Tier.objects.create(name="金卡", threshold=Decimal("100000"))
    services.coupon_create(actor=people["marketer"], data=_coupon(code="OLD", valid_from="2020-01-01",
                                                                  valid_until="2020-12-31"))  # fmt: skip
    services.coupon_create(actor=people["marketer"], data=_coupon(code="GOLD", min_tier=gold.pk))
    contract = ContractFactory(customer=book["a1"])
    for code in ("OLD", "GOLD", "NOPE"):
        with pytest.raises(ValidationFailed) as exc:
            services.coupon_redeem(actor=people["marketer"], member=member, code=code, contract=contract.pk)
        assert "code" in exc.value.fields


def test_bad_coupons_are_refused_naming_the_field(people):
    cases = [({"code": "a b"}, "code"), ({"value": "-1"}, "value"), ({"kind": "percent", "value": "120"}, "value"),
             ({"valid_until": "2000-01-01"}, "valid_until"), ({"limit_total": "0"}, "limit_total"),
             ({"valid_from": "soon"}, "valid_from")]  # fmt: skip
    for change, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            services.coupon_create(actor=people["marketer"], data=_coupon(**change))
        assert field in exc.value.fields, (change, exc.value.fields)
    assert not Coupon.objects.exists()


def test_points_are_earned_by_the_rules_once_each(people, book, member):
    EarningRule.objects.create(name="每100元1分", trigger="payment", points=1, per_amount=Decimal("100"))
    EarningRule.objects.create(name="签约50分", trigger="contract", points=50)
    contract = ContractFactory(customer=book["a1"], signed_on=TODAY)
    Payment.objects.create(contract=contract, received_on=TODAY, amount=Decimal("12345.67"))
    ContractFactory(customer=book["b1"], signed_on=TODAY)  # not a member's
    points_earn_due()
    points_earn_due()  # again: nobody is paid twice
    member.refresh_from_db()
    assert member.points_balance == 123 + 50 == ledger.ledger_sum(member.pk)
    assert PointsEntry.objects.filter(member=member, kind="earn").count() == 2


def test_payment_points_count_full_amounts_only():
    rule = EarningRule(points=2, per_amount=Decimal("100"))
    assert payment_points(Decimal("99.99"), rule) == 0
    assert payment_points(Decimal("250"), rule) == 4
    assert payment_points(Decimal("-250"), rule) == -4


def test_the_tier_review_moves_members_up_and_down_and_tells_the_owner_and_the_member(people, book, member, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.GUANXI_EMAIL_ENABLED = True
    contact_member = services.member_enrol(actor=people["marketer"], data={"customer": book["a1"].pk,
                                                                           "contact": book["li"].pk})  # fmt: skip
    silver = Tier.objects.create(name="银卡", threshold=Decimal("0"))
    gold = Tier.objects.create(name="金卡", threshold=Decimal("10000"))
    assert tier_for(Decimal("9999.99"), [gold, silver]) == silver and tier_for(Decimal("10000"), [silver, gold]) == gold
    contract = ContractFactory(customer=book["a1"])
    Payment.objects.create(contract=contract, received_on=TODAY - dt.timedelta(days=10), amount=Decimal("20000"))
    with django_capture_on_commit():
        assert tiers_review(today=TODAY) == 2
    member.refresh_from_db()
    assert member.tier == gold and member.tier_since == TODAY
    note = Notification.objects.filter(recipient=people["east_rep"], kind="loyalty_tier_changed").first()
    assert note is not None and "金卡" in note.title
    to_members = [m.to for m in mail.outbox if m.to != [people["east_rep"].email]]  # the owner's notices aside
    assert to_members == [["liming@hengxin.example"]] * 2  # the member contact; the customer's first decision maker
    # a year later the spending is outside the rolling period: down to silver
    assert tiers_review(today=TODAY + dt.timedelta(days=LoyaltyProgramme.current().tier_period_days + 11)) == 2
    member.refresh_from_db()
    assert member.tier == silver
    contact_member.refresh_from_db()
    assert contact_member.tier == silver
    assert tiers_review(today=TODAY + dt.timedelta(days=400)) == 0


def django_capture_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_no_email_to_a_member_who_opted_out(people, book, member, settings):
    from guanxi.marketing import consent

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.GUANXI_EMAIL_ENABLED = True
    consent.consent_set(actor=people["admin"], contact=book["li"], channel="email", status="out", source="verbal")
    consent.consent_set(actor=people["admin"], contact=book["wang"], channel="email", status="out", source="verbal")
    Tier.objects.create(name="银卡", threshold=Decimal("0"))
    with django_capture_on_commit():
        assert tiers_review(today=TODAY) == 1
    assert [m.to for m in mail.outbox if m.to != [people["east_rep"].email]] == []
    assert Notification.objects.filter(kind="loyalty_tier_changed").count() == 1


def test_no_email_to_members_where_the_installation_sends_none(people, book, member, settings):
    # given an installation that does not send e-mail (the default: no mail server configured)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.GUANXI_EMAIL_ENABLED = False
    Tier.objects.create(name="银卡", threshold=Decimal("0"))
    # when the review moves the member into a tier
    with django_capture_on_commit():
        assert tiers_review(today=TODAY) == 1
    # then the owner is told in the app, and nothing is sent (nor attempted) to the member
    assert mail.outbox == []
    assert Notification.objects.filter(kind="loyalty_tier_changed").count() == 1


def test_a_merge_moves_memberships_without_giving_the_survivor_a_second_card(people, book, member):
    from guanxi.customers.dedupe.services import customer_merge

    # given both customers members, and a contact of the second one a member too
    second = services.member_enrol(actor=people["marketer"], data={"customer": book["a2"].pk})
    zhao = services.member_enrol(actor=people["marketer"], data={"customer": book["a2"].pk, "contact": book["zhao"].pk})
    # when the second customer is merged into the first
    customer_merge(actor=people["admin"], survivor_id=book["a1"].pk, merged_ids=[book["a2"].pk])
    # then the contact's card follows its contact to the survivor; the survivor keeps its one customer card, and
    # the merged customer's card stays with it (no second card on the survivor)
    assert Member.objects.get(pk=zhao.pk).customer_id == book["a1"].pk
    assert Member.objects.get(pk=member.pk).customer_id == book["a1"].pk
    assert Member.all_objects.get(pk=second.pk).customer_id == book["a2"].pk
