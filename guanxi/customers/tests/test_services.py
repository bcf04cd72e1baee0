"""Customer services: the business rules behind every entry path (UI, API, demo)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.core.errors import NotFoundError, PermissionDeniedError, PreconditionFailedError, ValidationFailed
from guanxi.core.models import AuditLog, Notification
from guanxi.customers import services
from guanxi.customers.models import Customer, FollowUp, Task
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory, FollowUpFactory, TaskFactory
from guanxi.org.services import user_deactivate

pytestmark = pytest.mark.django_db


def audit_count() -> int:
    return AuditLog.objects.count()


def test_create_customer_sets_owner_department_search_text_and_audits(org):
    # when a rep registers a customer
    c = services.customer_create(
        actor=org["east_rep"], data={"name": "  北京华信科技有限公司 ", "phone": "010-6288 1234"}
    )
    # then the rep owns it, in the rep's department, findable by pinyin initials and phone digits
    assert c.owner == org["east_rep"] and c.department == org.east
    assert c.name == "北京华信科技有限公司"
    assert "bjhxkjyxgs" in c.search_text and "01062881234" in c.search_text
    entry = AuditLog.objects.get(action="create", object_id=str(c.pk))
    assert entry.actor == org["east_rep"] and entry.changes["name"] == [None, "北京华信科技有限公司"]


def test_invalid_credit_code_is_refused_with_field_error_and_nothing_written(org):
    before = audit_count()
    with pytest.raises(ValidationFailed) as exc:
        services.customer_create(actor=org["east_rep"], data={"name": "甲公司", "credit_code": "91350100M000100Y44"})
    assert "credit_code" in exc.value.fields
    assert not Customer.objects.exists() and audit_count() == before


def test_registering_for_someone_else_needs_assign(org):
    with pytest.raises(PermissionDeniedError):
        services.customer_create(actor=org["east_rep"], data={"name": "乙公司"}, owner=org["east_rep2"])
    assert not Customer.objects.exists()
    c = services.customer_create(actor=org["east_manager"], data={"name": "乙公司"}, owner=org["east_rep2"])
    assert c.owner == org["east_rep2"]


def test_department_review_keeps_new_customer_pending_until_approved(org):
    # given the east department reviews new customers
    org.east.requires_customer_review = True
    org.east.save()
    # when a rep enters a customer
    c = services.customer_create(actor=org["east_rep"], data={"name": "待审公司"})
    # then it is pending and the manager and assistant are told (by the approval engine)
    assert c.review_status == Customer.Review.PENDING
    told = set(Notification.objects.filter(kind="approval").values_list("recipient__username", flat=True))
    assert told == {"east_manager", "east_assistant"}
    # a rep cannot approve; rejecting needs a reason
    with pytest.raises(PermissionDeniedError):
        services.customer_review(actor=org["east_rep2"], customer=c, approve=True)
    with pytest.raises(ValidationFailed):
        services.customer_review(actor=org["east_assistant"], customer=c, approve=False, reason=" ")
    # the assistant approves
    services.customer_review(actor=org["east_assistant"], customer=c, approve=True)
    c.refresh_from_db()
    assert c.review_status == Customer.Review.ACTIVE
    result = Notification.objects.filter(recipient=org["east_rep"], kind="approval", title__startswith="Approved")
    assert result.exists()


def test_manager_entering_a_customer_skips_review(org):
    org.east.requires_customer_review = True
    org.east.save()
    c = services.customer_create(actor=org["east_manager"], data={"name": "经理录入"})
    assert c.review_status == Customer.Review.ACTIVE


def test_stale_version_is_refused_and_nothing_changes(org):
    c = CustomerFactory(owner=org["east_rep"], name="原名")
    services.customer_update(actor=org["east_rep"], customer=c, data={"name": "新名"}, expected_version=1)
    with pytest.raises(PreconditionFailedError):
        services.customer_update(actor=org["east_rep"], customer=c, data={"name": "覆盖"}, expected_version=1)
    c.refresh_from_db()
    assert c.name == "新名" and c.version == 2


def test_update_records_old_and_new_values(org):
    c = CustomerFactory(owner=org["east_rep"], level="C")
    services.customer_update(actor=org["east_rep"], customer=c, data={"level": "A"})
    entry = AuditLog.objects.filter(action="update", object_id=str(c.pk)).get()
    assert entry.changes == {"level": ["C", "A"]}


def test_rep_cannot_edit_another_reps_customer(org):
    c = CustomerFactory(owner=org["west_rep"], name="西部客户")
    before = audit_count()
    with pytest.raises(NotFoundError):
        services.customer_update(actor=org["east_rep"], customer=c, data={"name": "改掉"})
    c.refresh_from_db()
    assert c.name == "西部客户" and audit_count() == before


def test_follow_up_moves_last_contact_forward_never_back(org):
    c = CustomerFactory(owner=org["east_rep"])
    recent = timezone.now() - dt.timedelta(days=1)
    services.follow_up_create(
        actor=org["east_rep"],
        customer=c,
        data={
            "content": "拜访",
            "method": "visit",
            "occurred_at": recent,
            "next_follow_up_on": dt.date.today() + dt.timedelta(days=7),
        },
    )
    c.refresh_from_db()
    assert c.last_contact_at == recent and c.status == Customer.Status.FOLLOWING
    assert c.next_follow_up_on == dt.date.today() + dt.timedelta(days=7)
    # an older record logged later does not move it back
    services.follow_up_create(
        actor=org["east_rep"], customer=c, data={"content": "补录", "occurred_at": recent - dt.timedelta(days=30)}
    )
    c.refresh_from_db()
    assert c.last_contact_at == recent


def test_follow_up_in_the_future_or_for_another_customers_contact_is_refused(org):
    c = CustomerFactory(owner=org["east_rep"])
    other_contact = ContactFactory(customer=CustomerFactory(owner=org["east_rep"]))
    with pytest.raises(ValidationFailed) as exc:
        services.follow_up_create(actor=org["east_rep"], customer=c, data={"content": "x", "contact": other_contact})
    assert "contact" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.follow_up_create(
            actor=org["east_rep"],
            customer=c,
            data={"content": "x", "occurred_at": timezone.now() + dt.timedelta(days=2)},
        )
    assert "occurred_at" in exc.value.fields
    assert not FollowUp.objects.exists()


def test_nobody_edits_another_persons_follow_up(org):
    # given a customer shared with a collaborator, and the owner's follow-up on it
    c = CustomerFactory(owner=org["east_rep"])
    c.collaborators.add(org["east_rep2"])
    f = FollowUpFactory(customer=c, author=org["east_rep"], content="原始记录")
    # when the collaborator (or the manager) tries to change it, it is refused and unchanged
    for other in (org["east_rep2"], org["east_manager"]):
        with pytest.raises(PermissionDeniedError):
            services.follow_up_update(actor=other, follow_up=f, data={"content": "篡改"})
        with pytest.raises(PermissionDeniedError):
            services.follow_up_delete(actor=other, follow_up=f)
    f.refresh_from_db()
    assert f.content == "原始记录" and f.deleted_at is None
    # the author may correct it
    services.follow_up_update(actor=org["east_rep"], follow_up=f, data={"content": "更正"})
    f.refresh_from_db()
    assert f.content == "更正"


def test_contact_needs_a_name_and_only_one_primary(org):
    c = CustomerFactory(owner=org["east_rep"])
    with pytest.raises(ValidationFailed) as exc:
        services.contact_create(actor=org["east_rep"], customer=c, data={"name": "   "})
    assert "name" in exc.value.fields
    a = services.contact_create(actor=org["east_rep"], customer=c, data={"name": "王经理", "is_primary": True})
    b = services.contact_create(actor=org["east_rep"], customer=c, data={"name": "李工", "is_primary": True})
    a.refresh_from_db()
    assert not a.is_primary and b.is_primary


def test_transfer_moves_only_customers_in_reach(org):
    mine = CustomerFactory(owner=org["east_rep"])
    theirs = CustomerFactory(owner=org["west_rep"])
    moved, skipped = services.customer_transfer(
        actor=org["east_manager"], customer_ids=[mine.pk, theirs.pk], new_owner=org["east_rep2"]
    )
    assert (moved, skipped) == (1, 1)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.owner == org["east_rep2"] and theirs.owner == org["west_rep"]
    assert AuditLog.objects.filter(action="transfer", object_id=str(mine.pk)).exists()
    assert Notification.objects.filter(recipient=org["east_rep2"], kind="customer_transfer").exists()


def test_soft_delete_and_restore(org):
    c = CustomerFactory(owner=org["east_rep"])
    with pytest.raises(PermissionDeniedError):  # reps have no delete permission
        services.customer_delete(actor=org["east_rep"], customer=c)
    services.customer_delete(actor=org["east_manager"], customer=c)
    assert not Customer.objects.filter(pk=c.pk).exists() and Customer.all_objects.filter(pk=c.pk).exists()
    services.customer_restore(actor=org["east_manager"], customer_id=c.pk)
    assert Customer.objects.filter(pk=c.pk).exists()
    assert list(AuditLog.objects.filter(object_id=str(c.pk)).values_list("action", flat=True)[:2]) == [
        "restore",
        "delete",
    ]


def test_task_for_someone_else_needs_assign_and_notifies(org):
    due = timezone.now() + dt.timedelta(hours=3)
    with pytest.raises(PermissionDeniedError):
        services.task_create(actor=org["east_rep"], data={"title": "回访", "due_at": due}, assignee=org["east_rep2"])
    assert not Task.objects.exists()
    t = services.task_create(actor=org["east_manager"], data={"title": "回访", "due_at": due}, assignee=org["east_rep"])
    assert Notification.objects.filter(recipient=org["east_rep"], kind="task_assigned").exists()
    services.task_set_done(actor=org["east_rep"], task=t)
    t.refresh_from_db()
    assert t.done and t.done_at is not None


def test_deactivating_a_user_hands_over_customers_and_open_tasks(org):
    leaver, successor = org["east_rep"], org["east_rep2"]
    customers = CustomerFactory.create_batch(3, owner=leaver)
    open_task = TaskFactory(assignee=leaver)
    done_task = TaskFactory(assignee=leaver, done=True)
    handed = user_deactivate(actor=org["admin"], user=leaver, successor=successor)
    assert handed["customers"] == 3 and handed["tasks"] == 1
    assert set(Customer.objects.filter(owner=successor)) == set(customers)
    open_task.refresh_from_db()
    done_task.refresh_from_db()
    assert open_task.assignee == successor and done_task.assignee == leaver
    leaver.refresh_from_db()
    assert not leaver.is_active
    assert AuditLog.objects.filter(action="transfer", object_id=str(leaver.pk)).exists()
