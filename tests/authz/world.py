"""The authorisation harness's world: one reader per default role, and one bundle of records per relation.

A bundle is everything a CRM holds about one customer, all owned by one person: the customer, a contact, a
follow-up, a task, an opportunity, a quote in approval, a signed contract with its instalment, invoice and
payment, an execution order, an implementation order, an expense claim, and (beside them) a lead. Every record
carries a marker text nobody else carries, so a page's HTML says exactly which records it shows.

Relations (how the reader stands to a bundle):

* own — the reader owns it (one bundle per reader);
* same_dept — a sales rep of the reader's department owns it;
* other_dept — a sales rep of another department owns it;
* partner — a user of the agent (a partner organisation) in the reader's department owns it;
* participant — another department's rep owns it, and the reader works on it: collaborator (协作人) on the
  customer and the opportunity, approver of the quote, named on the execution order, on the implementation
  order's staff. Its lead has no owner (the owner-less lead rule).

What each role may see of each kind of record is written out in `expected_visible`: the grants come from the
default roles (org/roles.py: the requirement documents' roles as data); how far each data scope reaches, and
the extra rules (collaborators, approvers, named people, owner-less leads, implementation staff), are written
out here by hand — not derived from the code under test.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

OWN, SAME_DEPT, OTHER_DEPT, PARTNER, PARTICIPANT = "own", "same_dept", "other_dept", "partner", "participant"
RELATIONS = (OWN, SAME_DEPT, OTHER_DEPT, PARTNER, PARTICIPANT)
_REL_CODE = {OWN: "own", SAME_DEPT: "sam", OTHER_DEPT: "oth", PARTNER: "par", PARTICIPANT: "prt"}

NO_ROLE = "no_role"


def role_codes() -> list[str]:
    from guanxi.org.roles import default_roles

    return [r["code"] for r in default_roles()] + [NO_ROLE]


# --- kinds of record: the module whose permission reads them, and the marker field -----------------------
@dataclass(frozen=True)
class Kind:
    code: str  # three letters, part of the marker
    module: str  # the permission module that reads it ("" = not a module: see expected_visible)
    label: str


KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind("cus", "customers", "customer"),
        Kind("con", "contacts", "contact"),
        Kind("fup", "followups", "follow-up"),
        Kind("tsk", "tasks", "task"),
        Kind("led", "leads", "lead"),
        Kind("opp", "opportunities", "opportunity"),
        Kind("quo", "quotes", "quote"),
        Kind("ctr", "contracts", "contract"),
        Kind("eor", "orders", "execution order"),
        Kind("imp", "implementation", "implementation order"),
        Kind("inv", "invoices", "invoice"),
        Kind("pay", "payments", "payment"),
        Kind("bal", "payments", "balance due of the contract"),
        Kind("exp", "expenses", "expense claim"),
        Kind("apr", "", "approval request"),
        Kind("ast", "assets", "customer asset"),
        Kind("tkt", "tickets", "ticket"),
        Kind("rnw", "assets", "renewal"),
        # real estate (world_realestate.py adds them where a module switches the app on)
        Kind("unt", "re_properties", "real-estate unit"),
        Kind("trd", "re_sales", "real-estate trade"),
        Kind("rcp", "re_collections", "real-estate receipt"),
    )
}


def marker(kind: str, relation: str, reader_index: int) -> str:
    """Fixed-width, lower-case ASCII, so no marker is part of another: "zqown03cus"."""
    return f"zq{_REL_CODE[relation]}{reader_index:02d}{kind}"


def bundle_token(relation: str, reader_index: int) -> str:
    """What every marker of one bundle starts with (a search for it finds the whole bundle)."""
    return f"zq{_REL_CODE[relation]}{reader_index:02d}"


# --- how far a data scope reaches (written by hand) ------------------------------------------------------
# The readers sit in the east department and manage nobody, so "own and subordinates'" reaches only their own;
# the partner bundle's owner sits in the east department too.
REACH = {
    "self": {OWN},
    "subordinates": {OWN},
    "department": {OWN, SAME_DEPT, PARTNER},
    "department_tree": {OWN, SAME_DEPT, PARTNER},
    "all": {OWN, SAME_DEPT, OTHER_DEPT, PARTNER},
}
# Modules whose records follow their collaborators (协作人): the customer's collaborators read the customer, its
# contacts and follow-ups; an opportunity's its collaborators; an implementation order's staff read the order.
# Customer assets and tickets follow their customer (owner and collaborators) like contacts; a ticket's owner (the
# agent it is assigned to) reads it too — in the bundles it is the bundle's owner, so that adds nothing here.
# Tasks follow their assignee only; quotes, contracts and money follow their owner.
COLLABORATIVE = {"customers", "contacts", "followups", "opportunities", "implementation", "assets", "tickets"}


@functools.cache
def grants(role: str) -> dict[str, str]:
    """{"module.action": scope} of a default role (every permission for the administrator)."""
    from guanxi.org.policies import all_permissions
    from guanxi.org.roles import default_roles

    for spec in default_roles():
        if spec["code"] == role:
            perms = all_permissions() if spec["permissions"] == "__all__" else spec["permissions"]
            return {p: str(spec["scope"]) for p in perms}
    return {}


def _reaches(scope: str, module: str, relation: str, *, partner_reader: bool) -> bool:
    if relation == PARTICIPANT:
        # another department's record: in reach of an "all" scope, or of a collaborator (协作人) wherever its
        # owner sits; a partner's user reaches neither (only records owned inside the partner)
        return (OTHER_DEPT in REACH[scope] or module in COLLABORATIVE) and not partner_reader
    reach = REACH[scope]
    if partner_reader:  # agents' users see only records owned inside their own organisation
        reach = reach & {OWN, PARTNER}
    return relation in reach


def expected_allowed(role: str, perm: str, kind: str, relation: str, *, partner_reader: bool = False) -> bool:
    """May a reader of `role` do `perm` ("module.action") on the record of `kind` in a bundle of `relation`?"""
    g = grants(role)
    module, _dot, action = perm.partition(".")
    if kind == "apr":
        # an approval request opens to its applicant, its approvers and administrators (org.admin)
        return relation in (OWN, PARTICIPANT) or "org.admin" in g
    if kind == "led" and relation == PARTICIPANT:
        # the participant bundle's lead has no owner: in reach of an "all" scope and of those who route leads
        # (leads.assign); never of a partner's user
        return perm in g and (g[perm] == "all" or "leads.assign" in g) and not partner_reader
    if kind == "imp" and module == "implementation" and "contracts.view" not in g:
        # implementation staff (who do not read contracts) work on the orders they own or have items on
        return perm in g and relation in (OWN, PARTICIPANT)
    if kind == "unt":
        # a unit has no owner: whoever reads the module sees the units of their projects (every reader works on
        # the harness's project); partners' users are not the sales office
        return perm in g and not partner_reader
    if kind == "rcp" and not expected_allowed(role, "re_sales.view", "trd", relation, partner_reader=partner_reader):
        return False  # receipts are those of the trades the reader sees
    if kind == "fup" and action in ("edit", "delete"):
        return perm in g and relation == OWN  # only its author changes a follow-up (REQUIREMENTS §11)
    if action == "view" and relation == PARTICIPANT and kind in ("quo", "eor"):
        # an approver reads the quote they decide; the people an execution order names (ship, collect,
        # implement) open it — with or without the module's permission
        return True
    scope = g.get(perm)
    return scope is not None and _reaches(scope, module, relation, partner_reader=partner_reader)


def expected_visible(role: str, kind: str, relation: str, *, partner_reader: bool = False) -> bool:
    """May a reader of `role` see the record of `kind` in a bundle of `relation` at all (on any page)?"""
    if kind == "apr":
        # that a document is in approval (the request's title) is part of the document: whoever may open the request
        # or see the quote it is about
        return expected_allowed(role, "approvals.view", kind, relation, partner_reader=partner_reader) or (
            expected_visible(role, "quo", relation, partner_reader=partner_reader)
        )
    return expected_allowed(role, f"{KINDS[kind].module}.view", kind, relation, partner_reader=partner_reader)


# --- the world ------------------------------------------------------------------------------------------
@dataclass
class Bundle:
    relation: str
    index: int  # the reader's index for own bundles, 0 for the shared ones
    owner: Any
    records: dict[str, Any] = field(default_factory=dict)

    money: dict[str, str] = field(default_factory=dict)

    def marker(self, kind: str) -> str:
        return marker(kind, self.relation, self.index)

    def texts(self, kind: str) -> tuple[str, ...]:
        """What on a page gives the record away: its marker, and for money the amount as pages print it."""
        if kind in ("bal", "pay"):  # as pages print it, and as a spreadsheet export writes it
            plain = self.money[kind].replace(",", "")
            return (self.money[kind], plain) if kind == "bal" else (self.marker(kind), self.money[kind], plain)
        return (self.marker(kind),)

    @property
    def token(self) -> str:
        return bundle_token(self.relation, self.index)


@dataclass
class World:
    readers: dict[str, Any]  # role → user
    index: dict[str, int]  # role → reader index (own bundle markers)
    shared: dict[str, Bundle]  # relation → bundle (same_dept, other_dept, partner, participant)
    own: dict[str, Bundle]  # role → the reader's own bundle
    people: dict[str, Any]
    clients: dict[str, Any] = field(default_factory=dict)  # role → a signed-in test client
    bodies: dict[Any, dict[str, Any]] = field(default_factory=dict)  # form bodies read once per module

    def bundle(self, role: str, relation: str) -> Bundle:
        return self.own[role] if relation == OWN else self.shared[relation]

    def is_partner(self, role: str) -> bool:
        return bool(self.readers[role].partner_org_id)

    def sees(self, role: str, kind: str, relation: str) -> bool:
        return expected_visible(role, kind, relation, partner_reader=self.is_partner(role))

    def may(self, role: str, perm: str, kind: str, relation: str) -> bool:
        return expected_allowed(role, perm, kind, relation, partner_reader=self.is_partner(role))

    def all_markers(self, role: str) -> dict[str, tuple[str, str]]:
        """{text: (kind, relation)} of everything in the reader's own bundle and the shared ones."""
        out = {}
        for relation in RELATIONS:
            b = self.bundle(role, relation)
            for kind in KINDS:
                for text in b.texts(kind):
                    out[text] = (kind, relation)
        return out


def money_text(amount: Decimal) -> str:
    """How pages print an amount (thousands separators, two decimals)."""
    return f"{amount:,.2f}"


def build_world() -> World:
    from guanxi.approvals.models import ApprovalRule, ApprovalRuleStep
    from guanxi.org.models import Department
    from guanxi.org.services import roles_ensure_defaults
    from guanxi.org.tests.factories import DepartmentFactory, PartnerOrganisationFactory, UserFactory

    roles_ensure_defaults()
    hq = DepartmentFactory(name="总部", kind=Department.Kind.HEADQUARTERS)
    east = DepartmentFactory(name="华东销售部", parent=hq)
    west = DepartmentFactory(name="华西销售部", parent=hq)
    agent = PartnerOrganisationFactory(name="上海某代理商")
    people = {
        "admin": UserFactory(username="az_admin", department=hq, roles=["administrator"]),
        "colleague": UserFactory(username="az_colleague", department=east, roles=["sales_rep"]),
        "west_rep": UserFactory(username="az_west_rep", department=west, roles=["sales_rep"]),
        "west_rep2": UserFactory(username="az_west_rep2", department=west, roles=["sales_rep"]),
        "agent_rep": UserFactory(username="az_agent_rep", department=east, partner_org=agent, roles=["channel_rep"]),
        "approver": UserFactory(username="az_approver", department=hq, roles=["department_manager"]),
    }
    for person in people.values():  # the expense route starts with the claimant's manager
        if person is not people["approver"]:
            person.manager = people["approver"]
            person.save(update_fields=["manager"])
    readers: dict[str, Any] = {}
    index: dict[str, int] = {}
    for i, role in enumerate(role_codes(), start=1):
        partner = agent if role == "channel_rep" else None  # channel reps are the agents' people
        readers[role] = UserFactory(
            username=f"az_{role}",
            department=east,
            partner_org=partner,
            manager=people["approver"],
            roles=[] if role == NO_ROLE else [role],
        )
        index[role] = i

    # Approval routes: the participant bundle's quote goes to every reader at once (会签); every other quote
    # to the approver (a department manager at headquarters who is no reader).
    ApprovalRule.objects.filter(kind="quote").update(is_active=False)
    everyone = ApprovalRule.objects.create(
        kind="quote",
        name="harness: every reader",
        priority=1,
        conditions=[{"fact": "amount", "op": "eq", "value": "4242"}],
    )
    step = ApprovalRuleStep.objects.create(rule=everyone, order=0, label="会签", approver_type="users", mode="all")
    step.users.set(list(readers.values()))
    others = ApprovalRule.objects.create(kind="quote", name="harness: approver", priority=2, conditions=[])
    step = ApprovalRuleStep.objects.create(rule=others, order=0, label="审批", approver_type="users", mode="any")
    step.users.set([people["approver"]])

    product = _product()
    shared = {
        SAME_DEPT: _bundle(SAME_DEPT, 0, people["colleague"], people, product),
        OTHER_DEPT: _bundle(OTHER_DEPT, 0, people["west_rep"], people, product),
        PARTNER: _bundle(PARTNER, 0, people["agent_rep"], people, product),
        PARTICIPANT: _bundle(PARTICIPANT, 0, people["west_rep2"], people, product, participants=list(readers.values())),
    }
    own = {role: _bundle(OWN, index[role], reader, people, product) for role, reader in readers.items()}
    return World(readers=readers, index=index, shared=shared, own=own, people=people)


def _product() -> Any:
    from guanxi.commerce.tests.factories import ProductFactory

    return ProductFactory(code="AZ-1", name="授权测试产品", list_price=Decimal("1000.00"), tax_rate=Decimal("0.13"))


def _bundle(
    relation: str, idx: int, owner: Any, people: dict[str, Any], product: Any, participants: list[Any] | None = None
) -> Bundle:
    """Every kind of record about one customer, owned by `owner`, each named by its marker."""
    from guanxi.approvals.services import approval_submit
    from guanxi.billing.models import ExpenseClaim, ExpenseLine, Instalment, Invoice, Payment
    from guanxi.commerce.models import Contract, ExecutionOrder, ImplementationItem, ImplementationOrder, Quote
    from guanxi.commerce.services import quote_create
    from guanxi.core.search import build_search_text
    from guanxi.customers.tests.factories import ContactFactory, CustomerFactory, FollowUpFactory, TaskFactory
    from guanxi.sales.models import Lead, Opportunity
    from guanxi.sales.opportunities.services import opportunity_create
    from guanxi.sales.tests.factories import LeadFactory
    from guanxi.service.models import Asset, Renewal, Ticket

    b = Bundle(relation=relation, index=idx, owner=owner)
    admin = people["admin"]
    dept = owner.department
    r = b.records
    m = b.marker
    r["cus"] = CustomerFactory(name=f"{m('cus')}有限公司", owner=owner)
    r["con"] = ContactFactory(customer=r["cus"], name=m("con"))
    r["fup"] = FollowUpFactory(customer=r["cus"], author=owner, content=f"{m('fup')} 电话沟通需求")
    r["tsk"] = TaskFactory(title=m("tsk"), assignee=owner, customer=r["cus"], created_by=owner)
    lead_owner = None if relation == PARTICIPANT else owner
    r["led"] = LeadFactory(
        company_name=f"{m('led')}公司",
        owner=lead_owner,
        created_by=owner,
        status=Lead.Status.VALID if lead_owner is None else Lead.Status.ASSIGNED,
        search_text=build_search_text(names=[f"{m('led')}公司"], phones=[]),
    )
    opp = opportunity_create(actor=admin, customer=r["cus"], data={"name": m("opp"), "amount": "50000"})
    Opportunity.objects.filter(pk=opp.pk).update(owner=owner, department=dept)
    r["opp"] = Opportunity.objects.get(pk=opp.pk)
    quote = quote_create(
        actor=admin,
        customer=r["cus"],
        data={"title": m("quo")},
        lines=[{"product": product, "quantity": Decimal("1"), "discount": Decimal("1")}],
    )
    Quote.objects.filter(pk=quote.pk).update(owner=owner, department=dept, opportunity=r["opp"])
    r["quo"] = Quote.objects.get(pk=quote.pk)
    amount = Decimal("200000.00")
    r["ctr"] = Contract.objects.create(
        number=f"HT-AZ-{_REL_CODE[relation]}{idx:02d}",
        title=m("ctr"),
        customer=r["cus"],
        owner=owner,
        department=dept,
        opportunity=r["opp"],
        status=Contract.Status.SIGNED,
        amount=amount,
        signed_on=dt.date(2026, 10, 1),
        created_by=owner,
    )
    contract = r["ctr"]
    r["ins"] = Instalment.objects.create(contract=contract, sequence=1, due_date=dt.date(2026, 11, 1), amount=amount)
    r["inv"] = Invoice.objects.create(
        contract=contract,
        number=m("inv"),
        issued_on=dt.date(2026, 10, 15),
        amount=Decimal("113000.00"),
        tax_amount=Decimal("13000.00"),
        net_amount=Decimal("100000.00"),
        buyer_title=r["cus"].name,
        created_by=owner,
    )
    # A payment whose amount (and so the contract's balance due) no other bundle has.
    paid = Decimal("70000.00") + Decimal(list(_REL_CODE).index(relation) * 100 + idx) + Decimal("0.37")
    r["pay"] = Payment.objects.create(
        contract=contract,
        received_on=dt.date(2026, 10, 20),
        amount=paid,
        handler=owner,
        note=m("pay"),
        created_by=owner,
    )
    Instalment.objects.filter(pk=r["ins"].pk).update(paid=paid)
    b.money = {"pay": money_text(paid), "bal": money_text(amount - paid)}
    r["bal"] = contract
    r["eor"] = ExecutionOrder.objects.create(
        number=m("eor"), contract=contract, customer=r["cus"], owner=owner, department=dept
    )
    r["imp"] = ImplementationOrder.objects.create(
        number=f"SS-{m('imp')}", title=m("imp"), contract=contract, customer=r["cus"], owner=owner, department=dept
    )
    r["exp"] = ExpenseClaim.objects.create(
        title=m("exp"),
        claimant=owner,
        department=dept,
        customer=r["cus"],
        opportunity=r["opp"],
        amount=Decimal("300.00"),
    )
    ExpenseLine.objects.create(claim=r["exp"], position=1, spent_on=dt.date(2026, 10, 2), amount=Decimal("300.00"))
    r["ast"] = Asset.objects.create(
        customer=r["cus"], kind="vehicle_policy", name=m("ast"), plate_number=f"京A{m('ast')[-6:]}",
        search_text=build_search_text(names=[m("ast")]),
    )  # fmt: skip
    r["tkt"] = Ticket.objects.create(
        number=f"FW-AZ-{_REL_CODE[relation]}{idx:02d}", customer=r["cus"], subject=m("tkt"), owner=owner,
        status=Ticket.Status.ASSIGNED, asset=r["ast"], search_text=build_search_text(names=[m("tkt")]),
    )  # fmt: skip
    # a renewal of the asset, its marker in the reason (shown on the renewal's own page only)
    r["rnw"] = Renewal.objects.create(
        asset=r["ast"], customer=r["cus"], ends_on=dt.date(2026, 12, 31), owner=owner, lost_reason=m("rnw")
    )
    if participants:
        r["cus"].collaborators.set(participants)
        r["opp"].collaborators.set(participants)
        r["eor"].shipping_users.set(participants)
        r["imp"].assignees.set(participants)
        for reader in participants:
            if "implementation.view" in grants_of(reader) and "contracts.view" not in grants_of(reader):
                ImplementationItem.objects.create(
                    order=r["imp"], position=1, title="安装调试", assignee=reader, due_on=dt.date(2026, 12, 1)
                )
    facts = {"amount": "4242" if participants else "1", "department_id": dept.pk if dept else None}
    r["apr"] = approval_submit(actor=owner, document=r["quo"], kind="quote", facts=facts, title=m("apr"))
    Quote.objects.filter(pk=quote.pk).update(status=Quote.Status.IN_APPROVAL)
    return b


def grants_of(user: Any) -> set[str]:
    perms: set[str] = set()
    for role in user.roles.all():
        perms.update(role.permissions or [])
    return perms
