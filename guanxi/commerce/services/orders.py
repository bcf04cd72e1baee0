"""Sales execution orders (销售执行单) with shipments, and implementation orders (实施单) whose items become
tasks for implementation staff."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import InvalidStateError
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_date, clean_decimal, clean_text, field_error
from guanxi.core.models import AuditLog
from guanxi.core.numbering import number_next
from guanxi.core.services import audit_record, check_version, model_create, model_update, notify
from guanxi.org.models import User
from guanxi.org.policies import ensure_in_scope, get_scoped_or_404, has_permission, require_permission

from ..models import (
    Contract,
    ExecutionOrder,
    ExecutionOrderLine,
    ImplementationItem,
    ImplementationOrder,
    Product,
    Shipment,
    ShipmentLine,
)
from ._common import QUANTITY_MAX, ensure_unlocked

ORDERABLE = (Contract.Status.APPROVED, Contract.Status.SIGNED, Contract.Status.IN_EXECUTION)
PEOPLE = ("shipping_users", "collection_users", "implementation_users")


def users_with_role(code: str, *, department_id: int | None = None) -> list[User]:
    qs = User.objects.filter(is_active=True, roles__code=code).distinct().order_by("pk")
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    return list(qs)


def default_people(actor: User) -> dict[str, list[User]]:
    """Who an execution order notifies unless the issuer picks others: the business managers of the issuer's
    department ship, finance collects, the implementation role implements."""
    return {
        "shipping_users": users_with_role("business_manager", department_id=actor.department_id)
        or users_with_role("business_manager"),
        "collection_users": users_with_role("finance"),
        "implementation_users": users_with_role("implementation"),
    }


def _contract_for_order(actor: User, contract: Contract) -> Contract:
    row = get_scoped_or_404(actor, Contract.objects.select_related("customer", "quote"), contract.pk, "view")
    if row.status not in ORDERABLE:
        raise field_error("contract", _("Only an approved or signed contract can get an order."))
    return row


def _order_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not lines:
        raise field_error("lines", _("Add at least one product line."))
    out = []
    for i, line in enumerate(lines, start=1):
        product = line.get("product")
        if not isinstance(product, Product):
            raise field_error("lines", _("Line %(n)s: choose a product from the catalogue.") % {"n": i})
        quantity = clean_decimal(line.get("quantity"), "lines", low=Decimal("0.01"), high=QUANTITY_MAX)
        description = clean_text(line.get("description") or product.name, "lines", max_length=300)
        out.append({"position": i, "product": product, "unit": product.unit, "quantity": quantity,
                    "description": description})  # fmt: skip
    return out


def execution_order_create(
    *,
    actor: User,
    contract: Contract,
    lines: list[dict[str, Any]] | None = None,
    people: dict[str, list[User]] | None = None,
    data: dict[str, Any] | None = None,
) -> ExecutionOrder:
    """A draft execution order for an approved or signed contract; lines default to the contract's quote lines,
    the people to notify to default_people."""
    require_permission(actor, "orders.create")
    data = dict(data or {})
    with transaction.atomic():
        contract = _contract_for_order(actor, contract)
        if lines is None:
            lines = [{"product": ln.product, "quantity": ln.quantity, "description": ln.description}
                     for ln in (contract.quote.lines.select_related("product") if contract.quote else [])]  # fmt: skip
        line_values = _order_lines(lines)
        chosen = {**default_people(actor), **(people or {})}
        order = model_create(
            instance=ExecutionOrder(
                number=number_next("execution_order"),
                contract=contract,
                customer=contract.customer,
                owner=actor,
                department=actor.department,
                delivery_address=clean_text(
                    data.get("delivery_address") or contract.customer.address, "delivery_address", max_length=300
                ),  # fmt: skip
                required_by=clean_date(data.get("required_by"), "required_by", required=False),
                note=clean_text(data.get("note"), "note", max_length=5000, multiline=True),
            ),
            actor=actor,
            m2m={k: chosen.get(k, []) for k in PEOPLE},
        )
        ExecutionOrderLine.objects.bulk_create([ExecutionOrderLine(order=order, **ln) for ln in line_values])
        ensure_in_scope(actor, order, "view")
    return order


def _order_for_write(
    actor: User, order: ExecutionOrder, action: str = "edit", *, shipper: bool = False
) -> ExecutionOrder:
    """The order locked for a write in the actor's scope; with shipper=True also for a user the order names to ship
    (the issuer may pick business managers outside their own reach), who still needs orders.<action>."""
    qs = ExecutionOrder.objects.select_for_update(of=("self",)).select_related("contract", "customer")
    if shipper and has_permission(actor, f"orders.{action}") and qs.filter(pk=order.pk, shipping_users=actor).exists():
        return qs.get(pk=order.pk)
    return get_scoped_or_404(actor, qs, order.pk, action)


def _issue(actor: User | None, order: ExecutionOrder) -> None:
    """Open the order and tell the shipping, collection and implementation people."""
    model_update(instance=order, data={"status": ExecutionOrder.Status.OPEN, "issued_at": timezone.now()}, actor=actor)
    url = reverse("commerce:execution_order_detail", args=[order.pk])
    jobs = {
        "shipping_users": Message(gettext_noop("ship")),
        "collection_users": Message(gettext_noop("collect payment")),
        "implementation_users": Message(gettext_noop("implement")),
    }
    for attr, job in jobs.items():
        for user in getattr(order, attr).all():
            notify(
                recipient=user,
                kind="execution_order_issued",
                title=Message(
                    gettext_noop("Execution order %(number)s: please %(job)s"), {"number": order.number, "job": job}
                ),
                body=Message(
                    gettext_noop("Customer %(customer)s, contract %(contract)s"),
                    {"customer": order.customer, "contract": order.contract.number},
                ),
                url=url,
                dedupe_key=f"execution_order:{order.pk}:{attr}",
            )
    contract = order.contract
    if contract.status == Contract.Status.SIGNED:
        model_update(instance=contract, data={"status": Contract.Status.IN_EXECUTION}, actor=actor)


def execution_order_issue(*, actor: User, order: ExecutionOrder) -> ExecutionOrder:
    """Issue a draft directly (business staff), notifying the people on it."""
    with transaction.atomic():
        row = _order_for_write(actor, order)
        ensure_unlocked(row)
        if row.status != ExecutionOrder.Status.DRAFT:
            raise InvalidStateError(_("Only a draft order can be issued."))
        _issue(actor, row)
    return row


def execution_order_submit(*, actor: User, order: ExecutionOrder) -> ExecutionOrder:
    """Route a draft through the "execution_order" approval; it is issued when approved."""
    from guanxi.approvals.services import approval_submit

    with transaction.atomic():
        row = _order_for_write(actor, order)
        ensure_unlocked(row)
        if row.status != ExecutionOrder.Status.DRAFT:
            raise InvalidStateError(_("Only a draft order can be submitted for approval."))
        row, _changes = model_update(instance=row, data={"status": ExecutionOrder.Status.IN_APPROVAL}, actor=actor)
        approval_submit(
            actor=actor,
            document=row,
            kind="execution_order",
            facts={"amount": row.contract.amount, "department_id": row.department_id},
            title=_("Execution order %(number)s · %(customer)s") % {"number": row.number, "customer": row.customer},
            amount=row.contract.amount,
        )
    return row


def execution_order_on_decided(
    *, document: ExecutionOrder, outcome: str, actor: User | None, comment: str = ""
) -> None:
    row = (
        ExecutionOrder.objects.select_for_update(of=("self",))
        .select_related("contract", "customer")
        .get(pk=document.pk)
    )
    if row.status != ExecutionOrder.Status.IN_APPROVAL:
        return
    if outcome == "approved":
        _issue(actor, row)
    else:
        model_update(instance=row, data={"status": ExecutionOrder.Status.DRAFT}, actor=actor)


def shipment_record(
    *,
    actor: User,
    order: ExecutionOrder,
    shipped_on: dt.date | None,
    quantities: dict[int, Any],
    carrier: str = "",
    note: str = "",
) -> Shipment:
    """Record a delivery: quantity per order line id, never more than is left to ship."""
    day = clean_date(shipped_on, "shipped_on")
    assert day is not None  # required
    with transaction.atomic():
        row = _order_for_write(actor, order, shipper=True)
        if row.status not in (ExecutionOrder.Status.OPEN, ExecutionOrder.Status.PARTIALLY_SHIPPED):
            raise InvalidStateError(_("Only an issued order that is not fully shipped can ship."))
        lines = {ln.pk: ln for ln in row.lines.select_for_update(of=("self",))}
        wanted: list[tuple[ExecutionOrderLine, Decimal]] = []
        for line_id, raw in quantities.items():
            line = lines.get(int(line_id))
            if line is None:
                raise field_error("lines", _("Line %(id)s is not on this order.") % {"id": line_id})
            if raw in (None, "", 0, "0"):
                continue
            qty = clean_decimal(raw, "lines", low=Decimal("0.01"), high=QUANTITY_MAX)
            if qty > line.remaining:
                raise field_error(
                    "lines",
                    _("%(product)s: only %(left)s %(unit)s left to ship.")
                    % {"product": line.description, "left": f"{line.remaining.normalize():f}", "unit": line.unit},
                )
            wanted.append((line, qty))
        if not wanted:
            raise field_error("lines", _("Enter a shipped quantity for at least one line."))
        shipment = Shipment.objects.create(
            order=row,
            shipped_on=day,
            carrier=clean_text(carrier, "carrier", max_length=200),
            note=clean_text(note, "note", max_length=300),
            created_by=actor,
        )
        for line, qty in wanted:
            ShipmentLine.objects.create(shipment=shipment, order_line=line, quantity=qty)
            ExecutionOrderLine.objects.filter(pk=line.pk).update(shipped_quantity=F("shipped_quantity") + qty)
        all_done = not any(ln.quantity > ln.shipped_quantity for ln in ExecutionOrderLine.objects.filter(order=row))
        status = ExecutionOrder.Status.SHIPPED if all_done else ExecutionOrder.Status.PARTIALLY_SHIPPED
        model_update(instance=row, data={"status": status}, actor=actor, audit=False)
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=row,
            changes={"status": [None, status], "shipment": [None, {ln.description: str(q) for ln, q in wanted}]},
            message=Message(gettext_noop("Shipment on %(date)s"), {"date": day.isoformat()}),
        )
    return shipment


def execution_order_close(*, actor: User, order: ExecutionOrder) -> ExecutionOrder:
    with transaction.atomic():
        row = _order_for_write(actor, order)
        if row.status in (ExecutionOrder.Status.DRAFT, ExecutionOrder.Status.IN_APPROVAL, ExecutionOrder.Status.CLOSED):
            raise InvalidStateError(_("Only an issued order can be closed."))
        row, _changes = model_update(instance=row, data={"status": ExecutionOrder.Status.CLOSED}, actor=actor)
    return row


# --- implementation orders (实施单) ----------------------------------------------------------------------
def implementation_order_create(
    *,
    actor: User,
    contract: Contract,
    items: list[dict[str, Any]],
    data: dict[str, Any] | None = None,
) -> ImplementationOrder:
    """An implementation order from a contract: notifies the implementation department (users with the
    "implementation" role) and turns each item into a task for its assignee (on their "my day" and the
    customer's page)."""
    require_permission(actor, "implementation.create")
    data = dict(data or {})
    if not items:
        raise field_error("items", _("Add at least one item."))
    with transaction.atomic():
        contract = _contract_for_order(actor, contract)
        staff = users_with_role("implementation")
        impl_dept = data.get("implementation_department") or (staff[0].department if staff else None)
        cleaned = _clean_items(items)
        order = model_create(
            instance=ImplementationOrder(
                number=number_next("implementation_order"),
                title=clean_text(
                    data.get("title") or _("Implementation of %(contract)s") % {"contract": contract.number},
                    "title",
                    max_length=200,
                ),  # fmt: skip
                contract=contract,
                customer=contract.customer,
                owner=actor,
                department=actor.department,
                implementation_department=impl_dept,
                starts_on=clean_date(data.get("starts_on"), "starts_on", required=False),
                due_on=clean_date(data.get("due_on"), "due_on", required=False),
                note=clean_text(data.get("note"), "note", max_length=5000, multiline=True),
            ),
            actor=actor,
            m2m={"assignees": list({c["assignee"].pk: c["assignee"] for c in cleaned}.values())},
        )
        _items_as_tasks(actor, order, cleaned)
        _tell_implementation_staff(staff, order)
    return order


def _clean_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    for i, item in enumerate(items, start=1):
        assignee = item.get("assignee")
        if not isinstance(assignee, User) or not assignee.is_active:
            raise field_error("items", _("Item %(n)s: choose who does it.") % {"n": i})
        due = clean_date(item.get("due_on"), "items")
        title = clean_text(item.get("title"), "items", max_length=200, required=True)
        cleaned.append({"position": i, "title": title, "assignee": assignee, "due_on": due})
    return cleaned


def _items_as_tasks(actor: User, order: ImplementationOrder, cleaned: list[dict[str, Any]]) -> None:
    """Each item becomes a task of its assignee, due at 18:00 on its day (their "my day", the customer's page)."""
    from guanxi.customers.services import task_create

    tz = timezone.get_current_timezone()
    for c in cleaned:
        task = task_create(
            actor=actor,
            assignee=c["assignee"],
            data={
                "title": f"[{order.number}] {c['title']}"[:200],
                "description": _("Implementation order %(number)s for %(customer)s")
                % {"number": order.number, "customer": order.customer},
                "due_at": dt.datetime.combine(c["due_on"], dt.time(18, 0), tzinfo=tz),
                "customer": order.customer,
            },
        )
        ImplementationItem.objects.create(order=order, task=task, **c)


def _tell_implementation_staff(staff: list[User], order: ImplementationOrder) -> None:
    url = reverse("commerce:implementation_order_detail", args=[order.pk])
    for user in staff:
        notify(
            recipient=user,
            kind="implementation_order_issued",
            title=Message(gettext_noop("New implementation order %(number)s"), {"number": order.number}),
            body=Message(
                gettext_noop("Customer %(customer)s, contract %(contract)s"),
                {"customer": order.customer, "contract": order.contract.number},
            ),
            url=url,
            dedupe_key=f"implementation_order:{order.pk}",
        )


def implementation_order_set_status(
    *, actor: User, order: ImplementationOrder, status: str, expected_version: int | None = None
) -> ImplementationOrder:
    """Open, completed or cancelled (the order's page and the list's status cell); with `expected_version` only
    if nobody changed the order since (412)."""
    if status not in ImplementationOrder.Status.values:
        raise field_error("status", _("Choose a valid status."))
    with transaction.atomic():
        row = get_scoped_or_404(actor, ImplementationOrder.objects.select_for_update(of=("self",)), order.pk, "edit")
        check_version(row, expected_version)
        row, _changes = model_update(
            instance=row, data={"status": status}, actor=actor, expected_version=expected_version
        )
    return row
