"""The writes (POST) that act on a bundle's record, as data: who may do them, and the body that would work.

* `record` — the kind of record the write acts on (its pk in the URL, or in the body for bulk actions).
* `perm` — the permission whose data scope decides ("module.action"); `allowed` instead, for the writes
  decided by a relation to the record (the current approver, the applicant, the owner…).
* `body` — (world, bundle) → the POST body that works for someone allowed; `form` instead takes the fields of
  the page's own form (as the administrator sees it) and changes `changes` in them.
* `creates` — "app_label.Model" whose rows about the bundle's customer the write would add.

A denied write must change nothing: the record is unchanged, no row was added, and no audit row was written.
`test_writes_*` checks each denied (role, bundle) pair, and once per write that the body works for the
administrator on their own bundle (so a refusal is the permission's doing, not a malformed body's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from .world import OWN, PARTICIPANT, Bundle, World, grants

Body = Callable[[World, Bundle], dict[str, Any]]


@dataclass(frozen=True)
class Write:
    name: str
    record: str
    perm: str | None = None
    allowed: Callable[[World, str, str], bool] | None = None
    body: Body | None = None
    form: str | None = None  # the URL name of the page whose form this write posts (pk of the same record)
    changes: dict[str, Any] = field(default_factory=dict)
    url_kwargs: dict[str, str] = field(default_factory=dict)
    in_body: str | None = None  # the record's pk goes in the body under this name, not in the URL
    # ("app_label.Model", lookup of the bundle's customer): rows the write would add
    creates: tuple[str, str] | None = None
    # how a refusal answers: 403/404, or a bulk action's redirect that reports the rows it skipped
    refused_with: tuple[int, ...] = (403, 404)
    control: bool = True  # whether someone may do it on some bundle (a claim from the pool never applies)

    @property
    def id(self) -> str:
        extra = "-".join(self.url_kwargs.values())
        return f"{self.name}{'-' + extra if extra else ''}"


class _Forms(HTMLParser):
    """The fields of every <form> of a page: [(action, {name: [values]})]."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._first_option: str | None = None
        self._chosen = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((a.get("action", ""), {}))
        if not self.forms:
            return
        fields = self.forms[-1][1]
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            fields.setdefault(name, []).append(a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select, self._first_option, self._chosen = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                fields.setdefault(self._select, []).append(value)
                self._chosen = True
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1][1][self._textarea][0] += data


def form_fields(html: str, action: str) -> dict[str, Any]:
    """The fields of the page's form that posts to `action` (or to the page itself)."""
    parser = _Forms()
    parser.feed(html)
    candidates = [f for a, f in parser.forms if a in (action, "")] or [f for _a, f in parser.forms]
    best = max(candidates, key=len)
    return {k: v if len(v) > 1 else v[0] for k, v in best.items()}


def _pk(kind: str) -> Body:
    return lambda w, b: {}


def _ids(kind: str, **extra: Any) -> Body:
    def body(w: World, b: Bundle) -> dict[str, Any]:
        return {"ids": [str(b.records[kind].pk)], **{k: v(w, b) if callable(v) else v for k, v in extra.items()}}

    return body


def _colleague(w: World, b: Bundle) -> str:
    return str(w.people["colleague"].pk)


def _version(kind: str, **extra: Any) -> Body:
    def body(w: World, b: Bundle) -> dict[str, Any]:
        record = b.records[kind]
        record.refresh_from_db()
        return {"version": str(record.version), **{k: v(w, b) if callable(v) else v for k, v in extra.items()}}

    return body


def _lost_reason(w: World, b: Bundle) -> str:
    from guanxi.sales.models import LostReason

    return str(LostReason.objects.order_by("pk").values_list("pk", flat=True).first())


def _when() -> str:
    return (dt.datetime(2026, 12, 1, 10, 0)).strftime("%Y-%m-%dT%H:%M")


# --- who may do the writes decided by a relation ---------------------------------------------------
def _current_approver(w: World, role: str, relation: str) -> bool:
    return relation == PARTICIPANT  # every reader approves the participant bundle's quote (会签)


def _applicant(w: World, role: str, relation: str) -> bool:
    return relation == OWN


def _return_to_pool(w: World, role: str, relation: str) -> bool:
    # the owner gives a customer back to the public pool; a manager may release any in reach
    return w.sees(role, "cus", relation) and (relation == OWN or w.may(role, "customers.assign", "cus", relation))


def _never(w: World, role: str, relation: str) -> bool:
    return False


def _ships(w: World, role: str, relation: str) -> bool:
    # the order's own people (edit scope) or a shipper the order names
    return relation == PARTICIPANT or w.may(role, "orders.edit", "eor", relation)


def _on_customer(perm: str) -> Callable[[World, str, str], bool]:
    """Create something about a customer: the module's permission, and the customer in reach."""

    def allowed(w: World, role: str, relation: str) -> bool:
        return perm in grants(role) and w.sees(role, "cus", relation)

    return allowed


def _on_opportunity(perm: str) -> Callable[[World, str, str], bool]:
    def allowed(w: World, role: str, relation: str) -> bool:
        return perm in grants(role) and w.sees(role, "opp", relation)

    return allowed


def _comment(w: World, b: Bundle) -> dict[str, Any]:
    return {"comment": "意见"}


_DECISIONS = ("approvals.ApprovalAction", "request__customer_id")

WRITES: list[Write] = [
    # --- customers ----------------------------------------------------------------------------------
    Write("customers:edit", "cus", "customers.edit", form="customers:edit", changes={"remarks": "harness"}),
    Write(
        "lists:inline",
        "cus",
        "customers.edit",
        url_kwargs={"key": "customers", "column": "next_follow_up"},
        body=_version("cus", value="2026-12-24"),
    ),
    Write(
        "lists:inline",
        "cus",
        "customers.assign",
        url_kwargs={"key": "customers", "column": "owner"},
        body=_version("cus", value=_colleague),
    ),
    Write("customers:delete", "cus", "customers.delete", body=_pk("cus")),
    Write("customers:transfer", "cus", "customers.assign", body=lambda w, b: {"owner": _colleague(w, b)}),
    Write(
        "lists:bulk",
        "cus",
        "customers.assign",
        url_kwargs={"key": "customers", "action": "transfer"},
        body=_ids("cus", owner=_colleague),
        in_body="ids",
        refused_with=(302, 403),
    ),
    Write(
        "lists:bulk",
        "cus",
        "customers.delete",
        url_kwargs={"key": "customers", "action": "delete"},
        body=_ids("cus"),
        in_body="ids",
        refused_with=(302, 403),
    ),
    Write(
        "lists:bulk",
        "cus",
        allowed=_return_to_pool,
        url_kwargs={"key": "customers", "action": "pool"},
        body=_ids("cus", reason="无意向"),
        in_body="ids",
        refused_with=(302, 403),
    ),
    Write(
        "lists:bulk",
        "cus",
        "customers.edit",
        url_kwargs={"key": "customers", "action": "edit"},
        body=_ids("cus", field="level", value="A"),
        in_body="ids",
        refused_with=(302, 403),
    ),
    Write("pool:return", "cus", allowed=_return_to_pool, body=lambda w, b: {"reason": "无意向"}),
    # (the bundles' customers are owned, not in the public pool: claiming one must not take it)
    Write("pool:claim", "cus", allowed=_never, body=_ids("cus"), in_body="ids", refused_with=(302,), control=False),
    Write(
        "lists:bulk",
        "cus",
        allowed=_never,
        url_kwargs={"key": "pool", "action": "claim"},
        body=_ids("cus"),
        in_body="ids",
        refused_with=(302, 403),
        control=False,
    ),
    Write(
        "customers:follow_up_create",
        "cus",
        allowed=_on_customer("followups.create"),
        body=lambda w, b: {"content": "harness 回访", "method": "phone", "occurred_at": _when()},
        creates=("customers.FollowUp", "customer_id"),
    ),
    Write(
        "customers:contact_create",
        "cus",
        allowed=_on_customer("contacts.create"),
        body=lambda w, b: {"name": "新联系人", "mobile": "13900001111"},
        creates=("customers.Contact", "customer_id"),
    ),
    Write(
        "customers:task_create",
        "cus",
        allowed=_on_customer("tasks.create"),
        body=lambda w, b: {"title": "harness 任务", "due_at": _when(), "customer": str(b.records["cus"].pk)},
        in_body="customer",
        creates=("customers.Task", "customer_id"),
        refused_with=(200, 403),  # the form again with the customer field in error; 403 without tasks.create
    ),
    Write("customers:contact_edit", "con", "contacts.edit", form="customers:contact_edit", changes={"title": "经理"}),
    Write("customers:contact_delete", "con", "contacts.delete", body=_pk("con")),
    Write(
        "customers:follow_up_edit",
        "fup",
        "followups.edit",
        form="customers:follow_up_edit",
        changes={"result": "harness"},
    ),
    Write("customers:follow_up_delete", "fup", "followups.delete", body=_pk("fup")),
    Write("customers:task_done", "tsk", "tasks.edit", body=lambda w, b: {"done": "1"}),
    # --- sales --------------------------------------------------------------------------------------
    Write("sales:lead_edit", "led", "leads.edit", form="sales:lead_edit", changes={"need": "harness"}),
    Write("sales:lead_assign", "led", "leads.assign", body=lambda w, b: {"assignee": _colleague(w, b)}),
    Write(
        "lists:bulk",
        "led",
        "leads.assign",
        url_kwargs={"key": "leads", "action": "assign"},
        body=_ids("led", assignee=_colleague),
        in_body="ids",
        refused_with=(302, 403),
    ),
    Write(
        "lists:bulk",
        "led",
        "leads.delete",
        url_kwargs={"key": "leads", "action": "delete"},
        body=_ids("led"),
        in_body="ids",
        refused_with=(302, 403),
    ),
    Write(
        "lists:inline",
        "led",
        "leads.assign",
        url_kwargs={"key": "leads", "column": "owner"},
        body=_version("led", value=_colleague),
    ),
    Write("sales:lead_lose", "led", "leads.edit", body=lambda w, b: {"reason": "无预算"}),
    Write("sales:lead_delete", "led", "leads.delete", body=_pk("led")),
    Write(
        "sales:opportunity_edit",
        "opp",
        "opportunities.edit",
        form="sales:opportunity_edit",
        changes={"next_step": "harness", "line-description": None, "line-quantity": None, "line-unit_price": None},
    ),
    Write("sales:opportunity_lose", "opp", "opportunities.edit", body=_version("opp", lost_reason=_lost_reason)),
    Write("sales:opportunity_win", "opp", "opportunities.edit", body=_version("opp", note="harness")),
    Write("sales:opportunity_delete", "opp", "opportunities.delete", body=_pk("opp")),
    Write(
        "lists:bulk",
        "opp",
        "opportunities.assign",
        url_kwargs={"key": "opportunities", "action": "transfer"},
        body=_ids("opp", owner=_colleague),
        in_body="ids",
        refused_with=(302, 403),
    ),
    Write(
        "lists:bulk",
        "opp",
        "opportunities.delete",
        url_kwargs={"key": "opportunities", "action": "delete"},
        body=_ids("opp"),
        in_body="ids",
        refused_with=(302, 403),
    ),
    Write(
        "lists:inline",
        "opp",
        "opportunities.edit",
        url_kwargs={"key": "opportunities", "column": "close"},
        body=_version("opp", value="2027-01-15"),
    ),
    Write(
        "lists:inline",
        "opp",
        "opportunities.assign",
        url_kwargs={"key": "opportunities", "column": "owner"},
        body=_version("opp", value=_colleague),
    ),
    Write(
        "sales:opportunity_follow_up",
        "opp",
        allowed=_on_opportunity("followups.create"),
        body=lambda w, b: {"content": "harness 商机回访", "method": "phone", "occurred_at": _when()},
        creates=("customers.FollowUp", "customer_id"),
    ),
    # --- commerce -----------------------------------------------------------------------------------
    Write(
        "commerce:contract_transition",
        "ctr",
        "contracts.edit",
        url_kwargs={"action": "terminate"},
        body=lambda w, b: {"reason": "harness"},
    ),
    Write(
        "commerce:execution_order_action",
        "eor",
        "orders.edit",
        url_kwargs={"action": "submit"},
        body=_pk("eor"),
    ),
    Write(
        "commerce:implementation_order_status",
        "imp",
        "implementation.edit",
        body=lambda w, b: {"status": "cancelled"},
    ),
    Write(
        "lists:bulk",
        "ctr",
        "contracts.edit",
        url_kwargs={"key": "contracts", "action": "transfer"},
        body=_ids("ctr", owner=_colleague),
        in_body="ids",
        refused_with=(302, 403),
    ),
    Write(
        "lists:inline",
        "ctr",
        "contracts.edit",
        url_kwargs={"key": "contracts", "column": "owner"},
        body=_version("ctr", value=_colleague),
    ),
    Write(
        "lists:inline",
        "imp",
        "implementation.edit",
        url_kwargs={"key": "implementation_orders", "column": "status"},
        body=_version("imp", value="cancelled"),
    ),
    # --- billing ------------------------------------------------------------------------------------
    # whoever may see the contract may ask its money recorders (a notification; the audit row is the change)
    Write("billing:money_ask", "ctr", "contracts.view", body=lambda w, b: {"note": "请登记首款"}),
    Write(
        "billing:payment_create",
        "ctr",
        "payments.create",
        body=lambda w, b: {"received_on": "2026-11-02", "amount": "10.00", "method": "bank_transfer"},
        creates=("billing.Payment", "contract__customer_id"),
    ),
    Write(
        "billing:invoice_create",
        "ctr",
        "invoices.create",
        body=lambda w, b: {
            "number": f"FP{b.token}",
            "issued_on": "2026-11-02",
            "amount": "113.00",
            "tax_rate": "0.13",
            "kind": "ordinary",
            "buyer_title": "测试",
        },
        creates=("billing.Invoice", "contract__customer_id"),
    ),
    Write("billing:payment_reverse", "pay", "payments.edit", body=lambda w, b: {"reason": "harness"}),
    Write("billing:invoice_void", "inv", "invoices.edit", body=lambda w, b: {"reason": "harness"}),
    Write("billing:expense_delete", "exp", "expenses.edit", body=_pk("exp")),
    Write("billing:expense_submit", "exp", "expenses.edit", body=_pk("exp")),
    # --- approvals ----------------------------------------------------------------------------------
    Write("approvals:approve", "apr", allowed=_current_approver, body=_comment, creates=_DECISIONS),
    Write("approvals:reject", "apr", allowed=_current_approver, body=_comment, creates=_DECISIONS),
    Write("approvals:return", "apr", allowed=_current_approver, body=_comment, creates=_DECISIONS),
    Write("approvals:withdraw", "apr", allowed=_applicant, body=_comment, creates=_DECISIONS),
    # --- marketing ----------------------------------------------------------------------------------
    Write(
        "marketing:consent_set",
        "con",
        "contacts.edit",
        body=lambda w, b: {"channel": "email", "status": "out", "source": "verbal"},
        creates=("marketing.Consent", "contact__customer_id"),
    ),
    # --- service ------------------------------------------------------------------------------------
    Write("service:asset_edit", "ast", "assets.edit", form="service:asset_edit", changes={"notes": "harness"}),
    Write("service:asset_delete", "ast", "assets.delete", body=_version("ast")),
    Write(
        "lists:bulk",
        "ast",
        "assets.delete",
        url_kwargs={"key": "assets", "action": "delete"},
        body=_ids("ast"),
        in_body="ids",
        refused_with=(302, 403),
    ),
    Write("service:ticket_edit", "tkt", "tickets.edit", form="service:ticket_edit", changes={"description": "harness"}),
    Write("service:ticket_action", "tkt", "tickets.edit", url_kwargs={"action": "start"}, body=_pk("tkt")),
    Write("service:ticket_note", "tkt", "tickets.edit", body=lambda w, b: {"text": "harness 回访"}),
    Write(
        "service:ticket_assign",
        "tkt",
        "tickets.assign",
        body=lambda w, b: {"owner": str(w.readers["service_manager"].pk)},
    ),
    Write(
        "service:renewal_action",
        "rnw",
        "assets.edit",
        url_kwargs={"action": "decide"},
        body=lambda w, b: {"status": "renewing"},
    ),  # fmt: skip
]


# Real estate's writes on a bundle's trade, read by test_pages_realestate.py (the app switched on), not test_writes.py.
RE_WRITES: list[Write] = [
    Write(
        "realestate:trade_action",
        "trd",
        "re_sales.cancel",
        url_kwargs={"action": "cancel"},
        body=lambda w, b: {"reason": "授权测试"},
    ),
    Write(
        "realestate:trade_action",
        "trd",
        "re_collections.create",
        url_kwargs={"action": "receive"},
        body=lambda w, b: {"amount": "500", "kind": "advance"},
        creates=("realestate.Receipt", "trade__customer"),
    ),
]
