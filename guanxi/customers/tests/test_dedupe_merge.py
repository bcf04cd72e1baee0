"""Scan for duplicate groups, merge duplicates into one customer, and undo the merge exactly."""

from __future__ import annotations

import pytest

from guanxi.core.errors import InvalidStateError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.core.registry import registry
from guanxi.core.services import snapshot
from guanxi.customers.dedupe import selectors as dd
from guanxi.customers.dedupe.services import (
    FkMove,
    customer_keys_rebuild,
    customer_merge,
    customer_merge_undo,
)
from guanxi.customers.models import Contact, Customer, CustomerKey, CustomerMerge, FollowUp, Tag, Task
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory, FollowUpFactory, TaskFactory

pytestmark = pytest.mark.django_db


def keyed(**kwargs):
    c = CustomerFactory(**kwargs)
    customer_keys_rebuild(customer_ids=[c.pk])
    return c


# --- scan ------------------------------------------------------------------------------------
def test_scan_groups_live_customers_sharing_a_key_within_scope(org, django_assert_max_num_queries):
    # given duplicates among the east rep's customers, one in the west, and a deleted one
    a = keyed(owner=org["east_rep"], name="华信科技有限公司", phone="13800000001")
    b = keyed(owner=org["east_rep"], name="华信科技股份有限公司")
    c = keyed(owner=org["east_rep2"], name="别家公司", phone="+86 138 0000 0001")
    keyed(owner=org["west_rep"], name="华信科技")
    gone = keyed(owner=org["east_rep"], name="华信科技集团有限公司")
    Customer.objects.filter(pk=gone.pk).update(deleted_at=a.created_at)
    keyed(owner=org["east_rep"], name="独一无二公司")
    # when the east manager scans, in a fixed number of queries
    with django_assert_max_num_queries(6):
        groups = dd.dedupe_scan(actor=org["east_manager"])
    # then two groups: the name (two east customers) and the phone
    found = {(g.kind, g.value): g.ids for g in groups}
    assert found == {("name", "华信科技"): [a.pk, b.pk], ("phone", "13800000001"): [a.pk, c.pk]}
    # the rep sees only their own: one group; a filter by kind narrows
    assert [(g.kind, g.ids) for g in dd.dedupe_scan(actor=org["east_rep"])] == [("name", [a.pk, b.pk])]
    assert [g.kind for g in dd.dedupe_scan(actor=org["east_manager"], kind="phone")] == ["phone"]
    with pytest.raises(ValidationFailed):
        dd.dedupe_scan(actor=org["east_manager"], kind="nonsense")


# --- merge and undo --------------------------------------------------------------------------
@pytest.fixture
def dupes(org):
    """Two records of one company with contacts, follow-ups, tasks, tags and collaborators."""
    vip, old = Tag.objects.create(name="VIP"), Tag.objects.create(name="老客户")
    a = keyed(owner=org["east_rep"], name="华信科技有限公司", phone="", email="a@huaxin.cn", level="B")
    b = keyed(owner=org["east_rep2"], name="华信科技股份有限公司", phone="010-62881234", level="A")
    a.tags.add(vip)
    b.tags.add(old)
    b.collaborators.add(org["team_rep"])
    for c in (a, b):
        contact = ContactFactory(customer=c)
        FollowUpFactory(customer=c, contact=contact)
        TaskFactory(customer=c, assignee=c.owner)
    gone = ContactFactory(customer=b, deleted_at=a.created_at)  # a deleted contact moves too
    customer_keys_rebuild(customer_ids=[a.pk, b.pk])
    return a, b, gone


def world(*customers):
    """Everything a merge touches, to compare before and after."""
    ids = [c.pk for c in customers]
    state = {}
    for c in Customer.all_objects.filter(pk__in=ids):
        snap = snapshot(c)
        snap.pop("updated_at", None)
        state[c.pk] = {
            **snap,
            "collaborators": sorted(c.collaborators.values_list("pk", flat=True)),
            "tags": sorted(c.tags.values_list("pk", flat=True)),
        }
    state["contacts"] = sorted(Contact.all_objects.filter(customer_id__in=ids).values_list("pk", "customer_id"))
    state["follow_ups"] = sorted(FollowUp.all_objects.filter(customer_id__in=ids).values_list("pk", "customer_id"))
    state["tasks"] = sorted(Task.all_objects.filter(customer_id__in=ids).values_list("pk", "customer_id"))
    state["keys"] = sorted(CustomerKey.objects.filter(customer_id__in=ids).values_list("customer_id", "kind", "value"))
    return state


def test_merge_moves_everything_to_the_survivor_and_undo_restores_exactly(org, dupes):
    a, b, gone = dupes
    before = world(a, b)
    # when the manager merges b into a, taking b's phone and level
    merge = customer_merge(
        actor=org["east_manager"], survivor_id=a.pk, merged_ids=[b.pk], field_sources={"phone": b.pk, "level": b.pk}
    )
    a.refresh_from_db()
    # then a has the chosen values and keeps its own elsewhere
    assert (a.phone, a.level, a.email, a.name) == ("010-62881234", "A", "a@huaxin.cn", "华信科技有限公司")
    # b is in the recycle bin, its rows belong to a (deleted contact included)
    assert Customer.all_objects.get(pk=b.pk).deleted_at is not None
    assert Contact.all_objects.filter(customer=a).count() == 3 and Contact.all_objects.get(pk=gone.pk).customer == a
    assert FollowUp.objects.filter(customer=a).count() == 2 and Task.objects.filter(customer=a).count() == 2
    # b's owner and collaborators collaborate on a; tags are united
    assert set(a.collaborators.values_list("username", flat=True)) == {"east_rep2", "team_rep"}
    assert set(a.tags.values_list("name", flat=True)) == {"VIP", "老客户"}
    # keys follow: a's phone is now a key of a, b's keys are gone from lookups
    assert dd.dedupe_check(actor=org["east_manager"], data={"phone": "01062881234"}).matches[0].customer_id == a.pk
    assert merge.snapshot["counts"] == {"contacts": 2, "follow_ups": 1, "tasks": 1}
    assert AuditLog.objects.filter(customer_id=a.pk, action=AuditLog.Action.OTHER).exists()

    # when the merge is undone
    customer_merge_undo(actor=org["east_manager"], merge_id=merge.pk)
    # then every field, link, collaborator, tag and key is as before
    assert world(a, b) == before
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_by == org["east_manager"]
    with pytest.raises(InvalidStateError):
        customer_merge_undo(actor=org["east_manager"], merge_id=merge.pk)


def test_rows_added_to_the_survivor_after_the_merge_stay_on_undo(org, dupes):
    a, b, _gone = dupes
    merge = customer_merge(actor=org["east_manager"], survivor_id=a.pk, merged_ids=[b.pk])
    later = TaskFactory(customer=a, assignee=org["east_rep"])
    customer_merge_undo(actor=org["east_manager"], merge_id=merge.pk)
    later.refresh_from_db()
    assert later.customer_id == a.pk


def test_later_module_rows_move_through_registered_movers_and_come_back(org, dupes, monkeypatch):
    a, b, _gone = dupes
    # given a higher app that registered its customer-linked model (Task stands in for it here) and a
    # plain callable that only counts
    calls = []
    monkeypatch.setattr(
        registry,
        "merge_movers",
        [FkMove("Extra tasks", "customers.Task"), lambda **kw: calls.append(kw) or {"Leads": 0}],
    )
    merge = customer_merge(actor=org["east_manager"], survivor_id=a.pk, merged_ids=[b.pk])
    assert merge.snapshot["counts"]["Leads"] == 0 and calls[0]["merged_ids"] == [b.pk]
    assert calls[0]["survivor"].pk == a.pk
    customer_merge_undo(actor=org["east_manager"], merge_id=merge.pk)
    assert Task.objects.filter(customer=b).count() == 1


def test_merge_needs_edit_on_all_and_delete_on_the_merged_and_a_refusal_changes_nothing(org, dupes):
    a, b, _gone = dupes
    before = world(a, b)
    audit_before = AuditLog.objects.count()
    # a rep may edit but not delete
    with pytest.raises(PermissionDeniedError):
        customer_merge(actor=org["east_rep"], survivor_id=a.pk, merged_ids=[b.pk])
    # the west manager has no reach over these customers
    with pytest.raises(NotFoundError):
        customer_merge(actor=org["west_manager"], survivor_id=a.pk, merged_ids=[b.pk])
    west = keyed(owner=org["west_rep"], name="西部公司")
    with pytest.raises(NotFoundError):
        customer_merge(actor=org["east_manager"], survivor_id=a.pk, merged_ids=[b.pk, west.pk])
    # bad input names the field
    with pytest.raises(ValidationFailed) as exc:
        customer_merge(actor=org["east_manager"], survivor_id=a.pk, merged_ids=[a.pk])
    assert "merged_ids" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        customer_merge(actor=org["east_manager"], survivor_id=a.pk, merged_ids=[b.pk], field_sources={"owner": b.pk})
    with pytest.raises(ValidationFailed) as exc:
        customer_merge(actor=org["east_manager"], survivor_id=a.pk, merged_ids=[b.pk], field_sources={"name": 999})
    assert "fields.name" in exc.value.fields
    assert world(a, b) == before and AuditLog.objects.count() == audit_before
    assert not CustomerMerge.objects.exists()


def test_undo_needs_the_same_reach(org, dupes):
    a, b, _gone = dupes
    merge = customer_merge(actor=org["east_manager"], survivor_id=a.pk, merged_ids=[b.pk])
    with pytest.raises(NotFoundError):
        customer_merge_undo(actor=org["west_manager"], merge_id=merge.pk)
    with pytest.raises(PermissionDeniedError):
        customer_merge_undo(actor=org["east_rep"], merge_id=merge.pk)
    merge.refresh_from_db()
    assert merge.undone_at is None


def test_merge_candidates_for_the_merge_page(org, dupes):
    a, b, _gone = dupes
    found = dd.merge_candidates(user=org["east_manager"], ids=[str(a.pk), str(b.pk)])
    assert [c.pk for c in found] == [a.pk, b.pk]
    assert (found[1].n_contacts, found[1].n_follow_ups, found[1].n_tasks) == (1, 1, 1)
    with pytest.raises(ValidationFailed):
        dd.merge_candidates(user=org["east_manager"], ids=["x"])
    with pytest.raises(ValidationFailed):
        dd.merge_candidates(user=org["east_manager"], ids=[a.pk])
    with pytest.raises(NotFoundError):
        dd.merge_candidates(user=org["west_manager"], ids=[a.pk, b.pk])
