"""Departments tree, roles with their permission matrix, partner organisations and positions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guanxi.core.errors import ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.org import services
from guanxi.org.models import DataScope, Department, PartnerOrganisation, Position, Role
from guanxi.org.policies import MODULES, has_permission, hidden_modules


def _new_actions(before: int) -> list[str]:
    return sorted(AuditLog.objects.order_by("id")[before:].values_list("action", flat=True))


# --- departments ------------------------------------------------------------------------------
def test_department_tree_lists_parents_before_children_with_depth(admin_web, org):
    # given a second team under west, created after everything else
    services.department_create(actor=org["admin"], name="华西一组", parent=org.west, kind=Department.Kind.TEAM)

    # when the admin opens the tree
    r = admin_web.get(reverse("org:department_list"))

    # then each department follows its parent, indented one level deeper
    tree = [(d.name, depth) for d, depth in r.context["tree"]]
    assert tree == [("总部", 0), ("华东销售部", 1), ("华东一组", 2), ("华西销售部", 1), ("华西一组", 2)]
    assert 'style="--gx-depth: 2"' in r.content.decode()


def test_admin_creates_a_sub_department_with_review_switch(admin_web, org):
    before = AuditLog.objects.count()
    # when the admin adds a team under west with customer review on
    r = admin_web.post(
        reverse("org:department_create"),
        {
            "name": "华西二组",
            "kind": "team",
            "parent": org.west.pk,
            "manager": org["west_manager"].pk,
            "requires_customer_review": "on",
            "sort_order": 3,
        },
    )
    # then it exists under west with its path, manager and switch, and one create row is written
    assert r.status_code == 302
    team = Department.objects.get(name="华西二组")
    assert team.parent == org.west and team.path == f"{org.west.path}{team.pk}/"
    assert team.manager == org["west_manager"] and team.requires_customer_review and team.sort_order == 3
    assert _new_actions(before) == ["create"]


def test_moving_a_department_moves_its_subtree_paths(admin_web, org):
    # when the admin moves the east department (with its team) under west
    before = AuditLog.objects.count()
    r = admin_web.post(
        reverse("org:department_edit", args=[org.east.pk]),
        {"name": org.east.name, "kind": "department", "parent": org.west.pk, "sort_order": 0},
    )
    # then east and its team sit under west, the team's path included
    assert r.status_code == 302
    org.east.refresh_from_db()
    org.east_team.refresh_from_db()
    assert org.east.path == f"{org.west.path}{org.east.pk}/"
    assert org.east_team.path == f"{org.east.path}{org.east_team.pk}/"
    assert _new_actions(before) == ["update"]
    assert AuditLog.objects.latest("id").changes["parent"] == ["总部", "华西销售部"]


def test_a_department_cannot_move_under_its_own_subtree(admin_web, org):
    before = AuditLog.objects.count()
    # when the admin picks the east team as the new parent of east (the form does not offer it)
    r = admin_web.post(
        reverse("org:department_edit", args=[org.east.pk]),
        {"name": org.east.name, "kind": "department", "parent": org.east_team.pk, "sort_order": 0},
    )
    # then the form refuses it and nothing changes
    assert r.status_code == 200 and "parent" in r.context["form"].errors
    parent_choices = [pk for pk, _label in r.context["form"].fields["parent"].choices]
    assert org.east_team.pk not in parent_choices and org.east.pk not in parent_choices
    org.east.refresh_from_db()
    assert org.east.parent == org.hq and AuditLog.objects.count() == before
    # and the service refuses it too, whoever calls it
    with pytest.raises(ValidationFailed):
        services.department_update(actor=org["admin"], department=org.east, data={"parent": org.east_team})


# --- roles ------------------------------------------------------------------------------------
def test_role_matrix_draws_checkboxes_only_for_actions_a_module_has(admin_web, org):
    role = Role.objects.get(code="sales_rep")
    r = admin_web.get(reverse("org:role_edit", args=[role.pk]))
    body = r.content.decode()
    # then each module's own actions have a checkbox, checked when granted
    assert 'name="perm" value="customers.view" checked' in body
    assert 'name="perm" value="customers.delete">' in body
    assert 'name="perm" value="org.admin">' in body
    # and there is no checkbox for an action a module lacks
    assert 'value="org.create"' not in body and 'value="audit.delete"' not in body
    columns = [c["action"] for c in r.context["matrix"]["columns"]]
    rows = {row["code"]: row for row in r.context["matrix"]["rows"]}
    assert set(rows) == set(MODULES) - hidden_modules()  # an app switched off (real estate) shows none
    org_cells = dict(zip(columns, rows["org"]["cells"], strict=True))
    assert org_cells["create"] is None and org_cells["admin"]["perm"] == "org.admin"
    # and the users holding the role are listed
    assert {u.username for u in r.context["holders"]} == {"east_rep", "east_rep2", "team_rep", "west_rep"}


def test_admin_edits_a_roles_permissions_and_scope_as_a_permission_change(admin_web, org):
    role = Role.objects.get(code="sales_rep")
    before = AuditLog.objects.count()
    # when the admin grants customers.delete, drops customers.export and widens the scope
    perms = [p for p in role.permissions if p != "customers.export"] + ["customers.delete"]
    r = admin_web.post(
        reverse("org:role_edit", args=[role.pk]),
        {"name": "Sales rep", "description": "一线销售", "data_scope": DataScope.DEPARTMENT, "perm": perms},
    )
    # then the role has exactly those permissions and holders get them at once
    assert r.status_code == 302
    role.refresh_from_db()
    assert set(role.permissions) == set(perms) and role.data_scope == DataScope.DEPARTMENT
    rep = type(org["east_rep"]).objects.get(pk=org["east_rep"].pk)
    assert has_permission(rep, "customers.delete") and not has_permission(rep, "customers.export")
    # and one permission-change row holds old → new
    assert _new_actions(before) == ["permission"]
    changes = AuditLog.objects.latest("id").changes
    assert "customers.delete" in changes["permissions"][1] and "customers.export" in changes["permissions"][0]
    assert changes["data_scope"] == ["self", "department"]


def test_unknown_permission_in_a_post_is_refused(admin_web, org):
    role = Role.objects.get(code="sales_rep")
    before = (list(role.permissions), AuditLog.objects.count())
    r = admin_web.post(
        reverse("org:role_edit", args=[role.pk]),
        {"name": "Sales rep", "data_scope": "self", "perm": ["customers.view", "customers.fly"]},
    )
    assert r.status_code == 200 and "Unknown permissions" in r.content.decode()
    role.refresh_from_db()
    assert (role.permissions, AuditLog.objects.count()) == before


def test_taking_org_admin_from_the_only_admin_role_is_refused(admin_web, org):
    role = Role.objects.get(code="administrator")
    r = admin_web.post(
        reverse("org:role_edit", args=[role.pk]),
        {"name": role.name, "data_scope": "all", "perm": [p for p in role.permissions if p != "org.admin"]},
    )
    assert r.status_code == 200 and "At least one active user must keep the right" in r.content.decode()
    role.refresh_from_db()
    assert "org.admin" in role.permissions


def test_admin_creates_a_role_named_in_chinese(admin_web, org):
    before = AuditLog.objects.count()
    # when the admin creates a role without a code
    r = admin_web.post(
        reverse("org:role_create"),
        {
            "name": "区域经理",
            "description": "",
            "data_scope": "department_tree",
            "code": "",
            "perm": ["customers.view"],
        },
    )
    # then its code comes from the pinyin of the name, and it has what was ticked
    role = Role.objects.get(name="区域经理")
    assert r.status_code == 302 and r["Location"] == reverse("org:role_edit", args=[role.pk])
    assert role.code == "quyujingli" and role.permissions == ["customers.view"] and not role.is_system
    # and the audit trail has the role's creation and its grant
    assert _new_actions(before) == ["create", "permission"]


def test_role_list_shows_data_scope_and_active_holders(admin_web, org):
    r = admin_web.get(reverse("org:role_list"))
    counts = {role.code: role.user_count for role in r.context["roles"]}
    assert counts["sales_rep"] == 4 and counts["administrator"] == 1 and counts["finance"] == 0


# --- partner organisations and positions ------------------------------------------------------
def test_admin_creates_and_edits_a_partner_organisation(admin_web, org):
    before = AuditLog.objects.count()
    r = admin_web.post(
        reverse("org:partner_create"), {"name": "苏州联营公司", "kind": "joint_venture", "is_active": "on"}
    )
    partner = PartnerOrganisation.objects.get(name="苏州联营公司")
    assert r.status_code == 302 and partner.kind == "joint_venture" and partner.is_active
    assert _new_actions(before) == ["create"]

    before = AuditLog.objects.count()
    r = admin_web.post(
        reverse("org:partner_edit", args=[partner.pk]), {"name": "苏州联营公司", "kind": "joint_venture"}
    )
    partner.refresh_from_db()
    assert r.status_code == 302 and not partner.is_active
    assert _new_actions(before) == ["update"]
    assert AuditLog.objects.latest("id").changes == {"is_active": [True, False]}

    # a duplicate name is shown on the form, not a 500
    r = admin_web.post(reverse("org:partner_create"), {"name": org.agent.name, "kind": "agent"})
    assert r.status_code == 200 and r.context["form"].errors


def test_admin_creates_and_renames_a_position(admin_web, org):
    before = AuditLog.objects.count()
    r = admin_web.post(reverse("org:position_create"), {"name": "销售总监", "code": ""})
    position = Position.objects.get(name="销售总监")
    assert r.status_code == 302 and position.code == "xiaoshouzongjian"
    assert _new_actions(before) == ["create"]

    before = AuditLog.objects.count()
    admin_web.post(reverse("org:position_edit", args=[position.pk]), {"name": "销售副总监", "code": position.code})
    position.refresh_from_db()
    assert position.name == "销售副总监" and _new_actions(before) == ["update"]
    r = admin_web.get(reverse("org:position_list"))
    assert r.status_code == 200 and "销售副总监" in r.content.decode()
