"""Writes of the sales office (案场): who works on a project and the duty rotation (轮岗), visit registration (来访登记:
a first visit or a return, recognised by the phone number), grading (分级) by the administrator's rules, and
follow-ups, which are the customers app's follow-up records."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.approvals.models import Op
from guanxi.approvals.selectors.routing import condition_holds
from guanxi.core.custom_fields.validation import custom_values_clean
from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.errors import InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.core.inputs import clean_text, field_error
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, model_create, model_update
from guanxi.customers.dedupe.normalise import phone_key
from guanxi.customers.models import Customer, CustomerKey, FollowUp
from guanxi.customers.services.customers import customer_create
from guanxi.customers.services.follow_ups import follow_up_create
from guanxi.org.models import User
from guanxi.org.policies import has_permission, require_permission, scope_queryset

from .dictionaries import VISIT_SOURCE
from .models import Grade, GradeRule, Project, ProjectMember, Visit, Visitor
from .selectors import require_project

QUESTIONNAIRE = "realestate.visitor"  # the custom-field object whose fields are the questionnaire


# --- project members and the duty rotation (轮岗) -----------------------------------------------------------------
def project_member_set(
    *, actor: User, project: Project, user: User, on_rotation: bool = False, absent: bool = False
) -> ProjectMember:
    """Put a user on a project (they see it from now on), optionally on its duty rotation, at its end."""
    require_permission(actor, "re_visitors.admin")
    require_project(actor, project)
    if not user.is_active:
        raise field_error("user", _("This user has left."))
    with transaction.atomic():
        member, created = ProjectMember.objects.select_for_update().get_or_create(project=project, user=user)
        before = (member.rotation_order, member.absent)
        if on_rotation and member.rotation_order is None:
            placed = ProjectMember.objects.filter(project=project, rotation_order__isnull=False)
            top = placed.order_by("-rotation_order").values_list("rotation_order", flat=True).first()
            member.rotation_order = (top or 0) + 1
        elif not on_rotation:
            member.rotation_order = None
        member.absent = absent
        member.save()
        audit_record(
            actor=actor, action=AuditLog.Action.UPDATE, obj=project,
            changes={"member": [None if created else str(before), f"{user}: {member.rotation_order}, {absent}"]},
        )  # fmt: skip
    return member


def project_member_remove(*, actor: User, project: Project, user: User) -> None:
    require_permission(actor, "re_visitors.admin")
    require_project(actor, project)
    with transaction.atomic():
        deleted, _rows = ProjectMember.objects.filter(project=project, user=user).delete()
        if deleted:
            audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=project, changes={"member": [str(user), None]})


def project_member_absent(*, actor: User, project: Project, user: User, absent: bool) -> ProjectMember:
    """Mark an agent away (skipped by the rotation) or back. An agent may mark themself; an admin anyone."""
    if actor.pk != user.pk:
        require_permission(actor, "re_visitors.admin")
    require_project(actor, project)
    member = ProjectMember.objects.filter(project=project, user=user).first()
    if member is None:
        raise field_error("user", _("This user does not work on the project."))
    with transaction.atomic():
        member, _changes = model_update(instance=member, data={"absent": absent}, actor=actor)
    return member


def agent_next(*, project: Project, lock: bool = True) -> User | None:
    """The agent whose turn it is (轮岗): of the present members on the rotation, the one who waited longest since
    their last first-time visitor (never served first, then by their place). None: nobody is on duty."""
    members = ProjectMember.objects.filter(
        project=project, rotation_order__isnull=False, absent=False, user__is_active=True
    ).select_related("user")
    if lock:
        members = members.select_for_update(of=("self",))
    ordered = members.order_by(F("last_turn_at").asc(nulls_first=True), "rotation_order", "id")
    first = ordered.first()
    return first.user if first is not None else None


# --- grading (分级) ------------------------------------------------------------------------------------------------
GRADE_OPS = (Op.EQ, Op.NE, Op.IN, Op.LT, Op.LTE, Op.GT, Op.GTE)


def visitor_facts(visitor: Visitor) -> dict[str, Any]:
    """What a grading rule may test: the visit count, the source and every questionnaire answer by its code."""
    return {**(visitor.custom or {}), "visits": visitor.visit_count, "source": visitor.source}


def grade_for(visitor: Visitor) -> tuple[str, GradeRule | None]:
    """The first active rule (by priority) of the visitor's project or of every project whose conditions all hold;
    none: grade C."""
    rules = GradeRule.objects.filter(is_active=True).filter(project__isnull=True) | GradeRule.objects.filter(
        is_active=True, project_id=visitor.project_id
    )
    facts = visitor_facts(visitor)
    for rule in rules.order_by("priority", "id"):
        if all(condition_holds(c, facts, {}) for c in rule.conditions or []):
            return rule.grade, rule
    return Grade.C, None


def _clean_conditions(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise field_error("conditions", _("Conditions: send a list of {fact, op, value}."))
    out = []
    for c in raw:
        if not isinstance(c, dict) or not str(c.get("fact") or "").strip() or c.get("op") not in GRADE_OPS:
            raise field_error("conditions", _("Conditions: each needs a fact, an operator and a value."))
        out.append({"fact": str(c["fact"]).strip(), "op": c["op"], "value": c.get("value")})
    return out


def grade_rule_save(
    *, actor: User, data: dict[str, Any], rule: GradeRule | None = None, project: Project | None = None
) -> GradeRule:
    """Add or edit a grading rule; the visitors it concerns are graded again at once."""
    require_permission(actor, "re_visitors.admin")
    if project is not None:
        require_project(actor, project)
    grade = str(data.get("grade") or "")
    if grade not in Grade.values:
        raise field_error("grade", _("Choose one of the list."))
    try:
        priority = int(data.get("priority") or 10)
    except (TypeError, ValueError):
        priority = -1
    if not 0 <= priority <= 1000:
        raise field_error("priority", _("Enter a number from 0 to 1000."))
    values = {
        "name": clean_text(data.get("name"), "name", max_length=100, required=True),
        "grade": grade,
        "priority": priority,
        "conditions": _clean_conditions(data.get("conditions", [])),
        "is_active": bool(data.get("is_active", True)),
    }
    with transaction.atomic():
        if rule is None:
            rule = model_create(instance=GradeRule(project=project, **values), actor=actor)
        else:
            for key, value in values.items():
                setattr(rule, key, value)
            rule.save()
            audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=rule, changes={"rule": [None, str(values)]})
        visitors_regrade(project=project)
    return rule


def visitors_regrade(*, project: Project | None = None) -> int:
    """Grade again the visitors of a project (or all): how many changed grade."""
    changed = 0
    visitors = Visitor.objects.all() if project is None else Visitor.objects.filter(project=project)
    for visitor in visitors.iterator():
        grade, rule = grade_for(visitor)
        if grade != visitor.grade or (rule and rule.pk) != visitor.graded_by_rule_id:
            Visitor.objects.filter(pk=visitor.pk).update(grade=grade, graded_by_rule=rule)
            changed += grade != visitor.grade
    return changed


# --- visit registration (来访登记) ----------------------------------------------------------------------------------
def customer_by_phone(phone: str) -> Customer | None:
    """The customer whose phone (or a contact's) matches, by the duplicate check's phone key: "+86 138-0013-8000"
    and "13800138000" are one number."""
    key = phone_key(phone)
    if not key:
        return None
    ids = CustomerKey.objects.filter(kind=CustomerKey.Kind.PHONE, value=key).values("customer_id")
    return Customer.objects.filter(pk__in=ids).order_by("created_at", "id").first()


def buyer_register(*, actor: User, name: Any, phone: Any) -> Customer:
    """A buyer not found by the picker, registered on the spot as a person with themself as the contact: the customer
    this phone already belongs to where the actor may see them (never a duplicate), else a new one the actor owns."""
    from guanxi.customers.services.contacts import contact_create

    require_permission(actor, "customers.create")
    name = clean_text(name, "new_name", max_length=200, required=True)
    phone = clean_text(phone, "new_phone", max_length=50, required=True)
    if not phone_key(phone):
        raise field_error("new_phone", _("Enter a phone number of at least 7 digits."))
    with transaction.atomic():
        known = customer_by_phone(phone)
        if known is not None:
            if not scope_queryset(actor, Customer.objects.filter(pk=known.pk), "view", module="customers").exists():
                raise field_error("new_phone", _("This number belongs to a customer of a colleague: ask them."))
            return known
        customer = customer_create(
            actor=actor, data={"kind": Customer.Kind.INDIVIDUAL, "name": name, "phone": phone},
            entry_path="realestate_sale", confirm_warnings=True,
        )  # fmt: skip
        contact_create(actor=actor, customer=customer, data={"name": name, "mobile": phone, "is_primary": True})
        return customer


def _answers(actor: User, visitor: Visitor | None, raw: Any) -> dict[str, Any]:
    return custom_values_clean(
        actor=actor, target=QUESTIONNAIRE, values=raw or {}, current=visitor.custom if visitor else None,
        creating=visitor is None, instance_pk=visitor.pk if visitor else None,
    )  # fmt: skip


def visit_register(*, actor: User, project: Project, data: dict[str, Any]) -> Visit:
    """Register a visit to the sales office. The phone number recognises a customer Guanxi already has; a visitor
    already on record for this project makes it a return visit (复访) with their agent, otherwise it is a first
    visit and the next agent on the rotation receives them (or the one named, or the actor). A new customer is
    registered as a person, owned by the agent where the actor may assign customers (else by the actor)."""
    require_permission(actor, "re_visitors.create")
    require_project(actor, project)
    phone = clean_text(data.get("phone"), "phone", max_length=50, required=True)
    if not phone_key(phone):
        raise field_error("phone", _("Enter a phone number of at least 7 digits."))
    name = clean_text(data.get("name"), "name", max_length=200)
    source = str(data.get("source") or "")
    if source and source not in dictionaries.codes(VISIT_SOURCE, active_only=True):
        raise field_error("source", _("Choose one of the list."))
    note = clean_text(data.get("note"), "note", max_length=300)
    try:
        party = int(data.get("party_size") or 1)
    except (TypeError, ValueError):
        party = 0
    if not 1 <= party <= 50:
        raise field_error("party_size", _("Enter a number from 1 to 50."))
    when = data.get("visited_at") or timezone.now()
    if isinstance(when, dt.datetime) and when > timezone.now() + dt.timedelta(minutes=5):
        raise field_error("visited_at", _("A visit cannot be in the future."))
    with transaction.atomic():
        customer = customer_by_phone(phone)
        visitor = None
        if customer is not None:
            visitor = Visitor.objects.select_for_update().filter(project=project, customer=customer).first()
        answers = _answers(actor, visitor, data.get("answers"))
        if visitor is not None:
            return _return_visit(actor, visitor, when=when, party=party, note=note, answers=answers, source=source)
        agent = _agent_for(actor, project, data.get("agent"))
        if customer is None:
            if not name:
                raise field_error("name", _("A first-time visitor needs a name."))
            may_assign = agent.pk == actor.pk or has_permission(actor, "customers.assign")
            customer = customer_create(
                actor=actor, data={"kind": Customer.Kind.INDIVIDUAL, "name": name, "phone": phone},
                owner=agent if may_assign else actor, entry_path="realestate_visit", confirm_warnings=True,
            )  # fmt: skip
        visitor = Visitor(
            project=project, customer=customer, agent=agent, source=source, custom=answers,
            first_visit_at=when, last_visit_at=when, visit_count=1,
        )  # fmt: skip
        visitor.grade, visitor.graded_by_rule = grade_for(visitor)
        model_create(instance=visitor, actor=actor)
        ProjectMember.objects.filter(project=project, user=agent).update(last_turn_at=timezone.now())
        return Visit.objects.create(
            visitor=visitor, visited_at=when, is_return=False, agent=agent, party_size=party, note=note,
            registered_by=actor,
        )  # fmt: skip


def _agent_for(actor: User, project: Project, chosen: Any) -> User:
    """The agent of a first-time visitor: the one named (a member of the project), else the next in turn, else the
    actor."""
    if chosen:
        member = ProjectMember.objects.filter(project=project, user_id=getattr(chosen, "pk", chosen)).first()
        if member is None:
            raise field_error("agent", _("Choose an agent who works on this project."))
        return member.user
    return agent_next(project=project) or actor


def _return_visit(
    actor: User, visitor: Visitor, *, when: Any, party: int, note: str, answers: dict[str, Any], source: str
) -> Visit:
    values: dict[str, Any] = {
        "visit_count": visitor.visit_count + 1, "last_visit_at": max(visitor.last_visit_at, when), "custom": answers,
    }  # fmt: skip
    if source and not visitor.source:
        values["source"] = source
    values.update(_graded(visitor, values))
    visitor, _changes = model_update(instance=visitor, data=values, actor=actor)
    return Visit.objects.create(
        visitor=visitor, visited_at=when, is_return=True, agent=visitor.agent, party_size=party, note=note,
        registered_by=actor,
    )  # fmt: skip


def _visitor_for(actor: User, visitor: Visitor) -> None:
    """Refuse a change to a visitor outside the actor's projects or re_visitors.edit scope (another agent's)."""
    require_permission(actor, "re_visitors.edit")
    require_project(actor, visitor.project_id)
    if not scope_queryset(actor, Visitor.objects.filter(pk=visitor.pk), "edit").exists():
        raise PermissionDeniedError(_("This visitor is another agent's."))


def _graded(visitor: Visitor, values: dict[str, Any]) -> dict[str, Any]:
    """The grade and rule the visitor gets once `values` are applied."""
    probe = copy.copy(visitor)
    for key, value in values.items():
        setattr(probe, key, value)
    grade, rule = grade_for(probe)
    return {"grade": grade, "graded_by_rule": rule}


def visitor_update(*, actor: User, visitor: Visitor, data: dict[str, Any]) -> Visitor:
    """Answer the questionnaire, change the source or hand the visitor to another agent of the project; the grade
    follows the rules."""
    _visitor_for(actor, visitor)
    values: dict[str, Any] = {}
    if "answers" in data:
        values["custom"] = _answers(actor, visitor, data["answers"])
    if "source" in data:
        source = str(data["source"] or "")
        if source and source not in dictionaries.codes(VISIT_SOURCE, active_only=True):
            raise field_error("source", _("Choose one of the list."))
        values["source"] = source
    if data.get("agent"):
        require_permission(actor, "re_visitors.admin")
        member = ProjectMember.objects.filter(project_id=visitor.project_id, user_id=data["agent"]).first()
        if member is None:
            raise field_error("agent", _("Choose an agent who works on this project."))
        values["agent"] = member.user
    with transaction.atomic():
        visitor = Visitor.objects.select_for_update().get(pk=visitor.pk)
        values.update(_graded(visitor, values))
        visitor, _changes = model_update(instance=visitor, data=values, actor=actor)
    return visitor


def visitor_follow_up(*, actor: User, visitor: Visitor, data: dict[str, Any]) -> FollowUp:
    """A follow-up of the visitor: a follow-up record of their customer (customers app), so it shows there too."""
    _visitor_for(actor, visitor)
    if not str(data.get("content") or "").strip():
        raise ValidationFailed(_("Write what was said."), fields={"content": [_("This field is required.")]})
    if visitor.deleted_at is not None:
        raise InvalidStateError(_("This visitor was deleted."))
    return follow_up_create(actor=actor, customer=visitor.customer, data=data)
