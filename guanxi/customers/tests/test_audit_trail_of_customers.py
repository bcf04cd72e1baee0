"""The audit trail page read about customers: filters by object type, old → new with labels, formula-safe export."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from guanxi.core import context
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record
from guanxi.customers.models import Customer
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org import services
from guanxi.org.models import Role


def _entry(actor, action="update", obj=None, changes=None, message="", at=None):
    entry = audit_record(actor=actor, action=action, obj=obj, changes=changes or {}, message=message)
    if at is not None:
        AuditLog.objects.filter(pk=entry.pk).update(at=at)
    return entry


def test_audit_trail_filters_by_user_action_type_dates_and_text(admin_web, org):
    # given entries by different people, of different kinds, on different days
    customer = CustomerFactory(name="北京华信科技有限公司", owner=org["east_rep"])
    old = timezone.now() - dt.timedelta(days=40)
    e1 = _entry(org["east_rep"], "update", customer, {"level": ["B", "A"]})
    e2 = _entry(org["west_rep"], "delete", customer, at=old)
    e3 = _entry(org["admin"], "permission", org["east_rep"], {"roles": [["sales_rep"], []]})
    url = reverse("org:audit_list")

    def ids(**params):
        r = admin_web.get(url, params)
        assert r.status_code == 200, r.content[:500]
        return {e.pk for e in r.context["page"].object_list}

    # then each filter narrows the rows
    assert ids(actor=org["east_rep"].pk) == {e1.pk}
    assert ids(action="delete") == {e2.pk}
    assert ids(object_type=ContentType.objects.get_for_model(Customer).pk) == {e1.pk, e2.pk}
    assert ids(date_from=(timezone.localdate() - dt.timedelta(days=1)).isoformat()) == {e1.pk, e3.pk}
    assert ids(date_to=(timezone.localdate() - dt.timedelta(days=30)).isoformat()) == {e2.pk}
    assert ids(q="华信") == {e1.pk, e2.pk}
    assert ids(q="华信", action="update", actor=org["east_rep"].pk) == {e1.pk}


def test_audit_trail_shows_field_changes_old_to_new_with_labels_and_names(admin_web, org):
    # given an update of a customer's level, and a user created through the service (ids of related rows)
    customer = CustomerFactory(owner=org["east_rep"])
    _entry(org["east_rep"], "update", customer, {"level": ["B", "A"]})
    with context.bind(ip="10.1.2.3"):
        services.user_create(
            actor=org["admin"],
            username="new.one",
            password="Sunny-Garden-73",
            name="新人",
            department=org.east,
            roles=[Role.objects.get(code="sales_rep")],
        )
    # when the admin opens the trail
    r = admin_web.get(reverse("org:audit_list"))
    body = r.content.decode()
    # then a change reads "label: old → new" with the field's label and the choices' labels (as on the record
    # pages), related ids are shown by name, and the IP is shown
    rows = {(c.label, c.old, c.new) for e in r.context["page"].object_list for c in e.change_rows}
    assert ("Level", "B · ordinary", "A · key") in rows
    assert ("Department", "∅", "华东销售部") in rows
    assert ("Roles", "∅", "Sales rep") in rows
    assert "→" in body and "10.1.2.3" in body


def test_export_of_the_filtered_trail_to_csv_and_xlsx_is_itself_audited(admin_web, org):
    # given two entries, one of which contains a formula-looking text
    customer = CustomerFactory(name="=HYPERLINK(1)", owner=org["east_rep"])
    _entry(org["east_rep"], "update", customer, {"level": ["B", "A"]})
    _entry(org["west_rep"], "delete", customer)
    before = AuditLog.objects.count()

    # when the admin exports the updates as CSV
    r = admin_web.get(reverse("org:audit_export"), {"format": "csv", "action": "update"})
    # then the file has the header and only the filtered row, formulas neutralised
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert "attachment" in r["Content-Disposition"]
    text = r.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Time,User,Action") and len(lines) == 2
    assert "'=HYPERLINK(1)" in lines[1] and "Level: B · ordinary → A · key" in lines[1]
    # and the export itself is one audit entry naming the filter
    export_entry = AuditLog.objects.latest("id")
    assert AuditLog.objects.count() == before + 1
    assert export_entry.action == "export" and export_entry.actor == org["admin"]
    assert export_entry.changes["filters"][1] == {"action": "update"} and "1 rows (csv)" in export_entry.message

    # when the admin exports everything as Excel
    r = admin_web.get(reverse("org:audit_export"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    # then every row the admin may read is there (the earlier export entry included)
    assert rows[0][:3] == ("Time", "User", "Action") and len(rows) == 1 + before + 1
    assert AuditLog.objects.latest("id").action == "export"
