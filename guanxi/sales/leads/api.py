"""REST endpoints for leads (entry, screening, assignment, conversion) and the assignment rules.

Each endpoint parses its schema, calls one selector or service (which check permission and data
scope) and serialises the result; errors become the shared envelope (guanxi.core.api).
"""

# No `from __future__ import annotations` here: django-ninja reads the endpoint annotations at import
# time, and decorated endpoints (@idempotent) would hand it unresolved strings.
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from guanxi.core.api import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    IfMatch,
    PageParams,
    expected_version,
    idempotent,
    keep_operation_ids,
    paginate,
    set_etag,
)
from guanxi.core.errors import NotFoundError, ValidationFailed
from guanxi.org.current import current_user
from guanxi.org.lists.custom import filter_by_custom
from guanxi.org.selectors import directory_department_get, users_by_ids

from . import selectors, services
from .models import Lead
from .schemas import (
    LeadAssignByRulesIn,
    LeadAssignIn,
    LeadAssignOut,
    LeadConvertIn,
    LeadConvertOut,
    LeadFilters,
    LeadIn,
    LeadLoseIn,
    LeadOut,
    LeadPage,
    LeadPatch,
    LeadRuleIn,
    LeadRuleOut,
    LeadRuleOutcomeOut,
    LeadRulePatch,
    LeadScreenIn,
)

router = Router()

LEADS = ["Leads"]
RULES = ["Lead assignment rules"]


def _user(request: HttpRequest, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    return users_by_ids(user=current_user(request), ids=[pk], field=field)[0]


def _department(request: HttpRequest, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    try:
        return directory_department_get(user=current_user(request), pk=pk)
    except NotFoundError as exc:
        raise ValidationFailed(exc.message, fields={field: [exc.message]})


def _rule_data(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """target_user_id / target_department_id → the rows the service expects."""
    if "target_user_id" in data:
        data["target_user"] = _user(request, data.pop("target_user_id"), "target_user_id")
    if "target_department_id" in data:
        data["target_department"] = _department(request, data.pop("target_department_id"), "target_department_id")
    return data


# --- leads -----------------------------------------------------------------------------------
@router.get("/leads", response={200: LeadPage, **LIST_ERRORS}, tags=LEADS, summary="List leads")
def lead_list(request: HttpRequest, filters: Query[LeadFilters], page: Query[PageParams]) -> object:
    """The leads you may see (owner-less ones too if you hold leads.assign), with the web list's filters
    (repeat `status` and `source` for several values) and `sort`."""
    user = current_user(request)
    qs = selectors.lead_list(user=user, filters=filters.dict(exclude_none=True, exclude={"custom"}))
    return paginate(filter_by_custom(qs, user=user, model_label="sales.lead", pairs=filters.custom or []), page)


@router.post("/leads", response={201: LeadOut, **WRITE_ERRORS}, tags=LEADS, summary="Create a lead")
@idempotent
def lead_create(request: HttpRequest, payload: LeadIn, response: HttpResponse) -> object:
    """Enter a lead (needs leads.create). With `owner_id` it is assigned at once and the owner is told."""
    data = payload.dict(exclude_unset=True)
    owner = _user(request, data.pop("owner_id", None), "owner_id")
    lead = services.lead_create(actor=current_user(request), data=data, owner=owner)
    set_etag(response, lead)
    return Status(201, lead)


@router.get("/leads/{int:lead_id}", response={200: LeadOut, **READ_ERRORS}, tags=LEADS, summary="Get a lead")
def lead_get(request: HttpRequest, lead_id: int, response: HttpResponse) -> object:
    """One lead; the ETag header carries its version for If-Match."""
    lead = selectors.lead_get(user=current_user(request), pk=lead_id)
    set_etag(response, lead)
    return lead


@router.patch("/leads/{int:lead_id}", response={200: LeadOut, **WRITE_ERRORS}, tags=LEADS, summary="Update a lead")
def lead_update(
    request: HttpRequest, lead_id: int, payload: LeadPatch, response: HttpResponse, if_match: str | None = IfMatch
) -> object:
    """Correct the fields sent (not status or owner: those change through their own actions).
    Send `If-Match: "<version>"` (or `version`) to refuse overwriting a newer change (412)."""
    data = payload.dict(exclude_unset=True)
    version = expected_version(if_match, data.pop("version", None))
    data = {k: ("" if v is None else v) for k, v in data.items()}  # null clears a text field
    lead = services.lead_update(actor=current_user(request), lead=Lead(pk=lead_id), data=data, expected_version=version)
    set_etag(response, lead)
    return lead


@router.post(
    "/leads/{int:lead_id}/screen", response={200: LeadOut, **WRITE_ERRORS}, tags=LEADS, summary="Screen a lead"
)
def lead_screen(request: HttpRequest, lead_id: int, payload: LeadScreenIn, response: HttpResponse) -> object:
    """Mark a new lead valid or invalid (invalid needs a `reason`). Needs leads.assign."""
    lead = services.lead_screen(
        actor=current_user(request),
        lead=Lead(pk=lead_id),
        valid=payload.valid,
        reason=payload.reason,
    )
    set_etag(response, lead)
    return lead


@router.post("/leads/assign", response={200: LeadAssignOut, **WRITE_ERRORS}, tags=LEADS, summary="Assign leads")
def lead_assign(request: HttpRequest, payload: LeadAssignIn) -> object:
    """Give leads to a user within your data scope who may view leads; each new owner is notified once.
    Leads you may not assign are reported as skipped, not as an error."""
    assignee = _user(request, payload.assignee_id, "assignee_id")
    assigned, skipped = services.lead_assign(actor=current_user(request), lead_ids=payload.ids, assignee=assignee)
    return {"assigned": assigned, "skipped": skipped}


@router.post(
    "/leads/assign-by-rules",
    response={200: list[LeadRuleOutcomeOut], **WRITE_ERRORS},
    tags=LEADS,
    summary="Assign leads by the rules",
)
def lead_assign_by_rules(request: HttpRequest, payload: LeadAssignByRulesIn) -> object:
    """Apply the active assignment rules (in order) to unowned new/valid leads; returns who got what."""
    outcomes = services.lead_assign_by_rules(actor=current_user(request), lead_ids=payload.ids)
    return [
        {"lead_id": o.lead.pk, "assignee": o.user, "rule_id": o.rule.pk if o.rule else None, "result": o.reason}
        for o in outcomes
    ]


@router.post(
    "/leads/{int:lead_id}/follow", response={200: LeadOut, **WRITE_ERRORS}, tags=LEADS, summary="Start follow-up"
)
def lead_follow(request: HttpRequest, lead_id: int, response: HttpResponse) -> object:
    """An assigned lead is now being followed up."""
    lead = services.lead_mark_following(actor=current_user(request), lead=Lead(pk=lead_id))
    set_etag(response, lead)
    return lead


@router.post("/leads/{int:lead_id}/lose", response={200: LeadOut, **WRITE_ERRORS}, tags=LEADS, summary="Lose a lead")
def lead_lose(request: HttpRequest, lead_id: int, payload: LeadLoseIn, response: HttpResponse) -> object:
    lead = services.lead_lose(actor=current_user(request), lead=Lead(pk=lead_id), reason=payload.reason)
    set_etag(response, lead)
    return lead


@router.post(
    "/leads/{int:lead_id}/convert",
    response={201: LeadConvertOut, **WRITE_ERRORS},
    tags=LEADS,
    summary="Convert a lead into a customer",
)
@idempotent
def lead_convert(request: HttpRequest, lead_id: int, payload: LeadConvertIn, if_match: str | None = IfMatch) -> object:
    """Creates the customer (the duplicate check runs first and may refuse with 400/409), a contact from
    the person fields and, with `create_opportunity`, an opportunity — all or nothing. The customer
    goes to the lead's owner. Errors on `name`/`credit_code` concern the new customer."""
    data = payload.dict(exclude_unset=True)
    version = expected_version(if_match, data.pop("version", None))
    result = services.lead_convert(
        actor=current_user(request),
        lead=Lead(pk=lead_id),
        customer={k: data[k] for k in ("name", "credit_code") if data.get(k) is not None},
        create_opportunity=payload.create_opportunity,
        opportunity={
            "name": payload.opportunity_name or "",
            "amount": payload.amount,
            "expected_close_date": payload.expected_close_date,
        },
        expected_version=version,
    )
    return Status(
        201,
        {
            "lead": result.lead,
            "customer_id": result.customer.pk,
            "contact_id": result.contact.pk if result.contact else None,
            "opportunity_id": result.opportunity.pk if result.opportunity else None,
        },
    )


# --- assignment rules ------------------------------------------------------------------------
@router.get(
    "/lead-rules", response={200: list[LeadRuleOut], **READ_ERRORS}, tags=RULES, summary="List assignment rules"
)
def rule_list(request: HttpRequest) -> object:
    """Every rule in the order they are tried. Needs leads.assign."""
    return list(selectors.assignment_rule_list(user=current_user(request)))


@router.post(
    "/lead-rules", response={201: LeadRuleOut, **WRITE_ERRORS}, tags=RULES, summary="Create an assignment rule"
)
@idempotent
def rule_create(request: HttpRequest, payload: LeadRuleIn, response: HttpResponse) -> object:
    """Empty criteria match any lead; give a user or a team (department), not both."""
    data = _rule_data(request, payload.dict())
    rule = services.assignment_rule_create(actor=current_user(request), data=data)
    set_etag(response, rule)
    return Status(201, rule)


@router.get(
    "/lead-rules/{int:rule_id}",
    response={200: LeadRuleOut, **READ_ERRORS},
    tags=RULES,
    summary="Get an assignment rule",
)
def rule_get(request: HttpRequest, rule_id: int, response: HttpResponse) -> object:
    rule = selectors.assignment_rule_get(user=current_user(request), pk=rule_id)
    set_etag(response, rule)
    return rule


@router.patch(
    "/lead-rules/{int:rule_id}",
    response={200: LeadRuleOut, **WRITE_ERRORS},
    tags=RULES,
    summary="Update an assignment rule",
)
def rule_update(
    request: HttpRequest, rule_id: int, payload: LeadRulePatch, response: HttpResponse, if_match: str | None = IfMatch
) -> object:
    data = payload.dict(exclude_unset=True)
    version = expected_version(if_match, data.pop("version", None))
    rule = selectors.assignment_rule_get(user=current_user(request), pk=rule_id)
    rule = services.assignment_rule_update(
        actor=current_user(request),
        rule=rule,
        data=_rule_data(request, data),
        expected_version=version,
    )
    set_etag(response, rule)
    return rule


# Clients generate code from the operation ids: they stay those of the module these endpoints came from.
keep_operation_ids(router, "guanxi.sales.api")
