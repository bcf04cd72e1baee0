"""Structural: every URL the application answers is in the authorisation harness or exempt with a reason, so the
next module cannot forget its pages; and every REST operation refuses a signed-in user who holds no role."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from .pages import PAGES
from .writes import RE_WRITES, WRITES

REALESTATE = (
    "real-estate inventory (units, prices, schemes: no customer records), 404 unless the installation switches it "
    "on (GUANXI_REALESTATE); refusals and the switch: realestate/tests"
)
REALESTATE_OFFICE = (
    "the sales office's visitors and the real-estate reports, 404 unless the installation switches real estate on; "
    "their data scope by project and by agent, and the refusals: realestate/tests/test_visitors.py, test_reports.py"
)

REALESTATE_SALES = (
    "starts a trade from a unit's page (re_sales.create, the buyer within the agent's customer scope, a walk-in "
    "registered on the spot), 404 unless switched on; refusals and a denied write: realestate/tests/test_trade_pages.py"
    " (the trade pages themselves are in the harness: test_pages_realestate.py)"
)

# URL name → why the harness does not need to read or write it as every role.
EXEMPT: dict[str, str] = {
    # signing in and out, the user's own account
    "org:login": "signing in",
    "org:logout": "signing out",
    "org:set_language": "the user's own language",
    "org:profile": "the user's own account",
    "org:password_change": "the user's own password",
    "org:token_list": "the user's own API tokens",
    "lists:view_save": "the user's own saved list views (org/lists/tests; sharing needs org.admin)",
    "lists:view_delete": "the user's own saved list views (org/lists/tests)",
    "lists:view_default_clear": "the user's own default list view (org/lists/tests)",
    "lists:columns": "the user's own column choice (org/lists/tests)",
    "lists:star": "the user's own stars; a row out of sight is a 404 (org/lists/tests)",
    "org:permission_request_list": "permission change requests: the user's own, and those they decide (org tests)",
    "org:permission_request_create": "asks for a role change (org/tests/test_admin_permissions.py)",
    "org:permission_request_detail": "one permission change request: its applicant and deciders (org tests)",
    "": "the start page redirects to my day",
    "sales:": "the sales start page redirects to the leads",
    "sales:public_lead_form": "the public web form: takes a lead in, shows no data",
    "sales:public_lead_json": "the public web form's JSON endpoint: takes a lead in, shows no data",
    "service:survey_public": "the public satisfaction survey: a signed link shows its own ticket's number and subject",
    "service:public_ticket_form": "the public service request form: takes a ticket in, shows its own number",
    "service:public_ticket_json": "the public service request form's JSON endpoint: takes a ticket in",
    "service:public_ticket_track": "a submitter's signed tracking link: its own ticket's number, subject and status",
    "service:article_detail": "a knowledge article: company knowledge (knowledge.view); its linked tickets are the "
    "reader's scoped ones (service/tests/test_knowledge.py)",
    "service:article_edit": "the article form: company knowledge, knowledge.edit (service/tests/test_knowledge.py)",
    "service:article_delete": "deletes an article: knowledge.delete (service/tests/test_knowledge.py)",
    "service:article_helped": "counts an article as helpful: knowledge.view (service/tests/test_knowledge.py)",
    "service:article_link": "links an article to a ticket the actor may edit (get_scoped_or_404; test_knowledge.py)",
    "service:article_unlink": "unlinks an article from a ticket the actor may edit (get_scoped_or_404)",
    "service:article_from_ticket": "a draft article from a ticket the actor may edit (get_scoped_or_404)",
    "service:sla_targets": "SLA targets administration (org.admin; service/tests/test_sla_report.py)",
    "core:web_manifest": "the web app manifest: the app's name and icons, no data",
    "core:favicon": "the site icon, no data",
    "core:apple_touch_icon": "the home-screen icon, no data",
    "core:notifications_mark_read": "marks the user's own notifications read",
    "analytics:refresh": "renews the reader's own cached figures, with analytics.view (analytics test_figure_cache)",
    "core:notification_open": "opens the user's own notification (a redirect to its page)",
    "org:notification_settings": "the user's own notification settings (muted topics, daily digest)",
    "org:mailbox_settings": "the user's own mailbox (customers/tests/test_user_mailbox.py)",
    "org:mailbox_disconnect": "disconnects the user's own mailbox",
    "customers:email": "sends through the user's own SMTP (customer scope: customers/tests/test_user_mailbox.py)",
    # administration (org.admin, or the module's admin right): settings, no customer records
    "org:user_list": "user administration (org.admin)",
    "org:user_create": "user administration (org.admin)",
    "org:user_edit": "user administration (org.admin)",
    "org:user_password": "user administration (org.admin)",
    "org:user_deactivate": "user administration (org.admin)",
    "org:department_list": "org chart administration (org.admin)",
    "org:department_create": "org chart administration (org.admin)",
    "org:department_edit": "org chart administration (org.admin)",
    "org:role_list": "role administration (org.admin)",
    "org:role_create": "role administration (org.admin)",
    "org:role_edit": "role administration (org.admin)",
    "org:partner_list": "partner administration (org.admin)",
    "org:partner_create": "partner administration (org.admin)",
    "org:partner_edit": "partner administration (org.admin)",
    "org:position_list": "position administration (org.admin)",
    "org:position_create": "position administration (org.admin)",
    "org:position_edit": "position administration (org.admin)",
    "commerce:quote_customer_fields": "the new quote form's contact/deal choices of a customer the reader may quote "
    "(quotes.create, document_customers; commerce/tests/test_quote_form_live.py)",
    "org:company_settings": "the seller details (org.admin only: org/tests/test_company_profile.py, 403)",
    "org:login_list": "login history (org.admin): accounts, no customer records",
    "billing:finance_settings": "the finance export's ledger accounts (settings, org.admin: billing/tests)",
    # dictionaries (org.admin): the refusals and unchanged rows are org/tests/test_dictionaries.py's
    "org:dictionary_list": "dictionary administration (org.admin only: org/tests/test_dictionaries.py, 403)",
    "org:dictionary_detail": "dictionary administration (org.admin only: org/tests/test_dictionaries.py, 403)",
    "org:dictionary_entry_create": "dictionary administration (org.admin only: test_dictionaries.py; nothing changes)",
    "org:dictionary_entry_edit": "dictionary administration (org.admin only: test_dictionaries.py; nothing changes)",
    "org:dictionary_entry_action": "retire/restore an entry (org.admin only: test_dictionaries.py; nothing changes)",
    "org:dictionary_reorder": "dictionary administration (org.admin only: test_dictionaries.py; nothing changes)",
    # custom fields (org.admin): the refusals and unchanged rows are customers/tests/test_custom_fields.py's
    "org:custom_field_list": "custom field administration (org.admin only: test_custom_fields.py, 403)",
    "org:custom_field_create": "custom field administration (org.admin only: test_custom_fields.py; nothing changes)",
    "org:custom_field_edit": "custom field administration (org.admin only: test_custom_fields.py; nothing changes)",
    "org:custom_field_action": "retire/restore/move a field (org.admin only: test_custom_fields.py; nothing changes)",
    # webhooks (org.admin; the lists are in pages.py): the refusals are org/tests/test_webhooks.py's
    "org:webhook_create": "webhook administration (org.admin only: org/tests/test_webhooks.py, 403)",
    "org:webhook_detail": "webhook administration (org.admin only: org/tests/test_webhooks.py, 403)",
    "org:webhook_delete": "webhook administration (org.admin only: org/tests/test_webhooks.py, 403; nothing changes)",
    "org:webhook_rotate_secret": "webhook administration (org.admin only: org/tests/test_webhook_pages.py, 403)",
    "org:webhook_test": "webhook administration (org.admin only: org/tests/test_webhook_pages.py, 403)",
    "org:webhook_delivery_detail": "a webhook delivery's body (org.admin only: org/tests/test_webhook_pages.py)",
    "org:webhook_delivery_replay": "sends a logged webhook event again (org.admin: org/tests/test_webhook_pages.py)",
    # the calendar feed: the user's own; entries through each source's own scope (customers/tests/test_calendar_feed)
    "org:calendar_feed": "the user's own calendar feed, by signed URL (org/tests/test_calendar_feed.py: tampered 404)",
    "org:calendar_feed_regenerate": "the user's own calendar feed address",
    "org:calendar_feed_revoke": "the user's own calendar feed address",
    "org:roles_upgrade": "role administration (org.admin): adds newer modules' default grants",
    "org:backup_create": "backups (org.admin only: org/tests/test_backup_page.py refuses everyone else, 403)",
    "org:backup_download": "backups (org.admin only: org/tests/test_backup_page.py refuses everyone else, 403)",
    "pool:rules": "public-pool rules (settings)",
    "pool:rule_new": "public-pool rules (settings)",
    "pool:rule_edit": "public-pool rules (settings)",
    "pool:rule_delete": "public-pool rules (settings)",
    "dedupe:rules": "duplicate-check rules (settings)",
    "sales:rule_list": "lead assignment rules (settings)",
    "sales:rule_create": "lead assignment rules (settings)",
    "sales:rule_edit": "lead assignment rules (settings)",
    "sales:rule_move": "lead assignment rules (settings)",
    "sales:rule_delete": "lead assignment rules (settings)",
    "sales:admin_pipeline_list": "pipeline settings",
    "sales:admin_pipeline_create": "pipeline settings",
    "sales:admin_pipeline_edit": "pipeline settings",
    "sales:admin_stage_create": "pipeline settings",
    "sales:admin_stage_edit": "pipeline settings",
    "sales:admin_lost_reason_list": "lost-reason settings",
    "sales:admin_lost_reason_create": "lost-reason settings",
    "sales:admin_lost_reason_edit": "lost-reason settings",
    "sales:admin_competitor_list": "competitor settings",
    "sales:admin_competitor_create": "competitor settings",
    "sales:admin_competitor_edit": "competitor settings",
    "approvals:rule_list": "approval rules (settings)",
    "approvals:rule_create": "approval rules (settings)",
    "approvals:rule_edit": "approval rules (settings)",
    "approvals:rule_delete": "approval rules (settings)",
    "approvals:settings": "approval settings",
    "approvals:delegations": "the user's own delegations",
    "approvals:delegation_cancel": "ends the user's own delegation (its owner or org.admin: approvals tests)",
    "commerce:product_list": "the product catalogue: no customer data",
    "commerce:product_create": "the product catalogue: no customer data",
    "commerce:product_edit": "the product catalogue: no customer data",
    "commerce:product_export": "the product catalogue: no customer data",
    "commerce:product_line_edit": "the product catalogue: no customer data",
    "commerce:price_book_create": "price books: no customer data",
    "commerce:price_book_detail": "price books: no customer data",
    "commerce:settings": "commerce settings (company letterhead, numbering)",
    "billing:reminder_settings": "receivables reminder settings",
    "sales:target_split": "sales targets: figures per person, no customer records (sales target tests)",
    # spreadsheet imports: the user's own import jobs
    "imports:list": "the user's own imports",
    "imports:new": "the user's own imports",
    "imports:template": "an empty spreadsheet template",
    "imports:detail": "the user's own import (imports tests: another user's job is 404)",
    "imports:mapping": "the user's own import",
    "imports:run": "the user's own import",
    "imports:progress": "the user's own import",
    "imports:report": "the user's own import",
    # files: one scoped download view, with its own scope tests per kind of file (core/tests/test_files.py)
    "core:file_download": "the scoped file download (core/tests/test_files.py: every kind of file × reach)",
    "sales:opportunity_document_add": "uploads a file (opportunity document tests)",
    "sales:opportunity_document_delete": "deletes a file (opportunity document tests)",
    "commerce:contract_scan": "uploads a file (contract tests)",
    "org:user_data_export": "a leaver's data (org.admin only: billing/tests/test_leaver_export.py refuses others)",
    "commerce:quote_pdf": "the quote as PDF (a download of the quote page's content: quote tests)",
    # writes that need a document in an earlier state than the bundles' (draft quotes and contracts, pending
    # reviews, deleted customers, pool customers): their permission tests live with the module
    "customers:review": "decides a pending new-customer review (customer review tests)",
    "customers:review_resubmit": "resubmits a returned review (customer review tests)",
    "customers:restore": "restores from the recycle bin (recycle-bin tests)",
    "customers:create": "a new customer (form; customer tests)",
    "pool:detail": "a customer in the public pool (pool tests)",
    "pool:assign": "hands pool customers out (pool tests)",
    "dedupe:merge": "merges duplicates (dedupe tests)",
    "dedupe:contact_merge": "merges duplicate contacts of one customer (dedupe tests: 403, 404 out of reach)",
    "dedupe:merge_undo": "undoes a merge (dedupe tests)",
    "dedupe:check": "the duplicate check of the customer form (dedupe tests)",
    "sales:lead_create": "a new lead (form; lead tests)",
    "sales:lead_screen": "screens a new lead (lead tests)",
    "sales:lead_follow": "marks a lead followed (lead tests)",
    "sales:lead_assign_by_rules": "runs the assignment rules over the queue (lead tests)",
    "sales:opportunity_contact_rows": "the contact rows of the new-opportunity form (opportunity form tests)",
    "sales:opportunity_board_cards": "a board column's next cards by stage id (sales/tests/test_board_columns.py)",
    "sales:opportunity_move": "moves a deal's stage (API matrix: sales/tests/test_authorization_matrix.py)",
    "sales:opportunity_confirm": "confirms a closing (opportunity tests)",
    "sales:opportunity_reopen": "reopens a closed deal (opportunity tests)",
    "sales:opportunity_task": "a task on a deal (opportunity activity tests)",
    "commerce:quote_submit": "submits a draft quote (quote tests)",
    "commerce:quote_revise": "revises a quote (quote tests)",
    "commerce:quote_send": "sends an approved quote (quote tests)",
    "commerce:quote_answer": "records the customer's answer (quote tests)",
    "commerce:quote_delete": "deletes a draft quote (quote tests)",
    "commerce:contract_submit": "submits a draft contract (contract tests)",
    "commerce:contract_sign": "signs an approved contract (contract tests)",
    "commerce:contract_delete": "deletes a draft contract (contract tests)",
    "commerce:execution_order_create": "a new execution order for a contract (order tests)",
    "commerce:implementation_order_create": "a new implementation order for a contract (order tests)",
    "billing:plan_save": "a contract's payment plan (billing tests)",
    "billing:plan_generate": "a contract's payment plan (billing tests)",
    "billing:expense_pay": "marks an approved claim paid (expense tests)",
    "marketing:member_create": "enrols a member (form, loyalty.create; the customer must be in reach: test_loyalty.py)",
    "marketing:member_enrol": "the Membership tab's enrol buttons (loyalty.create, customer in reach: views tests)",
    "marketing:member_detail": "a member's card, ledger and coupons: 404 out of scope (test_loyalty_views)",
    "marketing:member_edit": "a member's joining date and custom fields (loyalty.edit, member in edit scope: "
    "test_member_custom_fields.py)",
    "marketing:member_redeem": "redeems points (loyalty.edit, member in edit scope: test_loyalty_views.py)",
    "marketing:member_adjust": "asks for a points correction (loyalty.edit, edit scope: test_loyalty_corrections)",
    "marketing:member_use_coupon": "uses a coupon (loyalty.edit, member in edit scope: test_loyalty_views.py)",
    "marketing:member_cancel": "cancels a membership (loyalty.edit, member in edit scope: test_loyalty_views.py)",
    "marketing:coupon_create": "a new coupon: company-wide, no customer record (loyalty.create: test_loyalty_views)",
    "marketing:coupon_edit": "a coupon and its redemptions in the reader's member scope (test_loyalty_views.py)",
    "marketing:segment_create": "a new segment (form, marketing.create: marketing/tests/test_segments.py)",
    "marketing:segment_edit": "a segment's name and filters (marketing.edit: marketing/tests/test_segments.py)",
    "marketing:segment_detail": "a segment: its members as segment_count shows them (in pages.py), in the reader's "
    "scope (marketing/tests/test_segments.py)",
    "marketing:segment_delete": "deletes a segment (marketing.delete: marketing/tests/test_segments.py)",
    "marketing:segment_member_remove": "takes a contact off a static list (marketing.edit: marketing tests)",
    "marketing:suppression_create": "suppresses an address, no customer record (marketing.edit: test_consent.py)",
    "marketing:campaign_create": "a new campaign (form, marketing.create: marketing/tests/test_campaigns.py)",
    "marketing:campaign_edit": "a campaign's plan and content (marketing.edit: marketing/tests/test_campaigns.py)",
    "marketing:campaign_detail": "a campaign: its recipients in the reader's contact scope, the preview as one of them "
    "(marketing/tests/test_campaigns.py)",
    "marketing:campaign_start": "starts a campaign (marketing.edit: test_campaigns.py; a refusal records nobody)",
    "marketing:campaign_cancel": "stops a campaign (marketing.edit: marketing/tests/test_campaigns.py)",
    "marketing:campaign_budget_submit": (
        "submits a campaign's budget for approval (marketing.edit: marketing/tests/test_budget_approval.py; a "
        "refusal submits nothing)"
    ),
    "marketing:campaign_test_send": "e-mails the preview to the user's own address (test_campaigns.py)",
    "marketing:campaign_call_log": "logs a call of a phone campaign as a follow-up on a contact the reader may see "
    "(test_campaigns.py: another rep's contact is refused, nothing logged)",
    "marketing:greeting_create": "a new care greeting (form, marketing.create: marketing/tests/test_care_greetings.py)",
    "marketing:greeting_edit": "a care greeting's template (marketing.edit: marketing/tests/test_care_greetings.py)",
    "marketing:greeting_delete": "deletes a care greeting (marketing.delete: marketing/tests/test_care_greetings.py)",
    "marketing:care_plan_create": "a new care plan (form, marketing.admin: marketing/tests/test_care_plans.py)",
    "marketing:care_plan_edit": "a care plan's levels and schedule (marketing.admin: test_care_plans.py)",
    "marketing:event_create": "a new event (form, marketing.create: marketing/tests/test_events.py)",
    "marketing:event_edit": "an event's plan (marketing.edit: marketing/tests/test_events.py)",
    "marketing:event_detail": "an event: its figures, no customer record; leads counted in the reader's lead scope "
    "(marketing/tests/test_events.py)",
    "marketing:event_check_in": "checks a registrant in by code (marketing.edit: marketing/tests/test_events.py)",
    "marketing:event_register": "the public registration form: a signed link, takes a registration in, shows only "
    "the registrant's own code (forged: 404; test_events.py)",
    "marketing:track_open": "the open pixel: a signed link, answers a GIF, shows no data",
    "marketing:track_click": "the click redirect: a signed link to the target it names (forged: 404), shows no data",
    "marketing:unsubscribe": "the public unsubscribe page: a signed link, shows no data (test_consent.py: forged 404)",
    "service:ticket_attach": "uploads a file to a ticket (service tests; the download is core:file_download)",
    "service:ticket_email": "replies by e-mail through SMTP (tickets.edit: service/tests/test_mailbox.py)",
    "service:settings": "service settings: the reopen window (org.admin: service/tests/test_tickets.py)",
    "service:rule_list": "ticket assignment rules (settings, org.admin: service/tests/test_assignment.py)",
    "service:rule_create": "ticket assignment rules (settings, org.admin: service/tests/test_assignment.py)",
    "service:rule_edit": "ticket assignment rules (settings, org.admin: service/tests/test_assignment.py)",
    "service:rule_delete": "ticket assignment rules (settings, org.admin: service/tests/test_assignment.py)",
    "service:renewal_settings": "renewal window and reminders (settings, org.admin: service/tests/test_renewals.py)",
    "realestate:unit_sale_start": REALESTATE_SALES,
    "realestate:project_list": REALESTATE,
    "realestate:project_create": REALESTATE,
    "realestate:project_detail": REALESTATE,
    "realestate:project_edit": REALESTATE,
    "realestate:project_add": REALESTATE,
    "realestate:building_detail": REALESTATE,
    "realestate:building_generate": REALESTATE,
    "realestate:building_price": REALESTATE,
    "realestate:building_release": REALESTATE,
    "realestate:unit_list": REALESTATE,
    "realestate:unit_edit": REALESTATE,
    "realestate:unit_hold": REALESTATE,
    "realestate:unit_plan": REALESTATE,
    "realestate:unit_plan_pdf": REALESTATE,
    "realestate:adjustment_create": REALESTATE,
    "realestate:adjustment_detail": REALESTATE,
    "realestate:adjustment_submit": REALESTATE,
    "realestate:visitor_list": REALESTATE_OFFICE,
    "realestate:visitor_detail": REALESTATE_OFFICE,
    "realestate:visit_new": REALESTATE_OFFICE,
    "realestate:project_office": REALESTATE_OFFICE,
    "realestate:project_office_change": REALESTATE_OFFICE,
    "realestate:reports": REALESTATE_OFFICE,
    "realestate:report_trades": REALESTATE_OFFICE,
    "service:stage_template_list": "stage templates (settings, org.admin: service/tests/test_stages.py)",
    "service:stage_template_create": "stage templates (settings, org.admin: service/tests/test_stages.py)",
    "service:stage_template_edit": "stage templates (settings, org.admin: service/tests/test_stages.py)",
    "service:stage_template_delete": "stage templates (settings, org.admin: service/tests/test_stages.py)",
    "service:stage_start": "starts a stage template on a ticket or asset read in scope (service/tests/test_stages.py)",
    "service:stage_advance": "next stage of a run, its record read in scope: 404 beyond (service/tests/test_stages.py)",
}

# The REST API: operations that answer a signed-in user without any role, and why that is right.
API_OPEN: dict[str, str] = {
    "GET /api/v1/me": "the caller's own account",
    "GET /api/v1/tokens": "the caller's own tokens",
    "POST /api/v1/tokens": "the caller's own tokens",
    "DELETE /api/v1/tokens/{token_id}": "the caller's own tokens",
    "GET /api/v1/notifications": "the caller's own notifications",
    "GET /api/v1/notifications/unread-count": "the caller's own notifications",
    "POST /api/v1/notifications/mark-read": "the caller's own notifications",
    "GET /api/v1/notifications/settings": "the caller's own notification settings",
    "PUT /api/v1/notifications/settings": "the caller's own notification settings",
    "GET /api/v1/search": "global search: groups of modules the caller may use (none here)",
    "GET /api/v1/approvals": "the caller's own approval inbox",
    "GET /api/v1/approval-delegations": "the caller's own delegations",
    "POST /api/v1/approval-delegations": "the caller's own delegations",
    "GET /api/v1/imports": "the caller's own imports",
    "GET /api/v1/permission-requests": "the caller's own permission change requests",
    "POST /api/v1/permission-requests": "anyone may ask for a role; the request goes to approval",
    "GET /api/v1/users": "the company directory (names, departments): every employee looks colleagues up",
    "GET /api/v1/users/{user_id}": "the company directory (names, departments): every employee looks colleagues up",
    "GET /api/v1/departments": "the org chart: every employee reads it",
    "GET /api/v1/departments/{department_id}": "the org chart: every employee reads it",
    "GET /api/v1/dictionaries": "reference data (codes and labels of choice lists), no records: every form reads it",
    "GET /api/v1/dictionaries/{key}": "reference data (codes and labels of choice lists), no records",
}


def _url_names(resolver: Any = None, namespace: str = "", prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            out += _url_names(p, ns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append((f"{namespace}{p.name or ''}", prefix + str(p.pattern)))
    return out


def test_every_page_is_in_the_harness_or_exempt():
    # given every URL pattern of the web UI (the REST API has its own check below)
    web = [(name, route) for name, route in _url_names() if not route.startswith("api/v1/")]
    covered = {p.name for p in PAGES} | {w.name for w in WRITES + RE_WRITES}
    # when some are neither covered nor exempt
    missing = sorted({f"{name} ({route})" for name, route in web if name not in covered and name not in EXEMPT})
    # then the harness names them
    assert not missing, "Add these pages to tests/authz/pages.py or writes.py (or EXEMPT with a reason):\n" + (
        "\n".join(missing)
    )


def test_the_exemptions_name_existing_pages_only():
    names = {name for name, _route in _url_names()}
    assert not sorted(set(EXEMPT) - names)
    assert not sorted(({p.name for p in PAGES} | {w.name for w in WRITES + RE_WRITES}) - names)
    assert not sorted(set(EXEMPT) & ({p.name for p in PAGES} | {w.name for w in WRITES + RE_WRITES}))


@pytest.mark.django_db
def test_every_api_operation_refuses_a_user_without_a_role(client, django_user_model):
    # given a signed-in user who holds no role, and every operation of the OpenAPI document
    from guanxi.api.main import api
    from guanxi.core.models import AuditLog
    from guanxi.org.tests.factories import UserFactory

    client.force_login(UserFactory(username="api_nobody"))
    operations = [
        (method.upper(), path)
        for path, ops in api.get_openapi_schema()["paths"].items()
        for method in ops
        if method in ("get", "post", "put", "patch", "delete")
    ]
    audits = AuditLog.objects.count()
    answered = []
    for method, path in operations:
        key = f"{method} {path}"
        if key in API_OPEN:
            continue
        # when they call it (ids of records that exist or not: nothing may be read or written either way)
        url = re.sub(r"\{[^}]+\}", "1", path)
        if method in ("GET", "DELETE"):
            response = getattr(client, method.lower())(url)
        else:
            response = getattr(client, method.lower())(url, data=json.dumps({}), content_type="application/json")
        # then it is refused (a body the schema rejects is refused too), never answered
        if response.status_code < 400 or response.status_code >= 500:
            answered.append(f"{key}: {response.status_code}")
    assert not answered, "Operations that answer a user without any role (add a permission check):\n" + "\n".join(
        answered
    )
    assert AuditLog.objects.filter(action__in=["create", "update", "delete"]).count() <= audits
    assert set(API_OPEN) <= {f"{m} {p}" for m, p in operations}
