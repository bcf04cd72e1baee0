"""Opportunities (销售机会): create, edit, move between stages, close won/lost, confirm, reopen, delete.

Every stage change writes a StageChange row (from, to, when, who, seconds spent in the old stage): time in stage,
conversion and the funnel are computed from those rows, so no write may skip them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.custom_fields.validation import custom_missing_at, custom_values_clean, without_custom
from guanxi.core.errors import InvalidStateError, ValidationFailed
from guanxi.core.events import event_emit
from guanxi.core.i18n import Message
from guanxi.core.inputs import field_error, pick
from guanxi.core.models import AuditLog
from guanxi.core.money import AMOUNT_MAX, to_cent
from guanxi.core.search import name_sort_key
from guanxi.core.services import (
    audit_record,
    check_version,
    model_create,
    model_update,
    soft_delete,
    versioned_save,
)
from guanxi.customers import services as customer_services
from guanxi.customers.models import Contact, Customer, FollowUp, Task
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404, has_permission, require_permission, scope_queryset
from guanxi.sales.leads.models import Lead

from ..models import (
    Competitor,
    LostReason,
    Opportunity,
    OpportunityActivity,
    OpportunityContact,
    OpportunityLine,
    Pipeline,
    Stage,
    StageChange,
)
from .search_text import CUSTOM_TARGET, opportunity_search_text

# What create/update accept; stage, status and closing fields only change through their own services.
OPPORTUNITY_FIELDS = {
    "name",
    "contact",
    "amount",
    "expected_close_date",
    "source",
    "next_step",
    "description",
    "forecast_category",
    "collaborators",
    "competitors",
    "probability",
}


def _clean_amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value)) if value not in (None, "") else Decimal("0")
    except (InvalidOperation, ValueError):
        raise field_error("amount", _("Enter a number."))
    if not amount.is_finite() or amount < 0 or amount >= AMOUNT_MAX:
        raise field_error("amount", _("Enter an amount between 0 and 999,999,999,999.99."))
    return to_cent(amount)


def _clean(data: dict[str, Any], customer: Customer) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split input into plain field values and many-to-many values, normalising text and the amount."""
    values: dict[str, Any] = {}
    m2m: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("collaborators", "competitors"):
            m2m[key] = list(value or [])
        elif key == "amount":
            values[key] = _clean_amount(value)
        elif key == "name":
            values[key] = " ".join(str(value or "").split())[:200]
        elif key == "next_step":
            values[key] = " ".join(str(value or "").split())
        elif key == "description":
            values[key] = str(value or "").strip()
        elif key == "expected_close_date":
            if value is not None and not isinstance(value, dt.date):
                raise field_error(key, _("Enter a valid date."))
            values[key] = value
        else:
            values[key] = value
    if "name" in values and not values["name"]:
        raise field_error("name", _("This field is required."))
    contact = values.get("contact")
    if contact is not None and (not isinstance(contact, Contact) or contact.customer_id != customer.pk):
        raise field_error("contact", _("Choose a contact of this customer."))
    return values, m2m


def default_pipeline() -> Pipeline:
    pipeline = Pipeline.objects.filter(is_active=True).order_by("-is_default", "sort_order", "id").first()
    if pipeline is None:
        raise InvalidStateError(_("No sales pipeline is set up. Ask an administrator to create one."))
    return pipeline


def first_open_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(kind=Stage.Kind.OPEN, is_active=True).order_by("sort_order", "id").first()
    if stage is None:
        raise InvalidStateError(_("The pipeline “%(pipeline)s” has no open stage.") % {"pipeline": pipeline})
    return stage


def _closing_stage(pipeline: Pipeline, kind: str) -> Stage:
    stage = pipeline.stages.filter(kind=kind).order_by("-is_active", "sort_order", "id").first()
    if stage is None:
        raise InvalidStateError(
            _("The pipeline “%(pipeline)s” has no stage for this outcome.") % {"pipeline": pipeline}
        )
    return stage


def _check_owner(actor: User, owner: User) -> None:
    if owner.pk != actor.pk:
        require_permission(actor, "opportunities.assign")
    if not owner.is_active or not has_permission(owner, "opportunities.view"):
        raise field_error("owner", _("This user cannot work on opportunities."))


def _clean_contacts(customer_id: int, contacts: list[tuple[Contact, str]]) -> list[tuple[Contact, str]]:
    """Check every (contact, role) row before anything is written; errors name the row."""
    valid_roles = set(OpportunityContact.Role.values)
    seen: set[int] = set()
    for i, (contact, role) in enumerate(contacts, start=1):
        if contact.customer_id != customer_id:
            raise _row_fail("contacts", i, _("Choose a contact of this customer."))
        if role not in valid_roles:
            raise _row_fail("contacts", i, _("Choose a valid role."))
        if contact.pk in seen:
            raise _row_fail("contacts", i, _("This contact is listed twice."))
        seen.add(contact.pk)
    return contacts


def _row_fail(field: str, row: int, message: str) -> ValidationFailed:
    text = _("Row %(row)s: %(message)s") % {"row": row, "message": message}
    return ValidationFailed(text, fields={field: [text]})


def _clean_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Free product lines → clean values (product, quantity > 0, unit price ≥ 0), or an error naming the row."""
    cleaned = []
    for i, line in enumerate(lines, start=1):
        description = " ".join(str(line.get("description") or "").split())[:200]
        if not description:
            raise _row_fail("lines", i, _("Each product line needs a product."))
        try:
            quantity = Decimal(str(line.get("quantity", 1) or 1))
        except (InvalidOperation, ValueError):
            raise _row_fail("lines", i, _("Enter a number."))
        if not quantity.is_finite() or quantity <= 0 or quantity >= Decimal("1e10"):
            raise _row_fail("lines", i, _("Enter a quantity above 0."))
        try:
            price = _clean_amount(line.get("unit_price", 0))
        except ValidationFailed as exc:
            raise _row_fail("lines", i, exc.fields["amount"][0])
        cleaned.append(
            {
                "description": description,
                "quantity": to_cent(quantity),
                "unit_price": price,
            }
        )
    return cleaned


def _set_contacts(opp: Opportunity, contacts: list[tuple[Contact, str]]) -> None:
    for contact, role in _clean_contacts(opp.customer_id, contacts):
        OpportunityContact.objects.update_or_create(opportunity=opp, contact=contact, defaults={"role": role})


def _set_lines(opp: Opportunity, lines: list[dict[str, Any]]) -> None:
    OpportunityLine.objects.bulk_create(
        OpportunityLine(opportunity=opp, sort_order=i, **line) for i, line in enumerate(_clean_lines(lines))
    )


def _contacts_state(opp: Opportunity) -> list[list[Any]]:
    return [[r.contact_id, r.role] for r in opp.contact_roles.order_by("contact_id")]


def _lines_state(opp: Opportunity) -> list[list[Any]]:
    return [[ln.description, str(ln.quantity), str(ln.unit_price)] for ln in opp.lines.all()]


def _replace_rows(
    opp: Opportunity, contacts: list[tuple[Contact, str]] | None, lines: list[dict[str, Any]] | None
) -> dict[str, list[Any]]:
    """Replace the deal's contact roles and/or product lines (None leaves them as they are); returns the changes."""
    changes: dict[str, list[Any]] = {}
    if contacts is not None:
        contacts = _clean_contacts(opp.customer_id, contacts)
        before = _contacts_state(opp)
        opp.contact_roles.exclude(contact__in=[c for c, _r in contacts]).delete()
        _set_contacts(opp, contacts)
        after = _contacts_state(opp)
        if before != after:
            changes["contacts"] = [before, after]
    if lines is not None:
        cleaned = _clean_lines(lines)
        before = _lines_state(opp)
        opp.lines.all().delete()
        _set_lines(opp, cleaned)
        after = _lines_state(opp)
        if before != after:
            changes["lines"] = [before, after]
    return changes


def opportunity_create(
    *,
    actor: User,
    customer: Customer,
    data: dict[str, Any],
    owner: User | None = None,
    pipeline: Pipeline | None = None,
    contacts: list[tuple[Contact, str]] | None = None,
    lines: list[dict[str, Any]] | None = None,
    source_lead: Lead | None = None,
    now: dt.datetime | None = None,
) -> Opportunity:
    """Open a deal for a customer the actor can see, in the first open stage of the (default) pipeline."""
    require_permission(actor, "opportunities.create")
    now = now or timezone.now()
    with transaction.atomic():
        customer = get_scoped_or_404(actor, Customer.objects.all(), customer.pk, "view", module="customers")
        values, m2m = _clean(pick(without_custom(data), OPPORTUNITY_FIELDS), customer)
        owner = owner or actor
        _check_owner(actor, owner)
        pipeline = pipeline or default_pipeline()
        if not pipeline.is_active:
            raise field_error("pipeline", _("This pipeline is not in use."))
        stage = first_open_stage(pipeline)
        values["custom"] = custom_values_clean(
            actor=actor, target=CUSTOM_TARGET, values=data.get("custom"), creating=True, probability=stage.probability
        )
        values.setdefault("name", customer.name[:200])
        values.setdefault("probability", stage.probability)
        values["own_search_text"] = opportunity_search_text(values["name"], values["custom"])
        values["name_sort"] = name_sort_key(values["name"])
        if source_lead is not None:
            values.setdefault("source", Opportunity.Source.LEAD)
        opp = model_create(
            instance=Opportunity(
                **values,
                customer=customer,
                owner=owner,
                department=owner.department,
                pipeline=pipeline,
                stage=stage,
                stage_entered_at=now,
                status=Opportunity.Status.OPEN,
                currency="CNY",
                source_lead=source_lead,
                created_by=actor,
            ),
            actor=actor,
            m2m=m2m or None,
        )
        StageChange.objects.create(opportunity=opp, from_stage=None, to_stage=stage, at=now, by=actor)
        _set_contacts(opp, contacts or [])
        _set_lines(opp, lines or [])
    return opp


def _for_write(actor: User, opp: Opportunity, action: str = "edit") -> Opportunity:
    """Re-read the row locked, within the actor's reach for the action (404 otherwise)."""
    qs = Opportunity.objects.select_for_update(of=("self",)).select_related("stage", "pipeline", "customer")
    return get_scoped_or_404(actor, qs, opp.pk, action)


def opportunity_update(
    *,
    actor: User,
    opportunity: Opportunity,
    data: dict[str, Any],
    contacts: list[tuple[Contact, str]] | None = None,
    lines: list[dict[str, Any]] | None = None,
    expected_version: int | None = None,
) -> Opportunity:
    """Correct the facts of a deal (not its stage or status: those have their own services).

    `contacts` (contact, role) and `lines` (free product lines), when given, replace the deal's current ones;
    any error rolls the whole edit back."""
    with transaction.atomic():
        opp = _for_write(actor, opportunity)
        check_version(opp, expected_version)
        values, m2m = _clean(pick(without_custom(data), OPPORTUNITY_FIELDS), opp.customer)
        if "custom" in data:
            values["custom"] = custom_values_clean(
                actor=actor,
                target=CUSTOM_TARGET,
                values=data["custom"],
                current=opp.custom,
                instance_pk=opp.pk,
                probability=opp.stage.probability,
            )
        if contacts is not None:
            _clean_contacts(opp.customer_id, contacts)
        if lines is not None:
            _clean_lines(lines)
        opp, changes = model_update(
            instance=opp, data={**values, **m2m}, actor=actor, expected_version=expected_version
        )
        if "name" in changes or any(k.startswith("custom") for k in changes):
            # (the database adds the customer's text to the deal's: opportunities.customer_text)
            opp.own_search_text, opp.name_sort = opportunity_search_text(opp.name, opp.custom), name_sort_key(opp.name)
            Opportunity.objects.filter(pk=opp.pk).update(own_search_text=opp.own_search_text, name_sort=opp.name_sort)
        row_changes = _replace_rows(opp, contacts, lines)
        if row_changes:
            if not changes:  # the version still moves, so a stale form cannot overwrite these rows
                versioned_save(opp, fields=[], expected_version=expected_version)
            audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=opp, changes=row_changes)
    return opp


def opportunity_assign(
    *, actor: User, opportunity: Opportunity, owner: User, expected_version: int | None = None
) -> Opportunity:
    """Give a deal to another rep (needs "assign" on it)."""
    with transaction.atomic():
        opp = _for_write(actor, opportunity, "assign")
        check_version(opp, expected_version)
        _check_owner(actor, owner)
        opp, _changes = model_update(
            instance=opp,
            data={"owner": owner, "department": owner.department},
            actor=actor,
            expected_version=expected_version,
        )
    return opp


def opportunities_hand_over(*, actor: User, leaving: User, successor: User) -> int:
    """A leaver's open deals go to the successor and their department (won and lost ones keep the leaver's name,
    so the results stay where they were earned); audited per deal as a transfer."""
    moved = 0
    open_deals = Opportunity.objects.filter(owner=leaving, status=Opportunity.Status.OPEN)
    for opp in open_deals.select_for_update(of=("self",)):
        model_update(
            instance=opp, data={"owner": successor, "department": successor.department}, actor=actor, audit=False
        )
        audit_record(
            actor=actor, action=AuditLog.Action.TRANSFER, obj=opp, changes={"owner": [str(leaving), str(successor)]}
        )
        moved += 1
    return moved


def _is_empty(opp: Opportunity, name: str) -> bool:
    if name in ("contacts", "contact_roles"):
        return not opp.contact_roles.exists() and opp.contact_id is None
    if name in ("lines", "products"):
        return not opp.lines.exists()
    try:
        field = opp._meta.get_field(name)
    except FieldDoesNotExist:  # an admin typo in required_fields must not block every move
        return False
    if field.many_to_many:
        return not getattr(opp, name).exists()
    value = getattr(opp, getattr(field, "attname", name))
    return value in (None, "") or (name == "amount" and not value)


def _field_label(name: str) -> str:
    try:
        return str(getattr(Opportunity._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:
        return {"contacts": _("contacts"), "lines": _("product lines")}.get(name, name)


def _change_stage(
    *,
    actor: User,
    opp: Opportunity,
    to: Stage,
    now: dt.datetime,
    extra: dict[str, Any],
    expected_version: int | None = None,
) -> Opportunity:
    from_stage = opp.stage
    seconds = max(0, int((now - opp.stage_entered_at).total_seconds()))
    StageChange.objects.create(
        opportunity=opp, from_stage=from_stage, to_stage=to, at=now, by=actor, seconds_in_from_stage=seconds
    )
    opp, _changes = model_update(
        instance=opp,
        data={"stage": to, "stage_entered_at": now, "probability": to.probability, **extra},
        actor=actor,
        expected_version=expected_version,
    )
    return opp


def opportunity_move_stage(
    *,
    actor: User,
    opportunity: Opportunity,
    stage: Stage,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Opportunity:
    """Move an open deal to another open stage of its pipeline (forwards or back), if that stage's
    required fields are filled."""
    now = now or timezone.now()
    with transaction.atomic():
        opp = _for_write(actor, opportunity)
        check_version(opp, expected_version)
        if opp.status != Opportunity.Status.OPEN:
            raise InvalidStateError(_("Only an open opportunity can change stage. Reopen it first."))
        if stage.pipeline_id != opp.pipeline_id or stage.kind != Stage.Kind.OPEN or not stage.is_active:
            raise field_error("stage", _("Choose an open stage of this opportunity's pipeline."))
        if stage.pk == opp.stage_id:
            return opp
        missing = [name for name in stage.required_fields or [] if _is_empty(opp, name)]
        custom_missing = custom_missing_at(target=CUSTOM_TARGET, custom=opp.custom, probability=stage.probability)
        if missing or custom_missing:
            labels = ", ".join([_field_label(n) for n in missing] + [f.label for f in custom_missing])
            msg = _("Fill in %(fields)s before moving to “%(stage)s”.") % {"fields": labels, "stage": stage}
            required = {n: [_("This field is required.")] for n in missing}
            required.update(
                {f.key: [_("%(label)s: this field is required.") % {"label": f.label}] for f in custom_missing}
            )
            raise ValidationFailed(msg, fields={"stage": [msg], **required})
        opp = _change_stage(actor=actor, opp=opp, to=stage, now=now, extra={}, expected_version=expected_version)
        event_emit("opportunity.stage_changed", obj=opp, actor=actor)
    return opp


def opportunity_close(
    *,
    actor: User,
    opportunity: Opportunity,
    won: bool,
    lost_reason: LostReason | None = None,
    lost_to: Competitor | None = None,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Opportunity:
    """Close a deal as won or lost (lost needs a reason); a manager confirms the closing afterwards."""
    now = now or timezone.now()
    note = " ".join((note or "").split())
    if len(note) > 500:
        raise field_error("note", _("Ensure this value has at most %(max)s characters.") % {"max": 500})
    if not won and lost_reason is None:
        raise field_error("lost_reason", _("Choose why the deal was lost."))
    with transaction.atomic():
        opp = _for_write(actor, opportunity)
        check_version(opp, expected_version)
        if opp.status != Opportunity.Status.OPEN:
            raise InvalidStateError(_("This opportunity is already closed."))
        kind = Stage.Kind.WON if won else Stage.Kind.LOST
        target = _closing_stage(opp.pipeline, kind)
        extra: dict[str, Any] = {
            "status": Opportunity.Status.WON if won else Opportunity.Status.LOST,
            "closed_at": now,
            "closed_by": actor,
            "forecast_category": Opportunity.ForecastCategory.CLOSED,
            "close_note": note,
            "lost_reason": None if won else lost_reason,
            "lost_to": None if won else lost_to,
        }
        opp = _change_stage(actor=actor, opp=opp, to=target, now=now, extra=extra, expected_version=expected_version)
        event_emit("opportunity.won" if won else "opportunity.lost", obj=opp, actor=actor)
        if won:
            _mark_customer_won(actor, opp.customer)
    return opp


def _mark_customer_won(actor: User, customer: Customer) -> None:
    """The customer becomes a won customer, if the actor may edit it (a rep closing a deal on a colleague's
    customer leaves the customer as it is rather than failing the closing)."""
    won = getattr(Customer.Status, "WON", None)
    if won is None or customer.status == won or not has_permission(actor, "customers.edit"):
        return
    if not scope_queryset(actor, Customer.objects.filter(pk=customer.pk), "edit").exists():
        return
    customer_services.customer_update(actor=actor, customer=customer, data={"status": won})


def opportunity_confirm_close(*, actor: User, opportunity: Opportunity) -> Opportunity:
    """A manager confirms a won/lost closing is complete (needs "approve" on the deal)."""
    with transaction.atomic():
        opp = _for_write(actor, opportunity, "approve")
        if opp.status == Opportunity.Status.OPEN:
            raise InvalidStateError(_("Only a closed opportunity can be confirmed."))
        if opp.close_confirmed_at:
            raise InvalidStateError(_("This closing is already confirmed."))
        opp, _changes = model_update(
            instance=opp, data={"close_confirmed_at": timezone.now(), "close_confirmed_by": actor}, actor=actor
        )
    return opp


def opportunity_reopen(*, actor: User, opportunity: Opportunity, now: dt.datetime | None = None) -> Opportunity:
    """A manager reopens a closed deal: it returns to the last open stage it was in."""
    now = now or timezone.now()
    with transaction.atomic():
        opp = _for_write(actor, opportunity, "approve")
        if opp.status == Opportunity.Status.OPEN:
            raise InvalidStateError(_("This opportunity is open."))
        last_open = (
            StageChange.objects.filter(opportunity=opp, to_stage__kind=Stage.Kind.OPEN, to_stage__is_active=True)
            .select_related("to_stage")
            .order_by("-at", "-id")
            .first()
        )
        target = last_open.to_stage if last_open else first_open_stage(opp.pipeline)
        extra = {
            "status": Opportunity.Status.OPEN,
            "closed_at": None,
            "closed_by": None,
            "close_confirmed_at": None,
            "close_confirmed_by": None,
            "lost_reason": None,
            "lost_to": None,
            "forecast_category": Opportunity.ForecastCategory.PIPELINE,
        }
        opp = _change_stage(actor=actor, opp=opp, to=target, now=now, extra=extra)
    return opp


def opportunity_delete(*, actor: User, opportunity: Opportunity, expected_version: int | None = None) -> None:
    with transaction.atomic():
        opp = _for_write(actor, opportunity, "delete")
        check_version(opp, expected_version)
        soft_delete(instance=opp, actor=actor, expected_version=expected_version)


def opportunity_log_follow_up(
    *, actor: User, opportunity: Opportunity, data: dict[str, Any], attachments: Iterable[UploadedFile] = ()
) -> FollowUp:
    """Log a follow-up on the deal's customer (the customers service does the work) and link it to the deal."""
    with transaction.atomic():
        opp = get_scoped_or_404(actor, Opportunity.objects.select_related("customer"), opportunity.pk, "view")
        follow_up = customer_services.follow_up_create(
            actor=actor, customer=opp.customer, data=data, attachments=attachments
        )
        OpportunityActivity.objects.create(opportunity=opp, follow_up=follow_up)
        audit_record(
            actor=actor,
            action=AuditLog.Action.OTHER,
            obj=opp,
            changes={"follow_up": [None, follow_up.pk]},
            message=Message(gettext_noop("Follow-up logged")),
        )
    return follow_up


def opportunity_add_task(
    *, actor: User, opportunity: Opportunity, data: dict[str, Any], assignee: User | None = None
) -> Task:
    """Create a to-do about the deal: a customer task (the customers service checks tasks.create / tasks.assign
    and reminds the assignee) linked to the deal."""
    with transaction.atomic():
        opp = get_scoped_or_404(actor, Opportunity.objects.select_related("customer"), opportunity.pk, "view")
        task = customer_services.task_create(
            actor=actor, data={**data, "customer": opp.customer}, assignee=assignee or actor
        )
        OpportunityActivity.objects.create(opportunity=opp, task=task)
        audit_record(
            actor=actor,
            action=AuditLog.Action.OTHER,
            obj=opp,
            changes={"task": [None, task.pk]},
            message=Message(gettext_noop("Task added")),
        )
    return task
