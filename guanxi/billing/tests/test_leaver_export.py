"""Before a leaver's records are handed over, an administrator downloads everything the leaver owned: a ZIP with
one spreadsheet per kind, formula-safe, recorded in the audit trail as an export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from guanxi.billing import services
from guanxi.core.models import AuditLog
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory, FollowUpFactory, TaskFactory
from guanxi.sales.opportunities.services import opportunity_create
from guanxi.sales.tests.factories import LeadFactory

from .factories import ContractFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaver(people: Any) -> Any:
    """east_rep's records of every kind, one customer named like a spreadsheet formula, and someone else's."""
    rep = people["east_rep"]
    sneaky = CustomerFactory(owner=rep, name='=HYPERLINK("http://evil.example","点我")')
    plain = CustomerFactory(owner=rep, name="北京华腾科技有限公司")
    ContactFactory(customer=plain, name="王经理")
    visit = FollowUpFactory(customer=plain, author=rep, content="上门演示")
    TaskFactory(customer=plain, assignee=rep, title="回访")
    LeadFactory(owner=rep, company_name="线索甲")
    opportunity_create(actor=rep, customer=plain, data={"name": "二期项目"})
    ContractFactory(customer=plain, owner=rep, title="软件采购合同")
    services.expense_claim_create(
        actor=rep,
        data={"title": "北京出差", "customer": plain, "follow_up": visit, "purpose": "演示"},
        lines=[{"category": "travel", "spent_on": dt.date(2026, 11, 20), "amount": "300"}],
    )
    CustomerFactory(owner=people["east_rep2"], name="别人的客户")
    assert sneaky.pk
    return rep


def download(user: Any, leaver: Any, fmt: str = "xlsx") -> Any:
    web = Client()
    web.force_login(user)
    return web.get(reverse("org:user_data_export", args=[leaver.pk]), {"fmt": fmt})


def test_the_admin_downloads_every_kind_the_leaver_owned_formula_safe_and_audited(people: Any, leaver: Any) -> None:
    # when the administrator downloads the leaver's data as Excel
    r = download(people["admin"], leaver)
    # then it is a ZIP streamed as an attachment, one workbook per kind
    assert r.status_code == 200 and r["Content-Type"] == "application/zip" and r.streaming
    assert "attachment" in r["Content-Disposition"] and "east_rep" in r["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content)))
    files = {name.split("/")[-1]: name for name in archive.namelist()}
    kinds = ["customers", "contacts", "follow_ups", "tasks", "leads", "opportunities", "quotes", "contracts"]
    kinds += ["expense_claims"]
    assert set(files) == {f"{k}.xlsx" for k in kinds} | {"contents.txt"}

    def sheet(kind: str) -> list[tuple[Any, ...]]:
        book = openpyxl.load_workbook(io.BytesIO(archive.read(files[f"{kind}.xlsx"])))
        return list(book.active.iter_rows(values_only=True))

    # only the leaver's customers, and the formula is text
    names = sorted(row[0] for row in sheet("customers")[1:])
    assert names == ['\'=HYPERLINK("http://evil.example","点我")', "北京华腾科技有限公司"]
    assert [row[1] for row in sheet("contacts")[1:]] == ["王经理"]
    assert [row[0] for row in sheet("opportunities")[1:]] == ["二期项目"]
    assert [row[1] for row in sheet("contracts")[1:]] == ["软件采购合同"]
    assert len(sheet("quotes")) == 1  # headers only: the leaver made no quote
    # and the download is in the audit trail as an export of that user's data, with the rows per kind
    entry = AuditLog.objects.get(action="export", object_id=str(leaver.pk), content_type__model="user")
    assert entry.actor == people["admin"] and entry.changes["format"] == "xlsx"
    assert entry.changes["rows"] == {
        "customers": 2,
        "contacts": 1,
        "follow_ups": 1,
        "tasks": 1,
        "leads": 1,
        "opportunities": 1,
        "quotes": 0,
        "contracts": 1,
        "expense_claims": 1,
    }


def test_csv_files_are_formula_safe_too(people: Any, leaver: Any) -> None:
    r = download(people["admin"], leaver, fmt="csv")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content)))
    [customers] = [n for n in archive.namelist() if n.endswith("/customers.csv")]
    rows = list(csv.reader(io.StringIO(archive.read(customers).decode("utf-8-sig"))))
    assert sorted(row[0] for row in rows[1:])[0].startswith("'=HYPERLINK")


def test_only_administrators_may_download_and_a_refusal_leaves_no_trace(people: Any, leaver: Any) -> None:
    before = AuditLog.objects.count()
    # when a manager (who may export customers, but is no administrator) asks for the leaver's data
    r = download(people["east_manager"], leaver)
    # then it is refused, and nothing is written to the audit trail
    assert r.status_code == 403
    assert AuditLog.objects.count() == before


def test_an_unknown_format_is_refused_with_a_message(people: Any, leaver: Any) -> None:
    before = AuditLog.objects.count()
    web = Client()
    web.force_login(people["admin"])
    r = web.get(reverse("org:user_data_export", args=[leaver.pk]), {"fmt": "pdf"}, follow=True)
    assert r.redirect_chain[-1][0] == reverse("org:user_deactivate", args=[leaver.pk])
    assert "Choose CSV or XLSX." in r.content.decode()
    assert AuditLog.objects.count() == before


def test_the_deactivation_page_links_the_download(people: Any, leaver: Any) -> None:
    web = Client()
    web.force_login(people["admin"])
    page = web.get(reverse("org:user_deactivate", args=[leaver.pk])).content.decode()
    assert reverse("org:user_data_export", args=[leaver.pk]) + "?fmt=xlsx" in page


def test_a_closed_accounts_page_still_offers_the_download(people: Any, leaver: Any) -> None:
    # given the leaver's account was closed and handed over
    from guanxi.org.services import user_deactivate

    user_deactivate(actor=people["admin"], user=leaver, successor=people["east_rep2"])
    web = Client()
    web.force_login(people["admin"])
    # when the administrator opens the closed account, then the data can still be downloaded
    page = web.get(reverse("org:user_edit", args=[leaver.pk])).content.decode()
    assert reverse("org:user_data_export", args=[leaver.pk]) in page
    assert download(people["admin"], leaver).status_code == 200


def test_a_kind_the_administrator_may_not_export_is_left_out_and_named(people: Any, leaver: Any) -> None:
    # given a user administrator whose role may export customers but nothing else
    from guanxi.org.models import DataScope, Role
    from guanxi.org.tests.factories import UserFactory

    Role.objects.create(
        code="user_admin", name="用户管理员", permissions=["org.view", "org.admin", "customers.export"],
        data_scope=DataScope.ALL,
    )  # fmt: skip
    user_admin = UserFactory(username="user_admin", department=people.hq, roles=["user_admin"])
    # when they download the leaver's data
    r = download(user_admin, leaver)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content)))
    names = {name.split("/")[-1] for name in archive.namelist()}
    # then only the customers are in it, and contents.txt says what was left out and why
    assert names == {"customers.xlsx", "contents.txt"}
    [contents] = [n for n in archive.namelist() if n.endswith("contents.txt")]
    text = archive.read(contents).decode()
    assert "customers.xlsx: Customers (2)" in text and "Opportunities: not exported" in text
    entry = AuditLog.objects.get(action="export", object_id=str(leaver.pk))
    assert entry.changes["rows"] == {"customers": 2} and "opportunities" in entry.changes["left_out"]
