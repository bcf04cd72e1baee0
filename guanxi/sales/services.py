"""Every write to leads, assignment rules and (for now) opportunities. Permission-checked, transactional,
audited; notifications and job enqueues happen in the same transaction or after commit."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import (
    ApplicationError,
    ErrorCode,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from guanxi.core.models import AuditLog
from guanxi.core.search import build_search_text
from guanxi.core.services import audit_record, check_version, model_create, model_update, notify, soft_delete
from guanxi.customers import services as customer_services
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import Department, User
from guanxi.org.policies import has_permission, require_permission

from . import selectors
from .models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    UNASSIGNED_STATUSES,
    Lead,
    LeadAssignmentRule,
    Opportunity,
)

LEAD_FIELDS = {
    "company_name",
    "person_name",
    "title",
    "mobile",
    "phone",
    "email",
    "wechat",
    "source",
    "province",
    "city",
    "industry",
    "size",
    "need",
}
# Where each action is allowed to start from.
SCREENABLE = (Lead.Status.NEW, Lead.Status.VALID, Lead.Status.INVALID)
ASSIGNABLE = (Lead.Status.NEW, Lead.Status.VALID, Lead.Status.ASSIGNED, Lead.Status.FOLLOWING)
LOSABLE = (Lead.Status.VALID, Lead.Status.ASSIGNED, Lead.Status.FOLLOWING)
CONVERTIBLE = (Lead.Status.VALID, Lead.Status.ASSIGNED, Lead.Status.FOLLOWING)
REASON_MAX = 300
NEED_MAX = 5000


class ThrottledError(ApplicationError):
    """Too many requests from one client (HTTP 429)."""

    code = ErrorCode.THROTTLED
    http_status = 429


def _pick(data: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationFailed(
            _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))},
            fields={k: [_("This field cannot be set here.")] for k in sorted(unknown)},
        )
    return dict(data)


def _required(field: str, message: str | None = None) -> ValidationFailed:
    msg = message or _("This field is required.")
    return ValidationFailed(msg, fields={field: [msg]})


def _clean_reason(reason: str | None, field: str = "reason") -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise _required(field, _("Give a reason."))
    if len(reason) > REASON_MAX:
        msg = _("Ensure this value has at most %(max)s characters.") % {"max": REASON_MAX}
        raise ValidationFailed(msg, fields={field: [msg]})
    return reason


# --- leads: entry and editing ----------------------------------------------------------------
def _lead_search_text(lead: Lead) -> str:
    return build_search_text(
        names=[lead.company_name, lead.person_name],
        phones=[lead.mobile, lead.phone],
        others=[lead.email, lead.wechat],
    )


def _normalise_lead(data: dict[str, Any]) -> dict[str, Any]:
    for key, value in list(data.items()):
        if key == "need":
            data[key] = (value or "").strip()
        elif isinstance(value, str) or value is None:
            data[key] = " ".join((value or "").split())
    if data.get("email"):
        data["email"] = data["email"].lower()
    return data


def _check_lead_facts(values: dict[str, Any]) -> None:
    """A lead names someone (company or person) and can be reached somehow."""
    fields: dict[str, list[str]] = {}
    if not (values.get("company_name") or values.get("person_name")):
        msg = _("Enter the company or the contact person.")
        fields["company_name"] = [msg]
        fields["person_name"] = [msg]
    if not any(values.get(k) for k in ("mobile", "phone", "email", "wechat")):
        fields["mobile"] = [_("Give at least one way to reach them: mobile, phone, e-mail or WeChat.")]
    if len(values.get("need") or "") > NEED_MAX:
        fields["need"] = [_("Ensure this value has at most %(max)s characters.") % {"max": NEED_MAX}]
    if fields:
        raise ValidationFailed(_("Please correct the errors below."), fields=fields)


def lead_create(
    *,
    actor: User | None,
    data: dict[str, Any],
    owner: User | None = None,
    auto_assign: bool = False,
) -> Lead:
    """Enter a lead from any path: the UI, the API, an import, or the public web form (actor=None).

    With an owner the lead is assigned at once (needs "assign"); otherwise it waits in the screening
    queue. With `auto_assign` the assignment rules run on it after commit, as a background job.
    """
    if actor is not None:
        require_permission(actor, "leads.create")
    data = _normalise_lead(_pick(data, LEAD_FIELDS))
    _check_lead_facts(data)
    if owner is not None:
        if actor is None:
            raise PermissionDeniedError(_("Only a signed-in user may assign a lead."))
        require_permission(actor, "leads.assign")
        _check_assignee(actor, owner, field="owner")
    with transaction.atomic():
        lead = Lead(**data, created_by=actor)
        lead.search_text = _lead_search_text(lead)
        model_create(instance=lead, actor=actor)
        if owner is not None:
            _assign(lead=lead, user=owner, actor=actor)
            _notify_assignee(user=owner, leads=[lead], actor=actor)
        # Re-check reach after the write; someone who may only enter leads (e.g. a service agent taking a
        # call) hands them to the queue and does not see leads at all.
        if (
            actor is not None
            and has_permission(actor, "leads.view")
            and not selectors.lead_scope(actor, Lead.objects.filter(pk=lead.pk)).exists()
        ):
            raise PermissionDeniedError(_("After this change the record would be outside your data scope."))
        if auto_assign:
            from .tasks import lead_assign_by_rules_run

            lead_id = lead.pk
            transaction.on_commit(lambda: lead_assign_by_rules_run.enqueue(lead_ids=[lead_id]))
    return lead


def lead_update(*, actor: User, lead: Lead, data: dict[str, Any], expected_version: int | None = None) -> Lead:
    """Correct a lead's facts (status and owner change only through their own actions)."""
    data = _normalise_lead(_pick(data, LEAD_FIELDS))
    with transaction.atomic():
        lead = selectors.lead_get(user=actor, pk=lead.pk, action="edit", for_update=True)
        check_version(lead, expected_version)
        if lead.status == Lead.Status.CONVERTED:
            raise InvalidStateError(_("A converted lead can no longer be changed; edit the customer instead."))
        _check_lead_facts({k: data.get(k, getattr(lead, k)) for k in LEAD_FIELDS})
        lead, changes = model_update(instance=lead, data=data, actor=actor)
        if {"company_name", "person_name", "mobile", "phone", "email", "wechat"} & changes.keys():
            lead.search_text = _lead_search_text(lead)
            Lead.objects.filter(pk=lead.pk).update(search_text=lead.search_text)
    return lead


def lead_delete(*, actor: User, lead: Lead) -> None:
    with transaction.atomic():
        lead = selectors.lead_get(user=actor, pk=lead.pk, action="delete", for_update=True)
        soft_delete(instance=lead, actor=actor)


def _set_status(
    *, lead: Lead, actor: User | None, data: dict[str, Any], message: str, action: str = AuditLog.Action.UPDATE
) -> Lead:
    """Change a lead's state and write one audit row saying what happened, in words and old → new."""
    lead, changes = model_update(instance=lead, data=data, actor=actor, audit=False)
    audit_record(actor=actor, action=action, obj=lead, changes=changes, message=message)
    return lead


def lead_screen(*, actor: User, lead: Lead, valid: bool, reason: str = "") -> Lead:
    """Front desk / marketing decide whether a new lead is worth assigning (an invalid one needs a reason).

    Screening is part of routing leads, so it needs "assign"; a lead someone owns is no longer screened.
    """
    reason = _clean_reason(reason) if not valid else " ".join((reason or "").split())[:REASON_MAX]
    with transaction.atomic():
        lead = selectors.lead_get(user=actor, pk=lead.pk, action="assign", for_update=True)
        if lead.status not in SCREENABLE or lead.owner_id:
            raise InvalidStateError(_("Only new, valid or invalid leads without an owner can be screened."))
        status = Lead.Status.VALID if valid else Lead.Status.INVALID
        lead = _set_status(
            lead=lead,
            actor=actor,
            data={
                "status": status,
                "screened_by": actor,
                "screened_at": timezone.now(),
                "invalid_reason": "" if valid else reason,
            },
            message=(_("Screened: valid") if valid else _("Screened: invalid — %(reason)s") % {"reason": reason}),
        )
    return lead


def lead_mark_following(*, actor: User, lead: Lead) -> Lead:
    """The owner has started working the lead."""
    with transaction.atomic():
        lead = selectors.lead_get(user=actor, pk=lead.pk, action="edit", for_update=True)
        if lead.status != Lead.Status.ASSIGNED:
            raise InvalidStateError(_("Only an assigned lead can be marked as being followed up."))
        lead = _set_status(
            lead=lead, actor=actor, data={"status": Lead.Status.FOLLOWING}, message=_("Follow-up started")
        )
    return lead


def lead_lose(*, actor: User, lead: Lead, reason: str) -> Lead:
    """Give up a lead, saying why (the reason is required)."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        lead = selectors.lead_get(user=actor, pk=lead.pk, action="edit", for_update=True)
        if lead.status not in LOSABLE:
            raise InvalidStateError(_("Only a valid, assigned or followed-up lead can be marked lost."))
        lead = _set_status(
            lead=lead,
            actor=actor,
            data={"status": Lead.Status.LOST, "lost_reason": reason},
            message=_("Lost — %(reason)s") % {"reason": reason},
        )
    return lead


# --- assignment ------------------------------------------------------------------------------
def _check_assignee(actor: User, user: User, field: str = "assignee") -> None:
    """Leads go to active people who may view leads, inside the actor's own data scope."""
    if not user.is_active:
        raise ValidationFailed(_("That account is closed."), fields={field: [_("Choose an active user.")]})
    if not has_permission(user, "leads.view"):
        msg = _("%(user)s may not view leads; choose someone else.") % {"user": user}
        raise ValidationFailed(msg, fields={field: [msg]})
    if not selectors.users_in_reach(user=actor).filter(pk=user.pk).exists():
        msg = _("You may only assign leads to people within your data scope.")
        raise ValidationFailed(msg, fields={field: [msg]})


def _assign(*, lead: Lead, user: User, actor: User | None, rule: LeadAssignmentRule | None = None) -> Lead:
    old_owner = lead.owner
    lead, changes = model_update(
        instance=lead,
        data={
            "owner": user,
            "status": Lead.Status.ASSIGNED,
            "assigned_by": actor,
            "assigned_at": timezone.now(),
            "assigned_rule": rule,
        },
        actor=actor,
        audit=False,
    )
    changes["owner"] = [str(old_owner) if old_owner else None, str(user)]
    if rule is not None:
        message = _("Assigned to %(user)s by rule “%(rule)s”") % {"user": user, "rule": rule.name}
    else:
        message = _("Assigned to %(user)s") % {"user": user}
    audit_record(actor=actor, action=AuditLog.Action.TRANSFER, obj=lead, changes=changes, message=message)
    return lead


def _notify_assignee(
    *, user: User, leads: list[Lead], actor: User | None, rule: LeadAssignmentRule | None = None
) -> None:
    """Tell the new owner, once per batch: the lead itself, or how many arrived."""
    if not leads:
        return
    if rule is not None:
        by = _("Assigned by rule “%(rule)s”.") % {"rule": rule.name}
    elif actor is not None:
        by = _("Assigned by %(user)s.") % {"user": actor}
    else:
        by = ""
    if len(leads) == 1:
        lead = leads[0]
        title = _("New lead for you: %(lead)s") % {"lead": lead}
        body = " ".join(filter(None, [by, lead.need[:300]]))
        url = reverse("sales:lead_detail", args=[lead.pk])
    else:
        title = _("%(count)s new leads were assigned to you") % {"count": len(leads)}
        body = by
        url = reverse("sales:lead_list") + "?queue=mine"
    notify(recipient=user, kind="lead_assigned", title=title, body=body, url=url)


def lead_assign(*, actor: User, lead_ids: Iterable[Any], assignee: User) -> tuple[list[int], list[int]]:
    """Assign leads by hand, one or many. Returns (assigned ids, skipped ids): skipped leads are out of
    the actor's reach, already closed, invalid, or already owned by the assignee."""
    require_permission(actor, "leads.assign")
    ids = _clean_ids(lead_ids)
    _check_assignee(actor, assignee)
    assigned: list[Lead] = []
    with transaction.atomic():
        qs = selectors.lead_scope(actor, Lead.objects.filter(pk__in=ids), "assign")
        for lead in qs.select_for_update(of=("self",)).select_related("owner").order_by("pk"):
            if lead.status not in ASSIGNABLE or lead.owner_id == assignee.pk:
                continue
            assigned.append(_assign(lead=lead, user=assignee, actor=actor))
        _notify_assignee(user=assignee, leads=assigned, actor=actor)
    done = [lead.pk for lead in assigned]
    return done, [i for i in ids if i not in set(done)]


def _clean_ids(values: Iterable[Any]) -> list[int]:
    ids: list[int] = []
    for value in values:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationFailed(_("Invalid selection."), fields={"ids": [_("Invalid selection.")]})
        if not 0 < number < 2**63:
            raise ValidationFailed(_("Invalid selection."), fields={"ids": [_("Invalid selection.")]})
        ids.append(number)
    return list(dict.fromkeys(ids))


# --- assignment by rules ---------------------------------------------------------------------
_REGION_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


def region_key(value: str) -> str:
    """ "广东省", "广东" and " 广东 " match each other; so do "上海市" and "上海"."""
    text = unicodedata.normalize("NFKC", value or "").strip().lower().replace(" ", "")
    for suffix in _REGION_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def _text_key(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip().lower()


def rule_matches(rule: LeadAssignmentRule, lead: Lead) -> bool:
    """Every non-empty criterion must hold; an empty one matches any lead."""
    if rule.provinces and region_key(lead.province) not in {region_key(p) for p in rule.provinces}:
        return False
    if rule.industries and _text_key(lead.industry) not in {_text_key(i) for i in rule.industries}:
        return False
    if rule.sizes and lead.size not in rule.sizes:
        return False
    return not (rule.sources and lead.source not in rule.sources)


def rule_candidates(rule: LeadAssignmentRule) -> list[User]:
    """Who a rule may give leads to, in a fixed order (by id): its user, or its team's active members
    who may view leads."""
    if rule.target_user_id:
        people = User.objects.filter(pk=rule.target_user_id, is_active=True)
    else:
        people = User.objects.filter(department=rule.target_department, is_active=True)
    return list(selectors.users_holding("leads.view", people).order_by("pk"))


def _pick_candidate(rule: LeadAssignmentRule, candidates: list[User], loads: dict[int, int]) -> User | None:
    """The next rep for this rule who is below the cap; None when everyone is at the cap."""
    free = [u for u in candidates if rule.max_open_leads is None or loads[u.pk] < rule.max_open_leads]
    if not free:
        return None
    if rule.distribution == LeadAssignmentRule.Distribution.LEAST_LOADED:
        return min(free, key=lambda u: (loads[u.pk], u.pk))
    # Round robin: the first free member after the previous one (by id), wrapping around.
    last = rule.last_assigned_user_id or 0
    after = [u for u in free if u.pk > last]
    return after[0] if after else free[0]


@dataclass
class RuleOutcome:
    """What the rules did with one lead."""

    lead: Lead
    user: User | None
    rule: LeadAssignmentRule | None
    reason: str  # "assigned", "at_capacity" (a rule matched but every rep is at its cap), "no_rule"


def lead_assign_by_rules(*, actor: User | None, lead_ids: Iterable[Any] | None = None) -> list[RuleOutcome]:
    """Apply the active assignment rules to unowned new/valid leads (the given ones, or all in reach).

    Deterministic: leads oldest first, rules by priority then id, reps by id; each assignment counts
    towards the rep's load at once. Leads nobody can take stay unassigned and the business managers
    are told. actor=None is the system (the job that runs for web leads).
    """
    qs = Lead.objects.filter(status__in=UNASSIGNED_STATUSES, owner__isnull=True)
    if actor is not None:
        require_permission(actor, "leads.assign")
        qs = selectors.lead_scope(actor, qs, "assign")
    if lead_ids is not None:
        qs = qs.filter(pk__in=_clean_ids(lead_ids))
    outcomes: list[RuleOutcome] = []
    with transaction.atomic():
        rules = list(
            LeadAssignmentRule.objects.filter(is_active=True)
            .select_related("target_user", "target_department")
            .select_for_update(of=("self",))
            .order_by("priority", "id")
        )
        leads = list(qs.select_for_update(of=("self",)).order_by("created_at", "id"))
        if not leads:
            return outcomes
        candidates = {rule.pk: rule_candidates(rule) for rule in rules}
        loads = selectors.open_lead_counts({u.pk for people in candidates.values() for u in people})
        touched_rules: dict[int, LeadAssignmentRule] = {}
        full_teams: set[int] = set()  # departments whose reps were all at the cap
        for lead in leads:
            outcome = RuleOutcome(lead=lead, user=None, rule=None, reason="no_rule")
            for rule in rules:
                if not rule_matches(rule, lead):
                    continue
                user = _pick_candidate(rule, candidates[rule.pk], loads)
                if user is None:
                    outcome.reason = "at_capacity"
                    team = rule.target_department_id or (rule.target_user.department_id if rule.target_user else None)
                    if team:
                        full_teams.add(team)
                    continue
                _assign(lead=lead, user=user, actor=actor, rule=rule)
                loads[user.pk] += 1
                rule.last_assigned_user = user
                touched_rules[rule.pk] = rule
                outcome = RuleOutcome(lead=lead, user=user, rule=rule, reason="assigned")
                break
            outcomes.append(outcome)
        for rule in touched_rules.values():
            LeadAssignmentRule.objects.filter(pk=rule.pk).update(last_assigned_user=rule.last_assigned_user)
        by_user: dict[int, list[RuleOutcome]] = {}
        for o in outcomes:
            if o.user is not None:
                by_user.setdefault(o.user.pk, []).append(o)
        for batch in by_user.values():
            rules_used = {o.rule.pk for o in batch if o.rule}
            _notify_assignee(
                user=batch[0].user,  # type: ignore[arg-type]
                leads=[o.lead for o in batch],
                actor=actor,
                rule=batch[0].rule if len(rules_used) == 1 else None,
            )
        stuck = [o for o in outcomes if o.reason == "at_capacity"]
        if stuck:
            _notify_routers_of_stuck_leads(stuck, departments=full_teams, actor=actor)
    return outcomes


def _lead_routers(departments: set[int]) -> list[User]:
    """Who hears about leads the rules could not place: the managers of the teams involved and
    members there holding leads.assign; failing those, everyone in the company holding leads.assign."""
    people: dict[int, User] = {}
    for dept in Department.objects.filter(pk__in=departments).select_related("manager"):
        manager = dept.manager
        if manager is not None and manager.is_active:
            people[manager.pk] = manager
    routers = selectors.users_holding("leads.assign", User.objects.filter(is_active=True))
    for user in routers.filter(department_id__in=departments):
        people[user.pk] = user
    if not people:
        people = {u.pk: u for u in routers.filter(partner_org__isnull=True)}
    return list(people.values())


def _notify_routers_of_stuck_leads(stuck: list[RuleOutcome], *, departments: set[int], actor: User | None) -> None:
    title = _("%(count)s lead(s) could not be assigned: every matching rep is at the cap") % {"count": len(stuck)}
    body = ", ".join(str(o.lead) for o in stuck[:10])
    url = reverse("sales:lead_list") + "?queue=all&unowned=true"
    for person in _lead_routers(departments):
        if actor is not None and person.pk == actor.pk:
            continue  # the actor sees the result on screen
        notify(recipient=person, kind="lead_unassigned", level="warning", title=title, body=body, url=url)


# --- conversion ------------------------------------------------------------------------------
@dataclass
class Conversion:
    lead: Lead
    customer: Customer
    contact: Contact | None
    opportunity: Opportunity | None


CONVERT_CUSTOMER_FIELDS = {"name", "kind", "credit_code"}


def _opportunity_values(customer: Customer, data: dict[str, Any]) -> dict[str, Any]:
    data = _pick(data, {"name", "amount", "expected_close_date"})
    name = " ".join(str(data.get("name") or "").split()) or customer.name
    raw_amount = data.get("amount")
    try:
        amount = Decimal(str(raw_amount)) if raw_amount not in (None, "") else Decimal("0")
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Enter a number."), fields={"amount": [_("Enter a number.")]})
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        msg = _("Enter an amount between 0 and 999,999,999,999.99.")
        raise ValidationFailed(msg, fields={"amount": [msg]})
    close = data.get("expected_close_date")
    if close is not None and not isinstance(close, dt.date):
        raise ValidationFailed(
            _("Enter a valid date (YYYY-MM-DD)."), fields={"expected_close_date": [_("Enter a valid date.")]}
        )
    return {"name": name[:200], "amount": amount.quantize(Decimal("0.01")), "expected_close_date": close}


def lead_convert(
    *,
    actor: User,
    lead: Lead,
    customer: dict[str, Any] | None = None,
    create_opportunity: bool = False,
    opportunity: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Conversion:
    """Turn a lead into a customer (the duplicate check runs in customer_create), a contact from the
    person fields and, optionally, an opportunity — all or nothing. The lead stays, linked to what it
    became, with its whole history.

    `customer` may override the customer's name, kind and credit code; `opportunity` takes name, amount
    (CNY) and expected_close_date. The customer goes to the lead's owner (or the actor if it has none).
    """
    overrides = _pick(customer or {}, CONVERT_CUSTOMER_FIELDS)
    with transaction.atomic():
        lead = selectors.lead_get(user=actor, pk=lead.pk, action="edit", for_update=True)
        check_version(lead, expected_version)
        if lead.status not in CONVERTIBLE:
            raise InvalidStateError(_("Only a valid, assigned or followed-up lead can be converted."))
        owner = lead.owner or actor
        values: dict[str, Any] = {
            "kind": Customer.Kind.COMPANY if lead.company_name else Customer.Kind.INDIVIDUAL,
            "name": lead.company_name or lead.person_name,
            "industry": lead.industry,
            "province": lead.province,
            "city": lead.city,
            "size": lead.size,
            "source": lead.source,
            "phone": lead.phone or lead.mobile,
            "email": lead.email,
            "remarks": lead.need,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        # Looked up through the module so the duplicate check added there applies here too.
        new_customer = customer_services.customer_create(actor=actor, data=values, owner=owner)
        contact = None
        if lead.person_name:
            contact = customer_services.contact_create(
                actor=actor,
                customer=new_customer,
                data={
                    "name": lead.person_name,
                    "title": lead.title,
                    "mobile": lead.mobile,
                    "phone": lead.phone,
                    "email": lead.email,
                    "wechat": lead.wechat,
                    "is_primary": True,
                },
            )
        opp = None
        if create_opportunity:
            opp_values = _opportunity_values(new_customer, opportunity or {})
            opp = model_create(
                instance=Opportunity(
                    **opp_values,
                    customer=new_customer,
                    contact=contact,
                    owner=new_customer.owner,
                    currency="CNY",
                    source_lead=lead,
                    created_by=actor,
                ),
                actor=actor,
            )
        lead = _set_status(
            lead=lead,
            actor=actor,
            data={
                "status": Lead.Status.CONVERTED,
                "converted_at": timezone.now(),
                "converted_by": actor,
                "converted_customer": new_customer,
                "converted_contact": contact,
                "converted_opportunity": opp,
            },
            message=_("Converted into customer %(customer)s") % {"customer": new_customer},
        )
        # On the customer's timeline: where it came from.
        audit_record(
            actor=actor,
            action=AuditLog.Action.OTHER,
            obj=new_customer,
            changes={"lead": [None, lead.pk]},
            message=_("Created from lead “%(lead)s”") % {"lead": lead},
        )
    return Conversion(lead=lead, customer=new_customer, contact=contact, opportunity=opp)


# --- the public web form (web-to-lead) -------------------------------------------------------
WEB_LEAD_FIELDS = {"company_name", "person_name", "title", "mobile", "phone", "email", "wechat", "province", "city"}
WEB_LEAD_FIELDS |= {"industry", "need"}


def web_lead_throttle(*, ip: str | None) -> None:
    """At most GUANXI_WEB_LEAD_RATE submissions per client IP per minute (counted in the cache)."""
    limit = int(getattr(settings, "GUANXI_WEB_LEAD_RATE", 5))
    key = f"sales:web-lead:{ip or 'unknown'}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60)
        count = 1
    if count > limit:
        raise ThrottledError(_("Too many submissions from your network. Please wait a minute and try again."))


def web_lead_submit(*, data: dict[str, Any]) -> Lead:
    """A visitor's enquiry from the company website: a new lead (source "website registration") with no
    actor; the assignment rules run on it after commit."""
    data = _normalise_lead(_pick(data, WEB_LEAD_FIELDS))
    fields: dict[str, list[str]] = {}
    if not data.get("person_name"):
        fields["person_name"] = [_("Please tell us your name.")]
    if not (data.get("mobile") or data.get("email")):
        msg = _("Please give your mobile number or e-mail address so we can reply.")
        fields["mobile"] = [msg]
        fields["email"] = [msg]
    if fields:
        raise ValidationFailed(_("Please correct the errors below."), fields=fields)
    return lead_create(actor=None, data={**data, "source": Lead.Source.WEBSITE}, auto_assign=True)


# --- assignment rules ------------------------------------------------------------------------
RULE_FIELDS = {
    "name",
    "priority",
    "is_active",
    "provinces",
    "industries",
    "sizes",
    "sources",
    "target_user",
    "target_department",
    "distribution",
    "max_open_leads",
}


def _text_list(value: Any, field: str, max_length: int) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.replace("、", ",").replace("，", ",").replace("\n", ",").split(",")
    if not isinstance(value, list | tuple):
        raise ValidationFailed(_("Enter a list."), fields={field: [_("Enter a list.")]})
    items = list(dict.fromkeys(" ".join(str(v).split()) for v in value if str(v).strip()))
    if len(items) > 100 or any(len(i) > max_length for i in items):
        msg = _("At most 100 entries of up to %(max)s characters each.") % {"max": max_length}
        raise ValidationFailed(msg, fields={field: [msg]})
    return items


def _choice_list(value: Any, field: str, choices: Any) -> list[str]:
    items = _text_list(value, field, 30)
    unknown = [i for i in items if i not in choices.values]
    if unknown:
        msg = _("Unknown value(s): %(values)s") % {"values": ", ".join(unknown)}
        raise ValidationFailed(msg, fields={field: [msg]})
    return items


def _clean_rule(data: dict[str, Any], current: LeadAssignmentRule | None = None) -> dict[str, Any]:
    data = _pick(data, RULE_FIELDS)
    if "priority" in data and data["priority"] is None:
        del data["priority"]  # keep the current place (a new rule goes last)
    if "name" in data:
        data["name"] = " ".join(str(data["name"] or "").split())
    if "provinces" in data:
        data["provinces"] = _text_list(data["provinces"], "provinces", 30)
    if "industries" in data:
        data["industries"] = _text_list(data["industries"], "industries", 50)
    if "sizes" in data:
        data["sizes"] = _choice_list(data["sizes"], "sizes", Lead.Size)
    if "sources" in data:
        data["sources"] = _choice_list(data["sources"], "sources", Lead.Source)
    target_user = data.get("target_user", current.target_user if current else None)
    target_dept = data.get("target_department", current.target_department if current else None)
    if (target_user is None) == (target_dept is None):
        msg = _("Choose either a user or a team to receive the leads.")
        raise ValidationFailed(msg, fields={"target_user": [msg], "target_department": [msg]})
    if "target_user" in data and target_user is not None:
        if not target_user.is_active:
            raise ValidationFailed(_("That account is closed."), fields={"target_user": [_("Choose an active user.")]})
        if not has_permission(target_user, "leads.view"):
            msg = _("%(user)s may not view leads; choose someone else.") % {"user": target_user}
            raise ValidationFailed(msg, fields={"target_user": [msg]})
    if data.get("max_open_leads") == 0:
        msg = _("Leave the cap empty for no cap, or enter at least 1.")
        raise ValidationFailed(msg, fields={"max_open_leads": [msg]})
    return data


def assignment_rule_create(*, actor: User, data: dict[str, Any]) -> LeadAssignmentRule:
    require_permission(actor, selectors.RULE_ADMIN)
    data = _clean_rule(data)
    if "priority" not in data:
        last = LeadAssignmentRule.objects.order_by("-priority").values_list("priority", flat=True).first()
        data["priority"] = (last or 0) + 10
    with transaction.atomic():
        return model_create(instance=LeadAssignmentRule(**data), actor=actor)


def assignment_rule_update(
    *, actor: User, rule: LeadAssignmentRule, data: dict[str, Any], expected_version: int | None = None
) -> LeadAssignmentRule:
    with transaction.atomic():
        rule = selectors.assignment_rule_list(user=actor).select_for_update(of=("self",)).get(pk=rule.pk)
        check_version(rule, expected_version)
        rule = _rule_update(rule=rule, data=_clean_rule(data, current=rule), actor=actor)
    return rule


def _rule_update(*, rule: LeadAssignmentRule, data: dict[str, Any], actor: User) -> LeadAssignmentRule:
    """model_update, plus the version bump BusinessModel rows get (rules are plain config rows)."""
    rule, changes = model_update(instance=rule, data=data, actor=actor)
    if changes:
        LeadAssignmentRule.objects.filter(pk=rule.pk).update(version=F("version") + 1)
        rule.refresh_from_db(fields=["version"])
    return rule


def assignment_rule_delete(*, actor: User, rule: LeadAssignmentRule) -> None:
    with transaction.atomic():
        rule = selectors.assignment_rule_get(user=actor, pk=rule.pk)
        audit_record(actor=actor, action=AuditLog.Action.DELETE, obj=rule)
        rule.delete()


def assignment_rule_move(*, actor: User, rule: LeadAssignmentRule, direction: str) -> list[LeadAssignmentRule]:
    """Move a rule one place up or down; priorities are renumbered 10, 20, 30… Returns the new order."""
    if direction not in ("up", "down"):
        raise ValidationFailed(_("Choose up or down."), fields={"direction": [_("Choose up or down.")]})
    with transaction.atomic():
        rules = list(
            selectors.assignment_rule_list(user=actor).select_for_update(of=("self",)).order_by("priority", "id")
        )
        index = next((i for i, r in enumerate(rules) if r.pk == rule.pk), None)
        if index is None:
            raise NotFoundError(_("Not found, or you may not see it."))
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(rules):
            rules[index], rules[other] = rules[other], rules[index]
        for position, r in enumerate(rules, start=1):
            if r.priority != position * 10:
                _rule_update(rule=r, data={"priority": position * 10}, actor=actor)
    return rules


# --- hand-over when a user leaves ------------------------------------------------------------
def leads_hand_over(*, actor: User, leaving: User, successor: User) -> dict[str, int]:
    """Move a leaver's unfinished leads to the successor (converted and lost ones keep their history)."""
    moved: list[Lead] = []
    for lead in Lead.objects.filter(owner=leaving).exclude(status__in=CLOSED_STATUSES).select_for_update():
        moved.append(_assign(lead=lead, user=successor, actor=actor))
    _notify_assignee(user=successor, leads=moved, actor=actor)
    return {"leads": len(moved)} if moved else {}  # other apps' hand-over reports stay as they were


__all__ = [
    "ASSIGNABLE",
    "CONVERTIBLE",
    "LOSABLE",
    "OPEN_STATUSES",
    "SCREENABLE",
    "Conversion",
    "RuleOutcome",
    "ThrottledError",
    "assignment_rule_create",
    "assignment_rule_delete",
    "assignment_rule_move",
    "assignment_rule_update",
    "lead_assign",
    "lead_assign_by_rules",
    "lead_convert",
    "lead_create",
    "lead_delete",
    "lead_lose",
    "lead_mark_following",
    "lead_screen",
    "lead_update",
    "leads_hand_over",
    "web_lead_submit",
    "web_lead_throttle",
]
