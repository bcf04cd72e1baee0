"""A user's notification settings under their account: the page (topics as switches, the daily digest) and the
REST API; each user changes only their own."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from guanxi.core.models import NotificationSettings
from guanxi.core.registry import NotificationTopic, registry
from guanxi.core.services import notify
from guanxi.org.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def topics(monkeypatch: Any) -> None:
    monkeypatch.setattr(registry, "notification_topics", [])
    registry.add_notification_topic(NotificationTopic(key="reminders", label="Reminders", kinds=("remind_",)))
    registry.add_notification_topic(NotificationTopic(key="news", label="News", kinds=("news",), help="What's new"))


def web(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_each_topic_as_a_switch_and_saves_the_choice(org, topics):
    rep = org["east_rep"]
    client = web(rep)
    # given the page, every topic is on and the digest off
    html = client.get("/account/notifications/").content.decode()
    assert 'name="receive" value="reminders" id="topic-reminders" checked' in html
    assert 'name="receive" value="news" id="topic-news" checked' in html and "What&#x27;s new" in html
    assert 'name="daily_digest" id="id_daily_digest">' in html
    # when the rep switches reminders off and the digest on
    response = client.post("/account/notifications/", {"receive": ["news"], "daily_digest": "on"})
    # then it is saved and a muted reminder is no longer created
    assert response.status_code == 302
    row = NotificationSettings.objects.get(user=rep)
    assert (row.daily_digest, row.muted) == (True, ["reminders"])
    assert notify(recipient=rep, kind="remind_overdue", title="Call") is None
    html = client.get("/account/notifications/").content.decode()
    assert 'value="reminders" id="topic-reminders">' in html and 'id="id_daily_digest" checked' in html


def test_an_unknown_topic_on_the_page_is_named_and_nothing_changes(org, topics):
    rep = org["east_rep"]
    response = web(rep).post("/account/notifications/", {"receive": ["news", "lottery"]})
    assert response.status_code == 200
    assert "lottery" in response.content.decode()
    assert not NotificationSettings.objects.filter(user=rep).exists()


def test_the_api_reads_and_replaces_my_settings_only(org, topics):
    rep = org["east_rep"]
    _token, secret = api_token_create(actor=rep, name="test")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    body = client.get("/api/v1/notifications/settings").json()
    assert body == {
        "daily_digest": False,
        "muted": [],
        "topics": [
            {"key": "reminders", "label": "Reminders", "muted": False},
            {"key": "news", "label": "News", "muted": False},
        ],
    }
    payload = json.dumps({"daily_digest": True, "muted": ["news"]})
    saved = client.put("/api/v1/notifications/settings", data=payload, content_type="application/json").json()
    assert saved["daily_digest"] is True and saved["muted"] == ["news"]
    assert not NotificationSettings.objects.exclude(user=rep).exists()
    # an unknown topic: 400 naming the field, and the saved settings stay
    bad = client.put(
        "/api/v1/notifications/settings",
        data=json.dumps({"muted": ["lottery"]}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and "muted" in bad.json()["error"]["fields"]
    row = NotificationSettings.objects.get(user=rep)
    assert (row.daily_digest, row.muted) == (True, ["news"])
