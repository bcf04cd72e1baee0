"""Consent per contact and channel, the suppression list and the signed one-click unsubscribe: whoever opted
out or is suppressed is never reachable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guanxi.core.errors import NotFoundError, PermissionDeniedError
from guanxi.core.models import AuditLog
from guanxi.customers.models import Contact
from guanxi.marketing import consent
from guanxi.marketing.models import Consent, Suppression

pytestmark = pytest.mark.django_db


def _reach(channel: str) -> set[int]:
    return set(consent.reachable(Contact.objects.all(), channel).values_list("pk", flat=True))


def test_a_rep_records_an_opt_out_and_the_contact_is_no_longer_reachable(people, book):
    assert _reach("email") == {book["li"].pk, book["wang"].pk, book["chen"].pk}
    consent.consent_set(actor=people["east_rep"], contact=book["li"], channel="email", status="out", source="verbal")
    assert _reach("email") == {book["wang"].pk, book["chen"].pk}
    assert not consent.may_contact(book["li"], "email") and consent.may_contact(book["li"], "sms")
    assert AuditLog.objects.filter(customer_id=book["a1"].pk, message__icontains="consent").exists()


def test_a_rep_cannot_record_consent_for_another_reps_contact(people, book):
    with pytest.raises((PermissionDeniedError, NotFoundError)):
        consent.consent_set(actor=people["east_rep"], contact=book["chen"], channel="email", status="in")
    assert not Consent.objects.exists()


def test_a_suppressed_address_is_left_out_however_its_case_or_spacing(people, book):
    consent.suppression_add(actor=people["marketer"], channel="email", address="LIMING@hengxin.example")
    consent.suppression_add(actor=people["marketer"], channel="sms", address="+86 139-0013-9000")
    assert book["li"].pk not in _reach("email")
    assert Suppression.objects.get(channel="sms").address == "13900139000"
    assert book["zhao"].pk not in _reach("sms")
    assert not consent.may_contact(book["li"], "email")


def test_the_unsubscribe_link_opts_out_and_suppresses_without_a_login(client, people, book):
    token = consent.unsubscribe_token(contact_id=book["chen"].pk, channel="email", campaign_id=7)
    url = reverse("marketing:unsubscribe", args=[token])
    assert client.get(url).status_code == 200
    assert Consent.objects.count() == 0  # a GET (a mail scanner following links) changes nothing
    assert client.post(url).status_code == 200
    assert Consent.objects.get(contact=book["chen"]).status == "out"
    assert Suppression.objects.filter(channel="email", address="chenjing@tianfu.example").exists()
    assert book["chen"].pk not in _reach("email")


def test_a_forged_unsubscribe_link_is_refused(client, book):
    token = consent.unsubscribe_token(contact_id=book["chen"].pk, channel="email")
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.post(reverse("marketing:unsubscribe", args=[forged])).status_code == 404
    assert not Consent.objects.exists() and not Suppression.objects.exists()


def test_the_360_tab_shows_and_records_consent(client, people, book):
    client.force_login(people["east_rep"])
    response = client.post(reverse("marketing:consent_set", args=[book["li"].pk]),
                           {"channel": "wechat", "status": "in", "source": "verbal"})  # fmt: skip
    assert response.status_code == 302
    assert Consent.objects.get(contact=book["li"], channel="wechat").recorded_by == people["east_rep"]
    bad = client.post(reverse("marketing:consent_set", args=[book["li"].pk]), {"channel": "fax", "status": "in"})
    assert bad.status_code == 302 and Consent.objects.count() == 1


def test_suppression_over_the_web_needs_the_right(client, people, book):
    client.force_login(people["east_rep"])
    assert (
        client.post(reverse("marketing:suppression_create"), {"channel": "email", "address": "x@y.cn"}).status_code
        == 403
    )
    client.force_login(people["marketer"])
    response = client.post(reverse("marketing:suppression_create"),
                           {"channel": "email", "address": "x@y.cn", "reason": "manual"})  # fmt: skip
    assert response.status_code == 302 and Suppression.objects.filter(address="x@y.cn").exists()
    assert client.get(reverse("marketing:suppression_list")).status_code == 200
