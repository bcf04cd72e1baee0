"""The pages and htmx fragments that show customer data, as data: what each shows of a bundle of records.

A new module adds its pages here (a line each); `test_url_coverage` fails until every URL pattern is either
in these tables or exempt with a reason.

* `kinds` — the records of a bundle the page shows when the reader may see them (a list shows every bundle it
  may, a record page the bundle its URL names). On a list the first kind is the row: the others must show
  only beside a row the reader may see. Whatever the page is, a record the reader may NOT see never appears on
  it (checked for every kind, not only these) — unless it is part of a document the reader may open:
* `reveals` — kinds of a shown row's (or the page's record's) own bundle that the page shows to whoever may see
  that row, by design: the customer and contact a quote is for, to its approver; the document an approval
  request is about, to its applicant and approvers; the milestones an implementation order's staff follow; the
  opportunity an expense claim names (docs/decisions/0005).
* `record` — the URL names this kind's record of each bundle (`pk`); the page answers 404/403 when the reader
  may not open it.
* `gate` — the permission the page needs beyond seeing the record (an edit form: "customers.edit"); for a
  list, a permission without which it answers 403.
* `query` — the query string; "{token}" is the bundle's search token (one request per bundle).
* `relations` — the bundles a list must show, when it shows only some (a personal inbox, "my day").
* `optional` — (kind, relation) pairs the page may show but need not.
"""

from __future__ import annotations

from dataclasses import dataclass

from .world import KINDS, OWN, PARTICIPANT, RELATIONS


@dataclass(frozen=True)
class Page:
    name: str
    kinds: tuple[str, ...] = ()
    record: str | None = None
    gate: str | None = None
    query: str = ""
    relations: tuple[str, ...] = RELATIONS
    # (kind, relation) the page may show but need not (a rule that opens a record's own page, not every list)
    optional: tuple[tuple[str, str], ...] = ()
    reveals: tuple[str, ...] = ()
    via: str | None = None  # the kind whose visible row reveals them (default: the page's row)
    url_kwargs: tuple[tuple[str, str], ...] = ()  # further URL arguments (a toolkit list's key)

    @property
    def per_bundle(self) -> bool:
        return self.record is not None or "{token}" in self.query

    @property
    def id(self) -> str:
        extra = "".join(f"/{v}" for _k, v in self.url_kwargs)
        return f"{self.name}{extra}{'?' + self.query if self.query else ''}"


ALL_KINDS = tuple(KINDS)
CUSTOMER_360 = ("cus", "con", "fup", "tsk", "opp", "quo", "ctr", "eor", "imp", "inv", "pay", "bal", "ast", "tkt")
MONEY = ("inv", "pay", "bal")

PAGES: list[Page] = [
    # --- global -------------------------------------------------------------------------------------
    # (a quote's hit names its customer: its approver reads both)
    Page(
        "core:search",
        ("cus", "con", "led", "quo", "ctr", "inv", "ast", "tkt"),
        query="q={token}",
        reveals=("cus",),
        via="quo",
    ),
    Page("core:notifications", ("apr",), relations=(PARTICIPANT,)),
    Page("core:notification_menu", ("apr",), relations=(PARTICIPANT,)),
    # (the audit trail is the auditors' tool: audit.view reads the recorded changes of every module, within its
    # data scope on the actor — org.selectors)
    Page("org:audit_list", gate="audit.view", reveals=ALL_KINDS),
    Page("org:audit_export", gate="audit.export", query="format=csv", reveals=ALL_KINDS),
    Page("org:backup_list", gate="org.admin"),
    # (webhook deliveries carry the objects of the events, as the API shows them: an administrator's integration tool)
    Page("org:webhook_list", gate="org.admin"),
    Page("org:mailbox_list", gate="org.admin"),
    Page("org:webhook_delivery_list", gate="org.admin", reveals=ALL_KINDS),
    Page("org:access_log", gate="org.admin", reveals=ALL_KINDS),
    # --- customers ----------------------------------------------------------------------------------
    Page("customers:list", ("cus",), query="per_page=100"),
    Page("lists:export", ("cus",), gate="customers.export", query="fmt=csv", url_kwargs=(("key", "customers"),)),
    Page("customers:contact_list", ("con", "cus"), query="per_page=100"),
    Page("customers:follow_up_list", ("fup", "cus"), query="per_page=100"),
    Page("lists:export", ("fup", "cus"), gate="followups.export", query="fmt=csv", url_kwargs=(("key", "follow_ups"),)),
    Page("lists:export", ("con", "cus"), gate="contacts.export", query="fmt=csv", url_kwargs=(("key", "contacts"),)),
    Page("customers:my_day", ("tsk",), relations=(OWN,)),
    Page("customers:review_queue", gate="customers.approve"),
    Page("customers:recycle_bin", gate="customers.delete"),
    # (the people an execution order names open it; the customer's orders tab lists orders for orders.view)
    Page("customers:detail", CUSTOMER_360, record="cus", optional=(("eor", PARTICIPANT),)),
    Page("customers:edit", ("cus",), record="cus", gate="customers.edit"),
    Page("customers:contact_create", ("cus",), record="cus", gate="contacts.create"),
    Page("customers:contact_edit", ("con",), record="con", gate="contacts.edit"),
    Page("customers:follow_up_edit", ("fup",), record="fup", gate="followups.edit"),
    Page("customers:task_create", ()),
    Page("customers:quick_pick", ("cus",), gate="contacts.create", query="for=contact&q={token}"),
    Page("customers:check_duplicate", ("cus",), query="name={token}cus有限公司"),
    Page("pool:list"),
    Page("lists:export", gate="customers.export", query="fmt=csv", url_kwargs=(("key", "pool"),)),
    Page("pool:return", ("cus",), record="cus"),
    Page("dedupe:scan"),
    Page("dedupe:merges"),
    Page("dedupe:conflicts"),
    # --- sales --------------------------------------------------------------------------------------
    Page("sales:lead_list", ("led",), query="scene=all&per_page=100"),
    Page(
        "lists:export",
        ("led",),
        gate="leads.export",
        query="scene=all&per_page=100&fmt=csv",
        url_kwargs=(("key", "leads"),),
    ),
    Page("sales:lead_detail", ("led",), record="led"),
    Page("sales:lead_edit", ("led",), record="led", gate="leads.edit"),
    Page("sales:lead_convert", ("led",), record="led", gate="leads.edit"),
    Page("sales:opportunity_list", ("opp", "cus"), query="per_page=100"),
    Page(
        "lists:export",
        ("opp", "cus"),
        gate="opportunities.export",
        query="fmt=csv",
        url_kwargs=(("key", "opportunities"),),
    ),
    Page("sales:opportunity_board", ("opp", "cus")),
    Page("sales:opportunity_detail", ("opp", "cus", "quo", "ctr"), record="opp"),
    Page("sales:opportunity_edit", ("opp",), record="opp", gate="opportunities.edit"),
    Page("sales:opportunity_create", ()),
    Page("sales:opportunity_funnel"),
    Page("sales:opportunity_duty"),
    Page("sales:targets"),
    # --- approvals ----------------------------------------------------------------------------------
    # (the inbox's tabs: waiting for me, submitted by me, all I may read — applicant, approver, administrator)
    Page("approvals:inbox", ("apr",), relations=(PARTICIPANT,), reveals=("quo", "cus")),
    Page("approvals:inbox", ("apr",), query="scene=mine", relations=(OWN,), reveals=("quo", "cus")),
    Page("approvals:inbox", ("apr",), query="scene=all", relations=(OWN, PARTICIPANT), reveals=("quo", "cus")),
    # ("approvals.view": the request's own rule — its applicant, its approvers, administrators; not a module)
    Page("approvals:detail", ("apr", "quo"), record="apr", gate="approvals.view", reveals=("quo", "cus", "con")),
    # --- commerce -----------------------------------------------------------------------------------
    Page("commerce:quote_list", ("quo",), reveals=("cus",)),
    Page("commerce:quote_detail", ("quo", "cus", "opp"), record="quo", reveals=("cus", "con")),
    Page("commerce:quote_edit", ("quo",), record="quo", gate="quotes.edit"),
    Page("commerce:quote_create", ()),
    Page("commerce:contract_list", ("ctr",)),
    Page("commerce:contract_detail", ("ctr", "cus", "eor", "imp", "inv", "pay", "bal"), record="ctr"),
    Page("commerce:contract_edit", ("ctr",), record="ctr", gate="contracts.edit"),
    Page("commerce:contract_create", ()),
    # (named people open their order's page; the list is for orders.view)
    Page("commerce:execution_order_list", ("eor",), optional=(("eor", PARTICIPANT),), reveals=("cus",)),
    Page("commerce:execution_order_detail", ("eor",), record="eor", reveals=("cus",)),
    Page("commerce:implementation_order_list", ("imp",)),
    Page("commerce:implementation_order_detail", ("imp",), record="imp", reveals=("pay",)),
    Page(
        "lists:export",
        ("quo",),
        gate="quotes.export",
        query="fmt=csv",
        url_kwargs=(("key", "quotes"),),
        reveals=("cus",),
    ),
    Page("lists:export", ("ctr",), gate="contracts.export", query="fmt=csv", url_kwargs=(("key", "contracts"),)),
    # (orders and implementation orders have no export right of their own: contracts.export gates their view scope)
    Page(
        "lists:export",
        ("eor",),
        gate="contracts.export",
        query="fmt=csv",
        url_kwargs=(("key", "execution_orders"),),
        optional=(("eor", PARTICIPANT),),
        reveals=("cus",),
    ),
    Page(
        "lists:export",
        ("imp",),
        gate="contracts.export",
        query="fmt=csv",
        url_kwargs=(("key", "implementation_orders"),),
    ),
    Page("lists:export", gate="products.export", query="fmt=csv", url_kwargs=(("key", "products"),)),
    # --- billing ------------------------------------------------------------------------------------
    Page("billing:receivables", ("ctr", "bal"), query="scene=all&per_page=100"),
    Page("billing:receivables_export", ("bal",), gate="payments.export", query="fmt=csv&all=1"),
    Page("billing:ageing", ("bal", "cus")),
    Page("billing:ageing_export", ("bal", "cus"), gate="payments.export", query="fmt=csv"),
    Page("billing:statement", ("pay", "cus"), query="month=2026-10"),
    Page("billing:statement_export", ("pay", "cus"), gate="payments.export", query="month=2026-10&fmt=csv"),
    # (the finance export: nothing out of the reader's scope in the page's preview nor in the file)
    Page("billing:finance_export", gate="payments.export", query="start=2026-01-01&end=2026-12-31"),
    Page(
        "billing:finance_export_download",
        gate="payments.export",
        query="start=2026-01-01&end=2026-12-31&fmt=csv&part=vouchers",
    ),
    Page("billing:contract_money", ("ctr", "inv", "pay", "bal"), record="ctr"),
    Page("billing:invoice_list", ("inv",)),
    Page("billing:payment_list", ("pay",)),
    Page("billing:expense_list", ("exp",)),
    Page("billing:expense_export", ("exp",), gate="expenses.export", query="fmt=csv"),
    Page(
        "lists:export",
        ("ctr", "bal"),
        gate="payments.export",
        query="fmt=csv&scene=all",
        url_kwargs=(("key", "receivables"),),
    ),
    Page("lists:export", ("inv",), gate="invoices.export", query="fmt=csv", url_kwargs=(("key", "invoices"),)),
    Page("lists:export", ("pay",), gate="payments.export", query="fmt=csv", url_kwargs=(("key", "payments"),)),
    Page("lists:export", ("exp",), gate="expenses.export", query="fmt=csv", url_kwargs=(("key", "expense_claims"),)),
    Page("billing:expense_create", ()),
    # --- analytics (figures are aggregates within the reader's scopes; the violations list opportunities the reader
    # may see; the report's export names people and departments only) -----------------------------------------
    Page("analytics:overview", gate="analytics.view"),
    Page("analytics:metric", gate="analytics.view", url_kwargs=(("key", "new_customers"),)),
    Page(
        "analytics:metric", gate="analytics.view", query="group_by=level", url_kwargs=(("key", "customers_by_level"),)
    ),
    Page("analytics:league", gate="analytics.view"),
    Page("analytics:league", gate="analytics.view", query="league=agents"),
    Page("analytics:league_violations", gate="analytics.view"),
    Page("analytics:league_settings", gate="analytics.edit"),
    Page("analytics:report", gate="analytics.view"),
    Page("analytics:usage", gate="analytics.view"),
    Page("analytics:dashboard", gate="analytics.view"),
    Page("analytics:report", gate="analytics.export", query="export=xlsx"),
    Page("analytics:subscriptions", gate="analytics.view"),  # one's own subscriptions only
    # the report builder: figures within the reader's scope (customers by owner: the bundles' owners' names)
    Page("analytics:builder", gate="analytics.view"),
    Page("analytics:builder", gate="analytics.view", query="object=customers&group_by=level&measure=count"),
    Page("billing:expense_create", (), query="customer={cus}"),
    Page("billing:expense_detail", ("exp",), record="exp", reveals=("opp",)),
    Page("billing:expense_edit", ("exp",), record="exp", gate="expenses.edit", reveals=("opp",)),
    # --- service ------------------------------------------------------------------------------------
    Page("service:asset_list", ("ast", "cus"), query="per_page=100"),
    Page("service:asset_list", ("ast",), query="q={token}"),
    Page("lists:export", ("ast", "cus"), gate="assets.export", query="fmt=csv", url_kwargs=(("key", "assets"),)),
    Page("service:asset_detail", ("ast", "cus", "tkt"), record="ast"),
    Page("service:asset_edit", ("ast",), record="ast", gate="assets.edit"),
    Page("service:asset_create", ()),
    Page("service:asset_create", (), query="customer={cus}"),
    Page("service:ticket_list", ("tkt", "cus"), query="scene=all&per_page=100"),
    Page("service:ticket_list", ("tkt",), query="scene=all&q={token}"),
    Page(
        "lists:export",
        ("tkt", "cus"),
        gate="tickets.export",
        query="fmt=csv&scene=all",
        url_kwargs=(("key", "tickets"),),
    ),
    Page("service:ticket_detail", ("tkt", "cus", "ast"), record="tkt"),
    Page("service:ticket_edit", ("tkt",), record="tkt", gate="tickets.edit"),
    Page("service:ticket_create", ()),
    Page("service:ticket_create", (), query="customer={cus}"),
    Page("service:renewal_list", ("ast", "cus"), query="scene=all&per_page=100"),
    Page("service:renewal_list", ("ast", "cus"), query="scene=all&q={token}"),
    Page("service:renewal_detail", ("rnw", "ast", "cus"), record="rnw"),
    Page("service:work", ("tsk", "tkt", "ast")),
    Page("service:caller", ("ast", "cus", "con", "tkt", "fup"), query="q={token}"),
    Page("service:survey_list", (), query="scene=all&per_page=100"),
    Page("service:article_list", (), query="scene=all&per_page=100"),
    Page("service:article_create", (), gate="knowledge.create"),
    # --- marketing ----------------------------------------------------------------------------------
    # (a segment's live count and preview: the contacts its filters select, in the reader's data scope)
    Page("marketing:segment_count", ("con", "cus"), gate="marketing.view", query="base=contacts&query=q%3D{token}"),
    Page("marketing:segment_list", gate="marketing.view"),
    Page("marketing:suppression_list", gate="marketing.view"),
    Page("marketing:campaign_list", gate="marketing.view"),
    Page("marketing:roi", gate="marketing.view", query="channel=email"),
    # (membership: the members, ledger and coupons lists, in the reader's data scope of loyalty.view)
    Page("marketing:member_list", gate="loyalty.view", query="scene=all"),
    Page("marketing:points_ledger", gate="loyalty.view"),
    Page("marketing:coupon_list", gate="loyalty.view", query="scene=all"),
    Page("marketing:loyalty_settings", gate="loyalty.view"),  # company-wide settings: edited with loyalty.admin
    Page("marketing:care", gate="marketing.view"),
    Page("marketing:care_overdue", gate="tasks.view"),
    Page("marketing:event_list", gate="marketing.view"),
    Page("marketing:registration_list", gate="marketing.view"),
    # --- real estate (test_pages_realestate.py, the app switched on: world_realestate.py) --------------------
    # (a trade's and a receipt's buyer is part of them: the payer on a receipt, the buyer on a trade)
    Page(
        "realestate:trade_list", ("trd", "cus"), gate="re_sales.view", query="scene=all&per_page=100", reveals=("cus",)
    ),  # fmt: skip
    Page(
        "realestate:receipt_list",
        ("rcp", "trd", "cus"),
        gate="re_collections.view",
        query="scene=all&per_page=100",
        reveals=("cus",),
    ),  # fmt: skip
    Page("realestate:trade_detail", ("trd", "cus", "rcp"), record="trd", reveals=("cus",)),
    Page("realestate:trade_pdf", (), record="trd", url_kwargs=(("doc", "selection"),)),
    Page("realestate:receipt_pdf", (), record="rcp"),
    # (a unit's page names its sale to who may see the trade; to a colleague only that it is taken)
    Page("realestate:unit_detail", ("trd",), record="unt", via="trd", reveals=("cus",)),
]
