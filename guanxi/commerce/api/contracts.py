"""REST endpoints of contracts (合同): created from a quote, an opportunity or blank; approval, signing,
execution."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Status

from guanxi.core.api import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    IfMatch,
    PageParams,
    expected_version,
    idempotent,
    paginate,
    set_etag,
)
from guanxi.customers.models import Customer
from guanxi.org.current import current_user
from guanxi.org.lists.custom import filter_by_custom

from .. import selectors, services
from ..models import Contract
from ..schemas.contracts import (
    ContractDetailOut,
    ContractFilters,
    ContractIn,
    ContractPage,
    ContractPatch,
    SignIn,
    TerminateIn,
)
from ..schemas.quotes import RouteOut
from ._common import (
    CONTRACTS,
    one_of,
    router,
)


# --- contracts -------------------------------------------------------------------------------
def _contract_data(customer: Customer | None, data: dict[str, Any]) -> dict[str, Any]:
    if "contact_id" in data:
        pk = data.pop("contact_id")
        data["contact"] = one_of(selectors.contact_choices(customer=customer), pk, "contact_id") if pk else None
    for key in ("terms", "note"):
        if key in data and data[key] is None:
            data[key] = ""
    return {k: v for k, v in data.items() if v is not None or k in ("contact", "starts_on", "ends_on")}


def _contract_detail(request: HttpRequest, contract: Contract, response: HttpResponse) -> Contract:
    contract = selectors.contract_detail(user=current_user(request), pk=contract.pk)
    set_etag(response, contract)
    return contract


@router.get("/contracts", response={200: ContractPage, **LIST_ERRORS}, tags=CONTRACTS, summary="List contracts")
def contract_list(request: HttpRequest, filters: Query[ContractFilters], page: Query[PageParams]) -> object:
    user = current_user(request)
    qs = selectors.contract_list(user=user, filters=filters.dict(exclude_none=True, exclude={"custom"}))
    return paginate(filter_by_custom(qs, user=user, model_label="commerce.contract", pairs=filters.custom or []), page)


@router.get(
    "/contracts/{int:contract_id}",
    response={200: ContractDetailOut, **READ_ERRORS},
    tags=CONTRACTS,
    summary="Get a contract",
)
def contract_get(request: HttpRequest, contract_id: int, response: HttpResponse) -> object:
    contract = selectors.contract_detail(user=current_user(request), pk=contract_id)
    set_etag(response, contract)
    return contract


@router.get(
    "/contracts/{int:contract_id}/route",
    response={200: RouteOut, **READ_ERRORS},
    tags=CONTRACTS,
    summary="Who would approve",
)
def contract_route(request: HttpRequest, contract_id: int) -> object:
    """The approval route the contract would take on submission and why ("此合同需……审批：金额…")."""
    user = current_user(request)
    return selectors.contract_route_preview(user=user, contract=selectors.contract_get(user=user, pk=contract_id))


@router.post("/contracts", response={201: ContractDetailOut, **WRITE_ERRORS}, tags=CONTRACTS, summary="Create")
@idempotent
def contract_create(request: HttpRequest, payload: ContractIn, response: HttpResponse) -> object:
    """From `quote_id` (approved/accepted), `opportunity_id`, or `customer_id` + `amount`; numbered from the
    contract sequence."""
    user = current_user(request)
    data = payload.dict(exclude_unset=True)
    source = services.contract_source_choose(
        actor=user,
        quote_id=data.pop("quote_id", None),
        opportunity_id=data.pop("opportunity_id", None),
        customer_id=data.pop("customer_id", None),
    )
    contract = services.contract_create(
        actor=user,
        customer=source.customer,
        data=_contract_data(source.customer, data),
        quote=source.quote,
        opportunity=source.opportunity,
    )
    return Status(201, _contract_detail(request, contract, response))


@router.patch(
    "/contracts/{int:contract_id}",
    response={200: ContractDetailOut, **WRITE_ERRORS},
    tags=CONTRACTS,
    summary="Update a draft contract",
)
def contract_update(
    request: HttpRequest,
    contract_id: int,
    payload: ContractPatch,
    response: HttpResponse,
    if_match: str | None = IfMatch,
) -> object:
    user = current_user(request)
    data = payload.dict(exclude_unset=True)
    version = expected_version(if_match, data.pop("version", None))
    contract = selectors.contract_get(user=user, pk=contract_id, action="edit")
    services.contract_update(
        actor=user, contract=contract, data=_contract_data(contract.customer, data), expected_version=version
    )
    return _contract_detail(request, contract, response)


def _contract_action(request: HttpRequest, contract_id: int, response: HttpResponse, run: Any) -> Contract:
    user = current_user(request)
    contract = selectors.contract_get(user=user, pk=contract_id, action="edit")
    run(user, contract)
    return _contract_detail(request, contract, response)


@router.post(
    "/contracts/{int:contract_id}/submit",
    response={200: ContractDetailOut, **WRITE_ERRORS},
    tags=CONTRACTS,
    summary="Submit for approval",
)
def contract_submit(request: HttpRequest, contract_id: int, response: HttpResponse) -> object:
    """≤ 200,000, above 4.5折 and standard template → the department manager; otherwise countersign."""
    return _contract_action(request, contract_id, response, lambda u, c: services.contract_submit(actor=u, contract=c))


@router.post(
    "/contracts/{int:contract_id}/sign",
    response={200: ContractDetailOut, **WRITE_ERRORS},
    tags=CONTRACTS,
    summary="Mark signed",
)
def contract_sign(request: HttpRequest, contract_id: int, payload: SignIn, response: HttpResponse) -> object:
    """An approved contract is signed on a date; its open opportunity is closed as won."""
    return _contract_action(
        request,
        contract_id,
        response,
        lambda u, c: services.contract_sign(
            actor=u, contract=c, signed_on=payload.signed_on, expected_version=payload.version
        ),
    )


@router.post(
    "/contracts/{int:contract_id}/terminate",
    response={200: ContractDetailOut, **WRITE_ERRORS},
    tags=CONTRACTS,
    summary="Terminate",
)
def contract_terminate(request: HttpRequest, contract_id: int, payload: TerminateIn, response: HttpResponse) -> object:
    return _contract_action(
        request,
        contract_id,
        response,
        lambda u, c: services.contract_terminate(actor=u, contract=c, reason=payload.reason),
    )


@router.post(
    "/contracts/{int:contract_id}/execute",
    response={200: ContractDetailOut, **WRITE_ERRORS},
    tags=CONTRACTS,
    summary="Start execution",
)
def contract_execute(request: HttpRequest, contract_id: int, response: HttpResponse) -> object:
    return _contract_action(
        request, contract_id, response, lambda u, c: services.contract_start_execution(actor=u, contract=c)
    )


@router.post(
    "/contracts/{int:contract_id}/complete",
    response={200: ContractDetailOut, **WRITE_ERRORS},
    tags=CONTRACTS,
    summary="Complete",
)
def contract_complete(request: HttpRequest, contract_id: int, response: HttpResponse) -> object:
    return _contract_action(
        request, contract_id, response, lambda u, c: services.contract_complete(actor=u, contract=c)
    )
