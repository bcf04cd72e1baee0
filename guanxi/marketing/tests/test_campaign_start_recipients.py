"""Starting a campaign records its recipients set-based (an INSERT … SELECT) with exactly the rows the one-by-one
rule gives: the audience (segment, scope, consent, suppression) in id order, each contact's address normalised
by `address_of`, one row per address to the lowest id. Hand-built cases, a hypothesis run over messy addresses on
every channel, and the number of queries, which does not grow with the recipients."""

from __future__ import annotations

import contextlib

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.core.errors import ValidationFailed
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.marketing import campaigns, services
from guanxi.marketing.consent import address_of, consent_set, suppression_add
from guanxi.marketing.models import Campaign, Delivery

pytestmark = pytest.mark.django_db

EMPTY = {"email": "", "mobile": "", "wechat": ""}
FIELD = {"email": "email", "sms": "mobile", "phone": "mobile", "wechat": "wechat"}


def _one_by_one(campaign: Campaign) -> dict[int, str]:
    """The rule as the loop it replaced wrote it: {contact id: address}."""
    seen: set[str] = set()
    out: dict[int, str] = {}
    for contact in campaigns.audience(campaign).order_by("pk"):
        address = address_of(contact, campaign.channel)
        if address and address not in seen:
            seen.add(address)
            out[contact.pk] = address
    return out


def _recorded(campaign: Campaign) -> dict[int, str]:
    return dict(Delivery.objects.filter(campaign=campaign).values_list("contact_id", "address"))


def _campaign(people, segment, channel: str = "email") -> Campaign:
    data = {
        "name": f"活动 {channel}",
        "channel": channel,
        "segment": segment.pk,
        "subject": "您好",
        "body": "{{ name }}",
    }
    return campaigns.campaign_create(actor=people["marketer"], data=data)


def test_start_records_one_row_per_normalised_address_to_the_lowest_id(people, book):
    a1 = book["a1"]
    first = ContactFactory(customer=a1, name="甲", email="  Jia@Example.CN ")  # plain: spaces, capitals
    ContactFactory(customer=a1, name="甲二", email="jia@example.cn")  # the same address, a higher id: left out
    ContactFactory(customer=a1, name="甲三", email="jia@example.cn\u3000")  # not plain (ideographic space): same
    odd = ContactFactory(customer=a1, name="乙", email="Ülrich@Example.de")  # not plain, lowest of its address
    ContactFactory(customer=a1, name="乙二", email="ülrich@example.de")
    ContactFactory(customer=a1, name="空", email="   ")  # normalises to nothing: nobody
    out = ContactFactory(customer=a1, name="退订", email="out@example.cn")
    consent_set(actor=people["admin"], contact=out, channel="email", status="out")
    ContactFactory(customer=a1, name="屏蔽", email="Blocked@example.cn")
    suppression_add(actor=None, channel="email", address="blocked@example.cn", reason="manual")
    campaign = _campaign(
        people, services.segment_create(actor=people["marketer"], data={"name": "A", "query": "level=A"})
    )
    expected = {book["li"].pk: "liming@hengxin.example", book["wang"].pk: "wangfang@hengxin.example",
                first.pk: "jia@example.cn", odd.pk: "ülrich@example.de"}  # fmt: skip
    assert _one_by_one(campaign) == expected
    # when it starts
    assert campaigns.campaign_start(actor=people["marketer"], campaign=campaign) == 4
    # then the rows are the rule's, queued
    assert _recorded(campaign) == expected
    assert set(Delivery.objects.filter(campaign=campaign).values_list("status", flat=True)) == {"queued"}


def test_a_number_goes_to_the_lowest_id_whichever_way_it_was_written(people, book):
    a1 = book["a1"]
    mobile = ContactFactory(customer=a1, name="手机", mobile="136 0013 6000 (手机)")  # not plain, the lowest id
    ContactFactory(customer=a1, name="横线", mobile="136-0013-6000")  # plain, the same number: left out
    plus = ContactFactory(customer=a1, name="国际", mobile="+86 135 0013 5000")  # plain, +86 dropped
    ContactFactory(customer=a1, name="分机", mobile="135 0013 5000 ext")  # not plain, the same number: left out
    wide = ContactFactory(customer=a1, name="全角", mobile="１３７ ００１３ ７０００")  # full-width digits stay
    segment = services.segment_create(actor=people["marketer"], data={"name": "A", "query": "level=A"})
    campaign = _campaign(people, segment, "sms")
    expected = {book["li"].pk: "13800138000", book["zhao"].pk: "13900139000",
                mobile.pk: "13600136000", plus.pk: "13500135000", wide.pk: "１３７００１３７０００"}  # fmt: skip
    assert _one_by_one(campaign) == expected
    assert campaigns.campaign_start(actor=people["marketer"], campaign=campaign) == 5
    assert _recorded(campaign) == expected


def test_a_static_list_records_its_members_in_the_owners_scope(people, book):
    marketer = people["marketer"]
    segment = services.segment_create(actor=marketer, data={"name": "展会", "kind": "static"})
    services.segment_add_contacts(actor=marketer, segment=segment, contact_ids=[book["li"].pk, book["chen"].pk])
    ContactFactory(customer=book["a1"], name="不在名单", email="other@example.cn")
    campaign = _campaign(people, segment)
    assert campaigns.campaign_start(actor=marketer, campaign=campaign) == 2
    assert _recorded(campaign) == {book["li"].pk: "liming@hengxin.example", book["chen"].pk: "chenjing@tianfu.example"}


def test_the_queries_of_a_start_do_not_grow_with_the_recipients(people, book):
    segment = services.segment_create(actor=people["marketer"], data={"name": "A", "query": "level=A"})

    def queries_for_a_start() -> int:
        campaign = _campaign(people, segment)
        with CaptureQueriesContext(connection) as ctx:
            campaigns.campaign_start(actor=people["marketer"], campaign=campaign)
        return len(ctx.captured_queries)

    few = queries_for_a_start()  # 2 recipients
    for i in range(40):
        ContactFactory(customer=book["a2"], name=f"客户{i}", email=f"c{i}@example.cn", mobile="")
    assert Delivery.objects.count() == 2
    assert queries_for_a_start() == few
    assert Delivery.objects.count() == 2 + 42


# Messy addresses: pieces of spellings real books hold (capitals, spaces of both widths, separators, +86,
# full-width digits, extensions, non-ASCII) joined at random, so duplicates across spellings are common.
PIECES = {
    "email": ["A", "a", "b@x.cn", "B@X.CN", " ", "\u3000", "\t", "Ü", "ü", "用户", "@", ".", "%", "_"],
    "sms": ["138", "0013", "8000", "86", "+86 ", "-", " ", "(", ")", "１", "３８", "转", "ext", "/", "."],
    "wechat": ["wx", "WX", "_", "-", " ", "\u3000", "李", "1", "2"],
}
PIECES["phone"] = PIECES["sms"]
rows = st.sampled_from(sorted(PIECES)).flatmap(
    lambda channel: st.tuples(
        st.just(channel),
        st.lists(
            st.tuples(st.lists(st.sampled_from(PIECES[channel]), max_size=4).map("".join), st.booleans(),
                      st.booleans()),
            min_size=1, max_size=12,
        ),
    )
)  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=rows)
def test_start_records_what_the_one_by_one_rule_records_for_any_addresses(people, case):
    channel, contacts = case
    marketer = people["marketer"]
    with transaction.atomic():
        customer = CustomerFactory(owner=people["east_rep"], level="A")
        for i, (raw, opted_out, suppressed) in enumerate(contacts):
            contact = ContactFactory(customer=customer, name=f"c{i}", **{**EMPTY, FIELD[channel]: raw[:30]})
            if opted_out:
                consent_set(actor=people["admin"], contact=contact, channel=channel, status="out")
            if suppressed and address_of(contact, channel):
                with contextlib.suppress(ValidationFailed):  # an address the list refuses (a tab in it)
                    suppression_add(actor=None, channel=channel, address=address_of(contact, channel))
        segment = services.segment_create(actor=marketer, data={"name": "A", "query": "level=A"})
        campaign = _campaign(people, segment, channel)
        expected = _one_by_one(campaign)
        assert campaigns.campaign_start(actor=marketer, campaign=campaign) == len(expected)
        assert _recorded(campaign) == expected
        transaction.set_rollback(True)
