"""Match keys (CustomerKey): the normalised name, credit code, phone and e-mail values a duplicate is found by,
kept in step with customers and contacts by their services, rebuilt set-based by imports, merges and the demo."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction

from ...models import Contact, Customer, CustomerKey
from ..normalise import contact_key_pairs, customer_key_pairs

BATCH = 2000
# The customer fields keys are made from: a change to one of them is checked for duplicates.
KEY_FIELDS = {"kind", "name", "credit_code", "phone", "email"}


def _customer_pairs(c: Any) -> list[tuple[str, str]]:
    return customer_key_pairs(kind=c.kind, name=c.name, credit_code=c.credit_code, phone=c.phone, email=c.email)


def _sync_keys(customer_id: int, contact_id: int | None, wanted: Iterable[tuple[str, str]]) -> None:
    wanted_set = set(wanted)
    rows = CustomerKey.objects.filter(customer_id=customer_id)
    rows = rows.filter(contact__isnull=True) if contact_id is None else rows.filter(contact_id=contact_id)
    keep: set[tuple[str, str]] = set()
    stale: list[int] = []
    for pk, kind, value in rows.values_list("pk", "kind", "value"):
        if (kind, value) in wanted_set and (kind, value) not in keep:
            keep.add((kind, value))
        else:
            stale.append(pk)
    if stale:
        CustomerKey.objects.filter(pk__in=stale).delete()
    missing = wanted_set - keep
    if missing:
        CustomerKey.objects.bulk_create(
            [CustomerKey(customer_id=customer_id, contact_id=contact_id, kind=k, value=v) for k, v in sorted(missing)]
        )


def customer_keys_sync(*, customer: Customer) -> None:
    """Rewrite the customer's own keys (name, credit code, phone, e-mail) from its fields."""
    _sync_keys(customer.pk, None, _customer_pairs(customer))


def contact_keys_sync(*, contact: Contact) -> None:
    """Rewrite a contact's keys (mobile, phone, e-mail → its customer); a deleted contact has none."""
    wanted = (
        [] if contact.deleted_at else contact_key_pairs(mobile=contact.mobile, phone=contact.phone, email=contact.email)
    )
    CustomerKey.objects.filter(contact_id=contact.pk).exclude(customer_id=contact.customer_id).delete()
    _sync_keys(contact.customer_id, contact.pk, wanted)


def contact_keys_delete(*, contact: Contact) -> None:
    CustomerKey.objects.filter(contact_id=contact.pk).delete()


def customer_keys_rebuild(*, customer_ids: Iterable[int] | None = None) -> int:
    """Recompute the keys of these customers (all when None) set-based: delete, then bulk insert.

    Deleted customers keep keys (lookups skip them, so a restore needs nothing); deleted contacts
    have none. Used by the bulk demo/bench loader, imports and merges. Returns the rows written.
    """
    written = 0
    with transaction.atomic():
        if customer_ids is None:
            CustomerKey.objects.all().delete()
            written += _insert_keys(Customer.all_objects.all(), Contact.objects.all())
            return written
        ids = sorted({int(i) for i in customer_ids})
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            CustomerKey.objects.filter(customer_id__in=chunk).delete()
            written += _insert_keys(
                Customer.all_objects.filter(pk__in=chunk), Contact.objects.filter(customer_id__in=chunk)
            )
    return written


def _insert_keys(customers: models.QuerySet, contacts: models.QuerySet) -> int:
    rows: list[CustomerKey] = []
    written = 0

    def flush() -> None:
        nonlocal rows, written
        if rows:
            CustomerKey.objects.bulk_create(rows, batch_size=BATCH)
            written += len(rows)
            rows = []

    customer_fields = ("pk", "kind", "name", "credit_code", "phone", "email")
    for pk, kind, name, code, phone, email in customers.values_list(*customer_fields).iterator(chunk_size=BATCH):
        for k, v in customer_key_pairs(kind=kind, name=name, credit_code=code, phone=phone, email=email):
            rows.append(CustomerKey(customer_id=pk, kind=k, value=v))
        if len(rows) >= BATCH:
            flush()
    contact_fields = ("pk", "customer_id", "mobile", "phone", "email")
    for pk, cid, mobile, phone, email in contacts.values_list(*contact_fields).iterator(chunk_size=BATCH):
        for k, v in contact_key_pairs(mobile=mobile, phone=phone, email=email):
            rows.append(CustomerKey(customer_id=cid, contact_id=pk, kind=k, value=v))
        if len(rows) >= BATCH:
            flush()
    flush()
    return written
