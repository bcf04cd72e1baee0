"""Custom fields on members (会员): the enrol and edit forms take them (an error under the field, nothing written), the
member page shows them, the list offers them as columns and filters and its search finds their text, the API types,
validates and filters them, a change is audited old → new, and a refused edit changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.core.custom_fields import services as field_services
from guanxi.core.models import AuditLog
from guanxi.marketing.loyalty import services
from guanxi.marketing.loyalty.models import Member

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _field(admin: Any, code: str, type_: str, **extra: Any) -> Any:
    data = {"target": "marketing.member", "code": code, "type": type_, "label_zh": f"{code}字段",
            "label_en": code.title(), **extra}  # fmt: skip
    return field_services.custom_field_create(actor=admin, data=data)


@pytest.fixture
def shoe_size(people: Any) -> Any:
    return _field(people["admin"], "shoe_size", "number", required=True)


def test_enrolling_takes_custom_values_and_refuses_a_bad_one_naming_it(people: Any, book: Any, shoe_size: Any):
    web = _client(people["marketer"])
    page = web.get(reverse("marketing:member_create")).content.decode()
    assert 'name="custom.shoe_size"' in page
    r = web.post(reverse("marketing:member_create"), {"customer": book["a1"].pk, "custom.shoe_size": "big"})
    assert r.status_code == 400 and not Member.objects.exists()
    assert "shoe_size字段" in r.content.decode() or "Shoe_Size" in r.content.decode()
    r = web.post(reverse("marketing:member_create"), {"customer": book["a1"].pk, "custom.shoe_size": "42"})
    assert r.status_code == 302
    member = Member.objects.get()
    assert member.custom == {"shoe_size": 42}
    assert (
        'data-custom-field="shoe_size"'
        in web.get(reverse("marketing:member_detail", args=[member.pk])).content.decode()
    )


def test_editing_a_member_audits_the_change_and_a_refused_edit_changes_nothing(people: Any, book: Any, shoe_size: Any):
    member = services.member_enrol(
        actor=people["marketer"], data={"customer": book["a1"].pk, "custom": {"shoe_size": 40}}
    )
    url = reverse("marketing:member_edit", args=[member.pk])
    web = _client(people["marketer"])
    assert 'value="40"' in web.get(url).content.decode()
    r = web.post(url, {"joined_on": member.joined_on.isoformat(), "custom.shoe_size": "43", "version": member.version})
    assert r.status_code == 302
    member.refresh_from_db()
    assert member.custom == {"shoe_size": 43}
    log = AuditLog.objects.filter(object_id=str(member.pk), action="update").latest("id")
    assert log.changes["custom.shoe_size"] == [40, 43]
    # a reader without loyalty.edit (a rep reads members) is refused and nothing changes
    rep = _client(people["east_rep"])
    r = rep.post(url, {"joined_on": member.joined_on.isoformat(), "custom.shoe_size": "1"})
    assert r.status_code in (403, 404)
    member.refresh_from_db()
    assert member.custom == {"shoe_size": 43}


def test_the_member_list_offers_the_fields_and_searches_their_text(people: Any, book: Any):
    _field(people["admin"], "nickname", "text")
    _field(people["admin"], "secret_note", "text", view_roles=["executive"])
    one = services.member_enrol(actor=people["admin"], data={"customer": book["a1"].pk,
                                "custom": {"nickname": "老顾客阿强", "secret_note": "暗号青松"}})  # fmt: skip
    services.member_enrol(actor=people["marketer"], data={"customer": book["a2"].pk})
    web = _client(people["marketer"])
    page = web.get(reverse("marketing:member_list") + "?scene=all&q=阿强").content.decode()
    assert one.card_number in page and book["a2"].name not in page
    from guanxi.org.lists.custom import custom_columns_and_fields

    columns, fields, _aliases = custom_columns_and_fields(people["marketer"], "marketing.member")
    assert {c.key for c in columns} == {f.key for f in fields} == {"cf_nickname"}
    page = web.get(reverse("marketing:member_list") + "?scene=all&cf_nickname=老顾客阿强").content.decode()
    assert one.card_number in page and book["a2"].name not in page
    # a field the reader's roles do not see is not searched for them: the search cannot reveal it
    page = web.get(reverse("marketing:member_list") + "?scene=all&q=青松").content.decode()
    assert one.card_number not in page


def test_the_api_types_validates_filters_and_patches_member_fields(people: Any, book: Any, api_token_for: Any,
                                                                  client: Any, shoe_size: Any):  # fmt: skip
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(people['marketer'])}"}
    r = client.post("/api/v1/loyalty/members", {"customer": book["a1"].pk, "custom": {"shoe_size": "x"}},
                    content_type="application/json", **auth)  # fmt: skip
    assert r.status_code == 400 and "custom.shoe_size" in r.json()["error"]["fields"]
    assert not Member.objects.exists()
    r = client.post("/api/v1/loyalty/members", {"customer": book["a1"].pk, "custom": {"shoe_size": 41}},
                    content_type="application/json", **auth)  # fmt: skip
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["custom"] == {"shoe_size": 41}
    r = client.patch(f"/api/v1/loyalty/members/{pk}", {"custom": {"shoe_size": 44}}, content_type="application/json",
                     **auth)  # fmt: skip
    assert r.status_code == 200 and r.json()["custom"] == {"shoe_size": 44}
    assert [i["id"] for i in client.get("/api/v1/loyalty/members?custom=shoe_size:44", **auth).json()["items"]] == [pk]
    assert client.get("/api/v1/loyalty/members?custom=shoe_size:45", **auth).json()["items"] == []
    custom_schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["MemberOut"]["properties"][
        "custom"
    ]
    assert custom_schema["x-custom-fields"] == "marketing.member"
    assert custom_schema["properties"]["shoe_size"]["anyOf"][0]["type"] == "number"
    # a reader without loyalty.edit cannot patch: nothing changes
    rep_auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(people['east_rep'])}"}
    r = client.patch(f"/api/v1/loyalty/members/{pk}", {"custom": {"shoe_size": 1}}, content_type="application/json",
                     **rep_auth)  # fmt: skip
    assert r.status_code in (403, 404)
    assert Member.objects.get(pk=pk).custom == {"shoe_size": 44}
