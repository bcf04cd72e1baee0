"""A draft contract shows who will approve it before it is submitted, as a draft quote does (page and API)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.commerce import services

pytestmark = pytest.mark.django_db


def test_draft_contract_names_its_approvers_before_submission(org: Any, execs: Any, customer: Any, api_as: Any) -> None:
    # given a large non-standard draft contract (the sales-management manager first, then a countersign)
    contract = services.contract_create(
        actor=org["east_rep"], customer=customer, data={"amount": "300000", "standard_template": False}
    )
    web = Client()
    web.force_login(org["east_rep"])
    # when its owner opens it, then the route card names the approvers of each step
    page = web.get(f"/commerce/contracts/{contract.pk}/").content.decode()
    assert 'id="route"' in page and "Who approves" in page
    assert str(execs["smm"]) in page and str(execs["president"]) in page
    # and the API answers the same route
    route = api_as(org["east_rep"]).call("get", f"/contracts/{contract.pk}/route").json()
    assert route["kind"] == "contract" and route["steps"][0]["approvers"][0]["id"] == execs["smm"].pk
    # once submitted the route card gives way to the approval itself
    services.contract_submit(actor=org["east_rep"], contract=contract)
    assert 'id="route"' not in web.get(f"/commerce/contracts/{contract.pk}/").content.decode()


def test_route_is_not_shown_to_a_reader_who_cannot_submit(org: Any, execs: Any, customer: Any, api_as: Any) -> None:
    # given a draft contract of east_rep, read by another rep of the department who may not edit it
    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "1000"})
    web = Client()
    web.force_login(org["east_rep2"])
    response = web.get(f"/commerce/contracts/{contract.pk}/")
    # then they see no route card (or not the contract at all)
    assert response.status_code == 404 or 'id="route"' not in response.content.decode()
    assert api_as(org["east_rep2"]).call("get", f"/contracts/{contract.pk}/route").status_code == 404
