"""No lost updates (STYLE.md rule 16): many writers sending the same version at the same moment to a live
server — exactly one wins, the others get 412 and leave nothing behind, audit trail included."""

from __future__ import annotations

import json
import secrets
import urllib.request
from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from guanxi.core.models import AuditLog
from guanxi.customers.models import Contact, Customer
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.org.services import api_token_create

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 30


def audit_rows(obj: object, action: str) -> int:
    return AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk), action=action
    ).count()


def api_request(url: str, secret: str, method: str, body: dict | None, version: int) -> urllib.request.Request:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json", "If-Match": f'"{version}"'}
    return urllib.request.Request(url, data=data, method=method, headers=headers)


def test_parallel_patches_with_one_version_let_exactly_one_win(race_server, org):
    # given a customer at version 1 and 30 API clients that all read it at that version
    customer = CustomerFactory(owner=org["east_rep"], name="并发客户有限公司", remarks="")
    _token, secret = api_token_create(actor=org["east_rep"], name="race")
    url = f"{race_server.url}/api/v1/customers/{customer.pk}"
    requests = [api_request(url, secret, "PATCH", {"remarks": f"writer {i}"}, customer.version) for i in range(WRITERS)]
    # when they all send their PATCH at the same moment
    answers = race_server.fire(requests)
    # then exactly one succeeds and every other one is told the record changed (412), none fails otherwise
    statuses = Counter(status for status, _body in answers)
    assert statuses == {200: 1, 412: WRITERS - 1}, answers
    assert all(json.loads(body)["error"]["code"] == "precondition_failed" for status, body in answers if status == 412)
    # and the stored record is the winner's, one version further, with exactly one audit row
    winner = next(json.loads(body) for status, body in answers if status == 200)
    customer.refresh_from_db()
    assert customer.version == 2 and winner["version"] == 2
    assert customer.remarks == winner["remarks"]
    assert audit_rows(customer, AuditLog.Action.UPDATE) == 1


def test_parallel_edits_and_deletes_with_one_version_let_exactly_one_win(race_server, org):
    # given a contact at version 1; half the clients edit it, half delete it, all based on version 1
    contact = ContactFactory(customer=CustomerFactory(owner=org["east_rep"]), title="")
    _token, secret = api_token_create(actor=org["east_manager"], name="race")
    url = f"{race_server.url}/api/v1/contacts/{contact.pk}"
    requests = [
        api_request(url, secret, "PATCH", {"title": f"经理 {i}"}, contact.version)
        if i % 2
        else api_request(url, secret, "DELETE", None, contact.version)
        for i in range(WRITERS)
    ]
    # when they all write at the same moment
    answers = race_server.fire(requests)
    # then exactly one write lands (an edit or a delete); the rest are 412, or 404 when they arrived after a
    # delete had won (the contact is then in the recycle bin)
    statuses = Counter(status for status, _body in answers)
    assert statuses[200] + statuses[204] == 1, answers
    assert statuses[412] + statuses[404] == WRITERS - 1 and (statuses[204] or not statuses[404]), answers
    row = Contact.all_objects.get(pk=contact.pk)
    assert row.version == 2
    edits, deletes = audit_rows(row, AuditLog.Action.UPDATE), audit_rows(row, AuditLog.Action.DELETE)
    if statuses[204]:
        assert row.deleted_at is not None and row.title == "" and (edits, deletes) == (0, 1)
    else:
        assert row.deleted_at is None and row.title.startswith("经理") and (edits, deletes) == (1, 0)


def test_parallel_inline_edits_on_the_customer_list_let_exactly_one_win(race_server, org):
    # given a customer and a signed-in rep with several list tabs open at version 1 (a session and its CSRF token)
    customer = CustomerFactory(owner=org["east_rep"], status=Customer.Status.POTENTIAL)
    browser = Client()
    browser.force_login(org["east_rep"])
    csrf = secrets.token_hex(16)
    cookies = f"sessionid={browser.cookies['sessionid'].value}; csrftoken={csrf}"
    url = f"{race_server.url}/lists/customers/inline/{customer.pk}/status/"
    statuses = [Customer.Status.FOLLOWING, Customer.Status.DORMANT] * (WRITERS // 2)
    requests = [
        urllib.request.Request(
            url,
            data=f"value={status}&version={customer.version}".encode(),
            method="POST",
            headers={"Cookie": cookies, "X-CSRFToken": csrf, "HX-Request": "true"},
        )
        for status in statuses
    ]
    # when every tab saves a status at the same moment
    answers = race_server.fire(requests)
    # then one save lands; the others answer 412 with the saved value and the reason, and change nothing
    codes = Counter(status for status, _body in answers)
    assert codes == {200: 1, 412: WRITERS - 1}, answers
    refused = next(body.decode() for status, body in answers if status == 412)
    assert "changed by someone else" in refused
    customer.refresh_from_db()
    assert customer.version == 2 and customer.status in statuses
    assert audit_rows(customer, AuditLog.Action.UPDATE) == 1
