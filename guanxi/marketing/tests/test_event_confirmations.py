"""Event registration confirmations are sent by the worker from an outbox row, never in the visitor's request: by
e-mail through the real SMTP test server, by SMS when only a mobile was given, retried with a pause when the
server is down, given up after the last attempt, never sent twice; the registration stands whatever happens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from guanxi.marketing import confirmations, events
from guanxi.marketing.channels import LoggingProvider
from guanxi.marketing.models import Registration

pytestmark = pytest.mark.django_db


def _event(people: Any) -> Any:
    data = {"name": "杭州客户答谢会", "kind": "seminar", "venue": "西湖国宾馆",
            "starts_at": timezone.now() + dt.timedelta(days=5)}  # fmt: skip
    return events.event_create(actor=people["marketer"], data=data)


def test_the_confirmation_leaves_after_commit_by_email_with_the_code(
    client, people, smtp_server, django_capture_on_commit_callbacks
):
    cache.clear()
    event = _event(people)
    url = f"/marketing/e/{events.event_form_token(event)}/"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(url, {"name": "周杰", "email": "zhoujie@yunqi.example"})
    assert response.status_code == 200
    registration = Registration.objects.get()
    # nothing was sent in the request: the row is the outbox
    assert smtp_server.messages == [] and registration.confirmation == "pending"
    assert registration.confirmation_channel == "email" and queued
    for callback in queued:  # after commit: the task is queued (the test settings run tasks at once)
        callback()
    [mail] = smtp_server.messages
    assert mail["To"] == "zhoujie@yunqi.example" and registration.code in mail.get_body(("plain",)).get_content()
    assert "杭州客户答谢会" in mail["Subject"]
    registration.refresh_from_db()
    assert registration.confirmation == "sent" and registration.confirmation_provider_id.startswith("<")
    # the periodic job finds nothing more to send: never twice
    assert confirmations.confirmations_due() == {"sent": 0, "failed": 0}
    assert len(smtp_server.messages) == 1


def test_a_registrant_with_only_a_mobile_gets_an_sms(people, settings):
    settings.GUANXI_MARKETING_PROVIDERS = {}
    LoggingProvider.sent.clear()
    registration = events.registration_submit(event=_event(people), data={"name": "韩梅梅", "mobile": "13500135000"})
    assert registration.confirmation == "pending" and registration.confirmation_channel == "sms"
    assert confirmations.confirmations_due() == {"sent": 1, "failed": 0}
    [sms] = LoggingProvider.sent
    assert sms.to == "13500135000" and registration.code in sms.text and "杭州客户答谢会" in sms.text
    registration.refresh_from_db()
    assert registration.confirmation == "sent" and registration.confirmation_provider_id.startswith("log-")


def test_mail_down_keeps_the_registration_and_retries_until_it_goes_out(people, settings, smtp_server):
    settings.EMAIL_PORT = 1  # nothing listens there: the mail server is down
    event = _event(people)
    registration = events.registration_submit(event=event, data={"name": "李雷", "email": "lilei@example.com"})
    now = timezone.now()
    assert confirmations.confirmations_due(now=now) == {"sent": 0, "failed": 1}
    registration.refresh_from_db()
    assert registration.status == "registered" and registration.confirmation == "pending"
    assert registration.confirmation_attempts == 1 and registration.confirmation_error
    assert registration.confirmation_due_at == now + dt.timedelta(minutes=1)
    # not due yet: nothing is tried
    assert confirmations.confirmations_due(now=now + dt.timedelta(seconds=30)) == {"sent": 0, "failed": 0}
    settings.EMAIL_PORT = smtp_server.port  # the server is back
    assert confirmations.confirmations_due(now=now + dt.timedelta(minutes=2)) == {"sent": 1, "failed": 0}
    [mail] = smtp_server.messages
    assert mail["To"] == "lilei@example.com"
    registration.refresh_from_db()
    assert registration.confirmation == "sent" and registration.confirmation_attempts == 2


def test_after_the_last_attempt_the_confirmation_is_given_up(people, settings, smtp_server):
    settings.EMAIL_PORT = 1
    registration = events.registration_submit(event=_event(people), data={"name": "王五", "email": "w5@example.com"})
    when = timezone.now()
    for _attempt in range(confirmations.MAX_ATTEMPTS):
        assert confirmations.confirmations_due(now=when) == {"sent": 0, "failed": 1}
        when += dt.timedelta(days=1)
    registration.refresh_from_db()
    assert registration.confirmation == "failed" and registration.confirmation_due_at is None
    assert registration.confirmation_attempts == confirmations.MAX_ATTEMPTS
    assert confirmations.confirmations_due(now=when) == {"sent": 0, "failed": 0}


def test_a_claimed_confirmation_is_not_sent_by_a_second_sender(people, smtp_server):
    registration = events.registration_submit(event=_event(people), data={"name": "赵六", "email": "z6@example.com"})
    now = timezone.now()
    # the task claims the row; the periodic job running at the same moment finds it taken
    Registration.objects.filter(pk=registration.pk).update(confirmation_due_at=now + confirmations.CLAIM)
    assert confirmations.registration_confirmation_send(registration_id=registration.pk, now=now) is None
    assert smtp_server.messages == []
    # a sender that crashed after claiming: the row is due again after the claim period
    later = now + confirmations.CLAIM + dt.timedelta(seconds=1)
    assert confirmations.registration_confirmation_send(registration_id=registration.pk, now=later) is True
    assert len(smtp_server.messages) == 1


def test_the_confirmation_is_in_the_language_the_form_was_filled_in(client, people, smtp_server, settings):
    # given a site whose language is Chinese, and a visitor who switched the public form to English
    cache.clear()
    settings.LANGUAGE_CODE = "zh-hans"
    event = _event(people)
    url = f"/marketing/e/{events.event_form_token(event)}/"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.post(url, {"name": "Tom Li", "email": "tom@example.com"}).status_code == 200
    # and another who kept it Chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert client.post(url, {"name": "王磊", "email": "wanglei@example.com"}).status_code == 200
    assert confirmations.confirmations_due() == {"sent": 2, "failed": 0}
    # then each confirmation is written in the registrant's language, whatever the worker's is
    by_to = {m["To"]: m for m in smtp_server.messages}
    english, chinese = by_to["tom@example.com"], by_to["wanglei@example.com"]
    english_text = english.get_body(("plain",)).get_content()
    assert str(english["Subject"]).strip().startswith("Registration confirmed:") and "check-in code" in english_text
    assert "Registration confirmed" not in str(chinese["Subject"]) and "杭州客户答谢会" in str(chinese["Subject"])
    assert "check-in code" not in chinese.get_body(("plain",)).get_content()
    assert Registration.objects.get(email="tom@example.com").language == "en"
    # a language the site does not offer is not stored: the site's default applies
    other = events.registration_submit(event=event, data={"name": "X", "mobile": "13500135001"}, language="fr")
    assert other.language == ""
