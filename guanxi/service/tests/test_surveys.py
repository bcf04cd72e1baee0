"""Satisfaction surveys: resolving a ticket opens one survey and e-mails its signed link; the customer answers
once without signing in, before the link expires; the answer lands on the ticket, the 360 tab, the list and the
CSAT metrics; a low score tells the service managers."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.core.errors import InvalidStateError, NotFoundError, ValidationFailed
from guanxi.core.models import AuditLog, Notification
from guanxi.core.registry import registry
from guanxi.service import services
from guanxi.service.surveys import services as surveys
from guanxi.service.surveys.models import Survey

from .factories import make_ticket

pytestmark = pytest.mark.django_db


def _resolved(people, customer, django_capture_on_commit_callbacks, **data):
    agent = people["agent"]
    contact = customer.contacts.first()
    ticket = make_ticket(people["east_rep"], customer, contact=contact.pk, **data)
    services.ticket_assign(actor=people["service_manager"], ticket=ticket, owner=agent)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_transition(actor=agent, ticket=ticket, action="resolve", resolution="更换了滤芯")
    return ticket


def _token(message_body: str) -> str:
    match = re.search(r"/service/survey/([^/\s]+)/", message_body)
    assert match, message_body
    return match.group(1)


def test_resolving_sends_one_survey_to_the_contact_with_a_signed_link(
    people, customer, django_capture_on_commit_callbacks
):
    ticket = _resolved(people, customer, django_capture_on_commit_callbacks)
    survey = Survey.objects.get(ticket=ticket)
    assert survey.email == "liming@hengxin.example" and survey.owner == people["agent"]
    assert survey.sent_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["liming@hengxin.example"]
    assert surveys.survey_from_token(_token(mail.outbox[0].body)).pk == survey.pk
    # closing, reopening and resolving again does not ask twice
    agent = people["agent"]
    services.ticket_transition(actor=agent, ticket=ticket, action="reopen")
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_transition(actor=agent, ticket=ticket, action="resolve")
    assert Survey.objects.filter(ticket=ticket).count() == 1 and len(mail.outbox) == 1


def test_a_ticket_without_a_contact_email_gets_a_survey_link_to_share(people, customer):
    agent = people["agent"]
    ticket = make_ticket(people["east_rep"], customer)
    services.ticket_transition(actor=agent, ticket=ticket, action="resolve", resolution="电话指导")
    survey = Survey.objects.get(ticket=ticket)
    assert survey.email == "" and survey.sent_at is None and not mail.outbox


def test_the_customer_answers_once_and_it_lands_on_the_ticket(people, customer, django_capture_on_commit_callbacks):
    ticket = _resolved(people, customer, django_capture_on_commit_callbacks)
    token = _token(mail.outbox[0].body)
    survey = surveys.survey_answer(token=token, score="5", comment="师傅很专业")
    assert (survey.score, survey.comment) == (5, "师傅很专业") and survey.answered_at is not None
    assert ticket.events.filter(text__contains="5/5").exists()
    assert AuditLog.objects.filter(object_id=str(survey.pk), changes__has_key="score").exists()
    with pytest.raises(InvalidStateError):
        surveys.survey_answer(token=token, score="1")
    survey.refresh_from_db()
    assert survey.score == 5  # the refused second answer changed nothing
    assert not Notification.objects.filter(kind="ticket_low_satisfaction").exists()


def test_a_low_score_tells_the_service_managers_and_the_agent(people, customer, django_capture_on_commit_callbacks):
    _resolved(people, customer, django_capture_on_commit_callbacks)
    surveys.survey_answer(token=_token(mail.outbox[0].body), score=1, comment="等了三天")
    told = Notification.objects.filter(kind="ticket_low_satisfaction").values_list("recipient__username", flat=True)
    told = set(told)
    assert told == {"svc_manager", "agent"}


def test_an_expired_or_forged_link_takes_no_answer(people, customer, django_capture_on_commit_callbacks):
    _resolved(people, customer, django_capture_on_commit_callbacks)
    token = _token(mail.outbox[0].body)
    later = timezone.now() + dt.timedelta(days=surveys.survey_days() + 1)
    with pytest.raises(InvalidStateError):
        surveys.survey_answer(token=token, score=4, now=later)
    with pytest.raises(NotFoundError):
        surveys.survey_answer(token=token[:-2] + "xx", score=4)
    survey = Survey.objects.get()
    survey.nonce = "0" * 32  # a withdrawn link (the survey's nonce changed) no longer opens it
    survey.save()
    with pytest.raises(NotFoundError):
        surveys.survey_from_token(token)
    assert Survey.objects.get().score is None


@settings(max_examples=25, deadline=None)
@given(score=st.one_of(st.none(), st.text(max_size=5), st.integers(-10, 10)), token=st.text(max_size=80))
def test_bad_input_is_refused_with_a_reason_never_a_crash(score, token):
    with contextlib.suppress(NotFoundError, ValidationFailed, InvalidStateError):
        surveys.survey_answer(token=token, score=score)


def test_the_public_page_answers_without_signing_in(client, people, customer, django_capture_on_commit_callbacks):
    ticket = _resolved(people, customer, django_capture_on_commit_callbacks)
    url = reverse("service:survey_public", args=[_token(mail.outbox[0].body)])
    page = client.get(url + "?score=4")
    assert page.status_code == 200 and ticket.number in page.content.decode()
    assert 'value="4" checked' in page.content.decode()
    assert client.post(url, {"score": "9"}).status_code == 400
    assert Survey.objects.get().score is None
    answered = client.post(url, {"score": "4", "comment": "不错"})
    assert answered.status_code == 200 and Survey.objects.get().score == 4
    assert client.get(url).status_code == 200
    assert client.get(reverse("service:survey_public", args=["nonsense"])).status_code == 404


def test_results_show_on_the_ticket_the_360_tab_the_list_and_the_metrics(
    client, people, customer, django_capture_on_commit_callbacks
):
    ticket = _resolved(people, customer, django_capture_on_commit_callbacks)
    surveys.survey_answer(token=_token(mail.outbox[0].body), score=2, comment="太慢了")
    client.force_login(people["service_manager"])
    page = client.get(reverse("service:ticket_detail", args=[ticket.pk])).content.decode()
    assert "data-csat-score" in page and "太慢了" in page
    tab = client.get(reverse("customers:detail", args=[customer.pk]) + "?tab=service").content.decode()
    assert "customer-csat" in tab
    listing = client.get(reverse("service:survey_list") + "?scene=low").content.decode()
    assert ticket.number in listing
    today = timezone.localdate()
    metrics = registry.metrics
    by_agent = metrics["csat_average"].compute(
        user=people["service_manager"], date_from=today, date_to=today, group_by="owner"
    )
    assert by_agent == {people["agent"].pk: Decimal("2.00")}
    share = metrics["csat"].compute(user=people["service_manager"], date_from=today, date_to=today, group_by="type")
    assert share == {"claim": Decimal("0.00")}
    # a rep who may not see the ticket gets no figure from it
    hidden = metrics["csat_average"].compute(user=people["west_rep"], date_from=today, date_to=today, group_by="total")
    assert hidden == {}
