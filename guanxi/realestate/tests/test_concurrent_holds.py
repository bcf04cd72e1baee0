"""Agents racing for one unit (抢房): many hold requests for the same available unit sent at the same moment to a live
server — exactly one wins, every other one is told the unit is gone (409), and one hold is recorded, audit included.
Run on SQLite and on PostgreSQL (the conditional update decides, not a read before the write)."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType

from guanxi.core.models import AuditLog
from guanxi.org.services import api_token_create
from guanxi.realestate import services
from guanxi.realestate.models import Unit

pytestmark = pytest.mark.django_db(transaction=True)

AGENTS = 50


def test_many_agents_holding_one_unit_at_once_let_exactly_one_win(race_server, org, project):
    # given an available unit and fifty agents' requests to hold it for their own customer
    unit = Unit.objects.filter(building__project=project).order_by("pk").first()
    services.units_release(actor=org["admin"], unit_ids=[unit.pk])
    _token, secret = api_token_create(actor=org["admin"], name="race")
    url = f"{race_server.url}/api/v1/realestate/units/{unit.pk}/hold"
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    requests = [
        urllib.request.Request(url, data=json.dumps({"reason": f"客户{i}"}).encode(), method="POST", headers=headers)
        for i in range(AGENTS)
    ]
    # when they are all sent at the same moment
    answers = race_server.fire(requests)
    # then exactly one holds the unit and the others are refused with 409, none fails otherwise
    assert Counter(status for status, _body in answers) == {200: 1, 409: AGENTS - 1}, answers
    winner = next(json.loads(body) for status, body in answers if status == 200)
    unit.refresh_from_db()
    assert unit.status == Unit.Status.HELD == winner["status"] and unit.hold_reason in {
        f"客户{i}" for i in range(AGENTS)
    }
    # and the trail records one hold
    holds = AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Unit), object_id=str(unit.pk), changes__has_key="hold_reason"
    )
    assert holds.count() == 1


def test_many_agents_depositing_one_unit_at_once_let_exactly_one_win(race_server, org, project):
    """No double sale (一房多卖): fifty small deposits for fifty buyers on one unit at the same moment."""
    from decimal import Decimal

    from guanxi.customers.tests.factories import CustomerFactory
    from guanxi.realestate.models import Deposit, Receipt, Trade

    admin = org["admin"]
    unit = Unit.objects.filter(building__project=project).order_by("pk").first()
    services.units_release(actor=admin, unit_ids=[unit.pk])
    services.prices_set_base(actor=admin, unit_ids=[unit.pk], basis="total", base_price="2000000")
    buyers = [CustomerFactory(owner=admin) for _ in range(AGENTS)]
    _token, secret = api_token_create(actor=admin, name="race-deposit")
    url = f"{race_server.url}/api/v1/realestate/deposits"
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    expires = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    requests = [
        urllib.request.Request(url, method="POST", headers=headers, data=json.dumps(
            {"unit_id": unit.pk, "customer_id": b.pk, "amount": "20000", "expires_on": expires}).encode())
        for b in buyers
    ]  # fmt: skip
    answers = race_server.fire(requests)
    assert Counter(status for status, _body in answers) == {201: 1, 409: AGENTS - 1}, answers
    unit.refresh_from_db()
    assert unit.status == Unit.Status.DEPOSIT
    # one trade, one deposit, one receipt: the money of the losers was never taken
    assert Trade.objects.filter(unit=unit).count() == Deposit.objects.count() == Receipt.objects.count() == 1
    assert Receipt.objects.get().amount == Decimal("20000.00")
