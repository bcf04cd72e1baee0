"""Events: the public registration form (honeypot, rate limit, signed link, a confirmation e-mail with the code,
one seat per person, capacity), check-in by code and from the list, attendance → leads tagged with the campaign,
the event page's figures; refusals change nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from guanxi.core.errors import InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.marketing import campaigns, events
from guanxi.marketing.leads import campaign_lead_ref
from guanxi.marketing.models import Event, Registration
from guanxi.sales.models import Lead

pytestmark = pytest.mark.django_db


def _event(people, **extra):
    campaign = campaigns.campaign_create(actor=people["marketer"], data={"name": "2026秋季新品发布"})
    data = {"name": "上海新品研讨会", "kind": "seminar", "campaign": campaign.pk, "venue": "上海国际会议中心",
            "starts_at": timezone.now() + dt.timedelta(days=7), **extra}  # fmt: skip
    return events.event_create(actor=people["marketer"], data=data)


def test_a_visitor_registers_gets_the_code_by_email_and_is_checked_in_by_it_becoming_a_lead(
    client, people, smtp_server, django_capture_on_commit_callbacks
):
    cache.clear()
    event = _event(people)
    url = f"/marketing/e/{events.event_form_token(event)}/"
    page = client.get(url)
    assert page.status_code == 200 and "上海新品研讨会" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"name": "周杰", "company": "杭州云栖科技", "email": "Zhoujie@yunqi.example",
                                     "mobile": "13600136000"})  # fmt: skip
    assert response.status_code == 200
    registration = Registration.objects.get()
    assert registration.code in response.content.decode() and registration.email == "zhoujie@yunqi.example"
    [mail] = smtp_server.messages
    assert mail["To"] == "zhoujie@yunqi.example" and registration.code in mail.get_body(("plain",)).get_content()
    # the same person registering again keeps one seat
    client.post(url, {"name": "周杰", "mobile": "13600136000"})
    assert Registration.objects.count() == 1
    # at the door: the code (typed in lower case, with spaces) checks them in and makes a lead of the campaign
    code = re.sub(r"(....)", r"\1 ", registration.code).lower()
    checked = events.registration_check_in_by_code(actor=people["marketer"], event=event, code=code)
    assert checked.status == "attended" and checked.checked_in_by == people["marketer"]
    lead = Lead.objects.get()
    assert lead.referral == campaign_lead_ref(event.campaign) and lead.source == "exhibition"
    assert lead.person_name == "周杰" and lead.company_name == "杭州云栖科技" and checked.lead == lead
    # a second check-in changes nothing
    events.registration_check_in(actor=people["marketer"], registration=checked)
    assert Lead.objects.count() == 1
    figures = events.event_figures(event, leads=Lead.objects.all())
    assert (figures.registered, figures.attended, figures.leads) == (1, 1, 1)
    # the campaign counts the attendee as its lead
    from guanxi.marketing.leads import campaign_leads

    assert campaign_leads(event.campaign, leads=Lead.objects.all()).total == 1


def test_the_public_form_drops_bots_limits_the_rate_and_refuses_a_forged_link(client, people, settings):
    cache.clear()
    settings.GUANXI_EVENT_REGISTRATION_RATE = 2
    event = _event(people)
    url = f"/marketing/e/{events.event_form_token(event)}/"
    trapped = client.post(url, {"name": "bot", "email": "bot@spam.example", "website": "http://spam.example"})
    assert trapped.status_code == 200 and Registration.objects.count() == 0
    bad = client.post(url, {"name": "李雷"})  # neither mobile nor e-mail
    assert bad.status_code == 400 and Registration.objects.count() == 0
    assert client.post(url, {"name": "韩梅梅", "mobile": "13500135000"}).status_code == 429
    assert Registration.objects.count() == 0
    assert client.get(f"/marketing/e/{event.pk}:forged/").status_code == 404


def test_capacity_closed_registration_and_refusals_change_nothing(people):
    event = _event(people, capacity=1)
    events.registration_submit(event=event, data={"name": "甲", "mobile": "13100131000"})
    with pytest.raises(InvalidStateError):
        events.registration_submit(event=event, data={"name": "乙", "mobile": "13100131001"})
    events.event_update(actor=people["marketer"], event=event, data={"capacity": 0, "registration_open": False})
    with pytest.raises(InvalidStateError):
        events.registration_submit(event=event, data={"name": "乙", "mobile": "13100131001"})
    assert Registration.objects.count() == 1
    with pytest.raises(ValidationFailed) as bad:
        events.event_create(actor=people["marketer"], data={"name": "x", "starts_at": "next week"})
    assert "starts_at" in bad.value.fields
    with pytest.raises(ValidationFailed) as bad:
        events.registration_check_in_by_code(actor=people["marketer"], event=event, code="NOPE")
    assert "code" in bad.value.fields
    registration = Registration.objects.get()
    with pytest.raises(PermissionDeniedError):  # a rep reads marketing but does not check people in
        events.registration_check_in(actor=people["east_rep"], registration=registration)
    registration.refresh_from_db()
    assert registration.status == "registered" and Lead.objects.count() == 0
    with pytest.raises(PermissionDeniedError):
        events.event_create(actor=people["east_rep"], data={"name": "x", "starts_at": timezone.now()})
    assert Event.objects.count() == 1


def test_the_event_pages_and_the_registration_list_check_in(client, people):
    event = _event(people)
    a = events.registration_submit(event=event, data={"name": "甲", "mobile": "13100131000"})
    b = events.registration_submit(event=event, data={"name": "乙", "mobile": "13100131001"})
    client.force_login(people["marketer"])
    assert client.get("/marketing/events/").status_code == 200
    page = client.get(f"/marketing/events/{event.pk}/").content.decode()
    assert 'id="figure-registered"' in page and events.event_form_url(event) in page
    listing = client.get(f"/marketing/events/registrations/?event={event.pk}").content.decode()
    assert "甲" in listing and "乙" in listing
    # the registrations are the events' own page: the menu marks Events, not Segments
    assert 'data-nav-key="events" aria-current="page"' in listing
    assert 'data-nav-key="segments" aria-current' not in listing
    response = client.post("/lists/registrations/bulk/check_in/", {"ids": [a.pk]})
    assert response.status_code in (200, 302)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == "attended" and b.status == "registered"
    response = client.post(f"/marketing/events/{event.pk}/check-in/", {"code": b.code})
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.status == "attended" and Lead.objects.count() == 2
    client.force_login(people["east_rep"])
    assert client.post(f"/marketing/events/{event.pk}/check-in/", {"code": "X"}).status_code == 403
    form = {"name": "y", "kind": "seminar", "starts_at": "2027-01-01T10:00"}
    assert client.post("/marketing/events/new/", form).status_code == 403 and Event.objects.count() == 1


def test_events_and_greetings_over_the_api(client, people, api_token_for):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(people['marketer'])}"}
    body = {"name": "广州展会", "kind": "exhibition", "starts_at": "2027-03-01T09:30:00+08:00", "capacity": 100}
    made = client.post("/api/v1/events", body, content_type="application/json", **auth)
    assert made.status_code == 201, made.content
    event = Event.objects.get()
    assert made.json()["registration_url"] == events.event_form_url(event)
    registration = events.registration_submit(event=event, data={"name": "甲", "email": "jia@example.cn"})
    wrong = client.post(f"/api/v1/events/{event.pk}/check-in", {"code": "ZZZZ"}, content_type="application/json",
                        **auth)  # fmt: skip
    assert wrong.status_code == 400 and "code" in wrong.json()["error"]["fields"]
    done = client.post(f"/api/v1/events/{event.pk}/check-in", {"code": registration.code},
                       content_type="application/json", **auth)  # fmt: skip
    assert done.status_code == 200 and done.json()["status"] == "attended" and done.json()["lead_id"]
    figures = client.get(f"/api/v1/events/{event.pk}/figures", **auth).json()
    assert figures["registered"] == 1 and figures["attended"] == 1
    listed = client.get(f"/api/v1/events/{event.pk}/registrations", **auth).json()
    assert listed["count"] == 1 and listed["items"][0]["code"] == registration.code
    greeting = {"name": "生日祝福", "occasion": "birthday", "channel": "sms", "body": "{{ name }}，生日快乐",
                "call_levels": ["A"]}  # fmt: skip
    assert client.post("/api/v1/greetings", greeting, content_type="application/json", **auth).status_code == 201
    rep = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(people['east_rep'])}"}
    assert client.post("/api/v1/events", body, content_type="application/json", **rep).status_code == 403
    assert client.post("/api/v1/greetings", greeting, content_type="application/json", **rep).status_code == 403
    assert Event.objects.count() == 1


def test_the_public_form_of_a_closed_event_says_so_and_takes_nothing(client, people):
    cache.clear()
    event = _event(people, registration_open=False)
    url = f"/marketing/e/{events.event_form_token(event)}/"
    assert "本活动已停止报名" in client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    client.post(url, {"name": "甲", "mobile": "13100131000"})
    assert Registration.objects.count() == 0
