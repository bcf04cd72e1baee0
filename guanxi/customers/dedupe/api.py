"""REST endpoints of duplicate protection, mounted with prefix "" (paths start with /dedupe).

Each endpoint parses its schema, calls one selector or service (which check permission and data
scope) and serialises; errors become the shared envelope (guanxi.core.api).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from guanxi.core.api import PageParams, error_responses, paginate
from guanxi.org.current import current_user

from .. import selectors as contact_selectors
from ..schemas import ContactOut
from . import selectors, services
from .schemas import (
    CheckIn,
    CheckOut,
    ConflictFilters,
    ConflictOut,
    ConflictPage,
    ContactMergeIn,
    DecideIn,
    DedupeRuleOut,
    GroupFilters,
    GroupPage,
    MergeIn,
    MergeOut,
    RulesIn,
)

router = Router()
TAGS = ["Duplicates"]
READ_ERRORS = error_responses(400, 401, 403, 404, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


@router.post("/dedupe/check", response={200: CheckOut, **READ_ERRORS}, tags=TAGS, summary="Would this be a duplicate?")
def dedupe_check(request: HttpRequest, payload: CheckIn) -> object:
    """Check customer values (and contacts' numbers and e-mails) against existing customers, without
    saving anything. Customers you may not see are reported without name, owner or id. Needs the right to
    create or edit customers."""
    selectors.require_entry_right(current_user(request))
    data = payload.dict()
    contacts = data.pop("contacts")
    exclude = data.pop("exclude_customer_id")
    result = selectors.dedupe_check(
        actor=current_user(request),
        data=data,
        contacts=contacts,
        exclude_customer_id=exclude,
    )
    return {
        "blocked": bool(result.blocks),
        "needs_confirmation": bool(result.warnings),
        "matches": [m.public() for m in result.matches],
    }


@router.get(
    "/dedupe/conflicts", response={200: ConflictPage, **READ_ERRORS}, tags=TAGS, summary="Registration conflicts"
)
def conflict_list(request: HttpRequest, filters: Query[ConflictFilters], page: Query[PageParams]) -> object:
    """Conflicts about customers you may assign or approve (managers), newest first."""
    return paginate(selectors.conflict_list(user=current_user(request), status=filters.status), page)


@router.post(
    "/dedupe/conflicts/{conflict_id}/decide",
    response={200: ConflictOut, **WRITE_ERRORS},
    tags=TAGS,
    summary="Decide a registration conflict",
)
def conflict_decide(request: HttpRequest, conflict_id: int, payload: DecideIn) -> object:
    """joint: the later registrant becomes a collaborator (the first owner keeps the customer);
    dismiss (with a note): nothing changes. Both reps are notified."""
    return services.registration_conflict_decide(
        actor=current_user(request),
        conflict_id=conflict_id,
        decision=payload.decision,
        note=payload.note,
    )


@router.get("/dedupe/groups", response={200: GroupPage, **READ_ERRORS}, tags=TAGS, summary="Duplicate groups")
def group_list(request: HttpRequest, filters: Query[GroupFilters], page: Query[PageParams]) -> object:
    """Groups of customers you may see that share a match key, largest first."""
    return paginate(selectors.dedupe_scan(actor=current_user(request), kind=filters.kind), page)


@router.post("/dedupe/merge", response={201: MergeOut, **WRITE_ERRORS}, tags=TAGS, summary="Merge duplicates")
def merge(request: HttpRequest, payload: MergeIn) -> object:
    """Merge customers into the survivor (needs customers.edit on all, customers.delete on the merged
    ones). Contacts, follow-ups, tasks and later-module records move; the merge can be undone."""
    done = services.customer_merge(
        actor=current_user(request),
        survivor_id=payload.survivor_id,
        merged_ids=payload.merged_ids,
        field_sources=payload.fields,
    )
    return Status(201, done)


@router.post(
    "/dedupe/contact-merge", response={200: ContactOut, **WRITE_ERRORS}, tags=TAGS, summary="Merge duplicate contacts"
)
def contact_merge(request: HttpRequest, payload: ContactMergeIn) -> object:
    """Merge contacts of one customer into the survivor (needs contacts.edit on all, contacts.delete on the merged
    ones), taking each field in `fields` from the contact named; every record pointing at a merged contact (follow-ups,
    deals, quotes, contracts, tickets, members…) moves to the survivor, the merged contacts go to the recycle bin.
    Audited on the survivor (old → new, and what moved). Returns the survivor."""
    user = current_user(request)
    survivor = services.contact_merge(
        actor=user, survivor_id=payload.survivor_id, merged_ids=payload.merged_ids, field_sources=payload.fields
    )
    return contact_selectors.contact_get(user=user, pk=survivor.pk)


@router.post(
    "/dedupe/merges/{merge_id}/undo", response={200: MergeOut, **WRITE_ERRORS}, tags=TAGS, summary="Undo a merge"
)
def merge_undo(request: HttpRequest, merge_id: int) -> object:
    return services.customer_merge_undo(actor=current_user(request), merge_id=merge_id)


@router.get("/dedupe/rules", response={200: list[DedupeRuleOut], **READ_ERRORS}, tags=TAGS, summary="Duplicate rules")
def rule_list(request: HttpRequest) -> object:
    return selectors.dedupe_rule_list(user=current_user(request))


@router.put(
    "/dedupe/rules", response={200: list[DedupeRuleOut], **WRITE_ERRORS}, tags=TAGS, summary="Set duplicate rules"
)
def rule_update(request: HttpRequest, payload: RulesIn) -> object:
    """Administrators only: block / warn / off per key, and the name similarity threshold."""
    return services.dedupe_rules_update(
        actor=current_user(request),
        rules=[r.dict() for r in payload.rules],
    )
