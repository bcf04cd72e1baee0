"""The authorisation matrix for opportunities: every default role × list/read/edit/move/close/delete/export × whose
deal it is (own / a colleague's in the same department / another department's).

The expectations are written out by hand from the roles of the requirement documents, not derived from the code:
reps work their own deals; business and department managers their department's (and delete, reassign, confirm
and export them); the department assistant reads the department's deals to confirm closings; the sales-management
office and executives read and export everything; service, marketing, finance and implementation staff do not
see deals. Every denied write must change nothing, audit trail included.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from guanxi.core.models import AuditLog
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.services import api_token_create
from guanxi.org.tests.factories import UserFactory
from guanxi.sales.models import Opportunity, Stage, StageChange
from guanxi.sales.opportunities import services

pytestmark = pytest.mark.django_db

OWN, SAME_DEPT, OTHER_DEPT = "own", "same_dept", "other_dept"
RECORDS = (OWN, SAME_DEPT, OTHER_DEPT)

REACH = {
    "self": {OWN},
    "department": {OWN, SAME_DEPT},
    "department_tree": {OWN, SAME_DEPT},
    "all": {OWN, SAME_DEPT, OTHER_DEPT},
    None: set(),  # no opportunities.view: every call is 403
}

# role: (reach, may edit / move / close, may delete, may export)
ROLES = {
    "sales_rep": ("self", True, False, False),
    "channel_rep": ("self", True, False, False),
    "business_manager": ("department", True, True, True),
    "department_manager": ("department_tree", True, True, True),
    "department_assistant": ("department", False, False, False),
    "sales_management": ("all", False, False, True),
    "executive": ("all", False, False, True),
    "service_agent": (None, False, False, False),
    "marketing": (None, False, False, False),
    "finance": (None, False, False, False),
    "implementation": (None, False, False, False),
    "administrator": ("all", True, True, True),
}


@pytest.fixture
def world(org):
    """An actor per role in the east department; a deal of their own, a colleague's and a west rep's."""
    admin = org["admin"]
    actors = {role: UserFactory(username=f"m_{role}", department=org.east, roles=[role]) for role in ROLES}
    colleague = UserFactory(username="colleague", department=org.east, roles=["sales_rep"])

    def deal(owner, name):
        opp = services.opportunity_create(
            actor=admin, customer=CustomerFactory(owner=admin), data={"name": name, "amount": "1000"}
        )
        # the owner is set directly: roles without opportunities.view may not be given a deal by the service
        Opportunity.objects.filter(pk=opp.pk).update(owner=owner, department=owner.department)
        return Opportunity.objects.get(pk=opp.pk)

    shared = {SAME_DEPT: deal(colleague, "同部门商机"), OTHER_DEPT: deal(org["west_rep"], "外部门商机")}
    records = {role: {OWN: deal(actor, f"{role}自己的商机"), **shared} for role, actor in actors.items()}
    return actors, records


def client_for(user) -> Client:
    _token, secret = api_token_create(actor=user, name="matrix")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def expected_status(allowed_action: bool, reaches: bool, ok: int) -> int:
    if not allowed_action:
        return 403
    return ok if reaches else 404


def post(api: Client, url: str, body: dict) -> object:
    return api.post(url, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("role", list(ROLES))
def test_opportunity_endpoints_follow_the_matrix(world, role):
    actors, records = world
    scope, may_edit, may_delete, may_export = ROLES[role]
    reach = REACH[scope]
    api = client_for(actors[role])

    # list: of the three deals, exactly the reachable ones
    response = api.get("/api/v1/opportunities?limit=200")
    if scope is None:
        assert response.status_code == 403
    else:
        listed = {o["id"] for o in response.json()["items"]}
        assert {k for k in RECORDS if records[role][k].pk in listed} == reach

    for kind in RECORDS:
        opp = records[role][kind]
        reaches = kind in reach
        url = f"/api/v1/opportunities/{opp.pk}"
        # read
        assert api.get(url).status_code == expected_status(scope is not None, reaches, 200), kind

        # edit: allowed, or nothing changes
        audits = AuditLog.objects.count()
        r = api.patch(url, data=json.dumps({"next_step": "matrix"}), content_type="application/json")
        assert r.status_code == expected_status(may_edit, reaches, 200), (kind, r.content)
        opp.refresh_from_db()
        if r.status_code != 200:
            assert opp.next_step == "" and AuditLog.objects.count() == audits

        # move to the next stage: allowed, or the stage, its history and the audit trail stay as they were
        second = opp.pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("sort_order")[1]
        audits, history = AuditLog.objects.count(), StageChange.objects.filter(opportunity=opp).count()
        r = post(api, f"{url}/move", {"stage_id": second.pk})
        assert r.status_code == expected_status(may_edit, reaches, 200), (kind, r.content)
        opp.refresh_from_db()
        if r.status_code != 200:
            assert opp.stage_id != second.pk
            assert StageChange.objects.filter(opportunity=opp).count() == history
            assert AuditLog.objects.count() == audits

        # close won: allowed (then reopened for the next checks), or the deal stays open
        audits = AuditLog.objects.count()
        r = post(api, f"{url}/close", {"outcome": "won"})
        assert r.status_code == expected_status(may_edit, reaches, 200), (kind, r.content)
        opp.refresh_from_db()
        if r.status_code == 200:
            assert opp.status == Opportunity.Status.WON
            services.opportunity_reopen(actor=actors["administrator"], opportunity=opp)
        else:
            assert opp.status == Opportunity.Status.OPEN and AuditLog.objects.count() == audits

        # delete (soft): allowed (then put back), or the deal stays
        audits = AuditLog.objects.count()
        r = api.delete(url)
        assert r.status_code == expected_status(may_delete, reaches, 204), (kind, r.content)
        if r.status_code == 204:
            assert not Opportunity.objects.filter(pk=opp.pk).exists()
            Opportunity.all_objects.filter(pk=opp.pk).update(deleted_at=None)
        else:
            assert Opportunity.objects.filter(pk=opp.pk).exists() and AuditLog.objects.count() == audits

    # export: allowed with exactly the reachable deals, audited; or refused and not audited
    exports = AuditLog.objects.filter(action="export").count()
    r = api.get("/api/v1/opportunities/export?format=csv")
    assert r.status_code == (200 if may_export else 403)
    assert AuditLog.objects.filter(action="export").count() == exports + (1 if may_export else 0)
    if may_export:
        text = r.content.decode("utf-8-sig")
        assert {k for k in RECORDS if records[role][k].name in text} == reach


def test_user_without_any_role_is_refused_everywhere(org):
    opp = services.opportunity_create(actor=org["admin"], customer=CustomerFactory(owner=org["admin"]), data={})
    api = client_for(org["nobody"])
    assert api.get("/api/v1/opportunities").status_code == 403
    assert api.get(f"/api/v1/opportunities/{opp.pk}").status_code == 403
    r = post(api, "/api/v1/opportunities", {"customer_id": opp.customer_id, "name": "无权商机"})
    assert r.status_code in (400, 403)
    assert not Opportunity.objects.filter(name="无权商机").exists()
