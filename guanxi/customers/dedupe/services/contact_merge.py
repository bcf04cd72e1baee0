"""Merging duplicate contacts of one customer into a surviving contact, choosing per differing field (custom fields
included) whose value survives.

Every row of any app that points at a merged contact moves to the survivor (found from the model graph, so a new
app's contact column moves without registering anything); a row that cannot move because the survivor already holds
its like (a unique constraint: the same contact twice on one deal, a second membership) stays with the merged contact,
which goes to the recycle bin. The values taken are written on the survivor as one audited change (old → new); the
merge itself is one more audit row on the survivor naming the merged contacts and what moved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import NotFoundError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_ids
from guanxi.core.models import AuditLog
from guanxi.core.search import name_sort_key
from guanxi.core.services import audit_record, model_update, soft_delete
from guanxi.org.models import User
from guanxi.org.policies import ensure_in_scope, get_scoped_or_404, require_permission, scope_queryset

from ...models import Contact, CustomerKey
from ...search_text import contact_search_text
from ...services.contacts import CONTACT_FIELDS
from .keys import contact_keys_sync
from .merge import CUSTOM_PREFIX, custom_merge_field, custom_taken

CONTACT_TARGET = "customers.contact"
# The contact fields a merge can take from any of the merged contacts ("is_primary" follows the survivor's role).
CONTACT_MERGE_FIELDS = tuple(sorted(CONTACT_FIELDS - {"is_primary"}))
MAX_CONTACT_MERGE = 5


def contact_merge(
    *, actor: User, survivor_id: Any, merged_ids: Iterable[Any], field_sources: Mapping[str, Any] | None = None
) -> Contact:
    """Merge duplicate contacts of one customer into the survivor. `field_sources` maps a contact field, or a custom
    field as "custom.<code>", to the id of the contact whose value the survivor keeps (default: its own); taking
    another value of a custom field needs the right to edit that field. Needs contacts.edit on all of them and
    contacts.delete on the merged ones."""
    require_permission(actor, "contacts.edit")
    require_permission(actor, "contacts.delete")
    survivor_pk, others, sources = _request(survivor_id, merged_ids, field_sources)
    with transaction.atomic():
        survivor = get_scoped_or_404(actor, Contact.objects.select_for_update(of=("self",)), survivor_pk, "edit")
        deletable = scope_queryset(actor, Contact.objects.filter(pk__in=others), "delete").values("pk")
        merged = list(
            scope_queryset(actor, Contact.objects.filter(pk__in=others), "edit")
            .filter(pk__in=deletable)
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        if len(merged) != len(others):
            raise NotFoundError(_("Not found, or you may not see it."))
        if any(c.customer_id != survivor.customer_id for c in merged):
            raise ValidationFailed(
                _("Only contacts of the same customer can be merged."),
                fields={"merged_ids": [_("Only contacts of the same customer can be merged.")]},
            )
        by_id = {c.pk: c for c in [survivor, *merged]}
        moved = _move_rows(survivor, [c.pk for c in merged])
        for c in merged:
            soft_delete(instance=c, actor=actor)
            contact_keys_sync(contact=c)
        values = {
            name: getattr(by_id[source], name)
            for name, source in sources.items()
            if source != survivor.pk and not name.startswith(CUSTOM_PREFIX)
        }
        custom = custom_taken(actor, survivor, by_id, sources, target=CONTACT_TARGET)
        if custom is not None:
            values["custom"] = custom
        survivor, changes = model_update(instance=survivor, data=values, actor=actor)
        if changes:
            survivor.search_text, survivor.name_sort = contact_search_text(survivor), name_sort_key(survivor.name)
            Contact.objects.filter(pk=survivor.pk).update(
                search_text=survivor.search_text, name_sort=survivor.name_sort
            )
        contact_keys_sync(contact=survivor)
        audit_record(
            actor=actor,
            action=AuditLog.Action.OTHER,
            obj=survivor,
            changes={"merged_contacts": [None, [c.pk for c in merged]], "moved": [None, moved]},
            message=Message(
                gettext_noop("Merged %(names)s into this contact"), {"names": ", ".join(c.name for c in merged)}
            ),
        )
        ensure_in_scope(actor, survivor, "view")
    return survivor


def _request(
    survivor_id: Any, merged_ids: Iterable[Any], field_sources: Mapping[str, Any] | None
) -> tuple[int, list[int], dict[str, int]]:
    survivor_pk = clean_ids([survivor_id], "survivor_id")[0]
    others = [i for i in clean_ids(merged_ids, "merged_ids") if i != survivor_pk]
    if not others:
        raise ValidationFailed(
            _("Choose at least one contact to merge into the surviving one."),
            fields={"merged_ids": [_("Choose at least one contact to merge into the surviving one.")]},
        )
    if len(others) + 1 > MAX_CONTACT_MERGE:
        message = _("At most %(n)s contacts can be merged at once.") % {"n": MAX_CONTACT_MERGE}
        raise ValidationFailed(message, fields={"merged_ids": [message]})
    sources: dict[str, int] = {}
    all_ids = {survivor_pk, *others}
    for name, source in dict(field_sources or {}).items():
        known = name in CONTACT_MERGE_FIELDS or (
            name.startswith(CUSTOM_PREFIX) and custom_merge_field(name[len(CUSTOM_PREFIX) :], target=CONTACT_TARGET)
        )
        if not known:
            message = _("Unknown field: %(name)s") % {"name": str(name)[:50]}
            raise ValidationFailed(message, fields={"fields": [message]})
        try:
            sources[name] = int(source)
        except (TypeError, ValueError):
            sources[name] = -1
        if sources[name] not in all_ids:
            message = _("Choose one of the merged contacts.")
            raise ValidationFailed(message, fields={f"fields.{name}": [message]})
    return survivor_pk, others, sources


def _contact_columns() -> list[models.ForeignKey[Any, Any]]:
    """Every foreign key (and one-to-one) of an installed model that points at a contact, but the match keys (the
    merge rebuilds them from the contacts that remain)."""
    return [
        field
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.ForeignKey) and field.related_model is Contact and model is not CustomerKey
    ]


def _move_rows(survivor: Contact, merged_pks: list[int]) -> dict[str, int]:
    """Point every row at a merged contact to the survivor; a row whose move a unique constraint refuses stays.
    Returns {model label: rows moved}."""
    counts: dict[str, int] = {}
    for field in _contact_columns():
        model = field.model
        rows = model._base_manager.filter(**{f"{field.attname}__in": merged_pks})
        label = model._meta.label_lower
        try:
            with transaction.atomic():
                n = rows.update(**{field.attname: survivor.pk})
        except IntegrityError:  # one at a time: the rows the survivor already holds the like of stay
            n = 0
            for pk in list(rows.values_list("pk", flat=True)):
                try:
                    with transaction.atomic():
                        n += model._base_manager.filter(pk=pk).update(**{field.attname: survivor.pk})
                except IntegrityError:
                    continue
        if n:
            counts[label] = n
    return counts
