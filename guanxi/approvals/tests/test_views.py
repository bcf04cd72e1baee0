"""The inbox, the document panel, the decision buttons, delegations and the rule pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from guanxi.approvals.models import ApprovalDelegation, ApprovalRequest, ApprovalRule
from guanxi.approvals.services import approval_submit
from guanxi.approvals.views import approval_badge, approval_panel
from guanxi.core.models import AuditLog

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submit(document: Any, applicant: Any) -> ApprovalRequest:
    return approval_submit(
        actor=applicant,
        document=document,
        kind="test_doc",
        facts={"amount": Decimal("88000")},
        title="华东项目报价",
        amount=Decimal("88000"),
    )


def rows_in(html: str) -> int:
    """The list's rows (one <tr> per request; a phone shows each as a card)."""
    return html.count("<tr data-gx-id=")


def tab_counts(response: Any) -> dict[str, int]:
    return {scene.key: count for scene, count, _exact in response.context["scene_counts"]}


def test_inbox_tabs_and_rows(chain: Any, document: Any, org: Any, django_assert_max_num_queries: Any) -> None:
    # given two requests waiting for a1
    submit(document, org["east_rep"])
    submit(type(document).objects.create(name="第二张"), org["east_rep"])
    client = client_for(chain["a1"])
    # when a1 opens the inbox
    with django_assert_max_num_queries(30):
        response = client.get(reverse("approvals:inbox"))
    # then both rows show with the applicant, amount, current step and the approve button
    html = response.content.decode()
    assert response.status_code == 200
    assert rows_in(html) == 2
    assert "88,000.00" in html and str(org["east_rep"]) in html and "初审" in html
    assert reverse("approvals:approve", args=[ApprovalRequest.objects.first().pk]) in html
    assert reverse("approvals:reject", args=[ApprovalRequest.objects.first().pk]) in html
    # and the linked document opens from its row
    assert f"/test-doc/{document.pk}/" in html
    # and the applicant sees them under "submitted by me" (the old ?box=mine too), not under pending
    mine = client_for(org["east_rep"])
    assert rows_in(mine.get(reverse("approvals:inbox")).content.decode()) == 0
    assert rows_in(mine.get(reverse("approvals:inbox") + "?scene=mine").content.decode()) == 2
    assert rows_in(mine.get(reverse("approvals:inbox") + "?box=mine").content.decode()) == 2
    # where they decide nothing: no approve button, a way to withdraw instead
    html = mine.get(reverse("approvals:inbox") + "?scene=mine").content.decode()
    assert "data-approve=" not in html and "#withdraw" in html


def test_inbox_tab_counts_and_header_follow_the_type_filter(chain: Any, document: Any, org: Any) -> None:
    # given two requests for a1, of which a1 already approved one
    first = submit(document, org["east_rep"])
    submit(type(document).objects.create(name="第二张"), org["east_rep"])
    client = client_for(chain["a1"])
    client.post(reverse("approvals:approve", args=[first.pk]), {"comment": "好"})

    def shown(query: str) -> tuple[dict[str, int], int, int]:
        response = client.get(reverse("approvals:inbox") + query)
        return tab_counts(response), response.context["page"].paginator.count, rows_in(response.content.decode())

    # when a1 filters on the requests' own type, then each tab counts what it lists, and the header agrees
    tabs = {"pending": 1, "done": 1, "mine": 0, "all": 2}
    assert shown("?kind=test_doc") == (tabs, 1, 1)
    assert shown("?kind=test_doc&scene=done") == (tabs, 1, 1)
    assert shown("?kind=test_doc&scene=all") == (tabs, 2, 2)
    # and on another type every tab says 0, as the empty list and the header do (not the unfiltered 1)
    assert shown("?kind=quote") == ({"pending": 0, "done": 0, "mine": 0, "all": 0}, 0, 0)


def test_inbox_query_count_does_not_grow_with_requests(
    chain: Any, org: Any, decisions: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guanxi.org.models import PartnerOrganisation

    client = client_for(chain["a1"])

    def queries_for_inbox() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("approvals:inbox"))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    # given two requests waiting, then twelve
    for i in range(2):
        submit(PartnerOrganisation.objects.create(name=f"单据{i}"), org["east_rep"])
    queries_for_inbox()  # warm the per-process caches (content types, session)
    with_two = queries_for_inbox()
    for i in range(2, 12):
        submit(PartnerOrganisation.objects.create(name=f"单据{i}"), org["east_rep"])
    # then the page costs the same number of queries, and a small one
    with django_assert_max_num_queries(with_two):
        response = client.get(reverse("approvals:inbox"))
    assert rows_in(response.content.decode()) == 12
    assert with_two <= 25


def test_approve_from_the_panel_redirects_back(chain: Any, document: Any, org: Any, decisions: Any) -> None:
    request = submit(document, org["east_rep"])
    client = client_for(chain["a1"])
    response = client.post(reverse("approvals:approve", args=[request.pk]), {"comment": "好", "next": "/test-doc/1/"})
    assert response.status_code == 302 and response["Location"] == "/test-doc/1/"
    request.refresh_from_db()
    assert request.current_step == 1


def test_reject_without_reason_shows_the_error_and_changes_nothing(chain: Any, document: Any, org: Any) -> None:
    request = submit(document, org["east_rep"])
    client = client_for(chain["a1"])
    response = client.post(reverse("approvals:reject", args=[request.pk]), {"comment": ""}, follow=True)
    assert "reason" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"


def test_outsider_cannot_act_or_see(chain: Any, document: Any, org: Any) -> None:
    request = submit(document, org["east_rep"])
    audits = AuditLog.objects.count()
    outsider = client_for(org["west_rep"])
    assert outsider.post(reverse("approvals:approve", args=[request.pk])).status_code == 404
    assert outsider.get(reverse("approvals:detail", args=[request.pk])).status_code == 404
    # b1 (a later step) may look but not act
    b1 = client_for(chain["b1"])
    assert b1.get(reverse("approvals:detail", args=[request.pk])).status_code == 200
    assert b1.post(reverse("approvals:approve", args=[request.pk])).status_code == 403
    request.refresh_from_db()
    assert request.status == "pending" and AuditLog.objects.count() == audits


def test_panel_shows_the_chain_and_the_buttons_of_the_reader(chain: Any, document: Any, org: Any) -> None:
    rf = RequestFactory()
    http = rf.get("/test-doc/1/")
    http.user = org["east_rep"]
    assert "Not submitted for approval yet." in approval_panel(http, document)
    submit(document, org["east_rep"])
    applicant_view = approval_panel(http, document)
    assert "初审" in applicant_view and "会签" in applicant_view
    assert "Withdraw" in applicant_view and "Approve" not in applicant_view
    http.user = chain["a1"]
    approver_view = approval_panel(http, document)
    assert "Approve" in approver_view and "Return for changes" in approver_view
    assert "Approval: In approval" in approval_badge(document)


def test_delegation_page(chain: Any, org: Any) -> None:
    client = client_for(chain["a1"])
    response = client.post(
        reverse("approvals:delegations"),
        {"delegate": org["east_manager"].pk, "start_date": "2026-12-01", "end_date": "2026-11-01"},
    )
    assert response.status_code == 400 and not ApprovalDelegation.objects.exists()
    response = client.post(
        reverse("approvals:delegations"),
        {"delegate": org["east_manager"].pk, "start_date": "2026-12-01", "end_date": "2026-12-31", "note": "出差"},
    )
    assert response.status_code == 302
    delegation = ApprovalDelegation.objects.get()
    assert delegation.user == chain["a1"] and delegation.delegate == org["east_manager"]
    # someone else cannot end it
    assert (
        client_for(org["west_rep"]).post(reverse("approvals:delegation_cancel", args=[delegation.pk])).status_code
        == 404
    )
    client.post(reverse("approvals:delegation_cancel", args=[delegation.pk]))
    delegation.refresh_from_db()
    assert not delegation.is_active


def test_rule_pages_for_administrators_only(org: Any, execs: Any, decisions: Any) -> None:
    assert client_for(org["east_rep"]).get(reverse("approvals:rule_list")).status_code == 403
    admin = client_for(org["admin"])
    html = admin.get(reverse("approvals:rule_list")).content.decode()
    assert "Quote discount down to 5折" in html
    rule = ApprovalRule.objects.get(seed_key="contract_countersign")
    assert admin.get(reverse("approvals:rule_edit", args=[rule.pk])).status_code == 200
    # when the admin adds a rule through the form
    response = admin.post(
        reverse("approvals:rule_create"),
        {
            "kind": "quote",
            "name": "大单",
            "priority": "5",
            "is_active": "on",
            "condition_count": "1",
            "cond-0-fact": "amount",
            "cond-0-op": "gt",
            "cond-0-value": "1000000",
            "step_count": "1",
            "step-0-label": "总裁",
            "step-0-approver_type": "position",
            "step-0-positions": ["president"],
            "step-0-mode": "any",
        },
    )
    assert response.status_code == 302
    new = ApprovalRule.objects.get(name="大单")
    assert new.conditions == [{"fact": "amount", "op": "gt", "value": "1000000"}]
    assert list(new.steps.values_list("codes", flat=True)) == [["president"]]
    # and a broken form is refused with the step named
    response = admin.post(
        reverse("approvals:rule_create"),
        {"kind": "quote", "name": "坏", "condition_count": "0", "step_count": "1", "step-0-label": "x",
         "step-0-approver_type": "position", "step-0-mode": "any"},
    )  # fmt: skip
    assert response.status_code == 400 and "Step 1" in response.content.decode()
    assert not ApprovalRule.objects.filter(name="坏").exists()


def test_reminder_policy_is_set_by_administrators(org: Any) -> None:
    from guanxi.approvals.models import ApprovalSettings

    # a rep may not change it; nothing is written
    assert (
        client_for(org["east_rep"]).post(reverse("approvals:settings"), {"reminder_after_hours": "2"}).status_code
        == 403
    )
    assert not ApprovalSettings.objects.exists()
    # an administrator sets 8 hours; nonsense is refused with a message and changes nothing
    admin = client_for(org["admin"])
    admin.post(reverse("approvals:settings"), {"reminder_after_hours": "8"})
    assert ApprovalSettings.current().reminder_after_hours == 8
    admin.post(reverse("approvals:settings"), {"reminder_after_hours": "0"})
    admin.post(reverse("approvals:settings"), {"reminder_after_hours": "soon"})
    assert ApprovalSettings.current().reminder_after_hours == 8


def test_inbox_export_holds_the_requests_the_reader_sees(chain: Any, document: Any, org: Any) -> None:
    # given two requests of east_rep and one of west_rep ("=SUM" in its title: a formula must not survive the file)
    submit(document, org["east_rep"])
    submit(type(document).objects.create(name="第二张"), org["east_rep"])
    other = approval_submit(
        actor=org["west_rep"],
        document=type(document).objects.create(name="西部"),
        kind="test_doc",
        facts={"amount": Decimal("5")},
        title="=SUM(A1:A2) 西部报价",
        amount=Decimal("5"),
    )
    url = reverse("lists:export", args=["approvals"])
    # when east_rep (a rep: customers.export) exports every request of the list
    response = client_for(org["east_rep"]).get(url, {"scene": "all", "fmt": "csv"})
    # then the file holds their two requests and not west_rep's, and the export is audited with its filters
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert text.count("华东项目报价") == 2 and "西部报价" not in text
    audit = AuditLog.objects.get(action=AuditLog.Action.EXPORT, actor=org["east_rep"])
    assert audit.changes["list"] == "approvals" and audit.changes["rows"] == 2
    assert audit.changes["filters"] == {"scene": "all"}
    # and the administrator's file holds west_rep's too, formula-safe
    text = client_for(org["admin"]).get(url, {"scene": "all", "fmt": "csv"}).content.decode("utf-8-sig")
    assert other.title.startswith("=") and f"'{other.title}" in text
    # and the list page offers the export to east_rep
    assert url in client_for(org["east_rep"]).get(reverse("approvals:inbox")).content.decode()


def test_inbox_export_is_refused_without_any_export_right(chain: Any, document: Any, org: Any) -> None:
    # given a request waiting for a1, an approver holding no export right in any module
    submit(document, org["east_rep"])
    client = client_for(chain["a1"])
    # when a1 exports the list (the current view or ticked rows)
    url = reverse("lists:export", args=["approvals"])
    got = client.get(url, {"fmt": "csv"})
    ticked = client.post(url, {"ids": [ApprovalRequest.objects.get().pk], "fmt": "csv"})
    # then both are refused: no file, no audit row, and the page offers no export
    assert got.status_code == 403 and ticked.status_code == 403
    assert "attachment" not in got.get("Content-Disposition", "") + ticked.get("Content-Disposition", "")
    assert not AuditLog.objects.filter(action=AuditLog.Action.EXPORT).exists()
    page = client.get(reverse("approvals:inbox")).content.decode()
    assert url not in page and 'data-bulk-action="export"' not in page
