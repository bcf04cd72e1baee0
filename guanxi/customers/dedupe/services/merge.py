"""Merging duplicate customers into one survivor, and undoing a merge; the movers that carry the rows
pointing at a merged customer (other apps register theirs)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.custom_fields.definitions import FieldDef, can_edit, fields_for
from guanxi.core.errors import InvalidStateError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_ids
from guanxi.core.models import AuditLog
from guanxi.core.registry import registry
from guanxi.core.search import name_sort_key
from guanxi.core.services import audit_record, model_update, notify, snapshot, soft_delete, soft_restore
from guanxi.org.models import User
from guanxi.org.policies import ensure_in_scope, get_scoped_or_404, require_permission, scope_queryset

from ...models import CUSTOMER_EDITABLE_FIELDS, Customer, CustomerMerge
from ...search_text import customer_search_text
from .. import selectors
from .keys import BATCH, KEY_FIELDS, customer_keys_rebuild

# Customer fields a merge can take from any of the merged records (the owner stays the survivor's:
# changing it is a transfer). Custom fields too, as "custom.<code>" (the active fields the actor may edit).
MERGE_FIELDS = CUSTOMER_EDITABLE_FIELDS
CUSTOM_PREFIX = "custom."
CUSTOM_TARGET = "customers.customer"


@dataclass(frozen=True)
class FkMove:
    """A merge mover for rows that point at a customer through one foreign key (or a plain customer id
    column such as ApprovalRequest.customer_id).

    Each app registers one per column in its providers.py (`registry.add_merge_mover(FkMove("opportunities",
    "sales.Opportunity"))`); the merge records which rows moved from where, so undo moves them back.
    `keep(merged_ids)` is a Q of rows that stay with the merged customer although they point at it.
    A plain callable (actor, survivor, merged_ids) → {label: count} works too, without undo.
    """

    label: str
    model: str  # "app_label.ModelName"
    field: str = "customer"
    keep: Callable[[list[int]], models.Q] | None = None
    # The columns that are unique together with this one (() : one row per customer): a row whose values the
    # survivor (or a row moved before it) already holds stays with the merged customer instead of breaking the
    # constraint. None: no such constraint.
    unique_with: tuple[str, ...] | None = None

    def rows(self, merged_ids: list[int], survivor_id: int | None = None) -> list[tuple[int, int]]:
        model = apps.get_model(self.model)
        attname = model._meta.get_field(self.field).attname
        qs = model._base_manager.filter(**{f"{attname}__in": merged_ids})
        if self.keep is not None:
            qs = qs.exclude(self.keep(merged_ids))
        if self.unique_with is None or survivor_id is None:
            return list(qs.order_by("pk").values_list("pk", attname))
        others = [model._meta.get_field(name).attname for name in self.unique_with]
        taken = (
            set(model._base_manager.filter(**{attname: survivor_id}).values_list(*others, named=False))
            if others
            else ({()} if model._base_manager.filter(**{attname: survivor_id}).exists() else set())
        )
        rows = []
        for pk, old, *values in qs.order_by("pk").values_list("pk", attname, *others):
            if tuple(values) not in taken:
                taken.add(tuple(values))
                rows.append((pk, old))
        return rows

    def move(self, row_ids: list[int], target_id: int) -> None:
        model = apps.get_model(self.model)
        attname = model._meta.get_field(self.field).attname
        for start in range(0, len(row_ids), BATCH):
            model._base_manager.filter(pk__in=row_ids[start : start + BATCH]).update(**{attname: target_id})

    def __call__(self, *, actor: User, survivor: Customer, merged_ids: list[int]) -> dict[str, int]:
        rows = self.rows(merged_ids, survivor.pk)
        self.move([pk for pk, _old in rows], survivor.pk)
        return {self.label: len(rows)}


def _own_review_requests(merged_ids: list[int]) -> models.Q:
    """A merged customer's own new-customer review stays with it: its document is that customer."""
    from django.contrib.contenttypes.models import ContentType

    return models.Q(
        content_type=ContentType.objects.get_for_model(Customer), object_id__in=[int(i) for i in merged_ids]
    )


# The customers app's own columns, and the approval engine's customer column (approvals sits below
# customers, so the app that owns the merge moves it: a request follows the document it decides).
CORE_MOVERS = (
    FkMove("contacts", "customers.Contact"),
    FkMove("follow_ups", "customers.FollowUp"),
    FkMove("tasks", "customers.Task"),
    FkMove("pool_events", "customers.PoolEvent"),
    FkMove("registration_conflicts", "customers.RegistrationConflict"),
    FkMove("approval_requests", "approvals.ApprovalRequest", "customer_id", keep=_own_review_requests),
)

# Columns that point at a customer but stay where they are in a merge, and why. Every other such
# column on an installed model needs a registered mover: customers/tests/test_dedupe_movers.py fails
# otherwise, so a new module cannot leave rows behind on a merged-away customer.
MERGE_STAYS: dict[tuple[str, str], str] = {
    ("core.AuditLog", "customer_id"): "the audit trail is append-only: a row keeps the customer it was written "
    "for; the merged customer's history stays with it (readable in the recycle bin and after an undo) and the "
    "merge's own audit row on the survivor lists what moved",
    ("customers.CustomerMerge", "survivor"): "the merge record itself",
    ("customers.CustomerKey", "customer"): "match keys are rebuilt from the moved contacts by the merge and its undo",
    ("customers.Customer_collaborators", "customer"): "the merge adds the merged customers' owners and "
    "collaborators to the survivor and its undo removes them (recorded in the snapshot)",
    ("customers.Customer_tags", "customer"): "the merge unites the tags on the survivor and its undo removes the "
    "added ones (recorded in the snapshot)",
}


def merge_movers() -> list[FkMove]:
    """Every column mover a merge runs: the customers app's own, then those other apps registered."""
    return list(CORE_MOVERS) + [m for m in registry.merge_movers if isinstance(m, FkMove)]


def _state(customer: Customer) -> dict[str, Any]:
    state = snapshot(customer)
    state["collaborators"] = sorted(customer.collaborators.values_list("pk", flat=True))
    state["tags"] = sorted(customer.tags.values_list("pk", flat=True))
    return state


def _field_value(name: str, raw: Any) -> Any:
    return Customer._meta.get_field(name).to_python(raw)  # type: ignore[union-attr]


def _refresh_search_text(customer: Customer) -> None:
    customer.search_text = customer_search_text(customer)
    customer.name_sort = name_sort_key(customer.name)
    Customer.all_objects.filter(pk=customer.pk).update(search_text=customer.search_text, name_sort=customer.name_sort)


def customer_merge(
    *, actor: User, survivor_id: Any, merged_ids: Iterable[Any], field_sources: Mapping[str, Any] | None = None
) -> CustomerMerge:
    """Merge duplicates into one surviving customer.

    `field_sources` maps a customer field, or a custom field as "custom.<code>", to the id of the record whose
    value the survivor keeps (default: the survivor's own); taking another value of a custom field needs the
    right to edit that field. Every row that points at a merged customer moves to the survivor
    (contacts, follow-ups, tasks and the columns other apps registered movers for, see `merge_movers`;
    `MERGE_STAYS` lists what stays and why); the merged customers' owners and collaborators become its
    collaborators, their tags its tags; the merged customers go to the recycle bin. A snapshot kept on the CustomerMerge
    row lets `customer_merge_undo` put everything back. Needs customers.edit on all of them and
    customers.delete on the merged ones.
    """
    require_permission(actor, "customers.edit")
    require_permission(actor, "customers.delete")
    survivor_pk, others, sources = _merge_request(survivor_id, merged_ids, field_sources)
    with transaction.atomic():
        survivor, merged = _merge_lock(actor, survivor_pk, others)
        by_id = {c.pk: c for c in [survivor, *merged]}
        merged_pks = [c.pk for c in merged]
        states = {str(c.pk): _state(c) for c in by_id.values()}
        moved, counts = _move_rows(actor, survivor, merged_pks)
        added_collab, added_tags = _unite_people_and_tags(survivor, merged, states)
        for c in merged:
            soft_delete(instance=c, actor=actor)
        values = {
            name: getattr(by_id[source], name)
            for name, source in sources.items()
            if source != survivor.pk and not name.startswith(CUSTOM_PREFIX)
        }
        custom = custom_taken(actor, survivor, by_id, sources)
        if custom is not None:
            values["custom"] = custom
        survivor, changes = model_update(instance=survivor, data=values, actor=actor)
        if KEY_FIELDS & changes.keys() or any(k.startswith(CUSTOM_PREFIX) for k in changes):
            _refresh_search_text(survivor)
        customer_keys_rebuild(customer_ids=list(by_id))

        merge = CustomerMerge.objects.create(
            survivor=survivor,
            merged_ids=merged_pks,
            actor=actor,
            snapshot={
                "customers": states,
                "fields": {name: source for name, source in sources.items()},
                "moved": moved,
                "added_collaborators": added_collab,
                "added_tags": added_tags,
                "counts": counts,
            },
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.OTHER,
            obj=survivor,
            changes={"merged_customers": [None, merged_pks], "moved": [None, counts]},
            message=Message(
                gettext_noop("Merged %(names)s into this customer"), {"names": ", ".join(c.name for c in merged)}
            ),
        )
        ensure_in_scope(actor, survivor, "view")
        _notify_merged_owners(actor, survivor, merged)
    return merge


def custom_merge_field(code: str, *, target: str = CUSTOM_TARGET) -> FieldDef | None:
    """The active custom field of the object (customers by default) with this code (a merge takes values of active
    fields only)."""
    return next((f for f in fields_for(target) if f.code == code), None)


def custom_taken(
    actor: User, survivor: Any, by_id: Mapping[int, Any], sources: Mapping[str, int], *, target: str = CUSTOM_TARGET
) -> dict[str, Any] | None:
    """The survivor's custom values with those taken from the other records (None: none taken), for a merge of
    customers or contacts (`target`). Values move as stored (already checked when they were set; a unique value
    leaves with its record for the recycle bin); a value that differs needs the right to edit its field."""
    held = dict(survivor.custom or {})
    result = dict(held)
    for key, source in sources.items():
        if not key.startswith(CUSTOM_PREFIX) or source == survivor.pk:
            continue
        code = key[len(CUSTOM_PREFIX) :]
        value = (by_id[source].custom or {}).get(code)
        if value == held.get(code):
            continue
        field = custom_merge_field(code, target=target)
        if field is None or not can_edit(actor, field):
            label = field.label if field is not None else code
            message = _("%(label)s: you may not change this field.") % {"label": label}
            raise PermissionDeniedError(message, fields={f"fields.{key}": [message]})
        if value in (None, "", []):
            result.pop(code, None)
        else:
            result[code] = value
    return result if result != held else None


def _merge_request(
    survivor_id: Any, merged_ids: Iterable[Any], field_sources: Mapping[str, Any] | None
) -> tuple[int, list[int], dict[str, int]]:
    """Check what a merge was asked: (survivor id, the other ids, field → id of the record it comes from)."""
    survivor_pk = clean_ids([survivor_id], "merged_ids")[0]
    others = [i for i in clean_ids(merged_ids, "merged_ids") if i != survivor_pk]
    if not others:
        raise ValidationFailed(
            _("Choose at least one customer to merge into the surviving one."),
            fields={"merged_ids": [_("Choose at least one other customer.")]},
        )
    if len(others) + 1 > selectors.MAX_MERGE:
        raise ValidationFailed(
            _("At most %(n)s customers can be merged at once.") % {"n": selectors.MAX_MERGE},
            fields={"merged_ids": [_("Too many customers.")]},
        )
    sources = dict(field_sources or {})
    unknown = sorted(
        name
        for name in set(sources) - set(MERGE_FIELDS)
        if not (name.startswith(CUSTOM_PREFIX) and custom_merge_field(name[len(CUSTOM_PREFIX) :]))
    )
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be merged: %(names)s") % {"names": ", ".join(unknown)},
            fields={"fields": [_("Unknown field: %(name)s") % {"name": n} for n in unknown]},
        )
    all_ids = {survivor_pk, *others}
    for name, source in list(sources.items()):
        try:
            sources[name] = int(source)
        except (TypeError, ValueError):
            sources[name] = -1
        if sources[name] not in all_ids:
            raise ValidationFailed(
                _("Take each field from one of the merged customers."),
                fields={f"fields.{name}": [_("Choose one of the merged customers.")]},
            )
    return survivor_pk, others, sources


def _merge_lock(actor: User, survivor_pk: int, others: list[int]) -> tuple[Customer, list[Customer]]:
    """Lock the survivor (editable) and the merged customers (editable and deletable by the actor), or 404."""
    survivor = get_scoped_or_404(actor, Customer.objects.select_for_update(of=("self",)), survivor_pk, "edit")
    editable = scope_queryset(actor, Customer.objects.filter(pk__in=others), "edit")
    deletable = scope_queryset(actor, Customer.objects.filter(pk__in=others), "delete").values("pk")
    merged = list(editable.filter(pk__in=deletable).select_for_update(of=("self",)).order_by("pk"))
    if len(merged) != len(others):
        raise NotFoundError(_("Not found, or you may not see it."))
    return survivor, merged


def _move_rows(actor: User, survivor: Customer, merged_pks: list[int]) -> tuple[dict[str, Any], dict[str, int]]:
    """Run every mover: (what moved from where, for the undo; how many rows per label)."""
    moved: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for mover in merge_movers():
        rows = mover.rows(merged_pks, survivor.pk)
        if not rows:
            continue
        mover.move([pk for pk, _old in rows], survivor.pk)
        moved[mover.label] = {
            "model": mover.model,
            "field": mover.field,
            "rows": {str(pk): old for pk, old in rows},
        }
        counts[mover.label] = len(rows)
    for extra in registry.merge_movers:
        if not isinstance(extra, FkMove):
            counts.update(extra(actor=actor, survivor=survivor, merged_ids=merged_pks) or {})
    return moved, counts


def _unite_people_and_tags(
    survivor: Customer, merged: list[Customer], states: dict[str, dict[str, Any]]
) -> tuple[list[int], list[int]]:
    """The merged customers' owners and collaborators collaborate on the survivor, their tags become its tags.
    Returns the collaborators and tags added (the undo removes them)."""
    before_collab = set(states[str(survivor.pk)]["collaborators"])
    incoming = {uid for c in merged for uid in states[str(c.pk)]["collaborators"]}
    incoming |= {c.owner_id for c in merged if c.owner_id}
    added_collab = sorted(incoming - before_collab - {survivor.owner_id})
    if added_collab:
        survivor.collaborators.add(*added_collab)
    before_tags = set(states[str(survivor.pk)]["tags"])
    added_tags = sorted({t for c in merged for t in states[str(c.pk)]["tags"]} - before_tags)
    if added_tags:
        survivor.tags.add(*added_tags)
    return added_collab, added_tags


def _notify_merged_owners(actor: User, survivor: Customer, merged: list[Customer]) -> None:
    url = reverse("customers:detail", args=[survivor.pk])
    for owner_id in {c.owner_id for c in merged if c.owner_id and c.owner_id != actor.pk}:
        owner = User.objects.get(pk=owner_id)
        notify(
            recipient=owner,
            kind="customer_merged",
            url=url,
            title=Message(gettext_noop("Your customer was merged into %(name)s"), {"name": survivor.name}),
            body=Message(gettext_noop("Merged by %(user)s; you were added as a collaborator."), {"user": actor}),
        )


def customer_merge_undo(*, actor: User, merge_id: Any) -> CustomerMerge:
    """Put a merge back: restore the merged customers, move their rows back, restore the survivor's
    fields, collaborators and tags as they were. Rows added to the survivor since stay with it."""
    require_permission(actor, "customers.edit")
    require_permission(actor, "customers.delete")
    merge = selectors.merge_get(user=actor, pk=merge_id)
    with transaction.atomic():
        merge = CustomerMerge.objects.select_for_update(of=("self",)).get(pk=merge.pk)
        if merge.undone_at is not None:
            raise InvalidStateError(_("This merge was already undone."))
        survivor = get_scoped_or_404(actor, Customer.objects.all(), merge.survivor_id, "edit")
        merged_ids = [int(i) for i in merge.merged_ids]
        merged = list(
            scope_queryset(actor, Customer.all_objects.filter(pk__in=merged_ids), "delete", module="customers")
        )
        if len(merged) != len(merged_ids):
            raise NotFoundError(_("Not found, or you may not see it."))
        snap = merge.snapshot or {}
        for c in merged:
            if c.deleted_at is not None:
                soft_restore(instance=c, actor=actor)

        counts = _move_rows_back(snap.get("moved") or {}, survivor.pk)

        before = (snap.get("customers") or {}).get(str(survivor.pk), {})
        values = {name: _field_value(name, before[name]) for name in MERGE_FIELDS if name in before}
        taken = [k[len(CUSTOM_PREFIX) :] for k in (snap.get("fields") or {}) if k.startswith(CUSTOM_PREFIX)]
        if taken:  # the custom values the merge took go back to what the survivor held; others stay as they are
            held, now = before.get("custom") or {}, dict(survivor.custom or {})
            for code in taken:
                now.pop(code, None)
                if code in held:
                    now[code] = held[code]
            values["custom"] = now
        survivor, changes = model_update(instance=survivor, data=values, actor=actor)
        if KEY_FIELDS & changes.keys() or any(k.startswith(CUSTOM_PREFIX) for k in changes):
            _refresh_search_text(survivor)
        if snap.get("added_collaborators"):
            survivor.collaborators.remove(*snap["added_collaborators"])
        if snap.get("added_tags"):
            survivor.tags.remove(*snap["added_tags"])
        customer_keys_rebuild(customer_ids=[survivor.pk, *merged_ids])

        merge.undone_at = timezone.now()
        merge.undone_by = actor
        merge.save(update_fields=["undone_at", "undone_by", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditLog.Action.OTHER,
            obj=survivor,
            changes={"merged_customers": [merged_ids, None], "moved_back": [None, counts]},
            message=Message(gettext_noop("Undid the merge of %(names)s"), {"names": ", ".join(c.name for c in merged)}),
        )
    return merge


def _move_rows_back(moved: dict[str, Any], survivor_pk: int) -> dict[str, int]:
    """Put the rows a merge moved back on the customer each came from (rows no longer on the survivor stay)."""
    counts: dict[str, int] = {}
    for label, spec in moved.items():
        mover = FkMove(label, spec["model"], spec.get("field", "customer"))
        back: dict[int, list[int]] = defaultdict(list)
        for pk, old in (spec.get("rows") or {}).items():
            back[int(old)].append(int(pk))
        model = apps.get_model(mover.model)
        attname = model._meta.get_field(mover.field).attname
        moved_back = 0
        for old, pks in back.items():
            for start in range(0, len(pks), BATCH):
                moved_back += model._base_manager.filter(
                    pk__in=pks[start : start + BATCH], **{attname: survivor_pk}
                ).update(**{attname: old})
        counts[label] = moved_back
    return counts
