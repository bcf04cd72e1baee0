"""Custom fields (自定义字段) on customers: an administrator defines them (audited, org.admin only), the one
validation function checks values by type with messages naming the field, roles decide who sees and who edits
each one (a denied write changes nothing), the form and the 360 page show them, the audit trail names old → new."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from guanxi.core.custom_fields import services as field_services
from guanxi.core.custom_fields.models import CustomField
from guanxi.core.custom_fields.validation import custom_values_clean
from guanxi.core.dictionaries import services as dictionary_services
from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.customers import services
from guanxi.customers.models import Customer

pytestmark = pytest.mark.django_db
TARGET = "customers.customer"


def _field(admin: Any, code: str, type_: str, **extra: Any) -> CustomField:
    data = {"target": TARGET, "code": code, "type": type_, "label_zh": extra.pop("label_zh", code), **extra}
    return field_services.custom_field_create(actor=admin, data=data)


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_an_admin_defines_fields_each_change_audited_and_a_rep_cannot(org: Any):
    admin, rep = org["admin"], org["east_rep"]
    # when the administrator adds a field
    field = _field(admin, "tax_office", "text", label_en="Tax office", help_zh="主管税务机关")
    # then it is stored, ordered last, and the creation is in the audit trail
    assert field.order == 10 and field.is_active
    assert AuditLog.objects.filter(action=AuditLog.Action.CREATE, object_id=str(field.pk)).exists()
    # when they relabel it and retire it, each change is audited old → new
    field_services.custom_field_update(actor=admin, field_id=field.pk, data={"label_en": "Tax bureau"})
    field_services.custom_field_retire(actor=admin, field_id=field.pk)
    changes = [e.changes for e in AuditLog.objects.filter(object_id=str(field.pk), action=AuditLog.Action.UPDATE)]
    assert {"label_en": ["Tax office", "Tax bureau"]} in changes and {"is_active": [True, False]} in changes
    # when a rep tries to add or change one, it is refused and nothing changes
    with pytest.raises(PermissionDeniedError):
        _field(rep, "hack", "text")
    with pytest.raises(PermissionDeniedError):
        field_services.custom_field_update(actor=rep, field_id=field.pk, data={"label_zh": "改"})
    assert not CustomField.objects.filter(code="hack").exists()
    assert CustomField.objects.get(pk=field.pk).label_en == "Tax bureau"
    # and the code and type never change
    with pytest.raises(ValidationFailed) as err:
        field_services.custom_field_update(actor=admin, field_id=field.pk, data={"type": "number"})
    assert "type" in err.value.fields


def test_definitions_are_checked_naming_what_is_wrong(org: Any):
    admin = org["admin"]
    with pytest.raises(ValidationFailed) as err:
        field_services.custom_field_create(
            actor=admin, data={"target": "nowhere.model", "code": "Bad Code", "type": "colour", "label_zh": ""}
        )
    assert {"target", "code", "type", "label_zh"} <= set(err.value.fields)
    with pytest.raises(ValidationFailed) as err:
        _field(admin, "tier", "choice", dictionary="no_such_list")
    assert "dictionary" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        _field(admin, "budget", "money", default="lots")
    assert "default" in err.value.fields
    _field(admin, "tier", "choice", dictionary="customer_level")
    with pytest.raises(ValidationFailed) as err:
        _field(admin, "tier", "text")
    assert "code" in err.value.fields


def test_values_are_cleaned_by_type_and_errors_name_the_field(org: Any):
    admin, rep = org["admin"], org["east_rep"]
    _field(admin, "budget", "money", label_zh="预算", label_en="Budget")
    _field(admin, "staff", "number", label_en="Staff")
    _field(admin, "founded", "date", label_en="Founded")
    _field(admin, "met_at", "datetime", label_en="Met at")
    _field(admin, "listed", "boolean", label_en="Listed")
    _field(admin, "tier", "choice", dictionary="customer_level", label_en="Tier")
    _field(admin, "sectors", "multi_choice", dictionary="industry", label_en="Sectors")
    _field(admin, "advisor", "user", label_en="Advisor")
    clean = custom_values_clean(
        actor=rep,
        target=TARGET,
        values={
            "budget": "12,800.5",
            "staff": "120",
            "founded": "2001-05-04",
            "met_at": "2026-03-01 09:30",
            "listed": "是",
            "tier": "A",
            "sectors": ["I", "C", "I"],
            "advisor": rep.pk,
        },
        creating=True,
    )
    assert clean == {
        "budget": "12800.50",
        "staff": 120,
        "founded": "2001-05-04",
        "met_at": "2026-03-01T01:30:00Z",  # Asia/Shanghai → UTC
        "listed": True,
        "tier": "A",
        "sectors": ["I", "C"],
        "advisor": rep.pk,
    }
    # bad values: one translated message per field, naming its label
    with translation.override("en"), pytest.raises(ValidationFailed) as err:
        custom_values_clean(
            actor=rep,
            target=TARGET,
            values={"budget": "lots", "founded": "2001-13-45", "tier": "Z", "listed": "maybe", "nope": 1},
        )
    fields = err.value.fields
    assert fields["custom.budget"] == ["Budget: enter an amount."]
    assert fields["custom.founded"] == ["Founded: enter a date as yyyy-mm-dd."]
    assert fields["custom.tier"][0].startswith("Tier: “Z” is not in the list")
    assert fields["custom.listed"] == ["Listed: choose yes or no."]
    assert "custom.nope" in fields
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as err:
        custom_values_clean(actor=rep, target=TARGET, values={"budget": "很多"})
    assert err.value.fields["custom.budget"][0].startswith("预算：") or err.value.fields["custom.budget"][0].startswith(
        "预算:"
    )


def test_required_default_unique_and_retired_choices(org: Any):
    admin, rep = org["admin"], org["east_rep"]
    _field(admin, "region_code", "text", required=True, label_en="Region code")
    _field(admin, "tier", "choice", dictionary="customer_level", default="B")
    _field(admin, "erp_id", "text", unique=True, label_en="ERP id")
    # a new record without a required field is refused, naming it; its default fills in
    with translation.override("en"), pytest.raises(ValidationFailed) as err:
        custom_values_clean(actor=rep, target=TARGET, values={}, creating=True)
    assert err.value.fields == {"custom.region_code": ["Region code: this field is required."]}
    first = services.customer_create(
        actor=rep, data={"name": "甲公司", "custom": {"region_code": "SH", "erp_id": "E-1"}}
    )
    assert first.custom == {"region_code": "SH", "erp_id": "E-1", "tier": "B"}
    # a second record with the same unique value is refused
    with pytest.raises(ValidationFailed) as err:
        services.customer_create(actor=rep, data={"name": "乙公司", "custom": {"region_code": "BJ", "erp_id": "E-1"}})
    assert "custom.erp_id" in err.value.fields
    # editing the record itself keeps its own unique value
    services.customer_update(actor=rep, customer=first, data={"custom": {"erp_id": "E-1", "region_code": "SZ"}})
    # a retired entry stays on the record that holds it, is refused elsewhere
    entry = dictionary_services.dictionary_entry_create(
        actor=admin, key="customer_level", data={"code": "S", "label_zh": "战略"}
    )
    services.customer_update(actor=rep, customer=first, data={"custom": {"tier": "S"}})
    dictionary_services.dictionary_entry_retire(actor=admin, entry_id=entry.pk)
    first.refresh_from_db()
    services.customer_update(actor=rep, customer=first, data={"custom": {"tier": "S", "region_code": "GZ"}})
    with pytest.raises(ValidationFailed):
        services.customer_create(actor=rep, data={"name": "丙公司", "custom": {"region_code": "GZ", "tier": "S"}})
    # a required field cannot be emptied
    with pytest.raises(ValidationFailed):
        services.customer_update(actor=rep, customer=first, data={"custom": {"region_code": ""}})


def test_roles_decide_who_sees_and_edits_and_a_denied_write_changes_nothing(org: Any):
    admin, rep, manager = org["admin"], org["east_rep"], org["east_manager"]
    _field(admin, "credit_limit", "money", label_en="Credit limit", edit_roles=["department_manager"])
    _field(admin, "secret_note", "text", label_en="Secret note", view_roles=["department_manager"])
    customer = services.customer_create(actor=rep, data={"name": "信用客户有限公司"})
    # the manager sets the limit and the note
    services.customer_update(
        actor=manager, customer=customer, data={"custom": {"credit_limit": "50000", "secret_note": "slow payer"}}
    )
    customer.refresh_from_db()
    version = customer.version
    # the rep may not change the limit: refused, and the record is untouched
    with pytest.raises(PermissionDeniedError) as err:
        services.customer_update(actor=rep, customer=customer, data={"custom": {"credit_limit": "90000"}})
    assert "custom.credit_limit" in err.value.fields
    customer.refresh_from_db()
    assert customer.custom["credit_limit"] == "50000.00" and customer.version == version
    # sending back the value it holds changes nothing and is accepted
    services.customer_update(actor=rep, customer=customer, data={"custom": {"credit_limit": "50000.00"}})
    # the rep's form has no input for either; the 360 page shows the limit but not the note
    client = _client(rep)
    form = client.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert 'name="custom.credit_limit"' not in form and 'name="custom.secret_note"' not in form
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-custom-field="credit_limit"' in page and "slow payer" not in page
    # a crafted post of the rep's edit form does not change it either
    manager_page = _client(manager).get(f"/customers/{customer.pk}/").content.decode()
    assert "slow payer" in manager_page


def test_the_form_shows_errors_under_the_field_keeps_input_and_the_audit_names_old_and_new(org: Any):
    admin, rep = org["admin"], org["east_rep"]
    _field(admin, "staff", "number", label_zh="员工数", label_en="Staff", required=True)
    _field(admin, "remark2", "long_text", label_en="Background")
    client = _client(rep)
    page = client.get("/customers/new/").content.decode()
    assert 'name="custom.staff"' in page and 'name="custom.remark2"' in page
    base = {"kind": "company", "name": "表单自定义有限公司", "level": "B", "status": "potential"}
    count = Customer.objects.count()
    with translation.override("en"):
        r = client.post("/customers/new/", {**base, "custom.staff": "many", "custom.remark2": "保留这段话"})
    assert r.status_code == 200 and Customer.objects.count() == count
    body = r.content.decode()
    assert "保留这段话" in body  # bad input loses nothing
    assert 'name="custom.staff"' in body and "invalid-feedback" in body
    r = client.post("/customers/new/", {**base, "custom.staff": "35", "custom.remark2": "保留这段话"})
    assert r.status_code == 302
    customer = Customer.objects.get(name="表单自定义有限公司")
    assert customer.custom == {"staff": 35, "remark2": "保留这段话"}
    # an edit records old → new per field
    r = client.post(
        f"/customers/{customer.pk}/edit/",
        {**base, "version": customer.version, "custom.staff": "40", "custom.remark2": "保留这段话"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    entry = AuditLog.objects.filter(object_id=str(customer.pk), action=AuditLog.Action.UPDATE).latest("id")
    assert entry.changes == {"custom.staff": [35, 40]}
    with translation.override("en"):
        page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Staff" in page and "40" in page


def test_the_settings_pages_add_edit_retire_and_move_fields_and_refuse_a_rep(org: Any):
    admin, rep = org["admin"], org["east_rep"]
    client = _client(admin)
    page = client.get("/org/custom-fields/")
    assert page.status_code == 200 and "/org/custom-fields/new/" in page.content.decode()
    assert client.get("/org/custom-fields/new/?object=customers.customer").status_code == 200
    # a bad post comes back with the errors and creates nothing
    r = client.post("/org/custom-fields/new/", {"target": TARGET, "code": "9bad", "type": "text", "label_zh": "坏"})
    assert r.status_code == 200 and not CustomField.objects.exists()
    r = client.post(
        "/org/custom-fields/new/",
        {"target": TARGET, "code": "wechat_group", "type": "text", "label_zh": "微信群", "label_en": "WeChat group"},
    )
    assert r.status_code == 302
    first = CustomField.objects.get(code="wechat_group")
    _field(admin, "tier", "choice", dictionary="customer_level")
    assert client.get(f"/org/custom-fields/{first.pk}/").status_code == 200
    r = client.post(
        f"/org/custom-fields/{first.pk}/",
        {"label_zh": "微信群名", "label_en": "WeChat group", "required": "on", "view_roles": ["sales_rep"]},
    )
    assert r.status_code == 302
    first.refresh_from_db()
    assert first.label_zh == "微信群名" and first.required and first.view_roles == ["sales_rep"]
    client.post(f"/org/custom-fields/{first.pk}/action/", {"action": "down"})
    assert list(CustomField.objects.order_by("order").values_list("code", flat=True)) == ["tier", "wechat_group"]
    client.post(f"/org/custom-fields/{first.pk}/action/", {"action": "retire"})
    first.refresh_from_db()
    assert not first.is_active
    assert "<code>wechat_group</code>" in client.get("/org/custom-fields/?object=customers.customer").content.decode()
    # a rep is refused everywhere and nothing changes
    other = _client(rep)
    assert other.get("/org/custom-fields/").status_code == 403
    assert other.post(f"/org/custom-fields/{first.pk}/action/", {"action": "restore"}).status_code == 403
    assert other.post(f"/org/custom-fields/{first.pk}/", {"label_zh": "改"}).status_code == 403
    first.refresh_from_db()
    assert not first.is_active and first.label_zh == "微信群名"


def test_a_crafted_post_of_a_field_the_rep_may_not_edit_changes_nothing(org: Any):
    admin, rep = org["admin"], org["east_rep"]
    _field(admin, "credit_limit", "money", edit_roles=["department_manager"])
    customer = services.customer_create(actor=rep, data={"name": "表单越权有限公司"})
    base = {"kind": "company", "name": customer.name, "level": "B", "status": "potential", "version": 1}
    r = _client(rep).post(f"/customers/{customer.pk}/edit/", {**base, "custom.credit_limit": "999999"})
    assert r.status_code in (200, 302)
    customer.refresh_from_db()
    assert "credit_limit" not in customer.custom
