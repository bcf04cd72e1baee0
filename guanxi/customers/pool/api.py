"""REST endpoints of the public pool: list, claim, assign, return to pool, and the pool rules.

Mounted on the single NinjaAPI with `api.add_router("", pool_router)`; paths: /pool, /pool/claim,
/pool/assign, /customers/{id}/return, /pool/rules.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from guanxi.core.api import PageParams, error_responses, paginate
from guanxi.core.errors import NotFoundError, ValidationFailed
from guanxi.customers import selectors as customer_selectors
from guanxi.org.current import current_user
from guanxi.org.selectors import users_by_ids

from . import selectors, services
from .schemas import (
    AssignIn,
    ClaimIn,
    PoolActionOut,
    PoolCustomerOut,
    PoolFilters,
    PoolPage,
    PoolRuleIn,
    PoolRuleOut,
    ReturnIn,
)
from .services import PoolActionResult

router = Router()
POOL = ["Public pool"]
LIST_ERRORS = error_responses(400, 401, 403, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


def _result(result: PoolActionResult) -> dict[str, Any]:
    return {"done": result.done, "skipped": [{"id": pk, "reason": reason} for pk, reason in result.skipped]}


@router.get("/pool", response={200: PoolPage, **LIST_ERRORS}, tags=POOL, summary="List the public pool")
def pool_list(request: HttpRequest, filters: Query[PoolFilters], page: Query[PageParams]) -> object:
    """Pool customers you may see: your department and its sub-departments plus company-wide ones (all of them
    with the ALL data scope; none for partner-organisation users)."""
    qs = selectors.pool_list(user=current_user(request), filters=filters.dict(exclude_none=True))
    return paginate(qs, page)


@router.post("/pool/claim", response={200: PoolActionOut, **WRITE_ERRORS}, tags=POOL, summary="Claim customers")
def pool_claim(request: HttpRequest, payload: ClaimIn) -> object:
    """Take pool customers into your own book, within the daily claim limit and not ones you gave up during the
    cool-down. If none can be claimed the answer is an error saying why (409 `pool_claim_cap_reached`,
    `pool_cooldown`, `pool_already_claimed`); otherwise `skipped` lists the others with reasons."""
    return _result(services.pool_claim(actor=current_user(request), customer_ids=payload.ids))


@router.post("/pool/assign", response={200: PoolActionOut, **WRITE_ERRORS}, tags=POOL, summary="Assign customers")
def pool_assign(request: HttpRequest, payload: AssignIn) -> object:
    """Give pool customers to a user (needs `customers.assign`); the new owner is notified."""
    owner = users_by_ids(user=current_user(request), ids=[payload.owner_id], field="owner_id")[0]
    result = services.pool_assign(actor=current_user(request), customer_ids=payload.ids, owner=owner)
    return _result(result)


@router.post(
    "/customers/{customer_id}/return",
    response={200: PoolCustomerOut, **WRITE_ERRORS},
    tags=POOL,
    summary="Return a customer to the pool",
)
def customer_return(request: HttpRequest, customer_id: int, payload: ReturnIn) -> object:
    """The owner gives a customer up (with a reason), or a manager holding `customers.assign` releases one in
    their scope; the former owner is notified when it was not them."""
    customer = customer_selectors.customer_get(user=current_user(request), pk=customer_id)
    return services.customer_return_to_pool(actor=current_user(request), customer=customer, reason=payload.reason)


@router.get(
    "/pool/rules",
    response={200: list[PoolRuleOut], **error_responses(401, 403)},
    tags=POOL,
    summary="List the pool rules",
)
def rule_list(request: HttpRequest) -> object:
    """Every pool rule, company-wide first (needs `org.admin`, or `customers.assign` with the ALL scope)."""
    return [row["rule"] for row in selectors.pool_rule_list(user=current_user(request))]


@router.put("/pool/rules", response={200: PoolRuleOut, **WRITE_ERRORS}, tags=POOL, summary="Set a pool rule")
def rule_put(request: HttpRequest, payload: PoolRuleIn) -> object:
    """Create or change the rule of `department_id` (null: company-wide). Checks: the second warning and the
    return to the pool come no earlier than the first warning."""
    user = current_user(request)
    data = payload.dict(exclude_unset=True)
    department_id = data.pop("department_id", None)
    data = {k: v for k, v in data.items() if v is not None}
    try:
        department = selectors.pool_rule_department(user=user, pk=department_id) if department_id else None
    except NotFoundError as exc:
        raise ValidationFailed(exc.message, fields={"department_id": [exc.message]})
    rule = selectors.pool_rule_for_department(user=user, department_id=department_id)
    return services.pool_rule_save(actor=user, data=data, rule=rule, department=department)
