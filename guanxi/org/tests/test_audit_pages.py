"""The audit trail page (filters, paging, old → new, export) and the login history page."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guanxi.core import context
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record
from guanxi.org import services
from guanxi.org.models import LoginEvent, Role
from guanxi.org.tests.factories import UserFactory


def _entry(actor, action="update", obj=None, changes=None, message="", at=None):
    entry = audit_record(actor=actor, action=action, obj=obj, changes=changes or {}, message=message)
    if at is not None:
        AuditLog.objects.filter(pk=entry.pk).update(at=at)
    return entry


def test_audit_trail_bad_filters_are_named_not_500(admin_web, org):
    for params in [
        {"actor": "abc"},
        {"date_from": "2024-13-45"},
        {"object_type": "999999"},
        {"action": "fly"},
        {"q": "x" * 5000},
        {"page": "-1"},
    ]:
        r = admin_web.get(reverse("org:audit_list"), params)
        assert r.status_code == 200, params
    # a value that cannot work is named on the page, and the list shows without it
    r = admin_web.get(reverse("org:audit_list"), {"date_from": "2024-13-45", "action": "fly"})
    warnings = " ".join(r.context["warnings"])
    assert "Date" in warnings and "Action" in warnings


def test_audit_trail_filters_by_actor_action_type_and_dates(admin_web, org):
    # given entries by two people on two days
    old = _entry(org["east_rep"], "other", message="old one", at=timezone.now() - dt.timedelta(days=10))
    new = _entry(org["west_rep"], "other", message="new one")
    url = reverse("org:audit_list")

    def shown(**params):
        return {e.pk for e in admin_web.get(url, {"action": "other", **params}).context["page"].object_list}

    # then each filter narrows the rows, the date range inclusive of its days
    assert shown() == {old.pk, new.pk}
    assert shown(actor=org["west_rep"].pk) == {new.pk}
    assert shown(date_to=(timezone.localdate() - dt.timedelta(days=10)).isoformat()) == {old.pk}
    assert shown(date_from=timezone.localdate().isoformat()) == {new.pk}
    assert shown(q="old") == {old.pk}


def test_audit_trail_pages_through_many_rows(admin_web, org):
    for i in range(55):
        _entry(org["admin"], "other", message=f"row {i}")
    r = admin_web.get(reverse("org:audit_list"), {"action": "other"})
    assert r.context["page"].paginator.count == 55 and len(r.context["page"].object_list) == 50
    r2 = admin_web.get(reverse("org:audit_list"), {"action": "other", "page": 2})
    assert len(r2.context["page"].object_list) == 5
    assert "page=2" in r.content.decode()


def test_the_export_takes_the_filters_shown_and_is_audited(admin_web, org):
    # given the audit trail filtered on one action
    _entry(org["east_rep"], "other", message="to export")
    r = admin_web.get(reverse("org:audit_list"), {"action": "other"})
    # then its export link carries the filters
    assert f"{reverse('org:audit_export')}?action=other&amp;format=xlsx" in r.content.decode()
    # and the export writes one EXPORT entry naming them
    before = AuditLog.objects.count()
    text = admin_web.get(reverse("org:audit_export"), {"action": "other", "format": "csv"}).content.decode("utf-8-sig")
    assert "to export" in text
    entry = AuditLog.objects.order_by("id")[before]
    assert entry.action == "export" and entry.changes["filters"][1] == {"action": "other"}


def test_audit_view_scope_narrows_to_the_actors_in_reach(org):
    # given a role that may read the audit trail of its own department only
    role = Role.objects.create(code="dept_auditor", name="Auditor", permissions=["audit.view"], data_scope="department")
    auditor = UserFactory(username="auditor", department=org.west, roles=[])
    auditor.roles.add(role)
    mine = _entry(org["west_rep"], "other", message="west")
    _entry(org["east_rep"], "other", message="east")
    c = Client()
    c.force_login(auditor)
    # then only entries by people of the auditor's department are listed
    r = c.get(reverse("org:audit_list"))
    assert [e.pk for e in r.context["page"].object_list] == [mine.pk]


def test_export_with_bad_filters_goes_back_with_a_message_and_writes_nothing(admin_web, org):
    before = AuditLog.objects.count()
    r = admin_web.get(reverse("org:audit_export"), {"format": "csv", "date_from": "nope"}, follow=True)
    assert r.status_code == 200 and "Some filters are not valid" in r.content.decode()
    assert AuditLog.objects.count() == before


# --- login history ----------------------------------------------------------------------------
def test_login_history_lists_every_attempt_with_filters(admin_web, org):
    # given attempts from two addresses, one failed, one for an unknown name, one long ago
    with context.bind(ip="192.168.1.20", user_agent="Firefox"):
        services.login_record(username="east_rep", user=org["east_rep"], success=True)
        services.login_record(username="east_rep", user=org["east_rep"], success=False, reason="bad_credentials")
    with context.bind(ip="10.9.9.9"):
        services.login_record(username="ghost", user=None, success=False, reason="bad_credentials")
        old = services.login_record(username="west_rep", user=org["west_rep"], success=True)
    LoginEvent.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=10))
    url = reverse("org:login_list")

    def names(**params):
        r = admin_web.get(url, params)
        assert r.status_code == 200
        return sorted((e.username, e.success) for e in r.context["page"].object_list)

    assert len(names()) == 4
    assert names(user="east") == [("east_rep", False), ("east_rep", True)]
    assert names(result="failure") == [("east_rep", False), ("ghost", False)]
    assert names(ip="10.9.9.9") == [("ghost", False), ("west_rep", True)]
    assert names(date_to=(timezone.localdate() - dt.timedelta(days=5)).isoformat()) == [("west_rep", True)]
    body = admin_web.get(url).content.decode()
    assert "192.168.1.20" in body and "unknown user" in body


def test_login_history_ignores_a_malformed_ip_filter_without_500(admin_web, org):
    # when the address filter is not an address, then the page names it and lists without it
    r = admin_web.get(reverse("org:login_list"), {"ip": "not-an-ip' OR 1=1"})
    assert r.status_code == 200 and "IP address" in " ".join(r.context["warnings"])


def test_login_history_exports_for_administrators_only(admin_web, rep_web, org):
    # given a failed attempt
    services.login_record(username="east_rep", user=org["east_rep"], success=False, reason="bad_credentials")
    before = AuditLog.objects.count()
    # when the admin exports the failed attempts, then the file lists it and the export is on the audit trail
    r = admin_web.get(reverse("lists:export", args=["logins"]), {"result": "failure", "fmt": "csv"})
    assert r.status_code == 200 and "east_rep" in r.content.decode("utf-8-sig")
    assert list(AuditLog.objects.order_by("id")[before:].values_list("action", flat=True)) == ["export"]
    # and a rep may not export it
    assert rep_web.get(reverse("lists:export", args=["logins"]), {"fmt": "csv"}).status_code == 403


def test_audit_trail_shows_changes_in_the_readers_language_like_the_record_pages(admin_web, org):
    # given a role whose data scope changed (stored as codes, as every audit row keeps them)
    role = Role.objects.create(code="auditors", name="稽核", data_scope="self")
    _entry(org["east_rep"], "update", obj=role, changes={"data_scope": ["self", "all"]})
    # when an administrator reads the audit trail
    html = admin_web.get(reverse("org:audit_list")).content.decode()
    # then the change reads with the field's label and the choices' labels (translated), never the stored codes
    assert "Data scope" in html and "Own records" in html and "All records" in html
    assert "self → all" not in html and ">self<" not in html
