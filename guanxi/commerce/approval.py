"""The commerce documents the approval engine routes (guanxi/approvals): quotes, special-price requests,
contracts and execution orders. Registered at start-up from providers.py."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.approvals.kinds import DocumentKind, FactSpec, register_document_kind

from .money import discount_label


def _quote_url(quote: Any) -> str:
    return reverse("commerce:quote_detail", args=[quote.pk])


def _quote_summary(quote: Any) -> str:
    # the inbox card shows the amount and the customer already (request amount and title)
    return f"{discount_label(quote.min_discount_rate)} · {quote.title}"


def _contract_url(contract: Any) -> str:
    return reverse("commerce:contract_detail", args=[contract.pk])


def _contract_summary(contract: Any) -> str:
    template = _("standard template") if contract.standard_template else _("non-standard template")
    return f"{discount_label(contract.min_discount_rate)} · {template} · {contract.title}"


def _order_url(order: Any) -> str:
    return reverse("commerce:execution_order_detail", args=[order.pk])


def _order_summary(order: Any) -> str:
    return f"{order.contract.number} · {order.customer}"


def _on_quote(**kwargs: Any) -> None:
    from .services import quote_on_decided

    quote_on_decided(**kwargs)


def _on_contract(**kwargs: Any) -> None:
    from .services import contract_on_decided

    contract_on_decided(**kwargs)


def _on_order(**kwargs: Any) -> None:
    from .services import execution_order_on_decided

    execution_order_on_decided(**kwargs)


QUOTE_FACTS = {
    "min_discount_rate": FactSpec(_("Lowest discount"), "decimal", "discount"),
    "amount": FactSpec(_("Amount"), "decimal", "money"),
    "department_id": FactSpec(_("Department"), "department"),
}


def register() -> None:
    register_document_kind(
        DocumentKind(
            code="quote",
            label=_("Quote"),
            model="commerce.quote",
            facts=QUOTE_FACTS,
            on_decided=_on_quote,
            url=_quote_url,
            summary=_quote_summary,
        )
    )
    register_document_kind(
        DocumentKind(
            code="special_price",
            label=_("Special-price request"),
            model="commerce.quote",
            facts=QUOTE_FACTS,
            on_decided=_on_quote,
            url=_quote_url,
            summary=_quote_summary,
        )
    )
    register_document_kind(
        DocumentKind(
            code="contract",
            label=_("Contract"),
            model="commerce.contract",
            facts={
                "amount": FactSpec(_("Amount"), "decimal", "money"),
                "min_discount_rate": FactSpec(_("Lowest discount"), "decimal", "discount"),
                "standard_template": FactSpec(_("Standard template"), "bool"),
                "department_id": FactSpec(_("Department"), "department"),
            },
            on_decided=_on_contract,
            url=_contract_url,
            summary=_contract_summary,
        )
    )
    register_document_kind(
        DocumentKind(
            code="execution_order",
            label=_("Execution order"),
            model="commerce.executionorder",
            facts={
                "amount": FactSpec(_("Amount"), "decimal", "money"),
                "department_id": FactSpec(_("Department"), "department"),
            },
            on_decided=_on_order,
            url=_order_url,
            summary=_order_summary,
        )
    )
