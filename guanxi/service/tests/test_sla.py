"""SLA with a controlled clock: due times in working hours across a weekend and across 国庆, the clock paused while
waiting for the customer, a warning before the breach and an escalation to the team manager on it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.core.models import Notification
from guanxi.service import services
from guanxi.service.models import SlaTarget, Ticket
from guanxi.service.sla import sla_check

from .factories import make_ticket

pytestmark = pytest.mark.django_db


def at(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args), timezone.get_current_timezone())


def test_the_default_targets_are_seeded():
    assert SlaTarget.objects.get(priority="urgent", customer_level="").resolution_hours == Decimal("4.0")


def test_due_times_skip_the_weekend(people, customer):
    # normal: first response within 4, resolution within 18 working hours (09:00–18:00)
    ticket = make_ticket(people["east_rep"], customer, priority="normal", now=at(2026, 12, 4, 16))  # a Friday
    assert ticket.first_response_due_at == at(2026, 12, 7, 11)  # Friday 2 h + Monday 2 h
    assert ticket.due_at == at(2026, 12, 8, 16)  # 2 + 9 + 7


def test_due_times_skip_national_day_and_count_the_make_up_saturday(people, customer):
    ticket = make_ticket(people["east_rep"], customer, priority="high", now=at(2026, 9, 30, 15))
    assert ticket.first_response_due_at == at(2026, 9, 30, 17)
    assert ticket.due_at == at(2026, 10, 8, 14)  # 3 h on Sep 30, nothing Oct 1–7, 5 h on Oct 8
    late = make_ticket(people["east_rep"], customer, priority="high", now=at(2026, 10, 9, 16))
    assert late.due_at == at(2026, 10, 10, 15)  # Saturday Oct 10 is a make-up working day (调休)


def test_a_target_for_the_customers_level_wins(people, customer):
    SlaTarget.objects.create(
        priority="normal", customer_level=customer.level, first_response_hours=1, resolution_hours=2
    )
    ticket = make_ticket(people["east_rep"], customer, priority="normal", now=at(2026, 12, 2, 10))
    assert ticket.due_at == at(2026, 12, 2, 12)


def test_waiting_for_the_customer_pauses_the_clock(people, customer):
    agent = people["agent"]
    ticket = make_ticket(agent, customer, priority="urgent", now=at(2026, 12, 4, 10))  # Friday, due 14:00
    assert ticket.due_at == at(2026, 12, 4, 14)
    ticket = services.ticket_transition(actor=agent, ticket=ticket, action="start", now=at(2026, 12, 4, 11))
    ticket = services.ticket_transition(actor=agent, ticket=ticket, action="wait", now=at(2026, 12, 4, 12))
    assert ticket.paused_at == at(2026, 12, 4, 12)
    # the customer answers on Monday at 10:00: 6 + 1 working hours paused, so due 7 working hours later
    ticket = services.ticket_transition(actor=agent, ticket=ticket, action="resume", now=at(2026, 12, 7, 10))
    assert ticket.paused_at is None
    assert ticket.due_at == at(2026, 12, 7, 12)
    # a paused ticket is not checked
    services.ticket_transition(actor=agent, ticket=ticket, action="wait", now=at(2026, 12, 7, 11))
    assert sla_check(now=at(2026, 12, 9, 12)) == {"warned": 0, "breached": 0}


def test_a_warning_before_and_an_escalation_to_the_team_manager_on_a_breach(people, customer):
    people.hq.manager = people["service_manager"]
    people.hq.save(update_fields=["manager"])
    ticket = make_ticket(people["east_rep"], customer, priority="urgent", now=at(2026, 12, 4, 10))
    services.ticket_assign(actor=people["service_manager"], ticket=ticket, owner=people["agent"])
    assert sla_check(now=at(2026, 12, 4, 12)) == {"warned": 0, "breached": 0}
    assert sla_check(now=at(2026, 12, 4, 13, 30)) == {"warned": 1, "breached": 0}
    assert Notification.objects.filter(recipient=people["agent"], kind="ticket_sla_warning").count() == 1
    assert sla_check(now=at(2026, 12, 4, 13, 45)) == {"warned": 0, "breached": 0}  # once
    assert sla_check(now=at(2026, 12, 4, 14, 5)) == {"warned": 0, "breached": 1}
    assert Notification.objects.filter(recipient=people["service_manager"], kind="ticket_sla_breached").exists()
    assert Notification.objects.filter(recipient=people["agent"], kind="ticket_sla_breached").exists()
    assert Ticket.objects.get(pk=ticket.pk).sla_breached_at == at(2026, 12, 4, 14, 5)
    assert sla_check(now=at(2026, 12, 4, 15)) == {"warned": 0, "breached": 0}  # once
