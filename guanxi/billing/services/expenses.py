"""Expense claims (费用报销): for work on one customer, linked to a follow-up or an opportunity of that customer
(refused otherwise), with lines (category, date, amount, note, receipt). Submitted through the approval engine
as kind "expense_claim" (facts: amount, department_id); locked while in approval; finance marks approved
claims paid."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.errors import InvalidStateError, NotFoundError, ValidationFailed
from guanxi.core.files import stored_file_name
from guanxi.core.inputs import clean_amount, clean_date, clean_text, field_error, pick
from guanxi.core.models import AuditLog
from guanxi.core.money import ZERO
from guanxi.core.services import audit_record, check_version, model_create, model_update, soft_delete
from guanxi.customers.models import Customer, FollowUp
from guanxi.org.models import User
from guanxi.org.policies import ensure_in_scope, get_scoped_or_404, require_permission, scope_queryset
from guanxi.sales.models import Opportunity

from ..dictionaries import EXPENSE_CATEGORY
from ..models import ExpenseClaim, ExpenseLine

CLAIM_FIELDS = {"title", "customer", "follow_up", "opportunity", "purpose"}
LINE_FIELDS = {"category", "spent_on", "amount", "note", "receipt"}
LINES_MAX = 100
RECEIPT_MAX_BYTES = 10 * 1024 * 1024
EDITABLE = (ExpenseClaim.Status.DRAFT,)


def link_required_message() -> str:
    return _("An expense claim must name the customer and one of its follow-ups or opportunities.")


def _links(actor: User, values: dict[str, Any]) -> dict[str, Any]:
    """The customer (visible to the actor) and a follow-up or opportunity of that same customer."""
    customer = values.get("customer")
    if customer is None:
        raise ValidationFailed(link_required_message(), fields={"customer": [link_required_message()]})
    try:
        customer = get_scoped_or_404(actor, Customer.objects.all(), customer.pk, "view", module="customers")
    except NotFoundError:
        raise field_error("customer", _("Unknown id, or you may not see it."))
    follow_up, opportunity = values.get("follow_up"), values.get("opportunity")
    if follow_up is None and opportunity is None:
        raise ValidationFailed(
            link_required_message(),
            fields={"follow_up": [link_required_message()], "opportunity": [link_required_message()]},
        )
    if follow_up is not None and (
        not isinstance(follow_up, FollowUp) or follow_up.customer_id != customer.pk or follow_up.deleted_at
    ):
        raise field_error("follow_up", _("Choose a follow-up of this customer."))
    if opportunity is not None and (
        not isinstance(opportunity, Opportunity) or opportunity.customer_id != customer.pk or opportunity.deleted_at
    ):
        raise field_error("opportunity", _("Choose an opportunity of this customer."))
    return {"customer": customer, "follow_up": follow_up, "opportunity": opportunity}


def _clean_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not lines:
        raise field_error("lines", _("Add at least one expense line."))
    if len(lines) > LINES_MAX:
        raise field_error("lines", _("At most %(max)s lines.") % {"max": LINES_MAX})
    clean = []
    for i, line in enumerate(lines, start=1):
        unknown = set(line) - LINE_FIELDS
        if unknown:
            raise field_error("lines", _("Line %(n)s: unknown field %(name)s.") % {"n": i, "name": sorted(unknown)[0]})
        try:
            category = line.get("category") or ExpenseLine.Category.OTHER
            found = dictionaries.entry(EXPENSE_CATEGORY, category)
            if found is None or not found.is_active:
                raise field_error(
                    "category",
                    _("Category: choose one of %(choices)s.")
                    % {"choices": ", ".join(label for _code, label in dictionaries.active_choices(EXPENSE_CATEGORY))},
                )
            receipt = line.get("receipt")
            if receipt is not None and not isinstance(receipt, UploadedFile):
                raise field_error("receipt", _("Upload the receipt as a file."))
            if receipt is not None and (receipt.size or 0) > RECEIPT_MAX_BYTES:
                raise field_error("receipt", _("A receipt may be at most 10 MB."))
            clean.append(
                {
                    "category": category,
                    "spent_on": clean_date(line.get("spent_on"), "spent_on", not_future=True),
                    "amount": clean_amount(line.get("amount"), "amount"),
                    "note": clean_text(line.get("note"), "note"),
                    "receipt": receipt,
                }
            )
        except ValidationFailed as exc:
            details = "; ".join(m for msgs in exc.fields.values() for m in msgs)
            raise field_error("lines", _("Line %(n)s: %(error)s") % {"n": i, "error": details})
    return clean


def _write_lines(claim: ExpenseClaim, lines: list[dict[str, Any]], *, replace: bool) -> None:
    kept_receipts = {}
    if replace:
        kept_receipts = {line.position: line.receipt.name for line in claim.lines.all() if line.receipt}
        claim.lines.all().delete()
    for position, line in enumerate(lines, start=1):
        receipt = line.pop("receipt")
        row = ExpenseLine(claim=claim, position=position, **line)
        if receipt is not None:
            row.receipt.save(receipt.name or "receipt", receipt, save=False)
        elif position in kept_receipts:
            row.receipt.name = kept_receipts[position]
        row.save()
    claim.amount = sum((line["amount"] for line in lines), ZERO)


def expense_claim_create(*, actor: User, data: dict[str, Any], lines: list[dict[str, Any]]) -> ExpenseClaim:
    """A draft claim of the actor's own (expenses.create), for a customer they can see and a follow-up or
    opportunity of it; "报销必须关联客户及其跟进记录或销售机会" otherwise, nothing written."""
    require_permission(actor, "expenses.create")
    values = pick(data, CLAIM_FIELDS)
    with transaction.atomic():
        links = _links(actor, values)
        title = clean_text(values.get("title"), "title", required=True, max_length=200)
        clean = _clean_lines(lines)
        claim = model_create(
            instance=ExpenseClaim(
                title=title,
                claimant=actor,
                department=actor.department,
                purpose=str(values.get("purpose") or "").strip()[:5000],
                amount=sum((line["amount"] for line in clean), ZERO),
                **links,
            ),
            actor=actor,
        )
        _write_lines(claim, clean, replace=False)
        ensure_in_scope(actor, claim, "view")
    return claim


def _claim_for(actor: User, claim: ExpenseClaim | int, action: str) -> ExpenseClaim:
    pk = claim.pk if isinstance(claim, ExpenseClaim) else claim
    get_scoped_or_404(actor, ExpenseClaim.objects.all(), pk, action)
    return ExpenseClaim.objects.select_for_update(of=("self",)).select_related("customer", "claimant").get(pk=pk)


def expense_claim_update(
    *,
    actor: User,
    claim: ExpenseClaim | int,
    data: dict[str, Any],
    lines: list[dict[str, Any]] | None = None,
    expected_version: int | None = None,
) -> ExpenseClaim:
    """Change a draft (or returned) claim: the claimant only (expenses.edit); refused while in approval."""
    values = pick(data, CLAIM_FIELDS)
    with transaction.atomic():
        claim = _claim_for(actor, claim, "edit")
        check_version(claim, expected_version)
        if claim.claimant_id != actor.pk:
            raise field_error("claimant", _("Only the claimant may change a claim."))
        if claim.status not in EDITABLE:
            raise InvalidStateError(
                _("This claim is “%(status)s” and cannot be changed.") % {"status": claim.get_status_display()}
            )
        merged = {
            "customer": claim.customer,
            "follow_up": claim.follow_up,
            "opportunity": claim.opportunity,
            **{k: v for k, v in values.items() if k in ("customer", "follow_up", "opportunity")},
        }
        changes = _links(actor, merged)
        if "title" in values:
            changes["title"] = clean_text(values["title"], "title", required=True, max_length=200)
        if "purpose" in values:
            changes["purpose"] = str(values["purpose"] or "").strip()[:5000]
        if lines is not None:
            _write_lines(claim, _clean_lines(lines), replace=True)
            changes["amount"] = claim.amount
            claim.refresh_from_db(fields=["amount"])
        claim, _changes = model_update(instance=claim, data=changes, actor=actor, expected_version=expected_version)
        ensure_in_scope(actor, claim, "view")
    return claim


def expense_claim_attach_receipt(
    *, actor: User, claim: ExpenseClaim | int, position: int, receipt: UploadedFile
) -> ExpenseLine:
    """The claimant attaches (or replaces) the receipt of one line of a draft claim."""
    with transaction.atomic():
        claim = _claim_for(actor, claim, "edit")
        if claim.claimant_id != actor.pk:
            raise field_error("claimant", _("Only the claimant may change a claim."))
        if claim.status not in EDITABLE:
            raise InvalidStateError(
                _("This claim is “%(status)s” and cannot be changed.") % {"status": claim.get_status_display()}
            )
        line = claim.lines.filter(position=position).first()
        if line is None:
            raise NotFoundError(_("Not found, or you may not see it."))
        if not isinstance(receipt, UploadedFile) or (receipt.size or 0) > RECEIPT_MAX_BYTES:
            raise field_error("receipt", _("A receipt may be at most 10 MB."))
        old = stored_file_name(line.receipt.name) if line.receipt else ""
        line.receipt.save(receipt.name or "receipt", receipt, save=True)
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=claim,
            changes={f"lines[{position}].receipt": [old, stored_file_name(line.receipt.name)]},
        )
    return line


def expense_claim_delete(*, actor: User, claim: ExpenseClaim | int) -> None:
    """A draft claim goes to the recycle bin (the claimant, expenses.edit)."""
    with transaction.atomic():
        claim = _claim_for(actor, claim, "edit")
        if claim.claimant_id != actor.pk or claim.status != ExpenseClaim.Status.DRAFT:
            raise InvalidStateError(_("Only the claimant may delete a draft claim."))
        soft_delete(instance=claim, actor=actor)


def expense_claims_delete(*, actor: User, ids: Iterable[Any]) -> tuple[int, int]:
    """The actor's own draft claims go to the recycle bin, many at once (the list's bulk bar). Returns (deleted,
    skipped): skipped are out of the actor's edit scope, someone else's, or past the draft."""
    require_permission(actor, "expenses.edit")
    wanted = list(dict.fromkeys(int(i) for i in ids))
    deleted = 0
    with transaction.atomic():
        rows = scope_queryset(actor, ExpenseClaim.objects.filter(pk__in=wanted), "edit").select_for_update(of=("self",))
        for claim in rows.order_by("pk"):
            if claim.claimant_id == actor.pk and claim.status == ExpenseClaim.Status.DRAFT:
                soft_delete(instance=claim, actor=actor)
                deleted += 1
    return deleted, len(wanted) - deleted


def expense_claim_facts(claim: ExpenseClaim) -> dict[str, Any]:
    return {"amount": claim.amount, "department_id": claim.department_id}


def expense_claim_submit(*, actor: User, claim: ExpenseClaim | int) -> ExpenseClaim:
    """The claimant sends a draft for approval (kind "expense_claim": the claimant's manager, then finance)."""
    from guanxi.approvals.services import approval_submit

    with transaction.atomic():
        claim = _claim_for(actor, claim, "edit")
        if claim.claimant_id != actor.pk:
            raise field_error("claimant", _("Only the claimant may submit a claim."))
        if claim.status != ExpenseClaim.Status.DRAFT:
            raise InvalidStateError(_("Only a draft claim can be submitted."))
        if not claim.lines.exists() or claim.amount <= 0:
            raise field_error("lines", _("Add at least one expense line."))
        approval_submit(
            actor=actor,
            document=claim,
            kind="expense_claim",
            facts=expense_claim_facts(claim),
            title=_("Expense claim: %(title)s") % {"title": claim.title},
            amount=claim.amount,
            currency=claim.currency,
        )
        claim, _changes = model_update(
            instance=claim,
            data={"status": ExpenseClaim.Status.IN_APPROVAL, "submitted_at": timezone.now()},
            actor=actor,
        )
    return claim


def expense_claim_on_decided(*, document: ExpenseClaim, outcome: str, actor: User | None, comment: str = "") -> None:
    """Called by the approval engine inside its transaction when the claim's request ends."""
    claim = ExpenseClaim.objects.select_for_update(of=("self",)).get(pk=document.pk)
    status = {
        "approved": ExpenseClaim.Status.APPROVED,
        "rejected": ExpenseClaim.Status.REJECTED,
        "returned": ExpenseClaim.Status.DRAFT,
        "withdrawn": ExpenseClaim.Status.DRAFT,
    }.get(outcome)
    if status is None:
        return
    model_update(instance=claim, data={"status": status, "decided_at": timezone.now()}, actor=actor)


def expense_claim_mark_paid(*, actor: User, claim: ExpenseClaim | int, reference: str = "") -> ExpenseClaim:
    """Finance (expenses.approve) records that an approved claim was paid out."""
    with transaction.atomic():
        claim = _claim_for(actor, claim, "approve")
        if claim.status != ExpenseClaim.Status.APPROVED:
            raise InvalidStateError(_("Only an approved claim can be marked paid."))
        claim, _changes = model_update(
            instance=claim,
            data={
                "status": ExpenseClaim.Status.PAID,
                "paid_at": timezone.now(),
                "paid_by": actor,
                "payment_reference": clean_text(reference, "reference", max_length=100),
            },
            actor=actor,
        )
    return claim
