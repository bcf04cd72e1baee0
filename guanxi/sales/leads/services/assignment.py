"""Assigning leads (分单): by hand, in bulk, and by the assignment rules; notifications to assignees
and, when nobody can take a lead, to the business managers."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import InvalidStateError, ValidationFailed
from guanxi.core.events import event_emit
from guanxi.core.inputs import clean_ids
from guanxi.core.models import AuditLog
from guanxi.core.ports import ASSIGNMENT_PREFERENCES, AssignmentStanding
from guanxi.core.registry import registry
from guanxi.core.services import audit_record, check_version, model_update, notify
from guanxi.org.models import Department, User
from guanxi.org.policies import has_permission, require_permission

from .. import selectors
from ..models import UNASSIGNED_STATUSES, Lead, LeadAssignmentRule
from ._common import ASSIGNABLE


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


def _assign(
    *, lead: Lead, user: User, actor: User | None, rule: LeadAssignmentRule | None = None, why: str = ""
) -> Lead:
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
        if why:
            message = f"{message} ({why})"
    else:
        message = _("Assigned to %(user)s") % {"user": user}
    audit_record(actor=actor, action=AuditLog.Action.TRANSFER, obj=lead, changes=changes, message=message)
    event_emit("lead.assigned", obj=lead, actor=actor)  # every path that gives a lead an owner comes here
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
        url = reverse("sales:lead_list") + "?scene=mine"
    notify(recipient=user, kind="lead_assigned", title=title, body=body, url=url)


def lead_assign(*, actor: User, lead_ids: Iterable[Any], assignee: User) -> tuple[list[int], list[int]]:
    """Assign leads by hand, one or many. Returns (assigned ids, skipped ids): skipped leads are out of
    the actor's reach, already closed, invalid, or already owned by the assignee."""
    require_permission(actor, "leads.assign")
    ids = clean_ids(lead_ids)
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


def lead_set_owner(*, actor: User, lead: Lead, owner: User, expected_version: int | None = None) -> Lead:
    """The owner cell of the lead list: assign one lead (same rules as lead_assign), refused when the lead changed
    since the reader saw it (412), is closed or invalid, or is theirs already."""
    require_permission(actor, "leads.assign")
    _check_assignee(actor, owner, field="owner")
    with transaction.atomic():
        lead = selectors.lead_get(user=actor, pk=lead.pk, action="assign", for_update=True)
        check_version(lead, expected_version)
        if lead.status not in ASSIGNABLE:
            raise InvalidStateError(_("This lead cannot be assigned now (closed, invalid or theirs already)."))
        if lead.owner_id == owner.pk:
            return lead
        lead = _assign(lead=lead, user=owner, actor=actor)
        _notify_assignee(user=owner, leads=[lead], actor=actor)
    return lead


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


def _pick_candidate(
    rule: LeadAssignmentRule,
    candidates: list[User],
    loads: dict[int, int],
    standings: dict[int, AssignmentStanding] | None = None,
) -> User | None:
    """The next rep for this rule who is below the cap; None when everyone is at the cap. `standings` (the
    ASSIGNMENT_PREFERENCES port: the usage league's consequences) leave some reps out and put others first."""
    standings = standings or {}
    candidates = [u for u in candidates if not getattr(standings.get(u.pk), "excluded", False)]
    free = [u for u in candidates if rule.max_open_leads is None or loads[u.pk] < rule.max_open_leads]
    if not free:
        return None
    first = [u for u in free if getattr(standings.get(u.pk), "priority", False)]
    free = first or free
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
    qs = _leads_waiting(actor=actor, lead_ids=lead_ids)
    with transaction.atomic():
        rules = list(
            LeadAssignmentRule.objects.filter(is_active=True)
            .select_related("target_user", "target_department")
            .select_for_update(of=("self",))
            .order_by("priority", "id")
        )
        leads = list(qs.select_for_update(of=("self",)).order_by("created_at", "id"))
        if not leads:
            return []
        routing = _Routing(rules=rules, actor=actor)
        outcomes = [routing.route(lead) for lead in leads]
        routing.save_round_robin_state()
        _notify_assignees(outcomes, actor=actor)
        stuck = [o for o in outcomes if o.reason == "at_capacity"]
        if stuck:
            _notify_routers_of_stuck_leads(stuck, departments=routing.full_teams, actor=actor)
    return outcomes


def _leads_waiting(*, actor: User | None, lead_ids: Iterable[Any] | None) -> QuerySet[Lead]:
    """Unowned new/valid leads: those in the actor's reach for assigning (all of them for the system)."""
    qs = Lead.objects.filter(status__in=UNASSIGNED_STATUSES, owner__isnull=True)
    if actor is not None:
        require_permission(actor, "leads.assign")
        qs = selectors.lead_scope(actor, qs, "assign")
    if lead_ids is not None:
        qs = qs.filter(pk__in=clean_ids(lead_ids))
    return qs


class _Routing:
    """One run of the rules: each rule's candidates, every candidate's load as it grows, the rules whose
    round-robin position moved and the teams found full."""

    def __init__(self, *, rules: list[LeadAssignmentRule], actor: User | None) -> None:
        self.rules = rules
        self.actor = actor
        self.candidates = {rule.pk: rule_candidates(rule) for rule in rules}
        self.loads = selectors.open_lead_counts({u.pk for people in self.candidates.values() for u in people})
        preferences = registry.optional_port(ASSIGNMENT_PREFERENCES)
        self.standings: dict[int, AssignmentStanding] = (
            preferences.standings(user_ids=sorted(self.loads), today=timezone.localdate())
            if preferences is not None and self.loads
            else {}
        )
        self.touched_rules: dict[int, LeadAssignmentRule] = {}
        self.full_teams: set[int] = set()  # departments whose reps were all at the cap

    def route(self, lead: Lead) -> RuleOutcome:
        """The first matching rule with a rep below the cap takes the lead."""
        outcome = RuleOutcome(lead=lead, user=None, rule=None, reason="no_rule")
        for rule in self.rules:
            if not rule_matches(rule, lead):
                continue
            user = _pick_candidate(rule, self.candidates[rule.pk], self.loads, self.standings)
            if user is None:
                outcome.reason = "at_capacity"
                team = rule.target_department_id or (rule.target_user.department_id if rule.target_user else None)
                if team:
                    self.full_teams.add(team)
                continue
            _assign(lead=lead, user=user, actor=self.actor, rule=rule, why=self._why(rule, user))
            self.loads[user.pk] += 1
            rule.last_assigned_user = user
            self.touched_rules[rule.pk] = rule
            return RuleOutcome(lead=lead, user=user, rule=rule, reason="assigned")
        return outcome

    def _why(self, rule: LeadAssignmentRule, user: User) -> str:
        """The consequence that decided this pick, for the explanation: the chosen rep came first, or one of the
        rule's reps was left out."""
        mine = self.standings.get(user.pk)
        if mine is not None and mine.priority:
            return mine.reason
        for person in self.candidates[rule.pk]:
            other = self.standings.get(person.pk)
            if other is not None and other.excluded:
                return other.reason
        return ""

    def save_round_robin_state(self) -> None:
        for rule in self.touched_rules.values():
            LeadAssignmentRule.objects.filter(pk=rule.pk).update(last_assigned_user=rule.last_assigned_user)


def _notify_assignees(outcomes: list[RuleOutcome], *, actor: User | None) -> None:
    """One notification per rep for all the leads they got (naming the rule when a single one gave them)."""
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
    url = reverse("sales:lead_list") + "?scene=all&unowned=true"
    for person in _lead_routers(departments):
        if actor is not None and person.pk == actor.pk:
            continue  # the actor sees the result on screen
        notify(recipient=person, kind="lead_unassigned", level="warning", title=title, body=body, url=url)
