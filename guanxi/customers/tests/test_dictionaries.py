"""The customers' choice lists are dictionaries (数据字典): an administrator's changes reach forms, lists, the API,
imports and the public pool; a retired value stays on old records, off new ones, and filters still find it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.dictionaries import services as dictionary_services
from guanxi.core.dictionaries.cache import forget
from guanxi.core.errors import ValidationFailed
from guanxi.core.imports.testing import run_import, xlsx_bytes
from guanxi.core.models import AuditLog, DictionaryEntry, ImportJob
from guanxi.customers import services
from guanxi.customers.models import Customer
from guanxi.customers.pool import services as pool_services
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.audit_changes import ChangeRenderer

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def _retire(admin: Any, key: str, code: str) -> None:
    entry = DictionaryEntry.objects.get(dictionary__key=key, code=code)
    dictionary_services.dictionary_entry_retire(actor=admin, entry_id=entry.pk)


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_retired_value_stays_on_old_records_and_is_refused_on_new_ones(org: Any):
    rep, admin = org["east_rep"], org["admin"]
    # given a customer of the "dormant" status, then the status is retired
    old = services.customer_create(actor=rep, data={"name": "旧状态客户有限公司", "status": "dormant"})
    _retire(admin, "customer_status", "dormant")
    # when the record is edited otherwise, it keeps its value
    services.customer_update(actor=rep, customer=old, data={"phone": "010-12345678"})
    old.refresh_from_db()
    assert old.status == "dormant"
    # and it reads with its label, marked retired where the value is shown
    with translation.override("en"):
        assert old.get_status_display() == "Dormant"
        assert dictionaries.label_of("customer_status", old.status, mark_retired=True) == "Dormant (retired)"
    # when a new customer (or another record moving to it) takes the retired value, it is refused naming the field
    with pytest.raises(ValidationFailed) as refused:
        services.customer_create(actor=rep, data={"name": "新客户有限公司", "status": "dormant"})
    assert "status" in refused.value.fields and "retired" in refused.value.fields["status"][0]
    other = services.customer_create(actor=rep, data={"name": "另一家有限公司"})
    with pytest.raises(ValidationFailed):
        services.customer_update(actor=rep, customer=other, data={"status": "dormant"})
    # and an unknown code is refused too
    with pytest.raises(ValidationFailed) as unknown:
        services.customer_create(actor=rep, data={"name": "未知级别有限公司", "level": "Z"})
    assert "level" in unknown.value.fields
    # and the list's filter still finds the old record
    r = _client(rep).get("/customers/", {"status": "dormant"})
    assert old.name in r.content.decode()


def test_a_value_no_entry_has_stays_on_its_record_when_something_else_changes(org: Any):
    # given a customer whose industry no entry has (written by a bulk path, before the dictionary knew it)
    rep = org["east_rep"]
    legacy = CustomerFactory(name="遗留行业有限公司", owner=rep, industry="软件")
    # when the rep changes something else, the change goes through and the value stays
    services.customer_update(actor=rep, customer=legacy, data={"phone": "010-87654321"})
    legacy.refresh_from_db()
    assert legacy.industry == "软件" and legacy.phone == "010-87654321"
    # but setting that value on another record is refused, naming the field
    other = services.customer_create(actor=rep, data={"name": "规范行业有限公司"})
    with pytest.raises(ValidationFailed) as refused:
        services.customer_update(actor=rep, customer=other, data={"industry": "软件"})
    assert "industry" in refused.value.fields
    other.refresh_from_db()
    assert other.industry != "软件"


def test_forms_offer_active_entries_and_keep_a_records_retired_value(org: Any):
    rep, admin = org["east_rep"], org["admin"]
    old = services.customer_create(actor=rep, data={"name": "老来源客户有限公司", "source": "purchased"})
    _retire(admin, "customer_source", "purchased")
    client = _client(rep)
    # the new-customer form does not offer the retired source
    new_form = client.get("/customers/new/").content.decode()
    assert 'value="purchased"' not in new_form and 'value="exhibition"' in new_form
    # the edit form of the record that holds it shows it, marked retired, and saving keeps it
    edit_form = client.get(f"/customers/{old.pk}/edit/").content.decode()
    assert 'value="purchased"' in edit_form
    # posting the retired value on a new customer comes back with an error under the field; nothing is created
    count = Customer.objects.count()
    r = client.post(
        "/customers/new/",
        {"kind": "company", "name": "表单客户有限公司", "level": "B", "status": "potential", "source": "purchased"},
    )
    assert r.status_code == 200 and Customer.objects.count() == count
    # an entry the administrator adds is offered at once
    dictionary_services.dictionary_entry_create(
        actor=admin, key="customer_source", data={"code": "douyin", "label_zh": "抖音", "label_en": "Douyin"}
    )
    assert 'value="douyin"' in client.get("/customers/new/").content.decode()
    r = client.post(
        "/customers/new/",
        {"kind": "company", "name": "抖音客户有限公司", "level": "B", "status": "potential", "source": "douyin"},
    )
    assert r.status_code == 302 and Customer.objects.get(name="抖音客户有限公司").source == "douyin"


def test_the_api_takes_codes_names_a_bad_one_and_refuses_a_retired_one(org: Any, api_token_for: Any, client: Any):
    rep, admin = org["east_rep"], org["admin"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(rep)}"}
    # an existing payload keeps working
    r = client.post(
        "/api/v1/customers",
        {"name": "接口客户有限公司", "level": "A", "source": "exhibition", "industry": "I"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 201, r.content
    assert (r.json()["level"], r.json()["industry"]) == ("A", "I")
    # an unknown code is a 422 naming the field
    r = client.post(
        "/api/v1/customers", {"name": "坏级别有限公司", "level": "Z"}, content_type="application/json", **auth
    )
    assert r.status_code == 422 and "level" in str(r.json()["error"]["fields"])
    # a retired one is refused by the service (400) naming the field
    _retire(admin, "customer_level", "C")
    r = client.post(
        "/api/v1/customers", {"name": "退役级别有限公司", "level": "C"}, content_type="application/json", **auth
    )
    assert r.status_code == 400 and "level" in r.json()["error"]["fields"]
    # and the list filter still finds records that hold it
    CustomerFactory(owner=rep, name="C级老客户有限公司", level="C")
    r = client.get("/api/v1/customers", {"level": "C"}, **auth)
    assert [c["name"] for c in r.json()["items"]] == ["C级老客户有限公司"]


def test_imports_take_a_code_or_a_chinese_or_english_label(org: Any):
    rows = [
        ["客户名称", "级别", "状态", "行业", "来源"],
        ["导入甲有限公司", "A", "跟进中", "制造业", "Exhibition"],
        ["导入乙有限公司", "A · key", "following", "I", "展会"],
        ["导入丙有限公司", "B", "潜在", "金融", "转介绍"],
    ]
    job = run_import(actor=org["east_manager"], kind="customers", data=xlsx_bytes(rows))
    assert job.status == ImportJob.Status.DONE, job.error
    got = {c.name: (c.level, c.status, c.industry, c.source) for c in Customer.objects.all()}
    assert got["导入甲有限公司"] == ("A", "following", "C", "exhibition")
    assert got["导入乙有限公司"] == ("A", "following", "I", "exhibition")
    # an unknown value names the field and the values it takes (the batch is all-or-nothing)
    bad = run_import(
        actor=org["east_manager"], kind="customers", data=xlsx_bytes([["客户名称", "级别"], ["坏行有限公司", "钻石"]])
    )
    assert bad.rejected_count == 1 and not Customer.objects.filter(name="坏行有限公司").exists()


def test_the_pool_refers_to_entries_a_new_deal_made_status_is_left_with_its_owner(org: Any):
    admin, rep = org["admin"], org["east_rep"]
    # given a status the administrator adds and flags "deal made" (as the seeded 已成交 is)
    entry = dictionary_services.dictionary_entry_create(
        actor=admin, key="customer_status", data={"code": "partner", "label_zh": "战略合作"}
    )
    DictionaryEntry.objects.filter(pk=entry.pk).update(attributes={"deal_made": True})
    forget("customer_status")
    idle = dict(owner=rep, last_contact_at=NOW - dt.timedelta(days=90), created_at=NOW - dt.timedelta(days=400))
    partner = CustomerFactory(status="partner", **idle)
    following = CustomerFactory(status="following", **idle)
    # when the reclaim runs under the default rule
    pool_services.pool_reclaim_idle(now=NOW)
    # then the deal-made customer stays, the other returns to the pool
    assert Customer.all_objects.get(pk=partner.pk).owner == rep
    assert Customer.all_objects.get(pk=following.pk).owner is None


def test_a_pool_rule_names_level_entries_and_keeps_a_retired_one_it_already_had(org: Any):
    admin = org["admin"]
    rule = pool_services.pool_rules_ensure_default()
    pool_services.pool_rule_save(actor=admin, rule=rule, data={"levels": ["C"]})
    _retire(admin, "customer_level", "C")
    # the rule keeps its retired level through another change
    pool_services.pool_rule_save(actor=admin, rule=rule, data={"levels": ["C", "B"]})
    rule.refresh_from_db()
    assert rule.levels == ["C", "B"]
    # a new entry is accepted, an unknown one names the field
    dictionary_services.dictionary_entry_create(
        actor=admin, key="customer_level", data={"code": "S", "label_zh": "战略"}
    )
    pool_services.pool_rule_save(actor=admin, rule=rule, data={"levels": ["S"]})
    with pytest.raises(ValidationFailed) as bad:
        pool_services.pool_rule_save(actor=admin, rule=rule, data={"levels": ["Q"]})
    assert "levels" in bad.value.fields


def test_the_audit_trail_and_the_export_read_labels(org: Any):
    rep = org["east_rep"]
    c = services.customer_create(actor=rep, data={"name": "审计标签有限公司", "level": "C"})
    services.customer_update(actor=rep, customer=c, data={"level": "A", "industry": "I"})
    entry = AuditLog.objects.filter(object_id=str(c.pk), action=AuditLog.Action.UPDATE).latest("id")
    with translation.override("en"):
        text = " ".join(f"{row.old} → {row.new}" for row in ChangeRenderer([entry], reader=rep).rows(entry))
    assert "C · potential" in text and "A · key" in text and "Information transmission" in text
