"""Writes of the service app: assets (客户资产/保单) and tickets (服务请求). Plain functions, keyword-only,
permission-checked against the record's data scope (through its customer), audited, in one transaction each.

Ticket life cycle (TRANSITIONS): new → assigned → in progress → waiting for customer → in progress … → resolved
→ closed; a resolved or closed ticket may be reopened within `ServicePolicy.reopen_days` of its resolution.
Every change lands on the ticket's own history (TicketEvent) besides the audit trail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.custom_fields.definitions import searched_texts
from guanxi.core.custom_fields.validation import custom_values_clean
from guanxi.core.dictionaries.selectors import entry as dictionary_entry
from guanxi.core.errors import InvalidStateError, NotFoundError, ValidationFailed
from guanxi.core.events import event_emit
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_date, clean_text, field_error, id_or_none, pick
from guanxi.core.models import AuditLog
from guanxi.core.numbering import number_next, register_default_pattern
from guanxi.core.search import build_search_text
from guanxi.core.services import audit_record, model_create, model_update, notify, soft_delete
from guanxi.org.models import User
from guanxi.org.policies import ensure_in_scope, get_scoped_or_404, require_permission, scope_queryset

from .models import Asset, ServicePolicy, Ticket, TicketAttachment, TicketEvent
from .selectors import identifier_forms
from .sla import due_times, resume_clock

register_default_pattern("ticket", "FW{yyyy}{mm}{dd}-{seq:04}")

# What a ticket change changes elsewhere on a page (core.views_util.announce_changes).
TICKET_CHANGES = ("tickets",)
ASSET_FIELDS = {
    "customer", "kind", "name", "product", "serial_number", "plate_number", "policy_number", "previous_insurer",
    "contract", "order", "starts_on", "ends_on", "status", "address", "notes", "custom",
}  # fmt: skip
TICKET_FIELDS = {
    "customer", "type", "channel", "priority", "subject", "description", "contact", "asset", "contract", "product",
    "custom",
}  # fmt: skip
ASSET_TARGET, TICKET_TARGET = "service.asset", "service.ticket"  # custom fields (core.custom_fields)
POLICY_DEFAULTS = {"reopen_days": 7}
REOPEN_DAYS_MAX = 365


# --- shared: the records an asset or a ticket may point at -------------------------------------------------
def _custom(actor: User, target: str, values: Any, row: Asset | Ticket | None) -> dict[str, Any]:
    """The custom field values sent (a form always sends them; the API, e-mail and web form may not), checked by
    the one check of custom values: on a new record defaults and required fields, on an existing one what changes."""
    if row is None:
        return custom_values_clean(actor=actor, target=target, values=values, creating=True)
    return custom_values_clean(actor=actor, target=target, values=values, current=row.custom, instance_pk=row.pk)


def _customer(actor: User, value: Any) -> Any:
    from guanxi.customers.models import Customer

    pk = id_or_none(value.pk if hasattr(value, "pk") else value)
    if pk is None:
        raise field_error("customer", _("Choose the customer."))
    try:
        return get_scoped_or_404(actor, Customer.objects.all(), pk, "view", module="customers")
    except NotFoundError:
        raise field_error("customer", _("Choose a customer you may see."))


def _linked(actor: User, field: str, model: Any, module: str, value: Any, customer: Any = None) -> Any:
    """An optional record the actor may see (of the same customer when it has one), or a refusal naming the field."""
    if value in (None, ""):
        return None
    pk = id_or_none(value.pk if hasattr(value, "pk") else value)
    qs = model._default_manager.all()
    if customer is not None and any(f.name == "customer" for f in model._meta.fields):
        qs = qs.filter(customer=customer)
    try:
        found = scope_queryset(actor, qs, "view", module=module).filter(pk=pk).first() if pk else None
    except Exception:  # no permission in that module: the record cannot be linked by this actor
        found = None
    if found is None:
        raise field_error(field, _("Choose one of the list."))
    return found


def _choice(field: str, value: Any, choices: Any, default: str) -> str:
    value = str(value or default)
    if value not in {c for c, _l in choices}:
        raise field_error(field, _("Choose one of the list."))
    return value


def _dictionary_code(field: str, key: str, value: Any, default: str, current: str = "") -> str:
    code = str(value or default)
    found = dictionary_entry(key, code)
    if found is None or (not found.is_active and code != current):
        raise field_error(field, _("Choose one of the list."))
    return code


# --- assets ---------------------------------------------------------------------------------------
def asset_search_text(asset: Asset) -> str:
    """Name and custom text fields (with pinyin), the identifiers in their searched forms."""
    others: list[str] = []
    for ident in (asset.serial_number, asset.plate_number, asset.policy_number):
        others.extend(identifier_forms(ident))
    return build_search_text(names=[asset.name, *searched_texts(ASSET_TARGET, asset.custom)], others=others)


def _asset_values(actor: User, data: dict[str, Any], asset: Asset | None) -> dict[str, Any]:
    from guanxi.commerce.models import Contract, ExecutionOrder, Product

    data = pick(data, ASSET_FIELDS)
    current = asset
    values: dict[str, Any] = {}
    if "customer" in data or asset is None:
        values["customer"] = _customer(actor, data.get("customer"))
    customer = values.get("customer") or (current.customer if current else None)
    text_max = {"name": 200, "serial_number": 100, "plate_number": 30, "policy_number": 60,
                "previous_insurer": 100, "address": 300}  # fmt: skip
    for name, limit in text_max.items():
        if name in data or asset is None:
            values[name] = clean_text(data.get(name), name, max_length=limit, required=name == "name")
    if "notes" in data:
        values["notes"] = clean_text(data.get("notes"), "notes", max_length=5000, multiline=True)
    if "custom" in data:
        values["custom"] = _custom(actor, ASSET_TARGET, data["custom"], asset)
    if "kind" in data or asset is None:
        values["kind"] = _dictionary_code("kind", "asset_kind", data.get("kind"), Asset.Kind.EQUIPMENT,
                                          current.kind if current else "")  # fmt: skip
    if "status" in data or asset is None:
        values["status"] = _choice("status", data.get("status"), Asset.Status.choices, Asset.Status.ACTIVE)
    for name in ("starts_on", "ends_on"):
        if name in data or asset is None:
            values[name] = clean_date(data.get(name), name, required=False)
    if "product" in data:
        pk = id_or_none(getattr(data["product"], "pk", data["product"]))
        product = Product.objects.filter(pk=pk).first() if pk else None
        if data["product"] not in (None, "") and product is None:
            raise field_error("product", _("Choose one of the list."))
        values["product"] = product
    if "contract" in data:
        values["contract"] = _linked(actor, "contract", Contract, "contracts", data["contract"], customer)
    if "order" in data:
        values["order"] = _linked(actor, "order", ExecutionOrder, "orders", data["order"], customer)
    starts = values.get("starts_on", current.starts_on if current else None)
    ends = values.get("ends_on", current.ends_on if current else None)
    if starts and ends and ends < starts:
        raise field_error("ends_on", _("The end date must not be before the start date."))
    return values


@transaction.atomic
def asset_create(*, actor: User, data: dict[str, Any]) -> Asset:
    """A customer's asset or policy, by hand or import (assets.create on the customer)."""
    require_permission(actor, "assets.create")
    values = _asset_values(actor, data, None)
    asset = Asset(**values, created_by=actor)
    asset.search_text = asset_search_text(asset)
    asset = model_create(instance=asset, actor=actor)
    ensure_in_scope(actor, asset, "create")
    _open_renewal(asset, actor)
    return asset


def _open_renewal(asset: Asset, actor: User | None) -> None:
    from .renewals.services import renewal_open_for

    renewal_open_for(asset=asset, actor=actor)


@transaction.atomic
def asset_update(*, actor: User, asset: Asset, data: dict[str, Any], expected_version: int | None = None) -> Asset:
    asset = get_scoped_or_404(actor, Asset.objects.select_for_update(of=("self",)), asset.pk, "edit")
    values = _asset_values(actor, data, asset)
    searched = ("name", "serial_number", "plate_number", "policy_number", "custom")
    probe = Asset(**{**{f: getattr(asset, f) for f in searched},
                     **{k: v for k, v in values.items() if k in searched}})  # fmt: skip
    search_text = asset_search_text(probe)
    asset, _changes = model_update(instance=asset, data=values, actor=actor, expected_version=expected_version)
    if asset.search_text != search_text:
        Asset.objects.filter(pk=asset.pk).update(search_text=search_text)
        asset.search_text = search_text
    ensure_in_scope(actor, asset, "edit")
    if {"ends_on", "status"} & set(_changes):
        _open_renewal(asset, actor)
    return asset


@transaction.atomic
def asset_delete(*, actor: User, asset: Asset, expected_version: int | None = None) -> None:
    asset = get_scoped_or_404(actor, Asset.objects.all(), asset.pk, "delete")
    soft_delete(instance=asset, actor=actor, expected_version=expected_version)


def assets_delete(*, actor: User, ids: Any) -> tuple[int, int]:
    """The list's bulk delete: each row through asset_delete; (done, skipped)."""
    done = 0
    rows = list(scope_queryset(actor, Asset.objects.filter(pk__in=list(ids)), "delete"))
    for asset in rows:
        asset_delete(actor=actor, asset=asset)
        done += 1
    return done, len(list(ids)) - done


# --- tickets: policy ---------------------------------------------------------------------------------
def service_policy() -> ServicePolicy:
    return ServicePolicy.objects.order_by("id").first() or ServicePolicy(**POLICY_DEFAULTS)


@transaction.atomic
def service_policy_update(*, actor: User, data: dict[str, Any]) -> ServicePolicy:
    """An administrator (org.admin) changes the reopen window. Audited."""
    require_permission(actor, "org.admin")
    data = pick(data, set(POLICY_DEFAULTS))
    try:
        days = int(str(data.get("reopen_days", "")).strip())
    except ValueError:
        days = -1
    if not 0 <= days <= REOPEN_DAYS_MAX:
        msg = _("Enter a whole number of days between 0 and %(max)s.") % {"max": REOPEN_DAYS_MAX}
        raise ValidationFailed(msg, fields={"reopen_days": [msg]})
    policy = ServicePolicy.objects.select_for_update(of=("self",)).order_by("id").first()
    if policy is None:
        return model_create(instance=ServicePolicy(reopen_days=days), actor=actor)
    policy, _c = model_update(instance=policy, data={"reopen_days": days}, actor=actor)
    return policy


# --- tickets -------------------------------------------------------------------------------------------
def ticket_search_text(ticket: Ticket) -> str:
    """Subject and custom text fields (with pinyin), number and the asset's identifiers."""
    others = [ticket.number]
    if ticket.asset_id and ticket.asset is not None:
        for ident in (ticket.asset.serial_number, ticket.asset.plate_number, ticket.asset.policy_number):
            others.extend(identifier_forms(ident))
    return build_search_text(names=[ticket.subject, *searched_texts(TICKET_TARGET, ticket.custom)], others=others)


def _event(ticket: Ticket, *, actor: User | None, kind: str, text: str = "", frm: str = "", to: str = "") -> None:
    TicketEvent.objects.create(
        ticket=ticket, at=timezone.now(), actor=actor, kind=kind, text=text, from_status=frm, to_status=to
    )


def _ticket_values(actor: User, data: dict[str, Any], ticket: Ticket | None) -> dict[str, Any]:
    from guanxi.commerce.models import Contract, Product
    from guanxi.customers.models import Contact

    data = pick(data, TICKET_FIELDS)
    values: dict[str, Any] = {}
    if "customer" in data or ticket is None:
        values["customer"] = _customer(actor, data.get("customer"))
    customer = values.get("customer") or (ticket.customer if ticket else None)
    if "subject" in data or ticket is None:
        values["subject"] = clean_text(data.get("subject"), "subject", max_length=200, required=True)
    if "description" in data:
        values["description"] = clean_text(data.get("description"), "description", max_length=20000, multiline=True)
    if "custom" in data:
        values["custom"] = _custom(actor, TICKET_TARGET, data["custom"], ticket)
    if "type" in data or ticket is None:
        values["type"] = _dictionary_code("type", "ticket_type", data.get("type"), "consultation",
                                          ticket.type if ticket else "")  # fmt: skip
    if "channel" in data or ticket is None:
        values["channel"] = _dictionary_code("channel", "ticket_channel", data.get("channel"), "phone",
                                             ticket.channel if ticket else "")  # fmt: skip
    if "priority" in data or ticket is None:
        values["priority"] = _choice("priority", data.get("priority"), Ticket.Priority.choices, Ticket.Priority.NORMAL)
    if "contact" in data:
        values["contact"] = _linked(actor, "contact", Contact, "contacts", data["contact"], customer)
    if "asset" in data:
        values["asset"] = _linked(actor, "asset", Asset, "assets", data["asset"], customer)
    if "contract" in data:
        values["contract"] = _linked(actor, "contract", Contract, "contracts", data["contract"], customer)
    if "product" in data:
        pk = id_or_none(getattr(data["product"], "pk", data["product"]))
        product = Product.objects.filter(pk=pk).first() if pk else None
        if data["product"] not in (None, "") and product is None:
            raise field_error("product", _("Choose one of the list."))
        values["product"] = product
    if values.get("asset") is not None and values["asset"].product_id and "product" not in data:
        values["product"] = values["asset"].product
    return values


@transaction.atomic
def ticket_create(
    *,
    actor: User,
    data: dict[str, Any],
    owner: User | None = None,
    files: Any = (),
    message: str = "",
    auto_assign: bool = True,
    now: dt.datetime | None = None,
) -> Ticket:
    """A new ticket (tickets.create on the customer), numbered; assigned to `owner` when given, else by the
    assignment rules (assignment.py; the explanation is stored on the ticket)."""
    require_permission(actor, "tickets.create")
    values = _ticket_values(actor, data, None)
    now = now or timezone.now()
    ticket = Ticket(**values, number=number_next("ticket"), created_by=actor, created_at=now)
    ticket.first_response_due_at, ticket.due_at = due_times(ticket, now)
    ticket.search_text = ticket_search_text(ticket)
    ticket = model_create(instance=ticket, actor=actor)
    ensure_in_scope(actor, ticket, "create")
    _event(ticket, actor=actor, kind=TicketEvent.Kind.CREATED, text=message, to=ticket.status)
    event_emit("ticket.created", obj=ticket, actor=actor)
    for upload in files:
        ticket_attach(actor=actor, ticket=ticket, upload=upload)
    if owner is not None:
        ticket = ticket_assign(actor=actor, ticket=ticket, owner=owner)
    elif auto_assign:
        from .assignment import ticket_auto_assign

        ticket_auto_assign(actor=actor, ticket=ticket)
        ticket.refresh_from_db()
    _stage_auto_start(ticket, actor, now)
    return ticket


def _stage_auto_start(ticket: Ticket, actor: User | None, now: dt.datetime) -> None:
    from .stages.services import stage_auto_start

    stage_auto_start(ticket=ticket, actor=actor, now=now)


@transaction.atomic
def ticket_update(*, actor: User, ticket: Ticket, data: dict[str, Any], expected_version: int | None = None) -> Ticket:
    ticket = get_scoped_or_404(actor, Ticket.objects.select_for_update(of=("self",)), ticket.pk, "edit")
    values = _ticket_values(actor, data, ticket)
    ticket, changes = model_update(instance=ticket, data=values, actor=actor, expected_version=expected_version)
    search_text = ticket_search_text(ticket)
    if search_text != ticket.search_text:
        Ticket.objects.filter(pk=ticket.pk).update(search_text=search_text)
        ticket.search_text = search_text
    ensure_in_scope(actor, ticket, "edit")
    return ticket


def _ticket_for_change(actor: User, ticket: Ticket, action: str = "edit") -> Ticket:
    return get_scoped_or_404(
        actor, Ticket.objects.select_for_update(of=("self",)).select_related("customer"), ticket.pk, action
    )


@transaction.atomic
def ticket_assign(*, actor: User, ticket: Ticket, owner: User, note: str = "") -> Ticket:
    """Hand the ticket to an agent (tickets.assign, or tickets.edit taking it oneself). The new owner hears."""
    from .selectors import agent_choices

    taking = owner.pk == actor.pk
    require_permission(actor, "tickets.edit" if taking else "tickets.assign")
    ticket = _ticket_for_change(actor, ticket)
    if not agent_choices(user=actor).filter(pk=owner.pk).exists():
        raise field_error("owner", _("Choose an active colleague who works on tickets."))
    note = clean_text(note, "note", max_length=500)
    ticket = assign_owner(actor=actor, ticket=ticket, owner=owner, note=note)
    ticket.assignment_note = (note or _("Assigned by %(name)s") % {"name": actor})[:500]
    Ticket.objects.filter(pk=ticket.pk).update(assignment_note=ticket.assignment_note)
    return ticket


def assign_owner(*, actor: User | None, ticket: Ticket, owner: User, note: str = "") -> Ticket:
    """The assignment itself, for a caller that checked who may make it (ticket_assign; the assignment rules):
    owner and status, audit, history and the new owner's notification."""
    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    if not ticket.is_open:
        raise InvalidStateError(_("A resolved or closed ticket is not assigned; reopen it first."))
    if ticket.owner_id == owner.pk:
        return ticket
    before = ticket.owner
    frm = ticket.status
    ticket.owner = owner
    fields = ["owner", "version", "updated_at"]
    if ticket.status == Ticket.Status.NEW:
        ticket.status = Ticket.Status.ASSIGNED
        fields.append("status")
    ticket.version += 1
    ticket.save(update_fields=fields)
    changes: dict[str, Any] = {"owner": [str(before or ""), str(owner)]}
    if frm != ticket.status:
        changes["status"] = [frm, ticket.status]
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=ticket, changes=changes)
    _event(ticket, actor=actor, kind=TicketEvent.Kind.ASSIGNED, text=note or str(owner), frm=frm, to=ticket.status)
    if actor is None or owner.pk != actor.pk:
        notify(
            recipient=owner,
            kind="ticket_assigned",
            title=Message(gettext_noop("Ticket %(number)s assigned to you"), {"number": ticket.number}),
            body=ticket.subject,
            url=f"/service/tickets/{ticket.pk}/",
        )
    return ticket


# action → (statuses it starts from, status it reaches)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "start": ((Ticket.Status.NEW, Ticket.Status.ASSIGNED), Ticket.Status.IN_PROGRESS),
    "wait": ((Ticket.Status.ASSIGNED, Ticket.Status.IN_PROGRESS), Ticket.Status.WAITING),
    "resume": ((Ticket.Status.WAITING,), Ticket.Status.IN_PROGRESS),
    "resolve": (
        (Ticket.Status.NEW, Ticket.Status.ASSIGNED, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING),
        Ticket.Status.RESOLVED,
    ),
    "close": ((Ticket.Status.RESOLVED,), Ticket.Status.CLOSED),
    "reopen": ((Ticket.Status.RESOLVED, Ticket.Status.CLOSED), Ticket.Status.IN_PROGRESS),
}


def actions_for(ticket: Ticket) -> list[str]:
    """The status actions a ticket offers now (the reopen window is checked when it is asked for)."""
    return [name for name, (starts, _to) in TRANSITIONS.items() if ticket.status in starts]


def reopen_deadline(ticket: Ticket) -> dt.datetime | None:
    if ticket.resolved_at is None:
        return None
    return ticket.resolved_at + dt.timedelta(days=service_policy().reopen_days)


@transaction.atomic
def ticket_transition(
    *, actor: User, ticket: Ticket, action: str, note: str = "", resolution: str = "", now: dt.datetime | None = None
) -> Ticket:
    """Move a ticket along its life cycle (TRANSITIONS). Resolving needs the resolution; reopening is allowed
    until `reopen_days` after the resolution. The owner hears when someone else resolves or reopens."""
    if action not in TRANSITIONS:
        raise field_error("action", _("Choose one of the list."))
    ticket = _ticket_for_change(actor, ticket)
    starts, to = TRANSITIONS[action]
    if ticket.status not in starts:
        raise InvalidStateError(
            _("A ticket that is “%(status)s” cannot do this.") % {"status": ticket.get_status_display()}
        )
    now = now or timezone.now()
    note = clean_text(note, "note", max_length=5000, multiline=True)
    frm = ticket.status
    fields = ["status", "version", "updated_at"]
    if action == "resolve":
        text = clean_text(resolution or ticket.resolution, "resolution", max_length=20000, multiline=True)
        if not text:
            raise field_error("resolution", _("Say how the request was resolved."))
        ticket.resolution, ticket.resolved_at = text, now
        fields += ["resolution", "resolved_at"]
    if action == "reopen":
        deadline = reopen_deadline(ticket)
        if deadline is not None and now > deadline:
            raise InvalidStateError(
                _("The reopen window ended on %(date)s: create a new ticket instead.")
                % {"date": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")}
            )
        ticket.resolved_at, ticket.closed_at = None, None
        fields += ["resolved_at", "closed_at"]
    if action == "close":
        ticket.closed_at = now
        fields.append("closed_at")
    if action == "wait":
        ticket.paused_at = now
        fields.append("paused_at")
    elif ticket.paused_at is not None:
        fields += resume_clock(ticket, now)
    if to == Ticket.Status.IN_PROGRESS and ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.append("first_response_at")
    if ticket.owner_id is None and action in ("start", "resolve"):
        ticket.owner = actor
        fields.append("owner")
    ticket.status = to
    ticket.version += 1
    ticket.save(update_fields=fields)
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=ticket, changes={"status": [frm, to]})
    kind = TicketEvent.Kind.REOPENED if action == "reopen" else TicketEvent.Kind.STATUS
    _event(
        ticket, actor=actor, kind=kind, text=note or (ticket.resolution if action == "resolve" else ""), frm=frm, to=to
    )
    if action in ("resolve", "close"):
        event_emit(f"ticket.{action}d", obj=ticket, actor=actor)
    if action == "resolve":  # the customer's voice: a satisfaction survey, once per ticket
        from .surveys.services import survey_offer

        survey_offer(ticket=ticket, actor=actor, now=now)
    if ticket.owner is not None and ticket.owner_id != actor.pk and action in ("resolve", "reopen", "close"):
        notify(
            recipient=ticket.owner,
            kind=f"ticket_{action}d" if action != "reopen" else "ticket_reopened",
            title=Message(
                gettext_noop("Ticket %(number)s: %(status)s"),
                {"number": ticket.number, "status": ticket.get_status_display()},
            ),
            body=ticket.subject,
            url=f"/service/tickets/{ticket.pk}/",
        )
    return ticket


@transaction.atomic
def ticket_note(*, actor: User, ticket: Ticket, text: str) -> TicketEvent:
    """A note on the ticket's history (a call with the customer, what was tried). Counts as the first response."""
    ticket = _ticket_for_change(actor, ticket)
    text = clean_text(text, "text", max_length=5000, multiline=True, required=True)
    event = TicketEvent.objects.create(
        ticket=ticket, at=timezone.now(), actor=actor, kind=TicketEvent.Kind.NOTE, text=text
    )
    if ticket.first_response_at is None and ticket.owner_id == actor.pk:
        Ticket.objects.filter(pk=ticket.pk).update(first_response_at=event.at)
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=ticket, changes={"note": [None, text[:200]]})
    return event


ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


@transaction.atomic
def ticket_attach(*, actor: User, ticket: Ticket, upload: Any) -> TicketAttachment:
    ticket = _ticket_for_change(actor, ticket)
    if upload is None or not getattr(upload, "name", ""):
        raise field_error("file", _("Choose a file."))
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise field_error("file", _("The file is larger than %(mb)s MB.") % {"mb": ATTACHMENT_MAX_BYTES // 1048576})
    name = upload.name.rsplit("/", 1)[-1][:200]
    row = TicketAttachment.objects.create(ticket=ticket, file=upload, name=name, uploaded_by=actor)
    _event(ticket, actor=actor, kind=TicketEvent.Kind.ATTACHMENT, text=name)
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=ticket, changes={"attachment": [None, name]})
    return row


def tickets_hand_over(*, actor: User | None, leaving: User, successor: User) -> int:
    """A leaving agent's open tickets go to the successor (the deactivation's transaction)."""
    rows = list(Ticket.objects.filter(owner=leaving).exclude(status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED]))
    for ticket in rows:
        Ticket.objects.filter(pk=ticket.pk).update(owner=successor, version=ticket.version + 1)
        audit_record(
            actor=actor, action=AuditLog.Action.UPDATE, obj=ticket, changes={"owner": [str(leaving), str(successor)]}
        )
        _event(ticket, actor=actor, kind=TicketEvent.Kind.ASSIGNED, text=str(successor))
    return len(rows)


# --- the seam for inbound mail (another session builds the mailbox polling) ------------------------------------
@transaction.atomic
def ticket_create_from_message(
    *, actor: User, sender_email: str, subject: str, body: str, attachments: Any = ()
) -> Ticket | None:
    """A ticket from an inbound message: the sender is matched to a contact by e-mail address (the first one in
    the actor's reach); its customer gets a new e-mail ticket with the message as description. None when no
    contact has the address (the mailbox job keeps the message for a person to look at). Threading replies by the
    ticket number in the subject is the mailbox job's part: it calls ticket_note on the matched ticket."""
    from guanxi.customers.models import Contact

    address = (sender_email or "").strip().lower()
    if not address:
        return None
    contact = scope_queryset(actor, Contact.objects.filter(email__iexact=address), "view").order_by("id").first()
    if contact is None:
        return None
    data = {"customer": contact.customer_id, "contact": contact.pk, "channel": "email",
            "subject": (subject or "").strip()[:200] or _("(no subject)"), "description": body or ""}  # fmt: skip
    return ticket_create(actor=actor, data=data, files=attachments, message=address)
