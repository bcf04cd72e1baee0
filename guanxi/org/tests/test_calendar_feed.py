"""The personal calendar feed: a signed URL that needs no session, regenerated (the old one stops) or revoked,
closed accounts and tampered URLs get nothing, changes are audited; the account page offers it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.core.ical import CalendarEntry
from guanxi.core.models import AuditLog
from guanxi.core.registry import CalendarSource, registry
from guanxi.org.calendar import services
from guanxi.org.calendar.models import CalendarFeed

pytestmark = pytest.mark.django_db


def _mine(*, user: Any, start: dt.date, end: dt.date) -> list[CalendarEntry]:
    return [CalendarEntry(uid=f"probe-{user.pk}@guanxi", summary=f"probe of {user.username}", start=start)]


@pytest.fixture(autouse=True)
def _probe_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "calendar_sources", [CalendarSource(key="probe", label="Probe", entries=_mine)])


def _path(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_the_feed_needs_no_session_and_shows_the_owner_s_entries(org):
    feed = services.calendar_feed_regenerate(actor=org["east_rep"])
    response = Client().get(_path(services.feed_url(feed)))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert "BEGIN:VCALENDAR" in body and "SUMMARY:probe of east_rep" in body
    assert CalendarFeed.objects.get(pk=feed.pk).last_read_at is not None


def test_regenerating_stops_the_old_url_and_revoking_stops_all(org):
    rep = org["east_rep"]
    old = _path(services.feed_url(services.calendar_feed_regenerate(actor=rep)))
    new = _path(services.feed_url(services.calendar_feed_regenerate(actor=rep)))
    assert old != new
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    assert services.calendar_feed_revoke(actor=rep)
    assert Client().get(new).status_code == 404
    actions = list(
        AuditLog.objects.filter(actor=rep, content_type__model="calendarfeed").values_list("action", flat=True)
    )
    assert sorted(actions) == ["create", "delete", "update"]


@pytest.mark.parametrize("tamper", ["user", "nonce", "signature"])
def test_a_tampered_url_reads_nothing(org, tamper):
    feed = services.calendar_feed_regenerate(actor=org["east_rep"])
    services.calendar_feed_regenerate(actor=org["west_rep"])
    user_id, nonce, signature = services.feed_token(feed).split(".")
    if tamper == "user":
        user_id = str(org["west_rep"].pk)
    elif tamper == "nonce":
        nonce = "0" * len(nonce)
    else:
        signature = "0" * len(signature)
    assert Client().get(reverse("org:calendar_feed", args=[f"{user_id}.{nonce}.{signature}"])).status_code == 404


def test_a_closed_account_s_feed_reads_nothing(org):
    rep = org["east_rep"]
    url = _path(services.feed_url(services.calendar_feed_regenerate(actor=rep)))
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    assert Client().get(url).status_code == 404


def test_the_account_page_offers_create_copy_regenerate_and_revoke(org):
    web = Client()
    web.force_login(org["east_rep"])
    page = web.get(reverse("org:profile")).content.decode()
    assert reverse("org:calendar_feed_regenerate") in page and "calendar-url" not in page
    assert web.post(reverse("org:calendar_feed_regenerate")).status_code == 302
    page = web.get(reverse("org:profile")).content.decode()
    feed = CalendarFeed.objects.get(user=org["east_rep"])
    assert services.feed_url(feed) in page and 'data-copy="#calendar-url"' in page
    assert reverse("org:calendar_feed_revoke") in page
    assert web.post(reverse("org:calendar_feed_revoke")).status_code == 302
    assert not CalendarFeed.objects.exists()


def test_the_buttons_need_a_session_and_post(org):
    assert Client().post(reverse("org:calendar_feed_regenerate")).status_code == 302  # to the sign-in page
    web = Client()
    web.force_login(org["east_rep"])
    assert web.get(reverse("org:calendar_feed_regenerate")).status_code == 405
    assert not CalendarFeed.objects.exists()
