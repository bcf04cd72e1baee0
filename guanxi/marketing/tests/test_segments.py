"""Segments: saved filters of the customer and contact lists, counted in the reader's data scope against
hand-built data; static lists filled from the lists' bulk bar; refusals change nothing."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.marketing import services
from guanxi.marketing.models import Segment, SegmentMember
from guanxi.marketing.segments import clean_query, segment_members

pytestmark = pytest.mark.django_db


def _ids(members) -> set[int]:
    return set(members.contacts.values_list("pk", flat=True))


def test_a_customer_segment_holds_the_contacts_of_the_matching_customers(people, book):
    segment = services.segment_create(actor=people["marketer"], data={"name": "A 级", "query": "level=A"})
    assert segment.base == "customers" and segment.owner == people["marketer"]
    assert _ids(segment_members(user=people["marketer"], segment=segment)) == {
        book["li"].pk,
        book["wang"].pk,
        book["zhao"].pk,
    }
    assert AuditLog.objects.filter(object_id=str(segment.pk), action="create").exists()


def test_the_count_is_in_the_readers_data_scope(people, book):
    segment = services.segment_create(actor=people["marketer"], data={"name": "全部", "query": ""})
    assert len(_ids(segment_members(user=people["marketer"], segment=segment))) == 4
    # a rep sees only the contacts of their own customers
    assert _ids(segment_members(user=people["west_rep"], segment=segment)) == {book["chen"].pk}


def test_advanced_rules_and_the_contact_list_work_as_on_the_list_page(people, book):
    where = json.dumps(
        {
            "any": True,
            "groups": [
                {"any": False, "rules": [{"f": "province", "op": "eq", "v": "上海"}]},
                {"any": False, "rules": [{"f": "level", "op": "eq", "v": "B"}]},
            ],
        }
    )
    from urllib.parse import urlencode

    segment = services.segment_create(
        actor=people["marketer"], data={"name": "上海或 B", "query": urlencode({"where": where})}
    )
    assert _ids(segment_members(user=people["marketer"], segment=segment)) == {book["zhao"].pk, book["chen"].pk}
    deciders = services.segment_create(
        actor=people["marketer"], data={"name": "决策人", "query": "/customers/contacts/?is_decision_maker=true&page=2"}
    )
    assert deciders.base == "contacts" and "page" not in deciders.query
    assert _ids(segment_members(user=people["marketer"], segment=deciders)) == {book["li"].pk, book["zhao"].pk}


def test_a_filter_the_list_refuses_is_named_and_nothing_is_saved(people, book):
    with pytest.raises(ValidationFailed) as err:
        services.segment_create(actor=people["marketer"], data={"name": "坏", "query": "level=Z"})
    assert "query" in err.value.fields
    assert not Segment.objects.exists()


def test_a_rep_may_read_segments_but_not_create_them(people, book):
    with pytest.raises(PermissionDeniedError):
        services.segment_create(actor=people["east_rep"], data={"name": "x", "query": ""})
    assert not Segment.objects.exists()


def test_clean_query_takes_a_whole_address_or_a_query_string():
    assert clean_query("http://crm.example/customers/?level=A&sort=-name&per_page=50") == ("level=A", "customers")
    assert clean_query("/customers/contacts/?q=%E6%9D%8E") == ("q=%E6%9D%8E", "contacts")
    assert clean_query("level=B") == ("level=B", None)


def test_a_static_list_takes_contacts_the_actor_may_see_once(people, book):
    marketer = people["marketer"]
    segment = services.segment_create(actor=marketer, data={"name": "展会", "kind": "static"})
    assert services.segment_add_contacts(
        actor=marketer, segment=segment, contact_ids=[book["li"].pk, book["chen"].pk]
    ) == (2, 0)
    assert services.segment_add_contacts(actor=marketer, segment=segment, contact_ids=[book["li"].pk]) == (0, 1)
    # a rep sees only their own customers' contacts on it
    assert _ids(segment_members(user=people["east_rep"], segment=segment)) == {book["li"].pk}


def test_the_customer_lists_bulk_bar_adds_their_contacts_to_a_new_static_list(client, people, book):
    client.force_login(people["marketer"])
    response = client.post(
        reverse("lists:bulk", args=["customers", "add_to_segment"]),
        {"ids": [book["a1"].pk, book["b1"].pk], "new_name": "秋季展会"},
    )
    assert response.status_code == 302
    segment = Segment.objects.get(name="秋季展会")
    assert set(SegmentMember.objects.filter(segment=segment).values_list("contact_id", flat=True)) == {
        book["li"].pk,
        book["wang"].pk,
        book["chen"].pk,
    }


def test_a_rep_without_the_right_cannot_use_the_bulk_action(client, people, book):
    segment = services.segment_create(actor=people["marketer"], data={"name": "展会", "kind": "static"})
    client.force_login(people["east_rep"])
    response = client.post(reverse("lists:bulk", args=["contacts", "add_to_segment"]),
                           {"ids": [book["li"].pk], "segment": segment.pk})  # fmt: skip
    assert response.status_code == 403
    assert not SegmentMember.objects.exists()


def test_segment_pages_show_the_live_count_and_preview(client, people, book):
    client.force_login(people["marketer"])
    response = client.get(reverse("marketing:segment_count"), {"base": "customers", "query": "level=A"})
    assert (
        response.status_code == 200 and "李明" in response.content.decode() and "陈静" not in response.content.decode()
    )
    bad = client.get(reverse("marketing:segment_count"), {"base": "customers", "query": "level=Z"})
    assert bad.status_code == 200 and "alert-warning" in bad.content.decode()
    response = client.post(reverse("marketing:segment_create"),
                           {"name": "A 级", "kind": "dynamic", "base": "customers", "query": "level=A"})  # fmt: skip
    segment = Segment.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("marketing:segment_detail", args=[segment.pk])).content.decode()
    assert "赵强" in page
    assert client.get(reverse("marketing:segment_list")).status_code == 200


def test_the_segment_form_names_a_bad_filter(client, people, book):
    client.force_login(people["marketer"])
    response = client.post(reverse("marketing:segment_create"),
                           {"name": "坏", "kind": "dynamic", "base": "customers", "query": "level=Z"})  # fmt: skip
    assert response.status_code == 400
    assert not Segment.objects.exists()


def test_segments_over_the_api(client, people, book, api_token_for):
    token = api_token_for(people["marketer"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    made = client.post("/api/v1/segments", {"name": "A", "query": "level=A"}, content_type="application/json", **auth)
    assert made.status_code == 201, made.content
    count = client.get(f"/api/v1/segments/{made.json()['id']}/count", **auth).json()
    assert count["total"] == 3 and count["reachable"]["email"] == 2
    bad = client.post("/api/v1/segments", {"name": "B", "query": "level=Z"}, content_type="application/json", **auth)
    assert bad.status_code == 400 and "query" in bad.json()["error"]["fields"]


def test_a_filtered_customer_list_is_saved_as_a_segment_from_its_menu(client, people, book):
    import html
    import re
    from urllib.parse import parse_qs, urlsplit

    client.force_login(people["marketer"])
    page = client.get(reverse("customers:list"), {"level": "A"}).content.decode()
    link = re.search(r'<a class="dropdown-item" href="([^"]+)" data-view-link="save_as_segment"', page)
    assert link, "the ⋯ menu offers Save as a segment"
    href = html.unescape(link.group(1))
    assert urlsplit(href).path == reverse("marketing:segment_create")
    asked = parse_qs(urlsplit(href).query)
    assert asked["base"] == ["customers"] and parse_qs(asked["query"][0])["level"] == ["A"]
    # the form opens with the list's filters in it, and saving it keeps them
    form = client.get(href).content.decode()
    assert "level=A" in form
    client.post(href, {"name": "A 级", "kind": "dynamic", "base": "customers", "query": asked["query"][0]})
    segment = Segment.objects.get()
    assert _ids(segment_members(user=people["marketer"], segment=segment)) >= {book["li"].pk, book["zhao"].pk}
    # a rep, who may not create segments, is not offered it
    client.force_login(people["east_rep"])
    assert 'data-view-link="save_as_segment"' not in client.get(reverse("customers:list")).content.decode()
