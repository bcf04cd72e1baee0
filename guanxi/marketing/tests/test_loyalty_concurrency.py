"""Redemptions at the same moment through the live API (each request its own thread and connection): points are
never spent twice and a coupon's total limit is never passed, on SQLite and PostgreSQL (the conditional UPDATE
decides, not a read before the write)."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from collections import Counter

import pytest

from guanxi.billing.tests.factories import ContractFactory
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.marketing.loyalty import ledger
from guanxi.marketing.loyalty.models import Coupon, CouponRedemption, Member, PointsEntry
from guanxi.org.services import api_token_create
from guanxi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 12


def _post(url: str, secret: str, body: dict) -> urllib.request.Request:
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    return urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)


def test_redemptions_at_the_same_moment_never_spend_the_same_points(race_server, org):
    # given a member with 100 points and a marketer's twelve requests to redeem 30 each
    marketer = UserFactory(username="racer", department=org.hq, roles=["marketing"])
    member = Member.objects.create(customer=CustomerFactory(owner=org["east_rep"]), card_number="R1")
    ledger.points_earn(member=member, points=100, source="seed", rule=None)
    _token, secret = api_token_create(actor=marketer, name="race")
    url = f"{race_server.url}/api/v1/loyalty/members/{member.pk}/redeem"
    # when they are all sent at the same moment
    answers = race_server.fire([_post(url, secret, {"points": 30}) for _ in range(REQUESTS)])
    # then three are granted and the rest refused with 409, none fails otherwise
    assert Counter(status for status, _body in answers) == {201: 3, 409: REQUESTS - 3}, answers
    member.refresh_from_db()
    assert member.points_balance == 10 == ledger.ledger_sum(member.pk)
    assert PointsEntry.objects.filter(member=member, kind="redeem").count() == 3
    assert sorted(e.balance_after for e in PointsEntry.objects.filter(member=member, kind="redeem")) == [10, 40, 70]


def test_a_coupons_total_limit_holds_under_redemptions_at_the_same_moment(race_server, org):
    # given a coupon for three uses in total and twelve members, each using it on their own contract at once
    marketer = UserFactory(username="racer", department=org.hq, roles=["marketing"])
    today = dt.date.today()
    coupon = Coupon.objects.create(code="RACE-3", name="Race", value="100", valid_from=today - dt.timedelta(days=1),
                                   valid_until=today + dt.timedelta(days=1), limit_total=3)  # fmt: skip
    _token, secret = api_token_create(actor=marketer, name="race")
    requests = []
    for i in range(REQUESTS):
        customer = CustomerFactory(owner=org["east_rep"])
        member = Member.objects.create(customer=customer, card_number=f"C{i}")
        contract = ContractFactory(customer=customer)
        requests.append(_post(f"{race_server.url}/api/v1/loyalty/members/{member.pk}/coupons", secret,
                              {"code": "race-3", "contract": contract.pk}))  # fmt: skip
    # when they are sent at the same moment
    answers = race_server.fire(requests)
    # then exactly three are recorded, the others refused with 409
    assert Counter(status for status, _body in answers) == {201: 3, 409: REQUESTS - 3}, answers
    coupon.refresh_from_db()
    assert coupon.redeemed_count == 3 == CouponRedemption.objects.filter(coupon=coupon).count()


def test_one_member_using_a_coupon_twice_at_once_gets_it_once(race_server, org):
    marketer = UserFactory(username="racer", department=org.hq, roles=["marketing"])
    today = dt.date.today()
    Coupon.objects.create(code="ONCE", name="Once", value="50", valid_from=today, valid_until=today,
                          limit_per_member=1)  # fmt: skip
    customer = CustomerFactory(owner=org["east_rep"])
    member = Member.objects.create(customer=customer, card_number="O1")
    contract = ContractFactory(customer=customer)
    _token, secret = api_token_create(actor=marketer, name="race")
    url = f"{race_server.url}/api/v1/loyalty/members/{member.pk}/coupons"
    answers = race_server.fire([_post(url, secret, {"code": "ONCE", "contract": contract.pk}) for _ in range(8)])
    assert Counter(status for status, _body in answers) == {201: 1, 409: 7}, answers
    assert CouponRedemption.objects.filter(member=member).count() == 1
