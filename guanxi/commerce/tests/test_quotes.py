"""Quotes: who may quote for whom, totals, the approval route by discount, versions, expiry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.approvals.selectors import approval_open_for
from guanxi.approvals.services import approval_approve, approval_reject
from guanxi.commerce import services
from guanxi.commerce.models import Quote
from guanxi.core.errors import InvalidStateError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def approvers(quote: Quote) -> list[str]:
    request = approval_open_for(quote)
    step = request.steps.order_by("order").first()
    return sorted(a.user.username for a in step.assignments.all())


def test_quote_totals_are_computed_from_the_lines(org: Any, customer: Any, products: list[Any]) -> None:
    # given two licences at 8折 and three days of implementation at list price, 9.5折 overall
    lines = [
        {"product": products[0], "quantity": Decimal("2"), "discount": Decimal("0.8")},
        {"product": products[2], "quantity": Decimal("3"), "discount": Decimal("1")},
    ]
    # when the rep quotes
    quote = services.quote_create(
        actor=org["east_rep"], customer=customer, data={"overall_discount": Decimal("0.95")}, lines=lines
    )
    # then: 2 × 8000 × 0.95 = 15200 (+13 % = 1976) and 3 × 2000 × 0.95 = 5700 (+6 % = 342)
    assert quote.subtotal == Decimal("20900.00")
    assert quote.tax_total == Decimal("2318.00")
    assert quote.total == Decimal("23218.00")
    assert quote.list_total == Decimal("26000.00")
    assert quote.min_discount_rate == Decimal("0.7600")
    assert quote.status == Quote.Status.DRAFT and quote.revision == 1 and quote.root_id == quote.pk
    assert quote.number.startswith("BJ" + timezone.localdate().strftime("%Y%m%d"))


def test_a_quote_needs_an_existing_active_customer(org: Any, products: list[Any]) -> None:
    line = [{"product": products[0], "quantity": 1}]
    pooled = CustomerFactory(owner=None, pool_entered_at=timezone.now())
    pending = CustomerFactory(owner=org["east_rep"], review_status="pending")
    # when the customer is missing, in the pool, or waiting for review: refused naming the customer field
    for customer in (None, pooled, pending):
        with pytest.raises(ValidationFailed) as exc:
            services.quote_create(actor=org["east_rep"], customer=customer, data={}, lines=line)
        assert "customer" in exc.value.fields
    # and a colleague's customer the rep cannot see
    other = CustomerFactory(owner=org["west_rep"])
    with pytest.raises(ValidationFailed) as exc:
        services.quote_create(actor=org["east_rep"], customer=other, data={}, lines=line)
    assert "customer" in exc.value.fields
    assert not Quote.objects.exists()


@pytest.mark.parametrize(
    ("discount", "approver"),
    [
        ("0.5", ["east_manager"]),
        ("0.48", ["assistant"]),
        ("0.45", ["assistant"]),
        ("0.44", ["impl_vp", "president", "rd_vp", "vp"]),
    ],
)
def test_quote_routes_by_lowest_discount(
    org: Any, execs: dict[str, Any], customer: Any, make_quote: Any, discount: str, approver: list[str]
) -> None:
    # given a draft quote at the discount (5折, 4.8折, 4.5折, 4.4折)
    quote = make_quote(org["east_rep"], customer, discount=discount)
    # when it is submitted
    quote = services.quote_submit(actor=org["east_rep"], quote=quote)
    # then it is locked in approval with the approver the default rules name
    assert quote.status == Quote.Status.IN_APPROVAL
    assert approvers(quote) == approver


def test_approval_moves_the_quote_and_locks_it_meanwhile(
    org: Any, execs: dict[str, Any], customer: Any, make_quote: Any
) -> None:
    quote = services.quote_submit(actor=org["east_rep"], quote=make_quote(org["east_rep"], customer, "0.48"))
    # while in approval, edits are refused
    with pytest.raises(InvalidStateError):
        services.quote_update(actor=org["east_rep"], quote=quote, data={"title": "改"})
    # when the president's assistant approves
    approval_approve(actor=execs["assistant"], request=approval_open_for(quote), comment="同意")
    quote.refresh_from_db()
    assert quote.status == Quote.Status.APPROVED


def test_rejected_quote_goes_back_to_draft(org: Any, execs: dict[str, Any], customer: Any, make_quote: Any) -> None:
    quote = services.quote_submit(actor=org["east_rep"], quote=make_quote(org["east_rep"], customer, "0.6"))
    approval_reject(actor=org["east_manager"], request=approval_open_for(quote), comment="价格太低")
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DRAFT
    # and it can be changed again
    services.quote_update(actor=org["east_rep"], quote=quote, data={"title": "新标题"})


def test_revise_makes_a_new_version_and_keeps_the_old(
    org: Any, execs: dict[str, Any], customer: Any, make_quote: Any
) -> None:
    quote = services.quote_submit(actor=org["east_rep"], quote=make_quote(org["east_rep"], customer, "0.6"))
    approval_approve(actor=org["east_manager"], request=approval_open_for(quote))
    quote.refresh_from_db()
    # when the rep revises the approved quote
    new = services.quote_revise(actor=org["east_rep"], quote=quote)
    # then the copy is version 2, a draft with the same lines and totals; the old one is superseded
    quote.refresh_from_db()
    assert (new.number, new.revision, new.status, new.root_id) == (quote.number, 2, "draft", quote.pk)
    assert new.total == quote.total and new.lines.count() == quote.lines.count()
    assert quote.status == Quote.Status.SUPERSEDED
    # and the old version cannot be revised again
    with pytest.raises(InvalidStateError):
        services.quote_revise(actor=org["east_rep"], quote=quote)


def test_only_approved_quotes_print(org: Any, customer: Any, make_quote: Any) -> None:
    quote = make_quote(org["east_rep"], customer)
    with pytest.raises(InvalidStateError):
        services.quote_pdf(actor=org["east_rep"], quote=quote)


def test_send_emails_the_pdf_and_marks_sent(
    org: Any,
    execs: dict[str, Any],
    customer: Any,
    make_quote: Any,
    smtp_server: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    quote = services.quote_submit(actor=org["east_rep"], quote=make_quote(org["east_rep"], customer, "0.6"))
    approval_approve(actor=org["east_manager"], request=approval_open_for(quote))
    # when the rep sends the approved quote
    with django_capture_on_commit_callbacks(execute=True):
        quote = services.quote_send(actor=org["east_rep"], quote=Quote(pk=quote.pk))
    # then the contact got an e-mail with the PDF attached and the quote is sent
    assert quote.status == Quote.Status.SENT and quote.sent_at is not None
    [mail] = smtp_server.messages
    assert mail["To"] == "chenming@example.com"
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")


def test_pdf_has_chinese_capitals(org: Any, execs: dict[str, Any], customer: Any, make_quote: Any) -> None:
    quote = services.quote_submit(actor=org["east_rep"], quote=make_quote(org["east_rep"], customer, "0.6"))
    approval_approve(actor=org["east_manager"], request=approval_open_for(quote))
    content, name = services.quote_pdf(actor=org["east_rep"], quote=quote)
    assert content.startswith(b"%PDF") and b"STSong-Light" in content
    assert name == f"{quote.number}-V1.pdf"
    assert AuditLog.objects.filter(action="export", object_id=str(quote.pk)).exists()


def test_expiry_job_expires_approved_and_sent_quotes_past_validity(
    org: Any, execs: dict[str, Any], customer: Any, make_quote: Any
) -> None:
    today = timezone.localdate()
    quote = make_quote(
        org["east_rep"],
        customer,
        "0.6",
        quote_date=today - dt.timedelta(days=40),
        valid_until=today - dt.timedelta(days=1),
    )
    draft = make_quote(
        org["east_rep"],
        customer,
        "0.6",
        quote_date=today - dt.timedelta(days=40),
        valid_until=today - dt.timedelta(days=1),
    )
    services.quote_submit(actor=org["east_rep"], quote=quote)
    approval_approve(actor=org["east_manager"], request=approval_open_for(quote))
    # when the daily job runs
    assert services.quotes_expire(today=today) == 1
    quote.refresh_from_db()
    draft.refresh_from_db()
    assert quote.status == Quote.Status.EXPIRED and draft.status == Quote.Status.DRAFT


def test_agent_quote_is_a_special_price_request_refused_without_recent_follow_up(
    org: Any, execs: dict[str, Any], products: list[Any]
) -> None:
    # given an agent's customer with no follow-up in 30 days and no address
    agent = org["agent_rep"]
    stale = CustomerFactory(owner=agent, phone="123", industry="软件", address="")
    quote = services.quote_create(
        actor=agent,
        customer=stale,
        data={},
        lines=[{"product": products[0], "quantity": 1, "discount": Decimal("0.6")}],
    )
    assert quote.special_price
    # when the agent submits it
    with pytest.raises(ValidationFailed) as exc:
        services.quote_submit(actor=agent, quote=quote)
    # then the error explains what is not up to date, and nothing changed
    message = exc.value.fields["customer"][0]
    assert "30" in message and "address" in message
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DRAFT and approval_open_for(quote) is None


def test_withdrawn_quote_is_editable_again(org: Any, execs: dict[str, Any], customer: Any, make_quote: Any) -> None:
    from guanxi.approvals.services import approval_withdraw

    quote = services.quote_submit(actor=org["east_rep"], quote=make_quote(org["east_rep"], customer, "0.6"))
    approval_withdraw(actor=org["east_rep"], request=approval_open_for(quote), comment="数量要改")
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DRAFT
    quote = services.quote_update(actor=org["east_rep"], quote=quote, data={}, lines=[
        {"product": quote.lines.first().product, "quantity": Decimal("5"), "discount": Decimal("0.6")},
    ])  # fmt: skip
    assert quote.total == Decimal("33900.00")  # 5 × 6000 + 13 %


def test_agent_with_fresh_customer_data_gets_a_special_price_route(
    org: Any, execs: dict[str, Any], products: list[Any]
) -> None:
    from guanxi.customers.tests.factories import FollowUpFactory

    agent = org["agent_rep"]
    kept = CustomerFactory(owner=agent, phone="021-1234", industry="零售", address="上海市徐汇区1号")
    FollowUpFactory(customer=kept, author=agent, occurred_at=timezone.now() - dt.timedelta(days=3))
    line = {"product": products[0], "quantity": 1, "discount": Decimal("0.48")}
    quote = services.quote_create(actor=agent, customer=kept, data={}, lines=[line])
    quote = services.quote_submit(actor=agent, quote=quote)
    request = approval_open_for(quote)
    assert request.kind == "special_price" and approvers(quote) == ["assistant"]
