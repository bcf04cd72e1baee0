"""Web pages of duplicate protection: groups, merge and undo, the conflict inbox, rules, and the
as-you-type check fragment — permissions, scope and bad input."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.customers import services
from guanxi.customers.dedupe.services import DuplicateBlocked, customer_keys_rebuild, registration_conflicts_forget
from guanxi.customers.models import Customer, CustomerMerge, DedupeRule, RegistrationConflict
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_queued_conflicts():
    registration_conflicts_forget()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def keyed(**kwargs):
    c = CustomerFactory(**kwargs)
    customer_keys_rebuild(customer_ids=[c.pk])
    return c


@pytest.fixture
def pair(org):
    a = keyed(owner=org["east_rep"], name="华信科技有限公司", phone="13800000001")
    b = keyed(owner=org["east_rep2"], name="华信科技股份有限公司")
    return a, b


# --- groups, merge, undo ---------------------------------------------------------------------
def test_scan_page_lists_groups_in_scope(org, pair):
    a, b = pair
    page = login(org["east_manager"]).get(reverse("dedupe:scan"))
    assert page.status_code == 200
    html = page.content.decode()
    assert a.name in html and b.name in html and f"ids={a.pk}&amp;ids={b.pk}" in html
    # a rep sees no group (only one of the two is theirs); a bad filter is a 400, not a 500
    assert a.name not in login(org["east_rep"]).get(reverse("dedupe:scan")).content.decode()
    assert login(org["east_manager"]).get(reverse("dedupe:scan") + "?kind=zzz").status_code == 400
    assert login(org["nobody"]).get(reverse("dedupe:scan")).status_code == 403


def test_merge_page_merges_and_the_merges_page_undoes(org, pair):
    a, b = pair
    client = login(org["east_manager"])
    url = reverse("dedupe:merge") + f"?ids={a.pk}&ids={b.pk}"
    page = client.get(url)
    assert page.status_code == 200 and "field_phone" in page.content.decode()
    # when the manager keeps b, with a's phone
    response = client.post(
        reverse("dedupe:merge"), {"ids": [a.pk, b.pk], "survivor": str(b.pk), "field_phone": str(a.pk)}
    )
    assert response.status_code == 302 and response["Location"] == reverse("customers:detail", args=[b.pk])
    b.refresh_from_db()
    assert b.phone == "13800000001" and Customer.all_objects.get(pk=a.pk).deleted_at is not None
    merge = CustomerMerge.objects.get()
    # the merges page lists it with an undo button, which works
    assert f"/merges/{merge.pk}/undo/" in client.get(reverse("dedupe:merges")).content.decode()
    assert client.post(reverse("dedupe:merge_undo", args=[merge.pk])).status_code == 302
    assert Customer.objects.filter(pk=a.pk).exists()
    # undoing twice says so, without a 500
    response = client.post(reverse("dedupe:merge_undo", args=[merge.pk]), follow=True)
    assert response.status_code == 200 and "already undone" in response.content.decode()


def test_merge_page_bad_input_and_scope(org, pair):
    a, b = pair
    west = keyed(owner=org["west_rep"], name="西部公司")
    manager = login(org["east_manager"])
    assert manager.get(reverse("dedupe:merge") + "?ids=abc&ids=1").status_code == 400
    assert manager.get(reverse("dedupe:merge") + f"?ids={a.pk}").status_code == 400
    assert manager.get(reverse("dedupe:merge") + f"?ids={a.pk}&ids={west.pk}").status_code == 404
    # a field taken from a record outside the merge is refused on the form
    response = manager.post(reverse("dedupe:merge"), {"ids": [a.pk, b.pk], "survivor": str(a.pk), "field_name": "9999"})
    assert response.status_code == 400 and not CustomerMerge.objects.exists()
    # a rep cannot merge (no delete permission): nothing changes
    response = login(org["east_rep"]).post(reverse("dedupe:merge"), {"ids": [a.pk, b.pk], "survivor": str(a.pk)})
    assert response.status_code in (403, 404) and not CustomerMerge.objects.exists()
    assert login(org["west_manager"]).post(reverse("dedupe:merge_undo", args=[12345])).status_code == 404


# --- conflicts -------------------------------------------------------------------------------
@pytest.fixture
def conflict(org):
    first = services.customer_create(actor=org["east_rep"], data={"name": "冲突客户有限公司"})
    with pytest.raises(DuplicateBlocked):
        services.customer_create(actor=org["west_rep"], data={"name": "冲突客户"})
    return first, RegistrationConflict.objects.get()


def test_conflict_inbox_decides_joint_pursuit(org, conflict):
    first, c = conflict
    client = login(org["east_manager"])
    page = client.get(reverse("dedupe:conflicts"))
    assert page.status_code == 200 and first.name in page.content.decode()
    response = client.post(
        reverse("dedupe:conflicts"), {"conflict": c.pk, f"c{c.pk}-decision": "joint", f"c{c.pk}-note": ""}
    )
    assert response.status_code == 302
    assert list(first.collaborators.all()) == [org["west_rep"]]


def test_dismissing_without_a_note_shows_the_error_on_the_form(org, conflict):
    _first, c = conflict
    client = login(org["east_manager"])
    response = client.post(reverse("dedupe:conflicts"), {"conflict": c.pk, f"c{c.pk}-decision": "dismiss"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    c.refresh_from_db()
    assert c.status == "open"


def test_conflict_inbox_is_for_managers_and_bad_input_is_no_500(org, conflict):
    _first, c = conflict
    assert login(org["east_rep"]).get(reverse("dedupe:conflicts")).status_code == 403
    manager = login(org["east_manager"])
    assert manager.get(reverse("dedupe:conflicts") + "?status=bogus").status_code == 400
    assert manager.get(reverse("dedupe:conflicts") + "?status=all").status_code == 200
    # an unknown conflict, or one out of reach, is a 404
    response = manager.post(reverse("dedupe:conflicts"), {"conflict": "99999", "c99999-decision": "joint"})
    assert response.status_code == 404
    response = login(org["west_manager"]).post(
        reverse("dedupe:conflicts"), {"conflict": c.pk, f"c{c.pk}-decision": "joint"}
    )
    assert response.status_code == 404
    c.refresh_from_db()
    assert c.status == "open"


# --- rules -----------------------------------------------------------------------------------
def test_rules_page_admin_edits_and_others_may_not(org):
    admin = login(org["admin"])
    assert admin.get(reverse("dedupe:rules")).status_code == 200
    response = admin.post(
        reverse("dedupe:rules"),
        {"action_credit_code": "block", "action_name": "warn", "action_phone": "off", "action_email": "warn",
         "similarity": "85"},
    )  # fmt: skip
    assert response.status_code == 302
    assert DedupeRule.objects.get(kind="name").action == "warn" and DedupeRule.objects.get(kind="name").similarity == 85
    # out-of-range input is shown on the form
    response = admin.post(reverse("dedupe:rules"), {"action_name": "explode", "similarity": "7"})
    assert response.status_code == 400
    # a manager may not change them
    response = login(org["east_manager"]).post(
        reverse("dedupe:rules"),
        {"action_credit_code": "off", "action_name": "off", "action_phone": "off", "action_email": "off",
         "similarity": "90"},
    )  # fmt: skip
    assert response.status_code == 403 and DedupeRule.objects.get(kind="credit_code").action == "block"


# --- as you type -----------------------------------------------------------------------------
def test_check_fragment_links_visible_matches_and_hides_the_rest(org):
    mine = keyed(owner=org["east_rep"], name="我的客户有限公司")
    keyed(owner=org["west_rep"], name="西部客户有限公司", phone="13911112222")
    rep = login(org["east_rep"])
    url = reverse("dedupe:check")
    html = rep.get(url, {"field": "name", "name": "我的客户"}).content.decode()
    assert reverse("customers:detail", args=[mine.pk]) in html and 'data-action="block"' in html
    html = rep.get(url, {"field": "name", "value": "西部客户"}).content.decode()
    assert "another rep" in html and "西部客户有限公司" not in html and "/customers/" not in html
    html = rep.get(url, {"field": "phone", "value": "+86 139 1111 2222"}).content.decode()
    assert 'data-action="warn"' in html
    # nothing found: an empty fragment
    assert "data-action" not in rep.get(url, {"field": "name", "value": "全新公司"}).content.decode()
    # bad input is a 400 fragment; no permission a 403
    assert rep.get(url, {"field": "owner", "value": "x"}).status_code == 400
    assert login(org["nobody"]).get(url, {"field": "name", "value": "x"}).status_code == 403
