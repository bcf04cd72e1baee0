"""The web pages: receivables, ageing, statement, a contract's money page and its forms, the customer and
contract tabs, expense claims; permissions and query counts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.billing import services
from guanxi.billing.models import ExpenseClaim, Instalment, Invoice, Payment
from guanxi.customers.tests.factories import FollowUpFactory

from .factories import ContractFactory

pytestmark = pytest.mark.django_db
D = Decimal


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_money_page_plan_payment_invoice_forms(people: Any, contract: Any) -> None:
    c = client_for(people["finance"])
    url = f"/billing/contracts/{contract.pk}/"
    assert c.get(url).status_code == 200
    # generate 3 equal instalments
    r = c.post(
        f"{url}plan/generate/", {"how": "equal", "count": "3", "first_due_date": "2026-11-01", "months_between": "1"}
    )
    assert r.status_code == 302
    assert [i.amount for i in Instalment.objects.filter(contract=contract)] == [
        D("33333.33"),
        D("33333.33"),
        D("33333.34"),
    ]
    # a plan that does not add up is refused with a message, nothing changes
    first = Instalment.objects.filter(contract=contract).first()
    r = c.post(f"{url}plan/", {"rows": "1", "id_0": first.pk, "due_date_0": "2026-11-01", "amount_0": "1"}, follow=True)
    assert "¥99,999.00" in r.content.decode() or "99,999.00" in r.content.decode()
    assert Instalment.objects.filter(contract=contract).count() == 3
    # a payment, then an invoice at 13 %
    c.post(f"{url}payments/", {"amount": "40000", "received_on": "2026-11-20", "method": "bank_transfer"})
    assert Payment.objects.get().amount == D("40000")
    c.post(f"{url}invoices/", {"number": "F-1", "amount": "11300", "tax_rate": "13", "kind": "ordinary"})
    assert Invoice.objects.get().tax_amount == D("1300.00")
    page = c.get(url).content.decode()
    assert "60,000.00" in page  # balance due


def test_money_page_scope(people: Any, contract: Any) -> None:
    assert client_for(people["east_rep"]).get(f"/billing/contracts/{contract.pk}/").status_code == 200
    assert client_for(people["west_rep"]).get(f"/billing/contracts/{contract.pk}/").status_code == 404
    # a rep's POST is refused and writes nothing
    r = client_for(people["east_rep"]).post(
        f"/billing/contracts/{contract.pk}/plan/generate/", {"count": "2", "first_due_date": "2026-12-01"}
    )
    assert r.status_code == 403
    assert not Instalment.objects.exists()
    # a reader without payments.create is refused before the form is read: a bad form is still a 403, not a page
    r = client_for(people["east_rep"]).post(f"/billing/contracts/{contract.pk}/payments/", {"amount": "x"})
    assert r.status_code == 403
    assert not Payment.objects.exists()


def test_report_pages_render_with_bounded_queries(
    people: Any, contract: Any, django_assert_max_num_queries: Any
) -> None:
    for _i in range(5):
        other = ContractFactory(customer=contract.customer, owner=people["east_rep"], amount=D("1000"))
        services.payment_plan_save(
            actor=people["finance"], contract=other, instalments=[{"due_date": "2026-10-01", "amount": "1000"}]
        )
        services.invoice_issue(
            actor=people["finance"], contract=other, data={"number": f"X{other.pk}", "amount": "500"}
        )
    c = client_for(people["finance"])
    c.get("/billing/")
    for url in (
        "/billing/",
        "/billing/?group=owner",
        "/billing/ageing/",
        "/billing/ageing/?group=department",
        "/billing/statement/",
    ):
        with django_assert_max_num_queries(25):
            r = c.get(url)
        assert r.status_code == 200, url
    assert client_for(people["nobody"]).get("/billing/").status_code == 403


def test_exports_download(people: Any, contract: Any) -> None:
    c = client_for(people["finance"])
    r = c.get("/billing/export/?group=customer&fmt=csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert c.get("/billing/ageing/export/?fmt=xlsx").status_code == 200
    assert c.get("/billing/statement/export/?month=2026-11&fmt=csv").status_code == 200
    assert client_for(people["east_rep"]).get("/billing/export/?fmt=csv").status_code == 403


def test_customer_tabs_show_money(people: Any, contract: Any) -> None:
    services.payment_plan_save(
        actor=people["finance"], contract=contract, instalments=[{"due_date": "2026-11-01", "amount": "100000"}]
    )
    services.payment_record(actor=people["finance"], contract=contract, data={"amount": "12345.67"})
    services.invoice_issue(actor=people["finance"], contract=contract, data={"number": "INV-777", "amount": "20000"})
    page = client_for(people["east_rep"]).get(f"/customers/{contract.customer_id}/").content.decode()
    assert "12,345.67" in page and "INV-777" in page and "87,654.33" in page


def test_contract_tab_renders_for_commerce(people: Any, contract: Any, rf: Any) -> None:
    from guanxi.core.registry import registry

    (tab,) = [t for t in registry.tabs_for("commerce.contract") if t.key == "money"]
    request = rf.get("/")
    request.user = people["finance"]
    count, html = tab.render(request, contract)
    assert count == 0 and "Payment plan" in html
    request.user = people["west_rep"]
    count, html = tab.render(request, contract)
    assert count == 0 and "Payment plan" not in html


def test_expense_claim_pages(people: Any) -> None:
    from guanxi.customers.tests.factories import CustomerFactory

    customer = CustomerFactory(owner=people["east_rep"])
    visit = FollowUpFactory(customer=customer, author=people["east_rep"])
    c = client_for(people["east_rep"])
    assert c.get("/billing/expenses/").status_code == 200
    assert c.get(f"/billing/expenses/new/?customer={customer.pk}").status_code == 200
    today = timezone.localdate().isoformat()
    base = {
        "save": "1",
        "title": "拜访",
        "customer": customer.pk,
        "rows": "2",
        "category_0": "travel",
        "spent_on_0": today,
        "amount_0": "88.80",
    }
    # without a follow-up: the form comes back with the rule, nothing saved
    r = c.post("/billing/expenses/new/", base)
    assert r.status_code == 400 and not ExpenseClaim.objects.exists()
    # an amount that is not a number: the field is named, the typed title kept
    r = c.post("/billing/expenses/new/", {**base, "follow_up": visit.pk, "amount_0": "八十"})
    assert r.status_code == 400 and "Amount" in r.content.decode() and 'value="拜访"' in r.content.decode()
    assert not ExpenseClaim.objects.exists()
    r = c.post("/billing/expenses/new/", {**base, "follow_up": visit.pk})
    claim = ExpenseClaim.objects.get()
    assert r.status_code == 302 and claim.amount == D("88.80")
    assert c.get(f"/billing/expenses/{claim.pk}/").status_code == 200
    c.post(f"/billing/expenses/{claim.pk}/submit/")
    claim.refresh_from_db()
    assert claim.status == "in_approval"
    assert client_for(people["west_rep"]).get(f"/billing/expenses/{claim.pk}/").status_code == 404


def test_reminder_settings_page(people: Any) -> None:
    assert client_for(people["finance"]).get("/billing/settings/").status_code == 403
    c = client_for(people["admin"])
    r = c.post(
        "/billing/settings/", {"first_overdue_days": "5", "second_overdue_days": "20", "remind_on_due_date": "1"}
    )
    assert r.status_code == 302
    from guanxi.billing.policies import reminder_policy

    assert (reminder_policy().first_overdue_days, reminder_policy().second_overdue_days) == (5, 20)


def test_invoice_search(people: Any, contract: Any) -> None:
    from guanxi.core.registry import registry

    services.invoice_issue(actor=people["finance"], contract=contract, data={"number": "44001234", "amount": "100"})
    (source,) = [s for s in registry.search if s.key == "invoices"]
    assert source.search(user=people["finance"], query="4400", limit=5)[0]["title"].startswith("44001234")
    assert source.search(user=people["west_rep"], query="4400", limit=5) == []


def test_invoice_payment_lists_and_claim_export(people: Any, contract: Any, django_assert_max_num_queries: Any) -> None:
    services.payment_plan_save(
        actor=people["finance"], contract=contract, instalments=[{"due_date": "2026-11-01", "amount": "100000"}]
    )
    for i in range(4):
        services.payment_record(actor=people["finance"], contract=contract, data={"amount": "100"})
        services.invoice_issue(actor=people["finance"], contract=contract, data={"number": f"L-{i}", "amount": "100"})
    c = client_for(people["finance"])
    c.get("/billing/invoices/")
    for url in ("/billing/invoices/", "/billing/payments/", "/billing/invoices/?q=L-1&status=issued"):
        with django_assert_max_num_queries(26):  # the toolkit's scene counts, views and columns; none per row
            assert c.get(url).status_code == 200
    assert "L-3" in c.get("/billing/invoices/").content.decode()
    assert client_for(people["west_rep"]).get("/billing/invoices/").content.decode().count("L-3") == 0
    assert c.get("/billing/payments/?date_from=bad").status_code == 200
    assert c.get("/billing/expenses/export/?fmt=csv").status_code == 200
    assert client_for(people["east_rep"]).get("/billing/expenses/export/?fmt=csv").status_code == 403


def test_receipts_are_served_only_to_those_who_see_the_claim(people: Any, settings: Any, tmp_path: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from guanxi.customers.tests.factories import CustomerFactory

    settings.MEDIA_ROOT = str(tmp_path)
    customer = CustomerFactory(owner=people["east_rep"])
    visit = FollowUpFactory(customer=customer, author=people["east_rep"])
    claim = services.expense_claim_create(
        actor=people["east_rep"],
        data={"title": "出租车", "customer": customer, "follow_up": visit},
        lines=[
            {
                "category": "transport",
                "spent_on": timezone.localdate(),
                "amount": "56",
                "receipt": SimpleUploadedFile("taxi.pdf", b"%PDF-1.4 receipt", content_type="application/pdf"),
            }
        ],
    )
    page = client_for(people["east_manager"]).get(f"/billing/expenses/{claim.pk}/").content.decode()
    url = f"/files/expense-receipt/{claim.lines.get().pk}/"
    assert url in page
    r = client_for(people["east_manager"]).get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4 receipt"
    assert client_for(people["west_rep"]).get(url).status_code == 404


def test_navigation_marks_one_money_section(people: Any) -> None:
    c = client_for(people["finance"])
    for url, key in (
        ("/billing/", "receivables"),
        ("/billing/ageing/", "receivables"),
        ("/billing/expenses/", "expense_claims"),
    ):
        response = c.get(url)
        assert [e["item"].key for e in response.context["nav_items"] if e["active"]] == [key]
    keys = [e["item"].key for e in client_for(people["nobody"]).get("/customers/my-day/").context["nav_items"]]
    assert "receivables" not in keys and "expense_claims" not in keys


def test_balance_due_on_a_contract_follows_the_payments_permission(people: Any, contract: Any, api_as: Any) -> None:
    from guanxi.org.models import DataScope, Role
    from guanxi.org.tests.factories import UserFactory

    # given a role that reads every contract but no money, and finance who reads the money
    role = Role.objects.create(
        code="contract_reader", name="Contract reader", data_scope=DataScope.ALL, permissions=["contracts.view"]
    )
    reader = UserFactory(username="contract_reader", department=people.hq)
    reader.roles.add(role)
    url = f"/commerce/contracts/{contract.pk}/"
    # when the contract reader opens the contract page and its API
    page = client_for(reader).get(url)
    answer = api_as(reader).call("get", f"/contracts/{contract.pk}")
    # then the contract is there, its balance due is not
    assert page.status_code == 200 and "HT-2026-00001" in page.content.decode()
    assert "Balance due" not in page.content.decode()
    assert answer.status_code == 200 and answer.json()["balance_due"] is None
    # when finance does, then the balance due shows (nothing paid yet: the whole ¥100,000)
    assert "Balance due" in client_for(people["finance"]).get(url).content.decode()
    assert api_as(people["finance"]).call("get", f"/contracts/{contract.pk}").json()["balance_due"] == "100000.00"


def test_a_refused_money_form_keeps_what_was_typed(people: Any, contract: Any) -> None:
    # given a contract with a plan
    c = client_for(people["finance"])
    url = f"/billing/contracts/{contract.pk}/"
    c.post(f"{url}plan/generate/", {"how": "equal", "count": "2", "first_due_date": "2026-11-01"})
    # when a payment above the balance due and an invoice with a bad date are posted
    r = c.post(f"{url}payments/", {"amount": "999999", "received_on": "2026-11-20", "account": "招商银行 6225"})
    # then the page comes back with the reason and the typed values, and nothing is written
    page = r.content.decode()
    assert r.status_code == 400 and "999999" in page and "招商银行 6225" in page and "balance due" in page
    assert not Payment.objects.exists()
    r = c.post(f"{url}invoices/", {"number": "F-9", "amount": "100", "issued_on": "2026-13-01"})
    page = r.content.decode()
    assert r.status_code == 400 and 'value="F-9"' in page and "Invoice date" in page
    assert not Invoice.objects.exists()


def test_claim_export_headers_read_in_chinese(people: Any) -> None:
    # given finance reading in Chinese
    from django.utils import translation

    # when it exports the expense claims, then the first column is the claim (报销单), not "claim a customer" (领取)
    with translation.override("zh-hans"):
        body, _, _ = services.expense_claims_export(actor=people["finance"], params={}, fmt="csv")
    header = body.decode("utf-8-sig").splitlines()[0]
    assert header.split(",")[0] == "报销单"
