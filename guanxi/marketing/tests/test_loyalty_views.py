"""The membership pages: the member page out of scope is a 404, the Membership tab on the 360 page, redeeming and
using a coupon from the member page (a refusal writes nothing and names the reason), the lists and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.billing.tests.factories import ContractFactory
from guanxi.marketing.loyalty import ledger, services
from guanxi.marketing.loyalty.models import Coupon, Member, PointsEntry, Tier

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def member(people, book):
    m = services.member_enrol(actor=people["marketer"], data={"customer": book["a1"].pk})
    ledger.points_earn(member=m, points=80, source="seed", rule=None)
    return m


def test_the_member_page_is_a_404_out_of_the_readers_scope(people, member):
    assert _client(people["east_rep"]).get(reverse("marketing:member_detail", args=[member.pk])).status_code == 200
    assert _client(people["west_rep"]).get(reverse("marketing:member_detail", args=[member.pk])).status_code == 404


def test_the_membership_tab_shows_the_card_and_offers_enrolling(people, book, member):
    from django.test import RequestFactory

    from guanxi.core.registry import registry

    def request(user):
        r = RequestFactory().get("/")
        r.user = user
        return r

    tab = next(t for t in registry.tabs_for("customers.customer") if t.key == "membership")
    count, html = tab.render(request(people["marketer"]), book["a1"])
    assert count == 1 and member.card_number in html and "80" in html and "李明" in html
    count, html = tab.render(request(people["west_rep"]), book["a1"])
    assert member.card_number not in html and not count


def test_the_membership_tab_reads_a_fixed_number_of_queries_however_many_members(people, book, member):
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from guanxi.core.registry import registry
    from guanxi.customers.tests.factories import ContactFactory

    Tier.objects.create(name="银卡", threshold=1000)
    Tier.objects.create(name="金卡", threshold=5000)
    tab = next(t for t in registry.tabs_for("customers.customer") if t.key == "membership")
    r = RequestFactory().get("/")
    r.user = people["marketer"]

    def count():
        with CaptureQueriesContext(connection) as ctx:
            n, html = tab.render(r, book["a1"])
        return n, len(ctx.captured_queries), html

    count()  # the first render creates the programme's row and fills the permission caches
    one = count()
    assert one[0] == 1 and "银卡" in one[2]
    coupon = Coupon.objects.create(code="VIP9", name="VIP", value="9", valid_from=dt.date.today(),
                                   valid_until=dt.date.today(), limit_per_member=9, limit_total=99)  # fmt: skip
    for i in range(4):  # four contacts enrolled, each with points and a coupon used
        contact = ContactFactory(customer=book["a1"], name=f"会员{i}")
        m = services.member_enrol(actor=people["marketer"], data={"customer": book["a1"].pk, "contact": contact.pk})
        ledger.points_earn(member=m, points=10 + i, source=f"seed{i}", rule=None)
        services.coupon_redeem(actor=people["marketer"], member=m, code="VIP9",
                               contract=ContractFactory(customer=book["a1"]).pk)  # fmt: skip
    five = count()
    assert five[0] == 5 and five[1] == one[1], (one[1], five[1])
    assert "会员3" in five[2] and "VIP9" in five[2] and "+13" in five[2] and coupon.redemptions.count() == 4


def test_redeeming_from_the_member_page(people, member):
    c = _client(people["marketer"])
    url = reverse("marketing:member_redeem", args=[member.pk])
    response = c.post(url, {"points": "30", "note": "礼品"}, follow=True)
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.points_balance == 50
    c.post(url, {"points": "51"}, follow=True)  # beyond the balance: refused, nothing written
    member.refresh_from_db()
    assert member.points_balance == 50 and PointsEntry.objects.filter(member=member).count() == 2
    # a rep holding only loyalty.view is refused
    assert _client(people["east_rep"]).post(url, {"points": "1"}).status_code == 403
    member.refresh_from_db()
    assert member.points_balance == 50


def test_using_a_coupon_and_cancelling_from_the_member_page(people, book, member):
    today = dt.date.today()
    Coupon.objects.create(code="VIP50", name="VIP", value="50", valid_from=today, valid_until=today)
    contract = ContractFactory(customer=book["a1"])
    c = _client(people["marketer"])
    c.post(reverse("marketing:member_use_coupon", args=[member.pk]), {"code": "vip50", "contract": contract.pk})
    assert member.coupon_redemptions.count() == 1
    c.post(reverse("marketing:member_cancel", args=[member.pk]))
    member.refresh_from_db()
    assert member.status == Member.Status.CANCELLED


def test_the_lists_and_the_coupon_page(people, member):
    today = dt.date.today()
    coupon = Coupon.objects.create(code="SHOW", name="Show", value="5", valid_from=today, valid_until=today)
    c = _client(people["marketer"])
    from guanxi.marketing.loyalty.models import Tier

    Tier.objects.create(name="金卡", threshold=1000)  # a tier to filter by (the filter bar lists them)
    for name in ("marketing:member_list", "marketing:points_ledger", "marketing:coupon_list"):
        response = c.get(reverse(name) + "?scene=all")
        assert response.status_code == 200, name
    assert member.card_number in c.get(reverse("marketing:member_list")).content.decode()
    edit = c.get(reverse("marketing:coupon_edit", args=[coupon.pk]))
    assert edit.status_code == 200
    # coupons are membership's: the menu marks Members, not Segments (whose prefix is all of /marketing/)
    assert 'data-nav-key="members" aria-current="page"' in edit.content.decode()
    assert 'data-nav-key="segments" aria-current' not in edit.content.decode()
    assert _client(people["east_rep"]).post(reverse("marketing:coupon_create"), {"code": "X"}).status_code == 403
    assert not Coupon.objects.filter(code="X").exists()


def test_the_api_enrols_redeems_and_refuses_a_spend_beyond_the_balance(people, book):
    from guanxi.org.services import api_token_create

    _token, secret = api_token_create(actor=people["marketer"], name="t")
    c = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    made = c.post("/api/v1/loyalty/members", {"customer": book["a2"].pk}, content_type="application/json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert c.post(f"/api/v1/loyalty/members/{pk}/redeem", {"points": 1}, content_type="application/json"
                  ).status_code == 409  # fmt: skip
    assert c.get(f"/api/v1/loyalty/members/{pk}/ledger").json()["count"] == 0
    assert c.get("/api/v1/loyalty/members").json()["count"] == 1


def test_the_programme_page_edits_tiers_and_rules_for_its_administrator_only(people):
    from guanxi.marketing.loyalty.models import EarningRule, LoyaltyProgramme, Tier

    url = reverse("marketing:loyalty_settings")
    admin, marketer = _client(people["admin"]), _client(people["marketer"])
    # a reader without loyalty.admin sees the page, and a post changes nothing
    assert marketer.get(url).status_code == 200
    assert marketer.post(url, {"what": "tier", "tier-name": "金卡", "tier-threshold": "5000"}).status_code == 403
    assert not Tier.objects.exists()
    # the administrator adds a tier, a rule, and sets the programme
    assert admin.post(url, {"what": "tier", "tier-name": "金卡", "tier-threshold": "5000"}).status_code == 302
    rule = {"what": "rule", "rule-name": "消费积分", "rule-trigger": "payment", "rule-points": "1",
            "rule-per_amount": "100", "rule-is_active": "on"}  # fmt: skip
    assert admin.post(url, rule).status_code == 302
    programme = {"what": "programme", "programme-tier_basis": "points", "programme-tier_period_days": "180",
                 "programme-points_valid_days": "365"}  # fmt: skip
    assert admin.post(url, programme).status_code == 302
    assert Tier.objects.get().threshold == 5000
    assert EarningRule.objects.get(name="消费积分").per_amount == 100
    assert LoyaltyProgramme.current().tier_period_days == 180
    # editing the tier through ?tier=…; a bad threshold is refused naming the field, nothing saved
    tier = Tier.objects.get()
    page = admin.get(url, {"tier": tier.pk}).content.decode()
    assert 'value="金卡"' in page
    bad = admin.post(url, {"what": "tier", "tier_pk": tier.pk, "tier-name": "金卡", "tier-threshold": "很多"})
    assert bad.status_code == 400
    field = next(tag for tag in bad.content.decode().split("<input") if 'name="tier-threshold"' in tag)
    assert 'aria-invalid="true"' in field and 'value="很多"' in field  # marked, and what was typed is kept
    assert Tier.objects.get().threshold == 5000
    assert admin.post(url, {"what": "tier", "tier_pk": tier.pk, "tier-name": "白金卡", "tier-threshold": "8000"}
                      ).status_code == 302  # fmt: skip
    assert Tier.objects.get().name == "白金卡"
