"""Who may open the organisation pages: administrators do; anyone else gets 403 and a denied
write changes nothing (no row created or changed, no audit entry)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.core.models import AuditLog
from guanxi.org.models import Department, LoginEvent, PartnerOrganisation, Position, Role, User
from guanxi.org.tests.factories import UserFactory


def _admin_urls(org: Any) -> list[str]:
    role = Role.objects.get(code="sales_rep")
    position = Position.objects.create(name="客户经理", code="account-manager")
    rep = org["east_rep"]
    return [
        reverse("org:user_list"),
        reverse("org:user_create"),
        reverse("org:user_edit", args=[rep.pk]),
        reverse("org:user_password", args=[rep.pk]),
        reverse("org:user_deactivate", args=[rep.pk]),
        reverse("org:department_list"),
        reverse("org:department_create"),
        reverse("org:department_edit", args=[org.east.pk]),
        reverse("org:role_list"),
        reverse("org:role_create"),
        reverse("org:role_edit", args=[role.pk]),
        reverse("org:partner_list"),
        reverse("org:partner_create"),
        reverse("org:partner_edit", args=[org.agent.pk]),
        reverse("org:position_list"),
        reverse("org:position_create"),
        reverse("org:position_edit", args=[position.pk]),
        reverse("org:audit_list"),
        reverse("org:audit_export") + "?format=csv",
        reverse("org:login_list"),
        reverse("org:backup_list"),
    ]


def test_admin_opens_every_admin_page(admin_web, org):
    for url in _admin_urls(org):
        r = admin_web.get(url)
        assert r.status_code == 200, url


@pytest.mark.parametrize("who", ["east_rep", "nobody", "executive", "agent_rep"])
def test_people_without_the_permission_get_403_on_every_admin_page(org, who):
    c = Client()
    c.force_login(org[who])
    for url in _admin_urls(org):
        assert c.get(url).status_code == 403, (who, url)


def test_anonymous_visitors_are_sent_to_sign_in(org):
    c = Client()
    for url in _admin_urls(org):
        r = c.get(url)
        assert r.status_code == 302 and r["Location"].startswith(reverse("org:login")), url


def _state(org: Any) -> tuple[Any, ...]:
    """Everything a denied admin POST could touch."""
    return (
        AuditLog.objects.count(),
        sorted(User.objects.values_list("username", "is_active", "name", "password", "manager_id")),
        sorted((r.code, r.name, tuple(r.permissions), r.data_scope) for r in Role.objects.all()),
        sorted(Department.objects.values_list("name", "parent_id", "path", "manager_id")),
        sorted(PartnerOrganisation.objects.values_list("name", "is_active")),
        sorted(Position.objects.values_list("name", "code")),
        sorted(User.roles.through.objects.values_list("user_id", "role_id")),
    )


def test_a_sales_reps_admin_posts_are_refused_and_change_nothing(rep_web, org):
    # given the state of the organisation before
    role = Role.objects.get(code="sales_rep")
    position = Position.objects.create(name="客户经理", code="account-manager")
    admin_role = Role.objects.get(code="administrator")
    rep = org["east_rep"]
    before = _state(org)
    posts = [
        (
            reverse("org:user_create"),
            {"username": "intruder", "name": "X", "password": "Sunny-Garden-73", "language": "en"},
        ),
        (
            reverse("org:user_edit", args=[rep.pk]),
            {"name": "我自己", "language": "en", "roles": [admin_role.pk], "department": rep.department_id},
        ),
        (
            reverse("org:user_password", args=[org["admin"].pk]),
            {"new_password1": "Sunny-Garden-73", "new_password2": "Sunny-Garden-73"},
        ),
        (
            reverse("org:user_deactivate", args=[org["east_rep2"].pk]),
            {"successor": rep.pk, "confirm": "on"},
        ),
        (reverse("org:department_create"), {"name": "黑部门", "kind": "team", "parent": org.east.pk, "sort_order": 0}),
        (
            reverse("org:department_edit", args=[org.east.pk]),
            {"name": "改名", "kind": "department", "parent": org.west.pk, "sort_order": 0},
        ),
        (reverse("org:role_create"), {"name": "超级", "data_scope": "all", "perm": ["org.admin"]}),
        (
            reverse("org:role_edit", args=[role.pk]),
            {"name": "Sales rep", "data_scope": "all", "perm": role.permissions + ["org.admin"]},
        ),
        (reverse("org:partner_create"), {"name": "假代理", "kind": "agent", "is_active": "on"}),
        (reverse("org:partner_edit", args=[org.agent.pk]), {"name": "改名代理", "kind": "agent"}),
        (reverse("org:position_create"), {"name": "假职位", "code": "fake"}),
        (reverse("org:position_edit", args=[position.pk]), {"name": "改名职位", "code": "renamed"}),
    ]
    # when the rep sends each admin form
    for url, data in posts:
        # then each is refused with 403
        assert rep_web.post(url, data).status_code == 403, url
    # and nothing changed anywhere, the audit trail included
    assert _state(org) == before
    # and the export of the audit trail is refused without writing an export entry
    assert rep_web.get(reverse("org:audit_export"), {"format": "xlsx"}).status_code == 403
    assert _state(org) == before


def test_audit_viewers_see_the_trail_but_not_the_admin_pages_nor_the_export(org):
    # given someone of the sales-management office (audit.view, no org.admin, no audit.export)
    office = UserFactory(username="office", department=org.hq, roles=["sales_management"])
    c = Client()
    c.force_login(office)
    # then the audit trail opens, without an export button and without the admin sub-navigation
    r = c.get(reverse("org:audit_list"))
    assert r.status_code == 200 and not r.context["can_export"]
    assert [t["key"] for t in r.context["admin_tabs"]] == ["audit"]
    assert reverse("org:audit_export") not in r.content.decode()
    # and exporting and the admin pages are refused
    before = AuditLog.objects.count()
    assert c.get(reverse("org:audit_export"), {"format": "csv"}).status_code == 403
    assert AuditLog.objects.count() == before
    assert c.get(reverse("org:user_list")).status_code == 403
    assert c.get(reverse("org:login_list")).status_code == 403


def test_admins_see_one_organisation_entry_and_the_shared_sub_navigation(admin_web, rep_web, org):
    # when the admin opens any organisation page
    r = admin_web.get(reverse("org:role_list"))
    # then the left navigation has one Organisation entry pointing at the users page
    nav = [entry["item"].key for entry in r.context["nav_items"]]
    assert nav.count("org") == 1
    # and the sub-navigation lists every organisation page, the current one marked
    tabs = r.context["admin_tabs"]
    assert [t["key"] for t in tabs] == [
        "users",
        "departments",
        "roles",
        "partners",
        "positions",
        "audit",
        "access",
        "logins",
        "backups",
        "company",
        "webhooks",
        "mailboxes",
        "dictionaries",
        "custom_fields",
    ]
    assert [t["key"] for t in tabs if t["active"]] == ["roles"]
    assert 'aria-current="page"' in r.content.decode()
    # and a sales rep has no Organisation entry
    rep_nav = [entry["item"].key for entry in rep_web.get(reverse("org:profile")).context["nav_items"]]
    assert "org" not in rep_nav and "audit" not in rep_nav


def _queries_for(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_admin_lists_do_not_grow_queries_with_rows(admin_web, org):
    # given a few rows of each kind
    from guanxi.core.services import audit_record

    position = Position.objects.create(name="客户经理", code="account-manager")

    def add_people(prefix: str, n: int) -> None:
        for i in range(n):
            u = UserFactory(username=f"{prefix}{i}", department=org.east_team, roles=["sales_rep"], position=position)
            audit_record(actor=u, action="update", obj=u, changes={"department_id": [org.east.pk, org.east_team.pk]})
            LoginEvent.objects.create(user=u, username=u.username, success=True)

    add_people("few", 2)
    urls = [reverse(n) for n in ("org:user_list", "org:audit_list", "org:login_list", "org:department_list")]
    urls += [reverse("org:role_list"), reverse("org:partner_list"), reverse("org:position_list")]
    admin_web.get(urls[0])  # a session's first request stamps it (once a minute): not a cost of the page
    baseline = {url: _queries_for(admin_web, url) for url in urls}
    # when many more users (with roles, departments, positions), audit rows and login events exist
    add_people("many", 20)
    # then each page needs the same number of queries
    assert {url: _queries_for(admin_web, url) for url in urls} == baseline
