"""Quotes (报价): create and edit drafts with catalogue lines, submit for approval, revise into a new version,
print, send by e-mail, record the customer's answer, expire.

Totals are computed by guanxi.commerce.money from the lines and stored on the quote; a quote in approval is
locked (the approval engine's lock); only an approved quote may be printed for the customer or sent.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import smtplib
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.custom_fields.validation import custom_values_clean, without_custom
from guanxi.core.errors import InvalidStateError, ValidationFailed
from guanxi.core.events import event_emit
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_date, clean_decimal, clean_text, field_error, pick
from guanxi.core.models import AuditLog
from guanxi.core.numbering import number_next
from guanxi.core.services import audit_record, check_version, model_create, model_update, soft_delete
from guanxi.customers.models import Contact, Customer, FollowUp
from guanxi.org.models import User
from guanxi.org.policies import ensure_in_scope, get_scoped_or_404, require_permission
from guanxi.sales.models import Opportunity

from .. import money
from ..models import PriceBook, PriceBookEntry, Product, Quote, QuoteLine
from ._common import QUANTITY_MAX, customer_for_document, ensure_unlocked, policy

QUOTE_FIELDS = {"title", "contact", "opportunity", "price_book", "quote_date", "valid_until", "overall_discount",
                "terms", "note"}  # fmt: skip
EDITABLE = (Quote.Status.DRAFT,)
PRINTABLE = (Quote.Status.APPROVED, Quote.Status.SENT, Quote.Status.ACCEPTED)
REVISABLE = (Quote.Status.APPROVED, Quote.Status.SENT, Quote.Status.REJECTED, Quote.Status.EXPIRED)
MAX_LINES = 200
log = logging.getLogger(__name__)

CUSTOM_TARGET = "commerce.quote"


def _clean(data: dict[str, Any], customer: Customer, actor: User) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in pick(data, QUOTE_FIELDS).items():
        if key == "title":
            values[key] = clean_text(value, key, max_length=200, required=True)
        elif key in ("terms", "note"):
            values[key] = clean_text(value, key, max_length=5000, multiline=True)
        elif key in ("quote_date", "valid_until"):
            values[key] = clean_date(value, key)
        elif key == "overall_discount":
            values[key] = clean_decimal(value, key, low=Decimal("0.0001"), high=Decimal("1"), places="0.0001")
        elif key == "contact":
            if value is not None and (not isinstance(value, Contact) or value.customer_id != customer.pk):
                raise field_error(key, _("Choose a contact of this customer."))
            values[key] = value
        elif key == "opportunity":
            if value is not None and (not isinstance(value, Opportunity) or value.customer_id != customer.pk):
                raise field_error(key, _("Choose an opportunity of this customer."))
            values[key] = value
        elif key == "price_book":
            if value is not None:
                _check_price_book(value, actor)
            values[key] = value
    return values


def _check_price_book(book: PriceBook, user: User) -> None:
    if not isinstance(book, PriceBook) or not book.is_active:
        raise field_error("price_book", _("Choose an active price book."))
    partners = set(book.partner_orgs.values_list("pk", flat=True))
    if partners and user.partner_org_id not in partners and not user.is_superuser:
        raise field_error("price_book", _("This price book is for other partner organisations."))


def _check_dates(values: dict[str, Any]) -> None:
    if values["valid_until"] < values["quote_date"]:
        raise field_error("valid_until", _("The validity date cannot be before the quote date."))


def _line_inputs(quote: Quote, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate line input: a catalogue product, a quantity, a discount; prices come from the catalogue or
    the quote's price book."""
    if not lines:
        raise field_error("lines", _("Add at least one product line."))
    if len(lines) > MAX_LINES:
        raise field_error("lines", _("At most %(max)s lines.") % {"max": MAX_LINES})
    book_prices: dict[int, Decimal] = {}
    if quote.price_book_id:
        book_prices = dict(
            PriceBookEntry.objects.filter(price_book_id=quote.price_book_id).values_list("product_id", "price")
        )
    out = []
    for i, line in enumerate(lines, start=1):
        product = line.get("product")
        if not isinstance(product, Product) or not product.is_active or product.deleted_at is not None:
            raise field_error("lines", _("Line %(n)s: choose an active product from the catalogue.") % {"n": i})
        try:
            quantity = clean_decimal(line.get("quantity", 1), "lines", low=Decimal("0.01"), high=QUANTITY_MAX)
            discount = clean_decimal(
                line.get("discount", 1), "lines", low=Decimal("0.0001"), high=Decimal("1"), places="0.0001"
            )
        except ValidationFailed as exc:
            raise field_error("lines", _("Line %(n)s: %(error)s") % {"n": i, "error": exc.message}) from None
        description = clean_text(line.get("description") or product.name, "lines", max_length=300)
        out.append(
            {
                "position": i,
                "product": product,
                "description": description,
                "unit": product.unit,
                "quantity": quantity,
                "list_price": book_prices.get(product.pk, product.list_price),
                "discount": discount,
                "tax_rate": product.tax_rate,
            }
        )
    return out


def _write_lines(quote: Quote, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Replace the quote's lines and return the stored totals."""
    totals = money.quote_compute(
        [money.LineInput(ln["quantity"], ln["list_price"], ln["discount"], ln["tax_rate"]) for ln in lines],
        quote.overall_discount,
    )
    QuoteLine.objects.filter(quote=quote).delete()
    QuoteLine.objects.bulk_create(
        [
            QuoteLine(
                quote=quote,
                unit_price=r.unit_price,
                amount=r.amount,
                tax=r.tax,
                total=r.total,
                **ln,
            )
            for ln, r in zip(lines, totals.lines, strict=True)
        ]
    )
    return {
        "subtotal": totals.subtotal,
        "tax_total": totals.tax_total,
        "total": totals.total,
        "list_total": totals.list_total,
        "min_discount_rate": totals.min_discount_rate,
    }


def _existing_lines(quote: Quote) -> list[dict[str, Any]]:
    return [
        {"product": ln.product, "quantity": ln.quantity, "discount": ln.discount, "description": ln.description}
        for ln in quote.lines.select_related("product")
    ]


def quote_create(
    *,
    actor: User,
    customer: Customer | None,
    data: dict[str, Any],
    lines: list[dict[str, Any]],
    now: dt.datetime | None = None,
) -> Quote:
    """A draft quote for an existing, active customer the actor may see, with catalogue lines."""
    require_permission(actor, "quotes.create")
    now = now or timezone.now()
    with transaction.atomic():
        customer = customer_for_document(actor, customer)
        values = _clean(without_custom(data), customer, actor)
        values["custom"] = custom_values_clean(
            actor=actor, target=CUSTOM_TARGET, values=data.get("custom"), creating=True
        )
        today = timezone.localdate(now)
        values.setdefault("title", _("Quote for %(customer)s") % {"customer": customer.name})
        if "contact" not in values:  # the primary contact receives the quote unless another is chosen
            values["contact"] = customer.contacts.order_by("-is_primary", "name", "id").first()
        values.setdefault("quote_date", today)
        values.setdefault("valid_until", values["quote_date"] + dt.timedelta(days=policy().quote_valid_days))
        _check_dates(values)
        quote = Quote(
            **values,
            customer=customer,
            owner=actor,
            department=actor.department,
            number=number_next("quote", day=today),
            revision=1,
            status=Quote.Status.DRAFT,
            currency=values["price_book"].currency if values.get("price_book") else "CNY",
            special_price=bool(actor.partner_org_id),
            created_by=actor,
        )
        line_values = _line_inputs(quote, lines)
        quote = model_create(instance=quote, actor=actor)
        totals = _write_lines(quote, line_values)
        Quote.objects.filter(pk=quote.pk).update(root=quote, **totals)
        quote.refresh_from_db()
        ensure_in_scope(actor, quote, "view")
    return quote


def _for_write(actor: User, quote: Quote, action: str = "edit") -> Quote:
    qs = Quote.objects.select_for_update(of=("self",)).select_related("customer", "owner", "price_book")
    return get_scoped_or_404(actor, qs, quote.pk, action)


def quote_update(
    *,
    actor: User,
    quote: Quote,
    data: dict[str, Any],
    lines: list[dict[str, Any]] | None = None,
    expected_version: int | None = None,
) -> Quote:
    """Change a draft: its fields and (when given) all its lines; totals are recomputed."""
    with transaction.atomic():
        row = _for_write(actor, quote)
        check_version(row, expected_version)
        ensure_unlocked(row)
        if row.status not in EDITABLE:
            raise InvalidStateError(_("Only a draft quote can be changed; revise it to make a new version."))
        values = _clean(without_custom(data), row.customer, actor)
        if "custom" in data:
            values["custom"] = custom_values_clean(
                actor=actor, target=CUSTOM_TARGET, values=data["custom"], current=row.custom, instance_pk=row.pk
            )
        merged = {"quote_date": row.quote_date, "valid_until": row.valid_until, **values}
        _check_dates(merged)
        draft = copy.copy(row)
        for key, value in values.items():
            setattr(draft, key, value)
        line_values = _line_inputs(draft, lines if lines is not None else _existing_lines(row))
        totals = _write_lines(draft, line_values)
        row, _changes = model_update(
            instance=row, data={**values, **totals}, actor=actor, expected_version=expected_version
        )
        if lines is not None:
            audit_record(
                actor=actor,
                action=AuditLog.Action.UPDATE,
                obj=row,
                changes={"lines": [None, [f"{ln['product'].code}×{ln['quantity']}" for ln in line_values]]},
            )
    return row


def quote_delete(*, actor: User, quote: Quote, expected_version: int | None = None) -> None:
    with transaction.atomic():
        row = _for_write(actor, quote, "delete")
        check_version(row, expected_version)
        ensure_unlocked(row)
        if row.status not in (Quote.Status.DRAFT, Quote.Status.SUPERSEDED, Quote.Status.EXPIRED):
            raise InvalidStateError(_("Only a draft, superseded or expired quote can be deleted."))
        soft_delete(instance=row, actor=actor, expected_version=expected_version)


# --- approval ----------------------------------------------------------------------------------------
def quote_approval_kind(quote: Quote) -> str:
    return "special_price" if quote.special_price else "quote"


def quote_facts(quote: Quote) -> dict[str, Any]:
    return {
        "min_discount_rate": quote.min_discount_rate,
        "amount": quote.total,
        "department_id": quote.department_id,
    }


def special_price_problems(quote: Quote, *, now: dt.datetime | None = None) -> list[str]:
    """Why an agent's customer data is not kept up to date (empty when it is), by the commerce policy."""
    now = now or timezone.now()
    rules = policy()
    customer = quote.customer
    problems = []
    since = now - dt.timedelta(days=rules.special_price_followup_days)
    if not FollowUp.objects.filter(customer=customer, occurred_at__gte=since).exists():
        problems.append(
            _("no follow-up with “%(name)s” in the last %(days)s days")
            % {"name": customer.name, "days": rules.special_price_followup_days}
        )
    missing = []
    for name in rules.special_price_required_fields or []:
        try:
            field = Customer._meta.get_field(name)
        except FieldDoesNotExist:  # an admin typo must not block every request
            continue  # noqa: S112
        if getattr(customer, getattr(field, "attname", name), None) in (None, ""):
            missing.append(str(getattr(field, "verbose_name", name)))
    if missing:
        problems.append(_("customer fields missing: %(fields)s") % {"fields": "、".join(missing)})
    return problems


def quote_submit(*, actor: User, quote: Quote, now: dt.datetime | None = None) -> Quote:
    """Send a draft for approval: an agent's quote goes as a special-price request (特价审批), refused when the
    agent has not kept the customer's data up to date."""
    from guanxi.approvals.services import approval_submit

    with transaction.atomic():
        row = _for_write(actor, quote)
        ensure_unlocked(row)
        if row.status != Quote.Status.DRAFT:
            raise InvalidStateError(_("Only a draft quote can be submitted for approval."))
        if not row.lines.exists():
            raise field_error("lines", _("Add at least one product line."))
        kind = quote_approval_kind(row)
        if kind == "special_price":
            problems = special_price_problems(row, now=now)
            if problems:
                msg = _("Special-price request refused: the customer data is not kept up to date (%(why)s).") % {
                    "why": "；".join(problems)
                }
                raise field_error("customer", msg)
        row, _changes = model_update(instance=row, data={"status": Quote.Status.IN_APPROVAL}, actor=actor)
        approval_submit(
            actor=actor,
            document=row,
            kind=kind,
            facts=quote_facts(row),
            title=_("Quote %(number)s · %(customer)s")
            % {"number": f"{row.number}-V{row.revision}", "customer": row.customer},
            amount=row.total,
            currency=row.currency,
        )
    return row


def quote_on_decided(*, document: Quote, outcome: str, actor: User | None, comment: str = "") -> None:
    """The approval engine ended the request: approved → approved; anything else → back to draft."""
    row = Quote.objects.select_for_update(of=("self",)).get(pk=document.pk)
    if row.status != Quote.Status.IN_APPROVAL:
        return
    status = Quote.Status.APPROVED if outcome == "approved" else Quote.Status.DRAFT
    model_update(instance=row, data={"status": status}, actor=actor)
    if status == Quote.Status.APPROVED:
        event_emit("quote.approved", obj=row, actor=actor)
    from guanxi.approvals.selectors import approval_applicant_id

    # the engine tells the applicant; the owner hears it here only when someone else applied
    if row.owner_id and actor is not None and row.owner_id not in (actor.pk, approval_applicant_id(row)):
        from guanxi.core.services import notify

        label = {
            "approved": Message(gettext_noop("approved")),
            "rejected": Message(gettext_noop("rejected")),
            "returned": Message(gettext_noop("returned for changes")),
        }
        if outcome in label:
            notify(
                recipient=row.owner,
                kind="quote_decided",
                title=Message(
                    gettext_noop("Quote %(number)s %(outcome)s"), {"number": row.number, "outcome": label[outcome]}
                ),
                body=comment,
                url=reverse("commerce:quote_detail", args=[row.pk]),
            )


# --- versions ------------------------------------------------------------------------------------------
def quote_revise(*, actor: User, quote: Quote) -> Quote:
    """Copy a quote into the next version (a draft); the old version is kept, marked superseded."""
    with transaction.atomic():
        old = _for_write(actor, quote)
        ensure_unlocked(old)
        if old.status not in REVISABLE:
            raise InvalidStateError(_("Only an approved, sent, rejected or expired quote can be revised."))
        latest = Quote.objects.filter(root_id=old.root_id or old.pk).order_by("-revision").first()
        if latest is not None and latest.pk != old.pk:
            raise InvalidStateError(_("A newer version of this quote exists: revise that one."))
        model_update(instance=old, data={"status": Quote.Status.SUPERSEDED}, actor=actor)
        copy_fields = ["title", "customer", "contact", "opportunity", "owner", "department", "currency", "price_book",
                       "quote_date", "valid_until", "overall_discount", "terms", "note", "special_price",
                       "subtotal", "tax_total", "total", "list_total", "min_discount_rate", "number"]  # fmt: skip
        new = Quote(**{f: getattr(old, f) for f in copy_fields})
        new.revision = old.revision + 1
        new.root_id = old.root_id or old.pk
        new.status = Quote.Status.DRAFT
        new.created_by = actor
        today = timezone.localdate()
        if new.valid_until < today:
            new.quote_date = today
            new.valid_until = today + dt.timedelta(days=policy().quote_valid_days)
        new = model_create(instance=new, actor=actor)
        QuoteLine.objects.bulk_create(
            [
                QuoteLine(
                    **{
                        f.attname: getattr(ln, f.attname)
                        for f in QuoteLine._meta.concrete_fields
                        if f.attname not in ("id", "quote_id")
                    },
                    quote=new,
                )  # fmt: skip
                for ln in old.lines.all()
            ]
        )
    return new


# --- print and send ------------------------------------------------------------------------------------
def _check_printable(quote: Quote) -> None:
    if quote.status not in PRINTABLE:
        raise InvalidStateError(_("Only an approved quote can be printed for the customer or sent."))


def quote_pdf(*, actor: User, quote: Quote) -> tuple[bytes, str]:
    """The print-ready PDF (bytes, file name) of an approved quote; the print is audited."""
    from ..pdf import quote_pdf_bytes

    row = get_scoped_or_404(actor, Quote.objects.select_related("customer", "contact", "owner"), quote.pk, "view")
    _check_printable(row)
    audit_record(
        actor=actor, action=AuditLog.Action.EXPORT, obj=row, message=Message(gettext_noop("Quote printed (PDF)"))
    )
    return quote_pdf_bytes(row), f"{row.number}-V{row.revision}.pdf"


def quote_send(*, actor: User, quote: Quote, to: str = "", message: str = "") -> Quote:
    """E-mail the PDF to the quote's contact (or `to`) after commit, and mark the quote sent."""
    from ..pdf import quote_pdf_bytes, seller_name

    with transaction.atomic():
        row = _for_write(actor, quote)
        _check_printable(row)
        if row.status == Quote.Status.ACCEPTED:
            raise InvalidStateError(_("The customer has accepted this quote already."))
        address = clean_text(to or (row.contact.email if row.contact else ""), "to", max_length=254)
        if not address:
            raise field_error("to", _("The contact has no e-mail address: enter one."))
        try:
            validate_email(address)
        except DjangoValidationError:
            raise field_error("to", _("Enter a valid e-mail address.")) from None
        message = clean_text(message, "message", max_length=5000, multiline=True)
        row, _changes = model_update(
            instance=row, data={"status": Quote.Status.SENT, "sent_at": timezone.now()}, actor=actor
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.OTHER,
            obj=row,
            message=Message(gettext_noop("Quote sent to %(to)s"), {"to": address}),
        )
        pdf = quote_pdf_bytes(row)
        subject = _("Quote %(number)s from %(company)s") % {"number": f"{row.number}-V{row.revision}",
                                                             "company": seller_name()}  # fmt: skip
        body = message or _("Please find our quote attached.")
        filename = f"{row.number}-V{row.revision}.pdf"
        reply_to = [actor.email] if actor.email else None

        actor_pk, quote_pk = actor.pk, row.pk

        def send() -> None:
            mail = EmailMessage(subject, body, None, [address], reply_to=reply_to)
            mail.attach(filename, pdf, "application/pdf")
            try:
                mail.send(fail_silently=False)
            except (smtplib.SMTPException, OSError):  # the quote stays sent; the sender learns the mail did not go out
                log.exception("could not e-mail quote %s", quote_pk)
                from guanxi.core.services import notify

                notify(
                    recipient=User.objects.get(pk=actor_pk),
                    kind="quote_send_failed",
                    level="danger",
                    title=Message(gettext_noop("The quote e-mail to %(to)s could not be sent"), {"to": address}),
                    url=reverse("commerce:quote_detail", args=[quote_pk]),
                    email=False,
                )

        transaction.on_commit(send)
    return row


def quote_mark_sent(*, actor: User, quote: Quote) -> Quote:
    """An approved quote was handed to the customer another way (printed, by hand): mark it sent."""
    with transaction.atomic():
        row = _for_write(actor, quote)
        if row.status != Quote.Status.APPROVED:
            raise InvalidStateError(_("Only an approved quote can be marked sent."))
        row, _changes = model_update(
            instance=row, data={"status": Quote.Status.SENT, "sent_at": timezone.now()}, actor=actor
        )
    return row


def quote_record_answer(*, actor: User, quote: Quote, accepted: bool, note: str = "") -> Quote:
    """The customer accepted or rejected an approved/sent quote."""
    note = clean_text(note, "note", max_length=500)
    with transaction.atomic():
        row = _for_write(actor, quote)
        if row.status not in (Quote.Status.APPROVED, Quote.Status.SENT):
            raise InvalidStateError(_("Only an approved or sent quote can be accepted or rejected."))
        status = Quote.Status.ACCEPTED if accepted else Quote.Status.REJECTED
        row, _changes = model_update(instance=row, data={"status": status}, actor=actor)
        if note:
            audit_record(actor=actor, action=AuditLog.Action.OTHER, obj=row, message=note)
    return row


def quotes_expire(*, today: dt.date | None = None) -> int:
    """The daily job: approved or sent quotes past their validity date expire (audited, as the system)."""
    today = today or timezone.localdate()
    count = 0
    due = Quote.objects.filter(
        Q(status=Quote.Status.APPROVED) | Q(status=Quote.Status.SENT), valid_until__lt=today
    ).values_list("pk", flat=True)
    for pk in list(due[:5000]):
        with transaction.atomic():
            row = Quote.objects.select_for_update(of=("self",)).get(pk=pk)
            if row.status in (Quote.Status.APPROVED, Quote.Status.SENT) and row.valid_until < today:
                model_update(instance=row, data={"status": Quote.Status.EXPIRED}, actor=None)
                count += 1
    return count
