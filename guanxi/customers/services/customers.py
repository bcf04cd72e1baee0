"""Customers: register, edit, hand over, delete and restore; the customer form's all-or-nothing save.

Every write runs the duplicate check (dedupe) first and keeps the customer's search text and duplicate keys
in step with its fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.custom_fields.validation import custom_values_clean
from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.events import event_emit, event_emit_many
from guanxi.core.i18n import Message
from guanxi.core.inputs import pick
from guanxi.core.models import AuditLog
from guanxi.core.search import name_sort_key
from guanxi.core.services import (
    audit_record,
    check_version,
    model_create,
    model_update,
    notify,
    soft_delete,
    soft_restore,
)
from guanxi.org.models import User
from guanxi.org.policies import (
    ensure_in_scope,
    get_scoped_or_404,
    has_permission,
    require_permission,
    scope_queryset,
)

from ..dedupe import services as dedupe
from ..models import CUSTOMER_EDITABLE_FIELDS, Customer
from ..search_text import customer_search_text, search_text_changed
from .review import customer_review_request
from .tags import tag_get_or_create, tag_name_clean

CUSTOMER_FIELDS = set(CUSTOMER_EDITABLE_FIELDS)
CUSTOM_TARGET = "customers.customer"


def _normalise_customer(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("credit_code"):
        data["credit_code"] = str(data["credit_code"]).strip().upper()
    if "name" in data and data["name"] is not None:
        data["name"] = " ".join(str(data["name"]).split())
    return data


def _dedupe_changed_keys(*, actor: User, customer: Customer, data: dict[str, Any], confirm_warnings: bool) -> None:
    """The duplicate check of an edit: only the changed key fields (name, credit code, phone, e-mail) count."""
    changed_keys = {k: v for k, v in data.items() if k in dedupe.KEY_FIELDS and v != getattr(customer, k)}
    if "kind" in changed_keys:  # a person becoming a company gets a name key
        changed_keys.setdefault("name", customer.name)
    if changed_keys:
        dedupe.dedupe_enforce(
            actor=actor,
            data={"kind": data.get("kind", customer.kind), **changed_keys},
            exclude_customer_id=customer.pk,
            entry_path="edit",
            confirm_warnings=confirm_warnings,
        )


def customer_create(
    *,
    actor: User,
    data: dict[str, Any],
    owner: User | None = None,
    collaborators: Iterable[User] = (),
    tags: Iterable[Any] = (),
    entry_path: str = "ui",
    confirm_warnings: bool = False,
) -> Customer:
    """Register a customer. The owner defaults to the actor; registering for someone else needs "assign".

    The duplicate check runs first (dedupe.dedupe_enforce): a BLOCK match refuses it (409, and a
    registration conflict when someone else has the customer); warnings need confirm_warnings=True.

    If the owner's department reviews new customers (录入审核) and the actor may not approve,
    the customer stays pending and goes to the approval engine ("customer_review": by default the
    department manager or assistant decides); see customer_review_request for the fallback.
    """
    require_permission(actor, "customers.create")
    data = _normalise_customer(pick(data, CUSTOMER_FIELDS | {"custom"}))
    data["custom"] = custom_values_clean(actor=actor, target=CUSTOM_TARGET, values=data.get("custom"), creating=True)
    owner = owner or actor
    if owner.pk != actor.pk:
        require_permission(actor, "customers.assign")
    dedupe.dedupe_enforce(actor=actor, data=data, entry_path=entry_path, confirm_warnings=confirm_warnings)
    with transaction.atomic():
        customer = Customer(**data, owner=owner, department=owner.department, created_by=actor)
        dept = owner.department
        needs_review = bool(dept and dept.requires_customer_review and not has_permission(actor, "customers.approve"))
        if needs_review:
            customer.review_status = Customer.Review.PENDING
        customer.search_text = customer_search_text(customer)
        customer.name_sort = name_sort_key(customer.name)
        model_create(instance=customer, actor=actor, m2m={"collaborators": list(collaborators), "tags": list(tags)})
        dedupe.customer_keys_sync(customer=customer)
        ensure_in_scope(actor, customer, "view")
        if needs_review:
            customer_review_request(actor=actor, customer=customer)
        event_emit("customer.created", obj=customer, actor=actor)
    return customer


def customer_update(
    *,
    actor: User,
    customer: Customer,
    data: dict[str, Any],
    expected_version: int | None = None,
    confirm_warnings: bool = False,
) -> Customer:
    """Edit a customer's fields (owner changes go through customer_transfer). Changed name, credit
    code, phone or e-mail are checked for duplicates like a new customer (see customer_create)."""
    customer = get_scoped_or_404(actor, Customer.objects.all(), customer.pk, "edit")
    check_version(customer, expected_version)
    data = _normalise_customer(pick(data, CUSTOMER_FIELDS | {"collaborators", "tags", "custom"}))
    if "custom" in data:
        data["custom"] = custom_values_clean(
            actor=actor, target=CUSTOM_TARGET, values=data["custom"], current=customer.custom, instance_pk=customer.pk
        )
    _dedupe_changed_keys(actor=actor, customer=customer, data=data, confirm_warnings=confirm_warnings)
    with transaction.atomic():
        customer, changes = model_update(instance=customer, data=data, actor=actor, expected_version=expected_version)
        if search_text_changed(changes, {"name", "phone", "email", "credit_code"}):
            customer.search_text = customer_search_text(customer)
            customer.name_sort = name_sort_key(customer.name)
            Customer.objects.filter(pk=customer.pk).update(
                search_text=customer.search_text, name_sort=customer.name_sort
            )
        if dedupe.KEY_FIELDS & changes.keys():
            dedupe.customer_keys_sync(customer=customer)
        ensure_in_scope(actor, customer, "view")
        if changes:
            event_emit("customer.updated", obj=customer, actor=actor)
    return customer


def customer_transfer(
    *, actor: User, customer_ids: Iterable[int], new_owner: User, keep_as_collaborator: bool = False
) -> tuple[int, int]:
    """Hand customers to another owner. Returns (moved, skipped) where skipped are out of the actor's reach."""
    require_permission(actor, "customers.assign")
    if not new_owner.is_active:
        raise ValidationFailed(_("The new owner's account is closed."), fields={"owner": [_("Choose an active user.")]})
    ids = list(dict.fromkeys(int(i) for i in customer_ids))
    moved: list[int] = []
    with transaction.atomic():
        allowed = scope_queryset(actor, Customer.objects.filter(pk__in=ids), "assign").select_for_update(of=("self",))
        for customer in allowed:
            old_owner = customer.owner
            if old_owner and old_owner.pk == new_owner.pk:
                continue
            model_update(
                instance=customer,
                data={"owner": new_owner, "department": new_owner.department},
                actor=actor,
                audit=False,
            )
            if keep_as_collaborator and old_owner:
                customer.collaborators.add(old_owner)
            audit_record(
                actor=actor,
                action=AuditLog.Action.TRANSFER,
                obj=customer,
                changes={"owner": [str(old_owner) if old_owner else None, str(new_owner)]},
            )
            moved.append(customer.pk)
        event_emit_many("customer.transferred", ids=moved, actor=actor)
        if moved:
            notify(
                recipient=new_owner,
                kind="customer_transfer",
                url=reverse("customers:list") + "?scene=mine",
                title=Message(gettext_noop("%(count)s customer(s) were handed to you"), {"count": len(moved)}),
                body=Message(gettext_noop("Handed over by %(user)s."), {"user": actor}),
            )
    return len(moved), len(ids) - len(moved)


def customer_delete(*, actor: User, customer: Customer, expected_version: int | None = None) -> None:
    customer = get_scoped_or_404(actor, Customer.objects.all(), customer.pk, "delete")
    check_version(customer, expected_version)
    with transaction.atomic():
        soft_delete(instance=customer, actor=actor, expected_version=expected_version)


def customer_restore(*, actor: User, customer_id: int) -> Customer:
    customer = get_scoped_or_404(actor, Customer.all_objects.filter(deleted_at__isnull=False), customer_id, "delete")
    # Someone may have registered the same customer meanwhile: the live one wins.
    dedupe.dedupe_enforce(
        actor=actor,
        data={f: getattr(customer, f) for f in dedupe.KEY_FIELDS},
        exclude_customer_id=customer.pk,
        record_conflicts=False,
        blocks_only=True,
    )
    with transaction.atomic():
        soft_restore(instance=customer, actor=actor)
    return customer


def customer_save(
    *,
    actor: User,
    data: dict[str, Any],
    customer: Customer | None = None,
    owner: User | None = None,
    collaborators: Iterable[User] = (),
    tags: Iterable[Any] = (),
    new_tags: Iterable[str] = (),
    expected_version: int | None = None,
    confirm_warnings: bool = False,
) -> Customer:
    """What the customer form saves, all or nothing: new tags, the customer (created or updated, with
    tags and collaborators) and, on an edit, an owner change (a transfer, so it needs "assign").

    The duplicate check runs first, outside the transaction, exactly as customer_create/customer_update
    run it: a refused registration stays on record as a conflict although nothing else is saved.
    """
    names = [tag_name_clean(n) for n in new_tags if n.strip()]
    clean = _normalise_customer(pick(dict(data), CUSTOMER_FIELDS | {"custom"}))
    if customer is None:
        require_permission(actor, "customers.create")
        if owner is not None and owner.pk != actor.pk:
            require_permission(actor, "customers.assign")
        dedupe.dedupe_enforce(actor=actor, data=clean, entry_path="ui", confirm_warnings=confirm_warnings)
    else:
        current = get_scoped_or_404(actor, Customer.objects.all(), customer.pk, "edit")
        check_version(current, expected_version)
        _dedupe_changed_keys(actor=actor, customer=current, data=clean, confirm_warnings=confirm_warnings)
    with transaction.atomic():
        all_tags = list(tags) + [tag_get_or_create(actor=actor, name=n) for n in names]
        all_tags = list({t.pk: t for t in all_tags}.values())
        if customer is None:
            return customer_create(
                actor=actor,
                data=clean,
                owner=owner,
                collaborators=list(collaborators),
                tags=all_tags,
                confirm_warnings=True,  # checked above
            )
        customer = customer_update(
            actor=actor,
            customer=customer,
            data={**clean, "tags": all_tags, "collaborators": list(collaborators)},
            expected_version=expected_version,
            confirm_warnings=True,  # checked above
        )
        if owner is not None and owner.pk != customer.owner_id:
            moved, _skipped = customer_transfer(actor=actor, customer_ids=[customer.pk], new_owner=owner)
            if not moved:
                raise PermissionDeniedError(_("You may not hand this customer to someone else."))
            customer.refresh_from_db()
    return customer


def customer_bulk_delete(*, actor: User, customer_ids: Iterable[int]) -> tuple[int, int]:
    """Move customers to the recycle bin. Returns (deleted, skipped): skipped are out of the actor's reach."""
    require_permission(actor, "customers.delete")
    ids = list(dict.fromkeys(int(i) for i in customer_ids))
    deleted = 0
    with transaction.atomic():
        for customer in scope_queryset(actor, Customer.objects.filter(pk__in=ids), "delete"):
            soft_delete(instance=customer, actor=actor)
            deleted += 1
    return deleted, len(ids) - deleted


# --- hand-over when a user leaves ------------------------------------------------------------
def customers_hand_over(*, actor: User, leaving: User, successor: User) -> int:
    """Move a leaver's customers (their contacts, follow-ups and history go with them) to the successor and
    the successor's department, audited per customer; the leaver stops collaborating on any customer."""
    moved = 0
    for customer in Customer.objects.filter(owner=leaving).select_for_update(of=("self",)):
        model_update(
            instance=customer, data={"owner": successor, "department": successor.department}, actor=actor, audit=False
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.TRANSFER,
            obj=customer,
            changes={"owner": [str(leaving), str(successor)]},
        )
        moved += 1
    Customer.collaborators.through.objects.filter(user=leaving).delete()
    return moved
