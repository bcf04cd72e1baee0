"""User administration pages: list and filters, open an account, edit, reset a password,
deactivate and hand over."""

from __future__ import annotations

from django.urls import reverse

from guanxi.core.models import AuditLog
from guanxi.org.models import Position, Role, User
from guanxi.org.tests.factories import PASSWORD, UserFactory


def _new_actions(before: int) -> list[str]:
    return sorted(AuditLog.objects.order_by("id")[before:].values_list("action", flat=True))


# --- list -------------------------------------------------------------------------------------
def _rows(response) -> str:
    """The list's rows only (the page also names people elsewhere, e.g. the successor choice of "Close accounts")."""
    html = response.content.decode()
    start = html.index('id="list-rows"') if 'id="list-rows"' in html else len(html)
    return html[start : html.find("</tbody>", start)]


def test_user_list_searches_filters_by_department_tree_role_and_status(admin_web, org):
    # given a closed account in the east department
    UserFactory(username="gone", department=org.east, is_active=False, roles=["sales_rep"])
    url = reverse("org:user_list")

    # when the admin filters by the east department (its team included)
    body = _rows(admin_web.get(url, {"department": org.east.pk}))
    # then east and east-team people are listed, west people and closed accounts are not
    assert "east_rep" in body and "team_rep" in body
    assert "west_rep" not in body and "gone" not in body

    # when searching by user name part and role
    body = _rows(admin_web.get(url, {"q": "west", "role": Role.objects.get(code="department_manager").pk}))
    assert "west_manager" in body and "west_rep" not in body and "east_manager" not in body

    # when asking for closed accounts (the tab, or the old status filter)
    for query in ({"scene": "closed"}, {"status": "closed"}):
        body = _rows(admin_web.get(url, query))
        assert "gone" in body and "east_rep" not in body

    # and each tab counts its accounts under the filters shown
    r = admin_web.get(url, {"department": org.east.pk})
    counts = {scene.key: n for scene, n, _exact in r.context["scene_counts"]}
    assert counts["closed"] == 1 and counts["all"] == counts["active"] + 1


def test_user_list_bad_filter_values_are_named_not_500(admin_web, org):
    # when the filters carry junk
    r = admin_web.get(reverse("org:user_list"), {"department": "abc", "status": "weird", "role": "99999999"})
    # then the page says which filters it ignored and lists the accounts without them
    body = r.content.decode()
    assert r.status_code == 200
    assert "Department" in " ".join(r.context["warnings"]) and "Role" in " ".join(r.context["warnings"])
    assert "Status" in " ".join(r.context["warnings"])
    assert "east_rep" in _rows(r) and "was ignored" in body
    # and an absurd page number still renders
    assert admin_web.get(reverse("org:user_list"), {"page": "999999"}).status_code == 200


def test_admin_closes_accounts_in_bulk_through_the_handover(admin_web, org):
    # given two reps who leave, one already closed account, and the admin's own account ticked by mistake
    gone = UserFactory(username="gone", department=org.east, is_active=False, roles=["sales_rep"])
    ids = [org["east_rep"].pk, org["east_rep2"].pk, gone.pk, org["admin"].pk]
    before = AuditLog.objects.count()
    # when the admin closes them, handing everything to the east manager
    r = admin_web.post(
        reverse("lists:bulk", args=["users", "deactivate"]),
        {"ids": ids, "successor": org["east_manager"].pk, "next": reverse("org:user_list")},
        follow=True,
    )
    # then the two reps are closed, each through the handover (one transfer row each), the others untouched
    assert r.status_code == 200
    assert not User.objects.get(pk=org["east_rep"].pk).is_active
    assert not User.objects.get(pk=org["east_rep2"].pk).is_active
    assert User.objects.get(pk=org["admin"].pk).is_active
    assert _new_actions(before).count("transfer") == 2
    # and the message counts what was done and skipped
    assert "Closed 2 accounts" in r.content.decode() and "skipped 2" in r.content.decode()


def test_closing_in_bulk_needs_a_successor_and_the_admin_right(admin_web, rep_web, org):
    ids = [org["east_rep2"].pk]
    before = AuditLog.objects.count()
    # without a successor nothing is closed, and the message says what is missing
    r = admin_web.post(reverse("lists:bulk", args=["users", "deactivate"]), {"ids": ids}, follow=True)
    assert "Choose another, active user to take over." in r.content.decode()
    # a rep may not close accounts at all: 403, nothing changed, nothing audited
    r = rep_web.post(reverse("lists:bulk", args=["users", "deactivate"]), {"ids": ids, "successor": org["east_rep"].pk})
    assert r.status_code == 403
    assert User.objects.get(pk=org["east_rep2"].pk).is_active
    assert AuditLog.objects.count() == before


def test_the_user_list_exports_for_administrators_only(admin_web, rep_web, org):
    # given a west rep whose name no east colleague shares (the factory's random names may coincide)
    User.objects.filter(pk=org["west_rep"].pk).update(name="华西独有的名字")
    # when the admin exports the east department's accounts as CSV
    before = AuditLog.objects.count()
    r = admin_web.get(reverse("lists:export", args=["users"]), {"department": org.east.pk, "fmt": "csv"})
    # then the file lists them (formula-safe, by core.export) and the export is on the audit trail
    text = r.content.decode("utf-8-sig")
    assert r.status_code == 200 and "华东销售部" in text
    assert str(org["east_rep"].display_name) in text and "华西独有的名字" not in text
    assert _new_actions(before) == ["export"]
    # and a rep may not export it
    assert rep_web.get(reverse("lists:export", args=["users"]), {"fmt": "csv"}).status_code == 403


# --- create -----------------------------------------------------------------------------------
def test_admin_opens_an_account_with_every_field(admin_web, org):
    # given a position and the sales rep role
    position = Position.objects.create(name="客户经理", code="account-manager")
    rep_role = Role.objects.get(code="sales_rep")
    before = AuditLog.objects.count()

    # when the admin submits the new-user form
    r = admin_web.post(
        reverse("org:user_create"),
        {
            "username": "zhang.san",
            "name": "张三",
            "email": "zhang.san@example.com",
            "phone": "13800138000",
            "department": org.east_team.pk,
            "position": position.pk,
            "manager": org["east_manager"].pk,
            "partner_org": org.agent.pk,
            "roles": [rep_role.pk],
            "language": "en",
            "password": "Sunny-Garden-73",
        },
    )

    # then the account exists with everything set and the browser goes to its page
    user = User.objects.get(username="zhang.san")
    assert r.status_code == 302 and r["Location"] == reverse("org:user_edit", args=[user.pk])
    assert (user.name, user.email, user.phone, user.language) == ("张三", "zhang.san@example.com", "13800138000", "en")
    assert (user.department, user.position, user.manager, user.partner_org) == (
        org.east_team,
        position,
        org["east_manager"],
        org.agent,
    )
    assert list(user.roles.all()) == [rep_role]
    assert user.check_password("Sunny-Garden-73")
    # and the audit trail has the opening and the role grant, never the password hash
    assert _new_actions(before) == ["create", "permission"]
    created = AuditLog.objects.get(action="create", object_id=str(user.pk))
    assert "password" not in created.changes and user.password not in str(created.changes)


def test_opening_an_account_refuses_weak_password_and_duplicate_name(admin_web, org):
    before = (User.objects.count(), AuditLog.objects.count())
    base = {"name": "李四", "language": "zh-hans", "roles": []}

    # when the password is too weak
    r = admin_web.post(reverse("org:user_create"), {**base, "username": "li.si", "password": "12345678"})
    # then the form says so under the password field and nothing is written
    assert r.status_code == 200
    assert "password" in r.context["form"].errors

    # when the user name exists already (in another case)
    r = admin_web.post(reverse("org:user_create"), {**base, "username": "EAST_REP", "password": "Sunny-Garden-73"})
    assert "username" in r.context["form"].errors
    # when the user name is too long or has spaces
    r = admin_web.post(reverse("org:user_create"), {**base, "username": "x y" * 60, "password": "Sunny-Garden-73"})
    assert r.status_code == 200 and "username" in r.context["form"].errors
    assert (User.objects.count(), AuditLog.objects.count()) == before


# --- edit -------------------------------------------------------------------------------------
def test_editing_a_user_records_field_changes_and_role_changes_separately(admin_web, org):
    rep = org["east_rep"]
    manager_role = Role.objects.get(code="business_manager")
    before = AuditLog.objects.count()

    # when the admin changes the phone only
    data = {
        "name": rep.name,
        "email": rep.email,
        "phone": "13911112222",
        "department": rep.department_id,
        "manager": rep.manager_id,
        "roles": [r.pk for r in rep.roles.all()],
        "language": rep.language,
    }
    r = admin_web.post(reverse("org:user_edit", args=[rep.pk]), data)
    # then one update row holds old → new
    assert r.status_code == 302
    assert _new_actions(before) == ["update"]
    entry = AuditLog.objects.latest("id")
    assert entry.changes == {"phone": ["", "13911112222"]}

    # when the admin adds a role
    before = AuditLog.objects.count()
    admin_web.post(reverse("org:user_edit", args=[rep.pk]), {**data, "roles": data["roles"] + [manager_role.pk]})
    # then one permission-change row names the role codes before and after
    assert _new_actions(before) == ["permission"]
    entry = AuditLog.objects.latest("id")
    assert entry.changes["roles"] == [["sales_rep"], ["business_manager", "sales_rep"]]
    assert set(rep.roles.values_list("code", flat=True)) == {"sales_rep", "business_manager"}


def test_a_user_cannot_become_their_own_managers_manager(admin_web, org):
    # given east_manager manages east_rep
    boss, rep = org["east_manager"], org["east_rep"]
    before = AuditLog.objects.count()
    # when the admin makes east_rep the manager of east_manager (a loop)
    r = admin_web.post(
        reverse("org:user_edit", args=[boss.pk]),
        {"name": boss.name, "manager": rep.pk, "language": "en", "department": boss.department_id},
    )
    # then the form refuses it and nothing changes
    assert r.status_code == 200 and "manager" in r.context["form"].errors
    boss.refresh_from_db()
    assert boss.manager is None and AuditLog.objects.count() == before


def test_unknown_user_id_is_404(admin_web, org):
    assert admin_web.get(reverse("org:user_edit", args=[999999])).status_code == 404
    assert admin_web.get("/org/users/99999999999999999999999/").status_code == 404


def test_removing_the_last_administrator_role_is_refused(admin_web, org):
    # given the admin is the only user with org.admin
    admin = org["admin"]
    before = AuditLog.objects.count()
    # when they remove their own administrator role
    r = admin_web.post(
        reverse("org:user_edit", args=[admin.pk]),
        {"name": admin.name, "language": "en", "department": admin.department_id, "roles": []},
    )
    # then it is refused with a message, and the role stays
    assert r.status_code == 200
    assert "At least one active user must keep the right" in r.content.decode()
    assert admin.roles.filter(code="administrator").exists()
    assert AuditLog.objects.count() == before


# --- password reset ---------------------------------------------------------------------------
def test_admin_resets_a_password_and_the_user_signs_in_with_it(admin_web, org, client):
    rep = org["east_rep"]
    before = AuditLog.objects.count()
    url = reverse("org:user_password", args=[rep.pk])

    # when the two passwords differ, nothing happens
    r = admin_web.post(url, {"new_password1": "Blue-Mountain-58", "new_password2": "Blue-Mountain-59"})
    assert r.status_code == 200 and "new_password2" in r.context["form"].errors
    # when they match
    r = admin_web.post(url, {"new_password1": "Blue-Mountain-58", "new_password2": "Blue-Mountain-58"})
    # then the new password works, the old one does not, and one masked audit row is written
    assert r.status_code == 302
    rep.refresh_from_db()
    assert rep.check_password("Blue-Mountain-58") and not rep.check_password(PASSWORD)
    assert _new_actions(before) == ["update"]
    assert AuditLog.objects.latest("id").changes == {"password": ["***", "***"]}
    assert (
        client.post(reverse("org:login"), {"username": "east_rep", "password": "Blue-Mountain-58"}).status_code == 302
    )


# --- deactivate and hand over -----------------------------------------------------------------
def test_a_signed_in_leaver_is_signed_out_by_deactivation(admin_web, org):
    # given the leaver has an open session
    from django.test import Client

    leaver_web = Client()
    leaver_web.force_login(org["east_rep"])
    assert leaver_web.get(reverse("org:profile")).status_code == 200
    # when the admin closes the account
    admin_web.post(
        reverse("org:user_deactivate", args=[org["east_rep"].pk]), {"successor": org["east_rep2"].pk, "confirm": "1"}
    )
    # then the next request of that session goes to the sign-in page
    r = leaver_web.get(reverse("org:profile"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("org:login"))


def test_admin_cannot_close_own_account_or_hand_over_to_a_closed_one(admin_web, org):
    closed = UserFactory(username="closed", is_active=False)
    before = AuditLog.objects.count()
    # when the admin tries to close their own account
    r = admin_web.post(
        reverse("org:user_deactivate", args=[org["admin"].pk]), {"successor": org["east_rep"].pk, "confirm": "1"}
    )
    assert r.status_code == 200 and "cannot close your own account" in r.content.decode()
    # when the successor is a closed account
    r = admin_web.post(
        reverse("org:user_deactivate", args=[org["east_rep"].pk]), {"successor": closed.pk, "confirm": "1"}
    )
    assert r.status_code == 200 and "successor" in r.context["form"].errors
    # then nobody was closed and no audit row was written
    assert User.objects.filter(username__in=["admin", "east_rep"], is_active=True).count() == 2
    assert AuditLog.objects.count() == before


def test_closed_account_page_does_not_offer_deactivation_again(admin_web, org):
    closed = UserFactory(username="closed2", is_active=False)
    r = admin_web.get(reverse("org:user_deactivate", args=[closed.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("org:user_edit", args=[closed.pk])
