"""Dictionaries (数据字典): an administrator edits the entries on the settings pages, each change audited; a rep
cannot, and a refused write changes nothing. The services live in core (guanxi/core/dictionaries/services.py);
org provides the permission check they ask for."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.dictionaries import services
from guanxi.core.errors import InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog, DictionaryEntry

pytestmark = pytest.mark.django_db


def _entry(key: str, code: str) -> DictionaryEntry:
    return DictionaryEntry.objects.get(dictionary__key=key, code=code)


def test_migrations_seed_every_apps_dictionaries_with_todays_codes_and_both_labels():
    # given a migrated database, then each app's lists are there with the codes records hold
    assert dictionaries.codes("customer_level") == ["A", "B", "C"]
    assert set(dictionaries.codes("customer_status")) == {"potential", "following", "won", "lost", "dormant"}
    assert "exhibition" in dictionaries.codes("customer_source")
    assert "bank_transfer" in dictionaries.codes("payment_method")
    assert dictionaries.codes("industry")[:3] == ["A", "B", "C"] and len(dictionaries.codes("industry")) == 20
    # and the labels read in the reader's language
    with translation.override("zh-hans"):
        assert dictionaries.label_of("customer_status", "won") == "已成交"
        assert dictionaries.label_of("industry", "I") == "信息传输、软件和信息技术服务业"
    with translation.override("en"):
        assert dictionaries.label_of("customer_status", "won") == "Deal made"
    # and the regions: all 34 provincial-level divisions, their prefecture-level cities and districts
    provinces = dictionaries.entries("region", parent="")
    assert len(provinces) == 34 and {"北京市", "广东省", "香港特别行政区"} <= {p.label_zh for p in provinces}
    guangdong = next(p for p in provinces if p.label_zh == "广东省")
    cities = dictionaries.entries("region", parent=guangdong.code)
    assert {"广州市", "深圳市"} <= {c.label_zh for c in cities}
    assert any(d.label_zh == "天河区" for d in dictionaries.entries("region", parent="440100"))
    # and behaviour refers to entries: "deal made" is a flag of the status entry
    assert dictionaries.codes_with("customer_status", "deal_made") == ["won"]


def test_an_admin_adds_renames_recolours_reorders_retires_and_restores_each_change_audited(org: Any):
    admin = org["admin"]
    # when the administrator adds a level
    entry = services.dictionary_entry_create(
        actor=admin, key="customer_level", data={"code": "S", "label_zh": "战略客户", "label_en": "Strategic"}
    )
    # then new forms offer it, last, and the change is audited
    assert dictionaries.active_choices("customer_level")[-1][0] == "S"
    assert AuditLog.objects.filter(action=AuditLog.Action.CREATE, object_id=str(entry.pk)).exists()
    # when they rename and recolour it
    services.dictionary_entry_update(
        actor=admin, entry_id=entry.pk, data={"label_en": "Strategic account", "colour": "purple"}
    )
    with translation.override("en"):
        assert dictionaries.label_of("customer_level", "S") == "Strategic account"
    assert dictionaries.entry("customer_level", "S").badge_class == "bg-purple-lt"
    update = AuditLog.objects.filter(action=AuditLog.Action.UPDATE, object_id=str(entry.pk)).latest("id")
    assert update.changes["label_en"] == ["Strategic", "Strategic account"]
    # when they move it to the top by drag (the codes in their new order) and one place down
    services.dictionary_entries_reorder(actor=admin, key="customer_level", codes=["S", "A", "B", "C"])
    assert dictionaries.codes("customer_level") == ["S", "A", "B", "C"]
    services.dictionary_entry_move(actor=admin, entry_id=entry.pk, step=1)
    assert dictionaries.codes("customer_level") == ["A", "S", "B", "C"]
    # when they retire it: off new forms, still labelled (marked) and in filters
    services.dictionary_entry_retire(actor=admin, entry_id=entry.pk)
    assert "S" not in dict(dictionaries.active_choices("customer_level"))
    assert "S" in dict(dictionaries.active_choices("customer_level", keep=["S"]))
    with translation.override("en"):
        assert dictionaries.label_of("customer_level", "S", mark_retired=True) == "Strategic account (retired)"
        assert dict(dictionaries.filter_choices("customer_level"))["S"] == "Strategic account (retired)"
    # and restoring it offers it again
    services.dictionary_entry_restore(actor=admin, entry_id=entry.pk)
    assert "S" in dict(dictionaries.active_choices("customer_level"))


def test_codes_never_change_and_bad_input_names_the_field(org: Any):
    admin = org["admin"]
    with pytest.raises(ValidationFailed) as bad:
        services.dictionary_entry_create(actor=admin, key="customer_level", data={"code": "A", "label_zh": "重复"})
    assert "code" in bad.value.fields
    with pytest.raises(ValidationFailed) as bad:
        services.dictionary_entry_create(actor=admin, key="customer_level", data={"code": "has space", "label_zh": ""})
    assert {"code", "label_zh"} <= set(bad.value.fields)
    # the level column holds two characters: a longer code is refused up front, naming the limit
    with pytest.raises(ValidationFailed) as bad:
        services.dictionary_entry_create(actor=admin, key="customer_level", data={"code": "VIP", "label_zh": "贵宾"})
    assert "2" in bad.value.fields["code"][0]
    with pytest.raises(ValidationFailed) as bad:
        services.dictionary_entry_update(actor=admin, entry_id=_entry("customer_level", "A").pk, data={"code": "Z"})
    assert "code" in bad.value.fields
    with pytest.raises(ValidationFailed):
        services.dictionary_entry_update(
            actor=admin, entry_id=_entry("customer_level", "A").pk, data={"colour": "gold"}
        )


def test_a_built_in_entry_can_be_renamed_but_not_retired(org: Any):
    won = _entry("customer_status", "won")
    with pytest.raises(InvalidStateError):
        services.dictionary_entry_retire(actor=org["admin"], entry_id=won.pk)
    won.refresh_from_db()
    assert won.is_active


def test_a_rep_cannot_change_a_dictionary_and_a_refused_write_changes_nothing(org: Any):
    rep = org["east_rep"]
    level_a = _entry("customer_level", "A")
    before = list(DictionaryEntry.objects.order_by("id").values_list("code", "label_zh", "order", "is_active"))
    audits = AuditLog.objects.count()
    for attempt in (
        lambda: services.dictionary_entry_create(actor=rep, key="customer_level", data={"code": "D", "label_zh": "D"}),
        lambda: services.dictionary_entry_update(actor=rep, entry_id=level_a.pk, data={"label_zh": "改名"}),
        lambda: services.dictionary_entry_retire(actor=rep, entry_id=level_a.pk),
        lambda: services.dictionary_entries_reorder(actor=rep, key="customer_level", codes=["C", "B", "A"]),
    ):
        with pytest.raises(PermissionDeniedError):
            attempt()
    assert list(DictionaryEntry.objects.order_by("id").values_list("code", "label_zh", "order", "is_active")) == before
    assert AuditLog.objects.count() == audits


def test_the_settings_pages_for_an_admin(admin_web: Any, org: Any):
    # the list of dictionaries, and one dictionary's entries
    r = admin_web.get(reverse("org:dictionary_list"))
    assert r.status_code == 200 and "customer_level" in r.content.decode()
    r = admin_web.get(reverse("org:dictionary_detail", args=["customer_level"]))
    assert r.status_code == 200 and "data-gx-sortable" in r.content.decode()
    # a region level, its children, and a search
    r = admin_web.get(reverse("org:dictionary_detail", args=["region"]), {"parent": "440000"})
    assert "广州市" in r.content.decode()
    r = admin_web.get(reverse("org:dictionary_detail", args=["region"]), {"q": "天河"})
    assert "天河区" in r.content.decode()
    # adding an entry through the form, then retiring it with the button
    r = admin_web.post(
        reverse("org:dictionary_entry_create", args=["customer_source"]),
        {"code": "douyin", "label_zh": "抖音", "label_en": "Douyin", "colour": "pink"},
    )
    assert r.status_code == 302
    entry = _entry("customer_source", "douyin")
    r = admin_web.post(reverse("org:dictionary_entry_action", args=["customer_source", entry.pk]), {"action": "retire"})
    entry.refresh_from_db()
    assert r.status_code == 302 and not entry.is_active
    # a drag sends the level's codes in their new order
    r = admin_web.post(reverse("org:dictionary_reorder", args=["customer_level"]), {"code": ["C", "B", "A"]})
    assert r.json()["ok"] and dictionaries.codes("customer_level") == ["C", "B", "A"]
    # an edit form shows the code it keeps; a bad colour is an error under the field, nothing saved
    level_a = _entry("customer_level", "A")
    r = admin_web.post(reverse("org:dictionary_entry_edit", args=["customer_level", level_a.pk]), {"label_zh": ""})
    assert r.status_code == 200 and _entry("customer_level", "A").label_zh == level_a.label_zh


def test_a_rep_cannot_reach_the_settings_pages_and_their_posts_change_nothing(rep_web: Any, org: Any):
    level_a = _entry("customer_level", "A")
    assert rep_web.get(reverse("org:dictionary_list")).status_code == 403
    assert rep_web.get(reverse("org:dictionary_detail", args=["customer_level"])).status_code == 403
    r = rep_web.post(reverse("org:dictionary_entry_create", args=["customer_level"]), {"code": "D", "label_zh": "D"})
    assert (
        r.status_code == 403 and not DictionaryEntry.objects.filter(code="D", dictionary__key="customer_level").exists()
    )
    r = rep_web.post(reverse("org:dictionary_entry_action", args=["customer_level", level_a.pk]), {"action": "retire"})
    assert r.status_code == 403 and _entry("customer_level", "A").is_active
    r = rep_web.post(reverse("org:dictionary_reorder", args=["customer_level"]), {"code": ["C", "B", "A"]})
    assert r.status_code == 403 and dictionaries.codes("customer_level") == ["A", "B", "C"]


def test_the_api_lists_dictionaries_and_their_entries(org: Any, api_token_for: Any, client: Any):
    token = api_token_for(org["east_rep"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    r = client.get("/api/v1/dictionaries", **auth)
    assert r.status_code == 200 and any(d["key"] == "customer_level" for d in r.json())
    services.dictionary_entry_retire(actor=org["admin"], entry_id=_entry("customer_level", "C").pk)
    r = client.get("/api/v1/dictionaries/customer_level", **auth)
    body = r.json()
    assert [(e["code"], e["is_active"]) for e in body["entries"]] == [("A", True), ("B", True), ("C", False)]
    assert body["entries"][0]["colour"] == "orange"
    r = client.get("/api/v1/dictionaries/customer_level", {"active": "true"}, **auth)
    assert [e["code"] for e in r.json()["entries"]] == ["A", "B"]
    r = client.get("/api/v1/dictionaries/region", {"parent": "440000"}, **auth)
    assert "广州市" in {e["label_zh"] for e in r.json()["entries"]}
    assert client.get("/api/v1/dictionaries/nope", **auth).status_code == 404
    # the OpenAPI document names the field's dictionary, as a string code
    schema = client.get("/api/v1/openapi.json", **auth).json()
    text = str(schema)
    assert "/api/v1/dictionaries/{key}" in schema["paths"] and "customer_level" in text
