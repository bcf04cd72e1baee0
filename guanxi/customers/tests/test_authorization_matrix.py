"""The authorisation matrix: every default role × the customer endpoints × whose record it is.

The expectations are written out by hand from the requirement documents' roles (not derived from the code):
what each role may do, and how far it reaches. Every denied write must change nothing.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from guanxi.core.models import AuditLog
from guanxi.customers.models import Contact, Customer, FollowUp
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory
from guanxi.org.services import api_token_create
from guanxi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OWN, SAME_DEPT, OTHER_DEPT, PARTNER = "own", "same_dept", "other_dept", "partner"
RECORDS = (OWN, SAME_DEPT, OTHER_DEPT, PARTNER)

# Which records each scope reaches. The partner record is owned by an agent's user who sits in the actor's
# department, so department scopes see it; "own and subordinates'" reaches only own here (the actors manage nobody).
REACH = {
    "self": {OWN},
    "department": {OWN, SAME_DEPT, PARTNER},
    "department_tree": {OWN, SAME_DEPT, PARTNER},
    "all": {OWN, SAME_DEPT, OTHER_DEPT, PARTNER},
}

# role: (reach, may edit, may delete, may export, may log follow-ups)
ROLES = {
    "sales_rep": ("self", True, False, True, True),
    "channel_rep": ("self", True, False, True, True),
    "business_manager": ("department", True, False, True, True),
    "department_manager": ("department_tree", True, True, True, True),
    "department_assistant": ("department", True, False, True, True),
    "sales_management": ("all", True, True, True, True),
    "executive": ("all", False, False, True, False),
    "service_agent": ("all", False, False, False, True),
    "marketing": ("all", False, False, True, False),
    "finance": ("all", False, False, False, False),
    "implementation": ("all", False, False, False, False),
    "administrator": ("all", True, True, True, True),
}


@pytest.fixture
def world(org):
    """An actor per role in the east department, and one customer (with a contact) of each kind."""
    actors = {role: UserFactory(username=f"m_{role}", department=org.east, roles=[role]) for role in ROLES}
    colleague = UserFactory(username="colleague", department=org.east, roles=["sales_rep"])
    owners = {SAME_DEPT: colleague, OTHER_DEPT: org["west_rep"], PARTNER: org["agent_rep"]}
    records = {}
    for role, actor in actors.items():
        per_actor = {OWN: CustomerFactory(owner=actor, name=f"{role}自己的客户")}
        records[role] = per_actor
    shared = {kind: CustomerFactory(owner=owner, name=f"{kind}客户") for kind, owner in owners.items()}
    for customer in shared.values():
        ContactFactory(customer=customer)
    for per_actor in records.values():
        ContactFactory(customer=per_actor[OWN])
        per_actor.update(shared)
    return actors, records


def client_for(user) -> Client:
    _token, secret = api_token_create(actor=user, name="matrix")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def expected_status(allowed_action: bool, reaches: bool, ok: int) -> int:
    if not allowed_action:
        return 403
    return ok if reaches else 404


@pytest.mark.parametrize("role", list(ROLES))
def test_customer_endpoints_follow_the_matrix(world, role):
    actors, records = world
    scope, may_edit, may_delete, may_export, may_follow_up = ROLES[role]
    reach = REACH[scope]
    api = client_for(actors[role])

    # list: of the four records, exactly the reachable ones (other actors' records may be listed too)
    listed = {c["id"] for c in api.get("/api/v1/customers?limit=200").json()["items"]}
    assert {k for k in RECORDS if records[role][k].pk in listed} == reach

    for kind in RECORDS:
        customer = records[role][kind]
        reaches = kind in reach
        # read
        assert api.get(f"/api/v1/customers/{customer.pk}").status_code == (200 if reaches else 404), kind
        contact = Contact.objects.filter(customer=customer).first()
        assert api.get(f"/api/v1/contacts/{contact.pk}").status_code == (200 if reaches else 404), kind

        # edit: allowed, or nothing changes
        before_audit = AuditLog.objects.count()
        r = api.patch(
            f"/api/v1/customers/{customer.pk}", data=json.dumps({"remarks": "matrix"}), content_type="application/json"
        )
        assert r.status_code == expected_status(may_edit, reaches, 200), (kind, r.content)
        customer.refresh_from_db()
        if r.status_code != 200:
            assert customer.remarks == "" and AuditLog.objects.count() == before_audit

        # log a follow-up: allowed, or nothing is written
        before = FollowUp.objects.count()
        r = api.post(
            "/api/v1/follow-ups",
            data=json.dumps({"customer_id": customer.pk, "content": "电话"}),
            content_type="application/json",
        )
        # (a customer id in the body that the user cannot reach is a field error, not a missing URL)
        assert r.status_code == (expected_status(may_follow_up, True, 201) if reaches or not may_follow_up else 400), (
            kind,
            r.content,
        )
        if r.status_code == 400:
            assert "customer_id" in r.json()["error"]["fields"]
        if r.status_code != 201:
            assert FollowUp.objects.count() == before

        # delete (soft): allowed, or the customer stays
        before_audit = AuditLog.objects.count()
        r = api.delete(f"/api/v1/customers/{customer.pk}")
        assert r.status_code == expected_status(may_delete, reaches, 204), (kind, r.content)
        if r.status_code == 204:
            Customer.all_objects.filter(pk=customer.pk).update(deleted_at=None)  # put it back for the next checks
        else:
            assert Customer.objects.filter(pk=customer.pk).exists() and AuditLog.objects.count() == before_audit

    # export
    before_exports = AuditLog.objects.filter(action="export").count()
    r = api.get("/api/v1/customers/export?format=csv")
    assert r.status_code == (200 if may_export else 403)
    assert AuditLog.objects.filter(action="export").count() == before_exports + (1 if may_export else 0)


def test_user_without_any_role_is_refused_everywhere(org):
    customer = CustomerFactory(owner=org["east_rep"])
    api = client_for(org["nobody"])
    assert api.get("/api/v1/customers").status_code == 403
    assert api.get(f"/api/v1/customers/{customer.pk}").status_code == 403
    r = api.post("/api/v1/customers", data=json.dumps({"name": "无权公司"}), content_type="application/json")
    assert r.status_code == 403
    assert not Customer.objects.filter(name="无权公司").exists()
