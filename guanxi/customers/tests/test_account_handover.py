"""Closing an account hands the leaver's customers and open tasks over (org's deactivation, customers' hand-over)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guanxi.core.models import AuditLog
from guanxi.customers.models import Customer
from guanxi.customers.tests.factories import CustomerFactory, TaskFactory
from guanxi.org.models import ApiToken, User
from guanxi.org.tests.factories import PASSWORD


def test_deactivation_page_previews_what_moves(admin_web, org):
    # given the leaver owns two customers, one open and one done task, and manages a department
    leaver = org["east_manager"]
    CustomerFactory.create_batch(2, owner=leaver)
    TaskFactory(assignee=leaver)
    TaskFactory(assignee=leaver, done=True)
    # when the admin opens the deactivation page
    r = admin_web.get(reverse("org:user_deactivate", args=[leaver.pk]))
    # then the counts come from the customers app (through the registry) and org itself
    preview = dict(r.context["preview"])
    assert preview["Customers"] == 2
    assert preview["Open tasks"] == 1
    assert preview["Direct reports"] == 3
    assert preview["Departments managed"] == 1
    # and the leaver is not offered as their own successor
    assert leaver not in r.context["form"].fields["successor"].queryset


def test_deactivate_and_hand_over_moves_everything_in_one_step_and_blocks_sign_in(admin_web, org, client):
    # given a leaver with customers, open and done tasks, a direct report, a department and an API token
    leaver, successor = org["east_manager"], org["west_manager"]
    customers = CustomerFactory.create_batch(3, owner=leaver)
    open_task = TaskFactory(assignee=leaver)
    done_task = TaskFactory(assignee=leaver, done=True)
    token = ApiToken.objects.create(user=leaver, name="erp", key_prefix="gx_x", key_hash="h" * 64)
    other = Customer.objects.create(name="别人的客户", owner=org["west_rep"])

    # when the confirmation is missing, nothing happens
    r = admin_web.post(reverse("org:user_deactivate", args=[leaver.pk]), {"successor": successor.pk})
    assert r.status_code == 200 and "confirm" in r.context["form"].errors
    leaver.refresh_from_db()
    assert leaver.is_active

    # when the admin confirms with a successor
    r = admin_web.post(reverse("org:user_deactivate", args=[leaver.pk]), {"successor": successor.pk, "confirm": "on"})

    # then customers and open tasks belong to the successor, done tasks and others' records stay
    assert r.status_code == 302
    assert set(Customer.objects.filter(owner=successor)) == set(customers)
    open_task.refresh_from_db()
    done_task.refresh_from_db()
    other.refresh_from_db()
    assert open_task.assignee == successor and done_task.assignee == leaver and other.owner == org["west_rep"]
    # and staff and the managed department moved, the token is revoked, the account is closed
    east_staff = {org["east_rep"], org["east_rep2"], org["team_rep"]}
    assert set(User.objects.filter(manager=successor)) == east_staff | {org["west_rep"]}
    org.east.refresh_from_db()
    assert org.east.manager == successor
    token.refresh_from_db()
    assert token.revoked_at is not None
    leaver.refresh_from_db()
    assert not leaver.is_active
    # and one transfer entry for the account records it all
    entry = AuditLog.objects.get(action="transfer", object_id=str(leaver.pk), content_type__model="user")
    assert entry.changes["handed_over"]["customers"] == 3 and entry.changes["handed_over"]["tasks"] == 1
    assert entry.changes["managed_departments"] == [None, ["华东销售部"]]
    # and the leaver can no longer sign in
    r = client.post(reverse("org:login"), {"username": leaver.username, "password": PASSWORD})
    assert r.status_code == 200 and "User name or password is wrong" in r.content.decode()


def test_hand_over_is_one_step_a_failing_app_rolls_everything_back(org):
    # given customers to hand over and an app whose hand-over fails after the customers moved
    from guanxi.core.errors import InvalidStateError
    from guanxi.core.registry import HandoverKind, registry
    from guanxi.org.services import user_deactivate

    leaver, successor = org["east_rep"], org["east_rep2"]
    customers = CustomerFactory.create_batch(2, owner=leaver)

    def failing(**kwargs):
        raise InvalidStateError("contracts cannot move right now")

    kind = HandoverKind(key="failing", label="Failing", count=lambda **kw: 0, hand_over=failing, order=999)
    registry.add_handover_kind(kind)
    before = AuditLog.objects.count()
    try:
        # when the account is closed
        with pytest.raises(InvalidStateError):
            user_deactivate(actor=org["admin"], user=leaver, successor=successor)
    finally:
        registry.handover_kinds.remove(kind)
    # then nothing happened: customers stay, the account is open, no audit row remains
    assert set(Customer.objects.filter(owner=leaver)) == set(customers)
    leaver.refresh_from_db()
    assert leaver.is_active and AuditLog.objects.count() == before
