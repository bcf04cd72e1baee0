"""The commerce tabs on the customer 360 page (quotes, contracts, orders) and on the opportunity page (quotes,
contracts), rendered for the customers and sales apps; plus the opportunity page's "new quote / contract" buttons."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.org.policies import has_permission

from . import selectors


def _no_permission(request: HttpRequest) -> tuple[None, str]:
    return None, render_to_string("customers/_no_permission.html", {}, request=request)


def customer_quotes_tab(request: HttpRequest, customer: Any) -> tuple[int | None, str]:
    user = request.user
    if not has_permission(user, "quotes.view"):
        return _no_permission(request)
    quotes = selectors.customer_quotes(user=user, customer=customer)
    html = render_to_string(
        "commerce/tabs/quotes.html",
        {
            "quotes": quotes,
            "new_url": _new_quote_url(customer=customer) if has_permission(user, "quotes.create") else "",
        },
        request=request,
    )
    return len(quotes), html


def customer_contracts_tab(request: HttpRequest, customer: Any) -> tuple[int | None, str]:
    user = request.user
    if not has_permission(user, "contracts.view"):
        return _no_permission(request)
    contracts = selectors.customer_contracts(user=user, customer=customer)
    html = render_to_string(
        "commerce/tabs/contracts.html",
        {
            "contracts": contracts,
            "new_url": _new_contract_url(customer=customer) if has_permission(user, "contracts.create") else "",
        },
        request=request,
    )
    return len(contracts), html


def customer_orders_tab(request: HttpRequest, customer: Any) -> tuple[int | None, str]:
    user = request.user
    if not (has_permission(user, "orders.view") or has_permission(user, "implementation.view")):
        return _no_permission(request)
    orders = selectors.customer_orders(user=user, customer=customer)
    html = render_to_string("commerce/tabs/orders.html", {"orders": orders}, request=request)
    return len(orders["execution"]) + len(orders["implementation"]), html


def _new_quote_url(*, customer: Any, opportunity: Any = None) -> str:
    url = f"{reverse('commerce:quote_create')}?customer={customer.pk}"
    return f"{url}&opportunity={opportunity.pk}" if opportunity is not None else url


def _new_contract_url(*, customer: Any = None, opportunity: Any = None) -> str:
    if opportunity is not None:
        return f"{reverse('commerce:contract_create')}?opportunity={opportunity.pk}"
    return f"{reverse('commerce:contract_create')}?customer={customer.pk}"


def _opportunity_open(opportunity: Any) -> bool:
    return opportunity.status != "lost" and opportunity.deleted_at is None


def opportunity_quotes_tab(request: HttpRequest, opportunity: Any) -> tuple[int | None, str]:
    user = request.user
    if not has_permission(user, "quotes.view"):
        return _no_permission(request)
    quotes = selectors.opportunity_quotes(user=user, opportunity=opportunity)
    may_create = has_permission(user, "quotes.create") and _opportunity_open(opportunity)
    new_url = _new_quote_url(customer=opportunity.customer, opportunity=opportunity) if may_create else ""
    html = render_to_string("commerce/tabs/quotes.html", {"quotes": quotes, "new_url": new_url}, request=request)
    return len(quotes), html


def opportunity_contracts_tab(request: HttpRequest, opportunity: Any) -> tuple[int | None, str]:
    user = request.user
    if not has_permission(user, "contracts.view"):
        return _no_permission(request)
    contracts = selectors.opportunity_contracts(user=user, opportunity=opportunity)
    may_create = has_permission(user, "contracts.create") and _opportunity_open(opportunity)
    new_url = _new_contract_url(opportunity=opportunity) if may_create else ""
    html = render_to_string(
        "commerce/tabs/contracts.html", {"contracts": contracts, "new_url": new_url}, request=request
    )
    return len(contracts), html


def opportunity_actions(request: HttpRequest, opportunity: Any) -> list[dict[str, str]]:
    """The opportunity page's buttons for starting a quote or a contract, for users who may create them."""
    user = request.user
    if not _opportunity_open(opportunity):
        return []
    actions = []
    if has_permission(user, "quotes.create"):
        actions.append({"label": _("New quote"), "icon": "ti-file-dollar",
                        "url": _new_quote_url(customer=opportunity.customer, opportunity=opportunity)})  # fmt: skip
    if has_permission(user, "contracts.create"):
        actions.append({"label": _("New contract"), "icon": "ti-file-certificate",
                        "url": _new_contract_url(opportunity=opportunity)})  # fmt: skip
    return actions
