"""The opportunity page asks commerce's OPPORTUNITY_ACTIONS port only when an app provides it."""

from __future__ import annotations

import pytest
from django.test import Client

from guanxi.core.ports import OPPORTUNITY_ACTIONS
from guanxi.core.registry import registry
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.opportunities import services

pytestmark = pytest.mark.django_db


def test_opportunity_page_without_an_actions_provider(org, monkeypatch):
    # given an open deal, and an installation where no app offers actions on opportunities
    opp = services.opportunity_create(
        actor=org["east_rep"], customer=CustomerFactory(owner=org["east_rep"]), data={"name": "新项目"}
    )
    client = Client()
    client.force_login(org["east_rep"])
    with_actions = client.get(f"/sales/opportunities/{opp.pk}/").content.decode()
    monkeypatch.delitem(registry.ports, OPPORTUNITY_ACTIONS)
    # when the rep opens the deal, then the page shows without the actions
    response = client.get(f"/sales/opportunities/{opp.pk}/")
    assert response.status_code == 200
    assert registry.optional_port(OPPORTUNITY_ACTIONS) is None
    page = response.content.decode()
    header_action = 'class="btn btn-outline-primary" href="/commerce/'  # the header's buttons (tabs have their own)
    assert "新项目" in page and header_action not in page
    # (with commerce providing them the same rep was offered a new quote and a new contract in the header)
    assert with_actions.count(header_action) == 2
