"""Registrants' mobile numbers and e-mail addresses are personal data: in full for the marketing department
(marketing.view_personal) and the event's owner; masked (138****5678, z***@…) for everyone else who may read
registrations — in the list page, its export and the API — and a masked reader cannot find a registrant by
typing their number or address."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from guanxi.marketing import events
from guanxi.marketing.models import Event
from guanxi.marketing.privacy import mask_email, mask_mobile

pytestmark = pytest.mark.django_db

FULL_MOBILE, FULL_EMAIL = "13812345678", "zhoujie@yunqi.example"


@pytest.fixture
def event(people: Any) -> Event:
    data = {"name": "成都渠道大会", "kind": "exhibition", "starts_at": timezone.now() + dt.timedelta(days=3)}
    made = events.event_create(actor=people["marketer"], data=data)
    events.registration_submit(event=made, data={"name": "周杰", "mobile": FULL_MOBILE, "email": FULL_EMAIL})
    return made


def test_masks_keep_what_identifies_nobody():
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("138 1234 5678") == "138****5678"
    assert mask_mobile("+86 138 1234 5678") == "861****5678"
    assert mask_mobile("12345") == "***45" and mask_mobile("") == ""
    assert mask_email("zhoujie@yunqi.example") == "z***@yunqi.example" and mask_email("") == ""


@given(st.text(alphabet="0123456789 -+", max_size=30))
def test_a_masked_number_never_shows_more_than_seven_digits(number):
    masked = mask_mobile(number)
    digits = "".join(ch for ch in number if ch.isdigit())
    shown = sum(ch.isdigit() for ch in masked)
    assert shown <= (7 if len(digits) >= 8 else 2)
    assert not digits or digits not in masked or len(digits) <= 2


def _export(client: Any, event: Event) -> str:
    response = client.get(f"/lists/registrations/export/?event={event.pk}&fmt=csv")
    assert response.status_code == 200
    return response.content.decode("utf-8-sig")


def test_the_marketing_department_sees_them_in_full(client, people, event):
    client.force_login(people["marketer"])
    page = client.get(f"/marketing/events/registrations/?event={event.pk}").content.decode()
    assert FULL_MOBILE in page and FULL_EMAIL in page
    assert FULL_MOBILE in _export(client, event)
    found = client.get(f"/marketing/events/registrations/?q={FULL_MOBILE}").content.decode()
    assert "周杰" in found


def test_others_see_them_masked_in_the_list_the_export_and_the_search(client, people, event):
    client.force_login(people["executive"])  # may read and export marketing, not registrants' personal data
    page = client.get(f"/marketing/events/registrations/?event={event.pk}").content.decode()
    assert "周杰" in page and "138****5678" in page and "z***@yunqi.example" in page
    assert FULL_MOBILE not in page and FULL_EMAIL not in page
    rows = list(csv.reader(io.StringIO(_export(client, event))))
    assert any("138****5678" in row for row in rows)
    assert FULL_MOBILE not in str(rows) and FULL_EMAIL not in str(rows)
    # no probing by search: the number finds nobody, the name still does
    assert "周杰" not in client.get(f"/marketing/events/registrations/?q={FULL_MOBILE}").content.decode()
    assert "周杰" not in client.get("/marketing/events/registrations/?q=zhoujie@").content.decode()
    assert "周杰" in client.get("/marketing/events/registrations/?q=周杰").content.decode()


def test_the_events_owner_sees_them_in_full(client, people, event):
    Event.objects.filter(pk=event.pk).update(owner=people["executive"])
    client.force_login(people["executive"])
    page = client.get(f"/marketing/events/registrations/?event={event.pk}").content.decode()
    assert FULL_MOBILE in page and FULL_EMAIL in page


def test_the_api_masks_them_for_a_reader_without_the_right(client, people, event, api_token_for):
    url = f"/api/v1/events/{event.pk}/registrations"
    executive = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(people['executive'])}"}
    [item] = client.get(url, **executive).json()["items"]
    assert item["mobile"] == "138****5678" and item["email"] == "z***@yunqi.example"
    assert item["confirmation"] == "pending"
    marketer = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(people['marketer'])}"}
    [item] = client.get(url, **marketer).json()["items"]
    assert item["mobile"] == FULL_MOBILE and item["email"] == FULL_EMAIL


def test_a_reader_without_marketing_sees_no_registrations_at_all(client, people, event, api_token_for):
    client.force_login(people["nobody"])
    assert client.get(f"/marketing/events/registrations/?event={event.pk}").status_code == 403
    assert client.get(f"/lists/registrations/export/?event={event.pk}&fmt=csv").status_code == 403
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(people['nobody'])}"}
    assert client.get(f"/api/v1/events/{event.pk}/registrations", **auth).status_code == 403
