"""The agent's day (我的工作台) shows the open tickets they handle, the nearest resolution deadline first, each linked;
a resolved ticket leaves the card, and a rep who handles none sees no card."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.service import services

from .factories import make_ticket

pytestmark = pytest.mark.django_db


def _day(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.get("/customers/my-day/").content.decode()


def test_an_agent_sees_the_open_tickets_they_handle_nearest_deadline_first(people: Any, customer: Any) -> None:
    agent = people["agent"]
    low = make_ticket(agent, customer, subject="咨询保单批改", priority="low")
    urgent = make_ticket(agent, customer, subject="生产线控制器宕机", priority="urgent")
    for ticket in (low, urgent):
        services.ticket_assign(actor=people["service_manager"], ticket=ticket, owner=agent)
    others = make_ticket(agent, customer, subject="别人的请求")
    services.ticket_assign(actor=people["service_manager"], ticket=others, owner=people["agent2"])
    page = _day(agent)
    card = page.split('id="day-tickets"', 1)[1]
    assert card.index(urgent.number) < card.index(low.number) and others.number not in card
    assert f"/service/tickets/{urgent.pk}/" in card
    # once resolved, a ticket leaves the card
    urgent.refresh_from_db()
    services.ticket_transition(actor=agent, ticket=urgent, action="resolve", resolution="远程重启后恢复")
    card = _day(agent).split('id="day-tickets"', 1)[1]
    assert urgent.number not in card.split("</div>\n</div>", 1)[0] and low.number in card


def test_a_rep_who_handles_no_ticket_sees_no_card(people: Any, customer: Any) -> None:
    make_ticket(people["agent"], customer)
    assert 'id="day-tickets"' not in _day(people["east_rep"])
