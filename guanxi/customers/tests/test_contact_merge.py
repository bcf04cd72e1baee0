"""Merging duplicate contacts of one customer (dedupe.services.contact_merge): the merger picks the survivor and, per
differing field (custom fields included), whose value survives; the survivor's changes are audited old → new, every
row pointing at a merged contact moves to it, the merged ones go to the recycle bin; a refused merge changes nothing.
The page (pick, compare, merge) and the API do the same."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.core.custom_fields import services as field_services
from guanxi.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.customers.dedupe.services import contact_merge
from guanxi.customers.models import Contact, FollowUp
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory, FollowUpFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org: Any) -> dict[str, Any]:
    field_services.custom_field_create(
        actor=org["admin"],
        data={"target": "customers.contact", "code": "nickname", "type": "text", "label_zh": "昵称",
              "label_en": "Nickname"},
    )  # fmt: skip
    customer = CustomerFactory(name="甲公司", owner=org["east_rep"])
    keep = ContactFactory(customer=customer, name="王芳", mobile="13800000001", email="", custom={"nickname": "芳"})
    dup = ContactFactory(customer=customer, name="王芳", mobile="13900000002", email="wf@example.com",
                         custom={"nickname": "芳姐"})  # fmt: skip
    note = FollowUpFactory(customer=customer, contact=dup)
    return {"customer": customer, "keep": keep, "dup": dup, "note": note}


def test_the_survivor_takes_the_chosen_values_and_the_merged_contacts_rows(org: Any, pair: dict[str, Any]) -> None:
    keep, dup = pair["keep"], pair["dup"]
    # when the manager keeps the first contact but the second's mobile and nickname
    survivor = contact_merge(
        actor=org["east_manager"], survivor_id=keep.pk, merged_ids=[dup.pk],
        field_sources={"mobile": dup.pk, "custom.nickname": dup.pk, "email": dup.pk},
    )  # fmt: skip
    # then the survivor holds them, the follow-up points at it and the duplicate is in the recycle bin
    survivor.refresh_from_db()
    assert (survivor.mobile, survivor.email, survivor.custom) == ("13900000002", "wf@example.com", {"nickname": "芳姐"})
    assert FollowUp.objects.get(pk=pair["note"].pk).contact_id == keep.pk
    assert Contact.all_objects.get(pk=dup.pk).deleted_at is not None
    # and the survivor's audit trail says old → new, and what was merged
    update = AuditLog.objects.get(action="update", content_type__model="contact", object_id=str(keep.pk))
    assert update.changes["mobile"] == ["13800000001", "13900000002"]
    assert update.changes["custom.nickname"] == ["芳", "芳姐"]
    merged = AuditLog.objects.get(action="other", content_type__model="contact", object_id=str(keep.pk))
    assert merged.changes["merged_contacts"] == [None, [dup.pk]]
    assert merged.changes["moved"][1]["customers.followup"] == 1
    # and the merged contact's new values are found by the search
    assert keep.pk in Contact.objects.filter(search_text__contains="13900000002").values_list("pk", flat=True)


def test_a_refused_merge_changes_nothing(org: Any, pair: dict[str, Any]) -> None:
    keep, dup = pair["keep"], pair["dup"]
    other = ContactFactory(customer=CustomerFactory(owner=org["east_rep"]), name="王芳")
    with pytest.raises(ValidationFailed):  # contacts of two customers
        contact_merge(actor=org["east_manager"], survivor_id=keep.pk, merged_ids=[other.pk])
    with pytest.raises(PermissionDeniedError):  # a rep may not delete contacts
        contact_merge(actor=org["east_rep"], survivor_id=keep.pk, merged_ids=[dup.pk])
    with pytest.raises(NotFoundError):  # another department's manager does not reach them
        contact_merge(actor=org["west_manager"], survivor_id=keep.pk, merged_ids=[dup.pk])
    with pytest.raises(ValidationFailed):  # a value from a contact not in the merge
        contact_merge(actor=org["east_manager"], survivor_id=keep.pk, merged_ids=[dup.pk],
                      field_sources={"mobile": other.pk})  # fmt: skip
    assert Contact.objects.filter(pk__in=[keep.pk, dup.pk, other.pk]).count() == 3
    assert FollowUp.objects.get(pk=pair["note"].pk).contact_id == dup.pk
    keep.refresh_from_db()
    assert keep.mobile == "13800000001" and keep.custom == {"nickname": "芳"}


def test_the_page_picks_compares_and_merges(org: Any, pair: dict[str, Any]) -> None:
    keep, dup = pair["keep"], pair["dup"]
    web = Client()
    web.force_login(org["east_manager"])
    url = reverse("dedupe:contact_merge", args=[pair["customer"].pk])
    assert f'value="{dup.pk}"' in web.get(url).content.decode()  # the contacts to pick from
    page = web.get(url, {"ids": [keep.pk, dup.pk]}).content.decode()
    assert 'name="field_custom.nickname"' in page and "芳姐" in page and 'name="field_mobile"' in page
    # a rep without contacts.delete is refused on the page, and nothing changes
    rep = Client()
    rep.force_login(org["east_rep"])
    refused = rep.post(url, {"ids": [keep.pk, dup.pk], "survivor": keep.pk, "field_custom.nickname": dup.pk})
    assert refused.status_code == 403 and Contact.objects.filter(pk=dup.pk).exists()
    keep.refresh_from_db()
    assert keep.custom == {"nickname": "芳"}
    # the manager merges
    r = web.post(url, {"ids": [keep.pk, dup.pk], "survivor": keep.pk, "field_custom.nickname": dup.pk})
    assert r.status_code == 302
    keep.refresh_from_db()
    assert keep.custom == {"nickname": "芳姐"} and keep.mobile == "13800000001"
    assert not Contact.objects.filter(pk=dup.pk).exists()


def test_the_api_merges_contacts(org: Any, pair: dict[str, Any], api_token_for: Any) -> None:
    keep, dup = pair["keep"], pair["dup"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(org['east_manager'])}"}
    body = {"survivor_id": keep.pk, "merged_ids": [dup.pk], "fields": {"email": dup.pk}}
    r = Client().post("/api/v1/dedupe/contact-merge", body, content_type="application/json", **auth)
    assert r.status_code == 200, r.content
    assert r.json()["id"] == keep.pk and r.json()["email"] == "wf@example.com"
    bad = {"survivor_id": keep.pk, "merged_ids": [dup.pk], "fields": {"owner": dup.pk}}
    r = Client().post("/api/v1/dedupe/contact-merge", bad, content_type="application/json", **auth)
    assert r.status_code in (400, 422)
