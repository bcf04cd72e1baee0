"""First registrant wins (先录先得): the later rep is refused, a conflict is recorded for the managers,
who may make it a joint pursuit or dismiss it; nothing leaks to a rep who may not see the customer."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from guanxi.core.errors import InvalidStateError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog, Notification
from guanxi.customers import services
from guanxi.customers.dedupe import selectors as dd
from guanxi.customers.dedupe.services import (
    DuplicateBlocked,
    customer_keys_rebuild,
    registration_conflict_decide,
    registration_conflicts_flush,
    registration_conflicts_forget,
)
from guanxi.customers.models import Customer, RegistrationConflict
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_queued_conflicts():
    # Conflicts queued by earlier tests' services (no request ended them) must not leak in here.
    registration_conflicts_forget()


CODE = "91350100M000100Y43"


@pytest.fixture
def first(org):
    """East rep registered 华信科技有限公司 first."""
    return services.customer_create(
        actor=org["east_rep"], data={"name": "华信科技有限公司", "credit_code": CODE, "phone": "13812345678"}
    )


def told(kind="registration_conflict"):
    return {n.recipient.username: n for n in Notification.objects.filter(kind=kind).select_related("recipient")}


def snapshot(customer):
    customer.refresh_from_db()
    return (
        customer.name,
        customer.owner_id,
        customer.version,
        sorted(customer.collaborators.values_list("pk", flat=True)),
    )


# --- the later registrant is refused ---------------------------------------------------------
def test_second_rep_is_refused_conflict_recorded_managers_told_customer_unchanged(org, first):
    before = snapshot(first)
    # when a rep of another department enters the same company with another suffix, through the API path
    with pytest.raises(DuplicateBlocked) as exc:
        services.customer_create(
            actor=org["west_rep"], data={"name": "华信科技股份有限公司", "phone": "0755-1234567"}, entry_path="api"
        )
    # then nothing was created and the existing customer is unchanged
    assert list(exc.value.fields) == ["name"]
    assert Customer.objects.count() == 1 and snapshot(first) == before
    # a conflict records who, what and how
    conflict = RegistrationConflict.objects.get()
    assert (conflict.customer, conflict.first_owner, conflict.claimant) == (first, org["east_rep"], org["west_rep"])
    assert (conflict.matched_on, conflict.matched_value, conflict.entry_path) == ("name", "华信科技", "api")
    assert conflict.attempted["name"] == "华信科技股份有限公司" and conflict.status == "open"
    # both reps and both sides' managers are told, once each
    notes = told()
    assert set(notes) == {"east_rep", "west_rep", "east_manager", "west_manager"}
    # it is audited on the customer's timeline
    entry = AuditLog.objects.get(
        object_id=str(conflict.pk), content_type__model="registrationconflict", action=AuditLog.Action.CREATE
    )
    assert entry.customer_id == first.pk and entry.actor == org["west_rep"]


def test_blocked_rep_does_not_learn_the_owner_or_the_existing_record(org, first):
    # when a rep who may not see the customer is refused
    with pytest.raises(DuplicateBlocked) as exc:
        services.customer_create(actor=org["west_rep"], data={"name": "Other name", "credit_code": CODE})
    # then the error says "another rep", without the customer's name, owner or id
    text = exc.value.message + json.dumps(exc.value.fields, ensure_ascii=False)
    assert "another rep" in text
    assert first.name not in text and str(org["east_rep"]) not in text
    assert all(m.public()["customer_id"] is None for m in exc.value.result.matches)
    # nor does their notification or the west manager's (who may not see it either)
    for who in ("west_rep", "west_manager"):
        note = told()[who]
        assert first.name not in note.title + note.body and str(org["east_rep"]) not in note.title + note.body
    assert told()["west_rep"].url == ""


def test_a_rep_who_can_see_the_customer_is_told_whose_it_is(org, first):
    # the east manager sees the east rep's customer, so the refusal names customer and owner
    with pytest.raises(DuplicateBlocked) as exc:
        services.customer_create(actor=org["east_manager"], data={"name": "华信科技"})
    assert first.name in exc.value.message and str(org["east_rep"]) in exc.value.message


def test_repeated_attempts_keep_one_open_conflict(org, first):
    for _ in range(3):
        with pytest.raises(DuplicateBlocked):
            services.customer_create(actor=org["west_rep"], data={"name": "华信科技"})
    assert RegistrationConflict.objects.count() == 1
    assert Notification.objects.filter(recipient=org["west_manager"], kind="registration_conflict").count() == 1


def test_own_or_pool_duplicates_are_refused_without_a_conflict(org, first):
    # the owner entering it again: refused, no conflict
    with pytest.raises(DuplicateBlocked) as exc:
        services.customer_create(actor=org["east_rep"], data={"name": "华信科技"})
    assert "your customer" in exc.value.message
    # a customer in the public pool: refused, told to claim it, no conflict
    pooled = CustomerFactory(owner=None, department=None, name="公海客户有限公司", pool_entered_at=timezone.now())
    customer_keys_rebuild(customer_ids=[pooled.pk])
    with pytest.raises(DuplicateBlocked) as exc:
        services.customer_create(actor=org["west_rep"], data={"name": "公海客户"})
    assert "public pool" in exc.value.message and pooled.name in exc.value.message
    assert not RegistrationConflict.objects.exists()


def test_conflict_survives_the_callers_rolled_back_transaction(org, first):
    # given a caller that wraps the create in its own transaction (the UI form, lead conversion)
    with pytest.raises(DuplicateBlocked), transaction.atomic():
        services.customer_create(actor=org["west_rep"], data={"name": "华信科技"})
    # the caller's rollback took the first write with it…
    assert not RegistrationConflict.objects.exists()
    # …and the end of the request writes it again
    assert registration_conflicts_flush() == 1
    assert RegistrationConflict.objects.get().claimant == org["west_rep"]
    assert registration_conflicts_flush() == 0


def test_conflict_from_an_idempotent_api_create_is_kept(org, first):
    # given the API create, which rolls back a failed request as a whole when an Idempotency-Key is sent
    _token, secret = api_token_create(actor=org["west_rep"], name="t")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    response = client.post(
        "/api/v1/customers",
        data=json.dumps({"name": "华信科技有限公司"}),
        content_type="application/json",
        headers={"Idempotency-Key": "k1"},
    )
    # then it is a 409 and the conflict is recorded anyway
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "duplicate_blocked"
    assert RegistrationConflict.objects.filter(claimant=org["west_rep"], customer=first).count() == 1


# --- managers decide -------------------------------------------------------------------------
@pytest.fixture
def conflict(org, first):
    with pytest.raises(DuplicateBlocked):
        services.customer_create(actor=org["west_rep"], data={"name": "华信科技"})
    Notification.objects.all().delete()
    return RegistrationConflict.objects.get()


def test_joint_pursuit_adds_the_claimant_as_collaborator_and_tells_both(org, first, conflict):
    # when the first owner's manager decides joint pursuit
    decided = registration_conflict_decide(actor=org["east_manager"], conflict_id=conflict.pk, decision="joint")
    # then the later rep collaborates; the first owner keeps the customer
    first.refresh_from_db()
    assert first.owner == org["east_rep"]
    assert list(first.collaborators.all()) == [org["west_rep"]]
    assert decided.status == "joint" and decided.decided_by == org["east_manager"]
    # both sides are told, and it is audited
    assert set(told("registration_conflict_decided")) == {"east_rep", "west_rep"}
    assert AuditLog.objects.filter(
        object_id=str(conflict.pk), content_type__model="registrationconflict", action=AuditLog.Action.APPROVE
    ).exists()
    assert AuditLog.objects.filter(customer_id=first.pk, changes__has_key="collaborators").exists()
    # the later rep can now see it, but still cannot register it again
    assert dd.dedupe_check(actor=org["west_rep"], data={"name": "华信科技"}).matches[0].visible
    with pytest.raises(DuplicateBlocked):
        services.customer_create(actor=org["west_rep"], data={"name": "华信科技"})
    assert RegistrationConflict.objects.count() == 1  # a collaborator's attempt is no new conflict


def test_dismiss_needs_a_note_and_changes_nothing_else(org, first, conflict):
    with pytest.raises(ValidationFailed) as exc:
        registration_conflict_decide(actor=org["east_manager"], conflict_id=conflict.pk, decision="dismiss")
    assert "note" in exc.value.fields
    registration_conflict_decide(
        actor=org["east_manager"], conflict_id=conflict.pk, decision="dismiss", note="客户已明确由张三跟进"
    )
    conflict.refresh_from_db()
    assert conflict.status == "dismissed" and conflict.decision_note == "客户已明确由张三跟进"
    assert not first.collaborators.exists()
    assert set(told("registration_conflict_decided")) == {"east_rep", "west_rep"}
    # a decided conflict cannot be decided again
    with pytest.raises(InvalidStateError):
        registration_conflict_decide(actor=org["east_manager"], conflict_id=conflict.pk, decision="joint")


def test_only_managers_with_the_customer_in_scope_decide_and_a_refusal_changes_nothing(org, first, conflict):
    audit_before = AuditLog.objects.count()
    # a rep holds neither assign nor approve
    with pytest.raises(PermissionDeniedError):
        registration_conflict_decide(actor=org["west_rep"], conflict_id=conflict.pk, decision="joint")
    # the claimant's own manager has no reach over the east customer
    with pytest.raises(NotFoundError):
        registration_conflict_decide(actor=org["west_manager"], conflict_id=conflict.pk, decision="joint")
    conflict.refresh_from_db()
    assert conflict.status == "open" and not first.collaborators.exists()
    assert AuditLog.objects.count() == audit_before
    # the east department's assistant (approve, department scope) may decide
    assert dd.conflict_list(user=org["east_assistant"]).get() == conflict
    assert list(dd.conflict_list(user=org["west_manager"])) == []
