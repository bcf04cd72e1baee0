"""Writes for duplicate protection (查重, 先录先得): match keys, the check every entry path runs,
registration conflicts and their decisions, merging duplicates and undoing a merge, the rules.

customers/services.py calls `dedupe_enforce` from customer_create/customer_update and the key
sync functions from the customer and contact services; imports call
`selectors.dedupe_find_matches_bulk` and then `customer_keys_rebuild`.
"""

from __future__ import annotations

import contextvars
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import ConflictError, InvalidStateError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.registry import registry
from guanxi.core.services import audit_record, audit_value, model_update, notify, snapshot, soft_delete, soft_restore
from guanxi.org.models import User
from guanxi.org.policies import ensure_in_scope, get_scoped_or_404, require_permission, scope_queryset

from ..models import (
    CUSTOMER_EDITABLE_FIELDS,
    Contact,
    Customer,
    CustomerKey,
    CustomerMerge,
    DedupeRule,
    RegistrationConflict,
)
from ..search_text import customer_search_text
from . import selectors
from .normalise import contact_key_pairs, customer_key_pairs
from .selectors import DedupeResult, Match

log = logging.getLogger(__name__)

BATCH = 2000
# Customer fields a merge can take from any of the merged records (the owner stays the survivor's:
# changing it is a transfer).
MERGE_FIELDS = CUSTOMER_EDITABLE_FIELDS
KEY_FIELDS = {"kind", "name", "credit_code", "phone", "email"}


class DuplicateBlocked(ConflictError):
    """A BLOCK rule matched: the entry is refused (HTTP 409). `result` holds the matches."""

    code = "duplicate_blocked"  # type: ignore[assignment]

    def __init__(self, message: Any, *, fields: dict[str, list[str]], result: DedupeResult):
        super().__init__(message, fields=fields)
        self.result = result


class DuplicateWarning(ConflictError):
    """A WARN rule or a similar name matched: save again with confirm_warnings=True to go ahead."""

    code = "duplicate_warning"  # type: ignore[assignment]

    def __init__(self, message: Any, *, fields: dict[str, list[str]], result: DedupeResult):
        super().__init__(message, fields=fields)
        self.result = result


# --- match keys ------------------------------------------------------------------------------
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


# --- the check on every entry path -----------------------------------------------------------
# Conflicts recorded while a caller's transaction is open (the UI form, an idempotent API call,
# lead conversion) are rolled back with the refused create. They are queued here too and written
# again when the request finishes (providers.py), idempotently: one open conflict per customer
# and claimant.
MAX_PENDING = 100
_PENDING: contextvars.ContextVar[tuple[dict[str, Any], ...]] = contextvars.ContextVar(
    "dedupe_pending_conflicts", default=()
)


def dedupe_enforce(
    *,
    actor: User,
    data: Mapping[str, Any],
    contacts: Iterable[Mapping[str, Any]] = (),
    exclude_customer_id: int | None = None,
    entry_path: str = "ui",
    confirm_warnings: bool = False,
    record_conflicts: bool = True,
    blocks_only: bool = False,
) -> DedupeResult:
    """Refuse a duplicate: raise DuplicateBlocked on a BLOCK match (recording a registration conflict
    when the customer belongs to someone else), or DuplicateWarning on warnings unless confirmed."""
    contacts = list(contacts)
    result = selectors.dedupe_check(
        actor=actor, data=data, contacts=contacts, exclude_customer_id=exclude_customer_id, fuzzy=not blocks_only
    )
    blocks = result.blocks
    if blocks:
        if record_conflicts:
            _record_conflicts(actor, blocks, data, contacts, entry_path)
        message = blocks[0].message
        if len(blocks) > 1:
            message = _("%(first)s (and %(n)s more matches)") % {"first": message, "n": len(blocks) - 1}
        raise DuplicateBlocked(message, fields=result.field_errors(blocks), result=result)
    if result.warnings and not blocks_only and not confirm_warnings:
        raise DuplicateWarning(
            _("Possible duplicates: check them, then confirm to save anyway."),
            fields=result.field_errors(result.warnings),
            result=result,
        )
    return result


def _record_conflicts(
    actor: User, blocks: list[Match], data: Mapping[str, Any], contacts: list[Mapping[str, Any]], entry_path: str
) -> None:
    attempted = {k: audit_value(v) for k, v in data.items() if k not in ("collaborators", "tags")}
    if contacts:
        attempted["contacts"] = [{k: audit_value(v) for k, v in c.items()} for c in contacts]
    done: set[int] = set()
    for m in blocks:
        # First registrant wins: only a customer someone else owns is a conflict (the pool is claimed
        # instead; one's own or a shared customer is simply not entered twice).
        if m.customer_id is None or m.customer_id in done or m.owner_id in (None, actor.pk) or m.collaborating:
            continue
        done.add(m.customer_id)
        payload: dict[str, Any] = {
            "claimant_id": actor.pk,
            "customer_id": m.customer_id,
            "first_owner_id": m.owner_id,
            "matched_on": m.kind,
            "matched_value": m.value,
            "attempted": attempted,
            "entry_path": (entry_path or "ui")[:30],
        }
        registration_conflict_record(**payload)
        if connection.in_atomic_block:
            # Bounded: a process that never finishes a request (the worker) must not grow it forever.
            _PENDING.set((*_PENDING.get()[-(MAX_PENDING - 1) :], payload))


def registration_conflicts_flush() -> int:
    """Write the conflicts queued during this request again (after its transaction ended)."""
    pending = _PENDING.get()
    _PENDING.set(())
    written = 0
    for payload in pending:
        try:
            if registration_conflict_record(**payload) is not None:
                written += 1
        except Exception:  # a failed flush must never break the response
            log.exception("could not record registration conflict %s", payload)
    return written


def registration_conflicts_forget() -> None:
    _PENDING.set(())


def registration_conflict_record(
    *,
    claimant_id: int,
    customer_id: int,
    first_owner_id: int,
    matched_on: str,
    matched_value: str,
    attempted: dict[str, Any],
    entry_path: str,
) -> RegistrationConflict | None:
    """Record that `claimant` tried to register a customer someone else owns, notify both reps and
    their managers, audit it — in its own transaction. At most one open conflict per customer and
    claimant: a repeated attempt returns the open one."""
    with transaction.atomic():
        existing = RegistrationConflict.objects.filter(
            customer_id=customer_id, claimant_id=claimant_id, status=RegistrationConflict.Status.OPEN
        ).first()
        if existing is not None:
            return existing
        customer = (
            Customer.objects.select_related("owner__manager", "owner__department__manager")
            .filter(pk=customer_id)
            .first()
        )
        claimant = User.objects.select_related("manager", "department__manager").filter(pk=claimant_id).first()
        if customer is None or claimant is None or customer.owner_id in (None, claimant_id):
            return None
        if customer.owner_id != first_owner_id:  # it changed hands since: the attempt is moot
            return None
        conflict = RegistrationConflict.objects.create(
            customer=customer,
            first_owner=customer.owner,
            claimant=claimant,
            matched_on=matched_on,
            matched_value=matched_value[:200],
            attempted=attempted,
            entry_path=entry_path,
        )
        audit_record(
            actor=claimant,
            action=AuditLog.Action.CREATE,
            obj=conflict,
            customer_id=customer.pk,
            changes={
                "claimant": [None, str(claimant)],
                "matched_on": [None, matched_on],
                "entry_path": [None, entry_path],
            },
            message=Message(
                gettext_noop("Registration conflict: %(claimant)s entered a customer %(owner)s registered first"),
                {"claimant": claimant, "owner": customer.owner},
            ),
        )
        _notify_conflict(conflict, customer, claimant)
    return conflict


def _may_see(user: User, customer_id: int) -> bool:
    try:
        return scope_queryset(user, Customer.objects.filter(pk=customer_id), "view").exists()
    except PermissionDeniedError:
        return False


def _managers_of(*people: User) -> dict[int, User]:
    """Each person's manager and their department's manager."""
    found: dict[int, User] = {}
    for person in people:
        dept = person.department
        for manager in (person.manager, dept.manager if dept is not None else None):
            if manager is not None and manager.is_active:
                found[manager.pk] = manager
    return found


def _notify_conflict(conflict: RegistrationConflict, customer: Customer, claimant: User) -> None:
    owner = customer.owner
    assert owner is not None
    entered = str(conflict.attempted.get("name") or conflict.matched_value)
    key = str(CustomerKey.Kind(conflict.matched_on).label).lower()
    inbox = reverse("dedupe:conflicts")
    managers = _managers_of(owner, claimant)
    for pk in (owner.pk, claimant.pk):
        managers.pop(pk, None)
    for manager in managers.values():
        sees = _may_see(manager, customer.pk)
        notify(
            recipient=manager,
            kind="registration_conflict",
            level="warning",
            url=inbox,
            dedupe_key=f"registration_conflict:{conflict.pk}",
            title=Message(
                gettext_noop("Registration conflict: %(name)s"), {"name": customer.name if sees else entered}
            ),
            body=(
                _("%(claimant)s entered a customer that %(owner)s registered first (same %(key)s). "
                  "Decide: joint pursuit or dismiss.")
                if sees
                else _("%(claimant)s entered a customer that another rep registered first (same %(key)s).")
            ) % {"claimant": claimant, "owner": owner, "key": key},
        )  # fmt: skip
    notify(
        recipient=owner,
        kind="registration_conflict",
        url=reverse("customers:detail", args=[customer.pk]),
        dedupe_key=f"registration_conflict:{conflict.pk}:owner",
        title=Message(
            gettext_noop("%(claimant)s tried to register your customer %(name)s"),
            {"claimant": claimant, "name": customer.name},
        ),
        body=Message(
            gettext_noop(
                "First registrant wins: the customer stays yours. Your manager may add them as a collaborator."
            )
        ),
    )
    sees = _may_see(claimant, customer.pk)
    notify(
        recipient=claimant,
        kind="registration_conflict",
        level="warning",
        url=reverse("customers:detail", args=[customer.pk]) if sees else "",
        dedupe_key=f"registration_conflict:{conflict.pk}:claimant",
        title=Message(gettext_noop("Not registered: %(name)s already exists"), {"name": entered}),
        body=(
            _("%(owner)s registered it first (same %(key)s). Your manager has been told and may make it "
              "a joint pursuit.")
            if sees
            else _("Another rep registered it first (same %(key)s). Your manager has been told and may make it "
                   "a joint pursuit.")
        ) % {"owner": owner, "key": key},
    )  # fmt: skip


# --- conflict decisions ----------------------------------------------------------------------
DECISIONS = {"joint": RegistrationConflict.Status.JOINT, "dismiss": RegistrationConflict.Status.DISMISSED}


def registration_conflict_decide(
    *, actor: User, conflict_id: Any, decision: str, note: str = ""
) -> RegistrationConflict:
    """A manager decides an open conflict: "joint" makes the later registrant a collaborator on the
    customer (the first owner keeps it), "dismiss" (with a note) leaves it as it is."""
    conflict = selectors.conflict_get(user=actor, pk=conflict_id)
    if decision not in DECISIONS:
        raise ValidationFailed(
            _("Choose joint pursuit or dismiss."), fields={"decision": [_("Choose joint pursuit or dismiss.")]}
        )
    note = " ".join((note or "").split())
    if len(note) > 300:
        raise ValidationFailed(
            _("The note is at most 300 characters."), fields={"note": [_("At most 300 characters.")]}
        )
    if decision == "dismiss" and not note:
        raise ValidationFailed(_("Say why the conflict is dismissed."), fields={"note": [_("This field is required.")]})
    with transaction.atomic():
        conflict = (
            RegistrationConflict.objects.select_for_update(of=("self",)).select_related("claimant").get(pk=conflict.pk)
        )
        if conflict.status != RegistrationConflict.Status.OPEN:
            raise InvalidStateError(_("This conflict was already decided."))
        customer = Customer.objects.select_related("owner").get(pk=conflict.customer_id)
        claimant = conflict.claimant
        if decision == "joint" and claimant.pk != customer.owner_id:
            if not claimant.is_active:
                raise ValidationFailed(
                    _("The later registrant's account is closed."), fields={"decision": [_("Dismiss it instead.")]}
                )
            before = sorted(customer.collaborators.values_list("pk", flat=True))
            if claimant.pk not in before:
                customer.collaborators.add(claimant)
                audit_record(
                    actor=actor,
                    action=AuditLog.Action.UPDATE,
                    obj=customer,
                    changes={"collaborators": [before, sorted([*before, claimant.pk])]},
                    message=Message(gettext_noop("Joint pursuit: %(user)s joins as collaborator"), {"user": claimant}),
                )
        old = conflict.status
        conflict.status = DECISIONS[decision]
        conflict.decided_by = actor
        conflict.decided_at = timezone.now()
        conflict.decision_note = note
        conflict.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditLog.Action.APPROVE if decision == "joint" else AuditLog.Action.REJECT,
            obj=conflict,
            customer_id=customer.pk,
            changes={"status": [old, conflict.status]},
            message=note,
        )
        entered = str(conflict.attempted.get("name") or conflict.matched_value)
        if decision == "joint":
            title_claimant = _("Joint pursuit: you now work on %(name)s with %(owner)s") % {
                "name": customer.name,
                "owner": customer.owner or "—",
            }
            title_owner = _("Joint pursuit: %(user)s now works on %(name)s with you") % {
                "user": claimant,
                "name": customer.name,
            }
        else:
            title_claimant = _("Registration conflict dismissed: %(name)s") % {"name": entered}
            title_owner = _("Registration conflict dismissed: %(name)s") % {"name": customer.name}
        notify(
            recipient=claimant,
            kind="registration_conflict_decided",
            title=title_claimant,
            body=note,
            url=reverse("customers:detail", args=[customer.pk]) if decision == "joint" else "",
        )
        if customer.owner is not None and customer.owner.pk != claimant.pk:
            notify(
                recipient=customer.owner,
                kind="registration_conflict_decided",
                title=title_owner,
                body=note,
                url=reverse("customers:detail", args=[customer.pk]),
            )
    return conflict


# --- merge and undo --------------------------------------------------------------------------
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

    def rows(self, merged_ids: list[int]) -> list[tuple[int, int]]:
        model = apps.get_model(self.model)
        attname = model._meta.get_field(self.field).attname
        qs = model._base_manager.filter(**{f"{attname}__in": merged_ids})
        if self.keep is not None:
            qs = qs.exclude(self.keep(merged_ids))
        return list(qs.order_by("pk").values_list("pk", attname))

    def move(self, row_ids: list[int], target_id: int) -> None:
        model = apps.get_model(self.model)
        attname = model._meta.get_field(self.field).attname
        for start in range(0, len(row_ids), BATCH):
            model._base_manager.filter(pk__in=row_ids[start : start + BATCH]).update(**{attname: target_id})

    def __call__(self, *, actor: User, survivor: Customer, merged_ids: list[int]) -> dict[str, int]:
        rows = self.rows(merged_ids)
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
    Customer.all_objects.filter(pk=customer.pk).update(search_text=customer.search_text)


def customer_merge(
    *, actor: User, survivor_id: Any, merged_ids: Iterable[Any], field_sources: Mapping[str, Any] | None = None
) -> CustomerMerge:
    """Merge duplicates into one surviving customer.

    `field_sources` maps a customer field to the id of the record whose value the survivor keeps
    (default: the survivor's own). Every row that points at a merged customer moves to the survivor
    (contacts, follow-ups, tasks and the columns other apps registered movers for, see `merge_movers`;
    `MERGE_STAYS` lists what stays and why); the merged customers' owners and collaborators become its
    collaborators, their tags its tags; the merged customers go to the recycle bin. A snapshot kept on the CustomerMerge
    row lets `customer_merge_undo` put everything back. Needs customers.edit on all of them and
    customers.delete on the merged ones.
    """
    require_permission(actor, "customers.edit")
    require_permission(actor, "customers.delete")
    try:
        survivor_pk = int(survivor_id)
        others = list(dict.fromkeys(int(i) for i in merged_ids))
    except (TypeError, ValueError):
        raise ValidationFailed(_("Invalid selection."), fields={"merged_ids": [_("Invalid selection.")]})
    others = [i for i in others if i != survivor_pk]
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
    unknown = sorted(set(sources) - set(MERGE_FIELDS))
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

    with transaction.atomic():
        survivor = get_scoped_or_404(actor, Customer.objects.select_for_update(of=("self",)), survivor_pk, "edit")
        editable = scope_queryset(actor, Customer.objects.filter(pk__in=others), "edit")
        deletable = scope_queryset(actor, Customer.objects.filter(pk__in=others), "delete").values("pk")
        merged = list(editable.filter(pk__in=deletable).select_for_update(of=("self",)).order_by("pk"))
        if len(merged) != len(others):
            raise NotFoundError(_("Not found, or you may not see it."))
        by_id = {c.pk: c for c in [survivor, *merged]}
        merged_pks = [c.pk for c in merged]
        states = {str(c.pk): _state(c) for c in by_id.values()}

        moved: dict[str, Any] = {}
        counts: dict[str, int] = {}
        for mover in merge_movers():
            rows = mover.rows(merged_pks)
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

        for c in merged:
            soft_delete(instance=c, actor=actor)
        values = {name: getattr(by_id[source], name) for name, source in sources.items() if source != survivor.pk}
        survivor, changes = model_update(instance=survivor, data=values, actor=actor)
        if KEY_FIELDS & changes.keys():
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
    return merge


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

        counts: dict[str, int] = {}
        for label, spec in (snap.get("moved") or {}).items():
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
                        pk__in=pks[start : start + BATCH], **{attname: survivor.pk}
                    ).update(**{attname: old})
            counts[label] = moved_back

        before = (snap.get("customers") or {}).get(str(survivor.pk), {})
        values = {name: _field_value(name, before[name]) for name in MERGE_FIELDS if name in before}
        survivor, changes = model_update(instance=survivor, data=values, actor=actor)
        if KEY_FIELDS & changes.keys():
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


# --- rules -----------------------------------------------------------------------------------
def dedupe_rules_update(*, actor: User, rules: Iterable[Mapping[str, Any]]) -> list[DedupeRule]:
    """An administrator sets what a match on each key does (block / warn / off) and the name
    similarity threshold (50-100) for possible duplicates. Audited per changed rule."""
    require_permission(actor, "org.admin")
    current = selectors.dedupe_rules()
    updates: list[tuple[DedupeRule, dict[str, Any]]] = []
    for i, item in enumerate(rules):
        kind = item.get("kind")
        if kind not in current:
            raise ValidationFailed(_("Unknown key."), fields={f"rules.{i}.kind": [_("Unknown key.")]})
        data: dict[str, Any] = {}
        if item.get("action") is not None:
            if item["action"] not in DedupeRule.Action.values:
                raise ValidationFailed(
                    _("Choose block, warn or off."), fields={f"rules.{i}.action": [_("Choose block, warn or off.")]}
                )
            data["action"] = item["action"]
        if item.get("similarity") is not None:
            try:
                similarity = int(item["similarity"])
            except (TypeError, ValueError):
                similarity = -1
            if not 50 <= similarity <= 100:
                raise ValidationFailed(
                    _("The similarity threshold is between 50 and 100."),
                    fields={f"rules.{i}.similarity": [_("Enter a number from 50 to 100.")]},
                )
            data["similarity"] = similarity
        updates.append((current[kind], data))
    with transaction.atomic():
        for rule, data in updates:
            model_update(instance=rule, data=data, actor=actor)
    return [current[k] for k in selectors.DEFAULT_RULES]
