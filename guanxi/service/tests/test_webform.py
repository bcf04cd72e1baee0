"""The public ticket form and its JSON twin: a known contact files a web-form ticket without signing in, gets the
number and a signed tracking link (on the page and by e-mail); strangers, bots, floods and bad input are refused
with a reason, never a crash."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from guanxi.service.models import Ticket
from guanxi.service.webform import services as webform

from .factories import make_asset

pytestmark = pytest.mark.django_db

GOOD = {"name": "李明", "email": "LiMing@hengxin.example", "type": "repair", "subject": "冷库压缩机异响",
        "description": "今天早上开始异响，温度上不去。"}  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


def test_a_known_contact_files_a_web_ticket_and_gets_the_tracking_link(
    client, people, customer, django_capture_on_commit_callbacks
):
    asset = make_asset(people["east_rep"], customer, kind="equipment", name="冷库机组", serial_number="SN-88-1234")
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("service:public_ticket_form"), {**GOOD, "identifier": "sn 88 1234"})
    assert page.status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.type, ticket.customer, ticket.asset) == ("web", "repair", customer, asset)
    assert ticket.contact.name == "李明" and ticket.created_by is None
    html = page.content.decode()
    assert ticket.number in html and 'id="track-link"' in html
    assert len(mail.outbox) == 1 and ticket.number in mail.outbox[0].subject
    track = client.get(webform.tracking_url(ticket).split("8000", 1)[-1])
    assert track.status_code == 200 and ticket.subject in track.content.decode()
    assert "今天早上" not in track.content.decode()  # the tracking page shows the status, not the request's text
    assert client.get(reverse("service:public_ticket_track", args=["forged"])).status_code == 404


def test_a_stranger_is_told_to_use_their_known_address_and_nothing_is_created(client, customer):
    page = client.post(reverse("service:public_ticket_form"), {**GOOD, "email": "nobody@example.com"})
    assert page.status_code == 400 and Ticket.objects.count() == 0


def test_the_honeypot_drops_a_bot_quietly(client, customer):
    page = client.post(reverse("service:public_ticket_form"), {**GOOD, "website": "http://spam.example"})
    assert page.status_code == 200 and Ticket.objects.count() == 0


def test_the_form_is_rate_limited_per_ip(client, customer, settings):
    settings.GUANXI_WEB_TICKET_RATE = 2
    for _ in range(2):
        client.post(reverse("service:public_ticket_form"), {**GOOD, "subject": ""})
    assert client.post(reverse("service:public_ticket_form"), GOOD).status_code == 429
    assert Ticket.objects.count() == 0


def test_the_json_endpoint_answers_with_the_number_and_names_bad_fields(client, customer):
    url = reverse("service:public_ticket_json")
    made = client.post(url, json.dumps(GOOD), content_type="application/json")
    assert made.status_code == 201 and made.json()["number"] == Ticket.objects.get().number
    assert "track_url" in made.json()
    bad = client.post(url, json.dumps({**GOOD, "type": "nonsense", "colour": "red"}), content_type="application/json")
    assert bad.status_code == 400 and "colour" in bad.json()["error"]["fields"]
    assert client.post(url, b"{not json", content_type="application/json").status_code == 400
    assert client.post(url, b"[1, 2]", content_type="application/json").status_code == 400
    assert Ticket.objects.count() == 1


@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.dictionaries(st.sampled_from(sorted(GOOD) + ["mobile", "identifier", "x"]),
                               st.one_of(st.none(), st.integers(), st.text(max_size=300)), max_size=8))  # fmt: skip
def test_any_json_is_answered_without_a_crash(client, customer, payload):
    cache.clear()
    answer = client.post(reverse("service:public_ticket_json"), json.dumps(payload), content_type="application/json")
    assert answer.status_code in (201, 400)
