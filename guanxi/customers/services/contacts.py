"""Contacts of a customer: create, correct, delete; their search text and duplicate keys follow."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from guanxi.core.custom_fields.validation import custom_values_clean
from guanxi.core.inputs import pick
from guanxi.core.search import name_sort_key
from guanxi.core.services import check_version, model_create, model_update, soft_delete
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404

from ..dedupe import services as dedupe
from ..models import Contact, Customer
from ..search_text import contact_search_text, search_text_changed
from ._common import _customer_for

CONTACT_FIELDS = {
    "name",
    "title",
    "mobile",
    "phone",
    "email",
    "wechat",
    "birthday",
    "is_decision_maker",
    "is_primary",
    "remarks",
}
CUSTOM_TARGET = "customers.contact"


def contact_create(*, actor: User, customer: Customer, data: dict[str, Any]) -> Contact:
    customer = _customer_for(actor, customer.pk, "contacts.create")
    data = pick(data, CONTACT_FIELDS | {"custom"})
    data["custom"] = custom_values_clean(actor=actor, target=CUSTOM_TARGET, values=data.get("custom"), creating=True)
    with transaction.atomic():
        contact = Contact(customer=customer, **data)
        contact.name = (contact.name or "").strip()
        contact.search_text = contact_search_text(contact)
        contact.name_sort = name_sort_key(contact.name)
        model_create(instance=contact, actor=actor)
        dedupe.contact_keys_sync(contact=contact)
        if contact.is_primary:
            Contact.objects.filter(customer=customer).exclude(pk=contact.pk).update(is_primary=False)
    return contact


def contact_update(
    *, actor: User, contact: Contact, data: dict[str, Any], expected_version: int | None = None
) -> Contact:
    contact = get_scoped_or_404(actor, Contact.objects.all(), contact.pk, "edit")
    check_version(contact, expected_version)
    data = pick(data, CONTACT_FIELDS | {"custom"})
    if "custom" in data:
        data["custom"] = custom_values_clean(
            actor=actor, target=CUSTOM_TARGET, values=data["custom"], current=contact.custom, instance_pk=contact.pk
        )
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
    with transaction.atomic():
        contact, changes = model_update(instance=contact, data=data, actor=actor, expected_version=expected_version)
        if search_text_changed(changes, {"name", "mobile", "phone", "email", "wechat"}):
            Contact.objects.filter(pk=contact.pk).update(
                search_text=contact_search_text(contact), name_sort=name_sort_key(contact.name)
            )
        if {"mobile", "phone", "email"} & changes.keys():
            dedupe.contact_keys_sync(contact=contact)
        if changes.get("is_primary", [None, False])[1]:
            Contact.objects.filter(customer_id=contact.customer_id).exclude(pk=contact.pk).update(is_primary=False)
    return contact


def contact_delete(*, actor: User, contact: Contact, expected_version: int | None = None) -> None:
    contact = get_scoped_or_404(actor, Contact.objects.all(), contact.pk, "delete")
    check_version(contact, expected_version)
    with transaction.atomic():
        soft_delete(instance=contact, actor=actor, expected_version=expected_version)
        dedupe.contact_keys_delete(contact=contact)
