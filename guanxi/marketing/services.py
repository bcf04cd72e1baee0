"""Writes of the marketing app's segments (plain functions, keyword-only, one business action in a transaction,
audited). Consent and the suppression list are in consent.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.inputs import LONG_TEXT_MAX, clean_ids, clean_text, field_error, pick
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, model_create, model_update, soft_delete
from guanxi.org.models import User
from guanxi.org.policies import require_permission, scope_queryset

from .models import Segment, SegmentMember
from .segments import clean_query, filtered_contacts

SEGMENT_FIELDS = {"name", "description", "kind", "base", "query"}
STATIC_ADD_MAX = 5000  # contacts added to a static list in one go


def _segment_data(actor: User, data: dict[str, Any], current: Segment | None = None) -> dict[str, Any]:
    data = pick(data, SEGMENT_FIELDS)
    out: dict[str, Any] = {}
    if "name" in data or current is None:
        out["name"] = clean_text(data.get("name"), "name", max_length=120, required=True)
    if "description" in data:
        out["description"] = clean_text(data["description"], "description", max_length=LONG_TEXT_MAX, multiline=True)
    kind = data.get("kind", current.kind if current else Segment.Kind.DYNAMIC)
    if kind not in Segment.Kind.values:
        raise field_error("kind", _("Choose dynamic or static."))
    out["kind"] = kind
    query, named_base = clean_query(clean_text(data.get("query", current.query if current else ""), "query",
                                               max_length=4000))  # fmt: skip
    base = named_base or data.get("base", current.base if current else Segment.Base.CUSTOMERS)
    if base not in Segment.Base.values:
        raise field_error("base", _("Choose customers or contacts."))
    out["base"] = base
    if kind == Segment.Kind.DYNAMIC:
        members = filtered_contacts(user=actor, base=base, query=query)
        if members.warnings:  # a filter the list refuses is named, not silently dropped from a saved segment
            raise field_error("query", " ".join(str(w) for w in members.warnings))
        out["query"] = members.query
    else:
        out["query"] = ""
    return out


@transaction.atomic
def segment_create(*, actor: User, data: dict[str, Any]) -> Segment:
    require_permission(actor, "marketing.create")
    return model_create(instance=Segment(owner=actor, **_segment_data(actor, data)), actor=actor)


@transaction.atomic
def segment_update(
    *, actor: User, segment: Segment, data: dict[str, Any], expected_version: int | None = None
) -> Segment:
    require_permission(actor, "marketing.edit")
    segment, _changes = model_update(instance=segment, data=_segment_data(actor, data, segment), actor=actor,
                                     expected_version=expected_version)  # fmt: skip
    return segment


@transaction.atomic
def segment_delete(*, actor: User, segment: Segment, expected_version: int | None = None) -> None:
    require_permission(actor, "marketing.delete")
    soft_delete(instance=segment, actor=actor, expected_version=expected_version)


@transaction.atomic
def segment_add_contacts(*, actor: User, segment: Segment, contact_ids: Iterable[Any]) -> tuple[int, int]:
    """Add contacts the actor may see to a static list. Returns (added, skipped: out of reach or already in)."""
    from guanxi.customers.models import Contact

    require_permission(actor, "marketing.edit")
    if segment.kind != Segment.Kind.STATIC:
        raise field_error("segment", _("Only a static list takes contacts by hand."))
    ids = clean_ids(contact_ids, "ids")
    if len(ids) > STATIC_ADD_MAX:
        raise ValidationFailed(_("At most %(max)s contacts at a time.") % {"max": STATIC_ADD_MAX})
    visible = set(scope_queryset(actor, Contact.objects.filter(pk__in=ids), "view", module="contacts")
                  .values_list("pk", flat=True))  # fmt: skip
    present = set(segment.members.filter(contact_id__in=visible).values_list("contact_id", flat=True))
    new = sorted(visible - present)
    SegmentMember.objects.bulk_create([SegmentMember(segment=segment, contact_id=pk, added_by=actor) for pk in new])
    if new:
        added = Message(gettext_noop("%(count)s contacts added to the list"), {"count": len(new)})
        audit_record(
            actor=actor, action=AuditLog.Action.UPDATE, obj=segment, changes={"contacts": [None, new]}, message=added
        )
    return len(new), len(ids) - len(new)


@transaction.atomic
def segment_remove_contact(*, actor: User, segment: Segment, contact_id: Any) -> None:
    require_permission(actor, "marketing.edit")
    deleted, _rows = segment.members.filter(contact_id=contact_id).delete()
    if deleted:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=segment,
                     changes={"contacts": [[int(contact_id)], None]})  # fmt: skip


def customers_contact_ids(*, actor: User, customer_ids: Iterable[Any]) -> list[int]:
    """The live contacts of the customers the actor may see (a customer list's rows added to a static list)."""
    from guanxi.customers.models import Contact, Customer

    ids = clean_ids(customer_ids, "ids")
    customers = scope_queryset(actor, Customer.objects.filter(pk__in=ids), "view", module="customers")
    return list(Contact.objects.filter(customer__in=customers.values("pk")).values_list("pk", flat=True))
