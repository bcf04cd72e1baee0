"""Every read of leads, assignment rules and opportunities, narrowed to what the user may see.

Leads and data scope: a lead's scope follows its owner (org.policies.scope_queryset). A lead without
an owner — new, valid and waiting in a queue, or never assigned — belongs to nobody's scope, so a read
rule (`owner_less_leads`, registered in providers.py and applied by org.policies itself) makes the
queues work:

* users holding `leads.assign` (front desk, marketing, business managers and assistants) see and act
  on every owner-less lead (not users of partner organisations: they stay inside their own data);
* whoever entered an owner-less lead keeps seeing it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext

from guanxi.core.errors import NotFoundError, ValidationFailed
from guanxi.core.export import local_time
from guanxi.core.filters import RequestLike, sort_with_tiebreak
from guanxi.core.models import AuditLog
from guanxi.org.audit_changes import describe_changes
from guanxi.org.models import DataScope, Department, Role, User
from guanxi.org.policies import (
    department_tree_ids,
    has_permission,
    permission_scope,
    require_permission,
    subordinate_ids,
    visibility_q,
)

from .filters import QUEUES, SORTS, LeadFilter, apply_search
from .models import OPEN_STATUSES, Lead, LeadAssignmentRule

RULE_ADMIN = "leads.assign"


def _is_partner(user: User) -> bool:
    return bool(user.partner_org_id) and not user.is_superuser


def owner_less_leads(user: User) -> Q:
    """The read rule of owner-less leads: all of them for a lead router, else the ones the user entered."""
    if has_permission(user, "leads.assign") and not _is_partner(user):
        return Q(owner__isnull=True)
    return Q(owner__isnull=True, created_by=user)


def lead_scope_q(user: User, action: str = "view") -> Q | None:
    """The filter for leads the user may `action` (None: no narrowing); 403 without the permission."""
    return visibility_q(user, Lead, action)


def lead_scope(user: User, qs: QuerySet[Lead] | None = None, action: str = "view") -> QuerySet[Lead]:
    qs = Lead.objects.all() if qs is None else qs
    q = lead_scope_q(user, action)
    return qs if q is None else qs.filter(q)


def lead_get(*, user: User, pk: Any, action: str = "view", for_update: bool = False) -> Lead:
    """One lead for an action: 403 without the permission, 404 when it is out of the user's reach."""
    qs = lead_scope(user, Lead.objects.select_related("owner", "created_by", "screened_by", "assigned_by"), action)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return _get_or_404(qs, pk)


def _get_or_404(qs: QuerySet, pk: Any) -> Any:
    try:
        return qs.get(pk=_valid_id(pk))
    except (qs.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError(gettext("Not found, or you may not see it."))


def _valid_id(value: Any) -> int:
    number = int(value)
    if not 0 < number < 2**63:  # beyond a 64-bit key the database itself would raise
        raise ValueError(value)
    return number


def lead_list(*, user: User, filters: QueryDict | dict[str, Any] | None = None, action: str = "view") -> QuerySet[Lead]:
    """Leads the user may see, filtered (filters.LeadFilter) and sorted (`sort` key from filters.SORTS)."""
    qs = lead_scope(user, Lead.objects.all(), action)
    fs = LeadFilter(data=filters or {}, queryset=qs, request=RequestLike(user))
    if not fs.is_valid():
        raise ValidationFailed(
            gettext("Some filters are not valid."), fields={k: [str(m) for m in v] for k, v in fs.errors.items()}
        )
    sort = str((filters or {}).get("sort") or "-created")
    return fs.qs.select_related("owner").order_by(*sort_with_tiebreak(SORTS.get(sort, "-created_at")))


def lead_queue_counts(*, user: User) -> dict[str, int]:
    """How many leads wait in each tab of the list, in one query."""
    qs = lead_scope(user, Lead.objects.all(), "view")
    counts = qs.aggregate(
        screen=Count("pk", filter=Q(status=Lead.Status.NEW)),
        unassigned=Count("pk", filter=Q(status=Lead.Status.VALID, owner__isnull=True)),
        mine=Count("pk", filter=Q(owner=user)),
        all=Count("pk"),
    )
    return {key: counts[key] for key, _label in QUEUES}


def default_queue(*, user: User) -> str:
    """Routers start on the screening queue, everyone else on their own leads."""
    return "screen" if has_permission(user, "leads.assign") else "mine"


def lead_history(*, lead: Lead, limit: int = 100) -> QuerySet[AuditLog]:
    """The lead's audit trail, newest first (it stays after conversion)."""
    ct = ContentType.objects.get_for_model(Lead)
    entries = AuditLog.objects.filter(content_type=ct, object_id=str(lead.pk))
    return entries.select_related("actor", "content_type")[:limit]


def lead_detail(*, user: User, pk: Any) -> dict[str, Any]:
    """The lead page: the lead with everything it links to, its history, and what the user may do."""
    related = Lead.objects.select_related(
        "owner",
        "created_by",
        "screened_by",
        "assigned_by",
        "assigned_rule",
        "converted_by",
        "converted_customer",
        "converted_contact",
        "converted_opportunity",
    )
    lead = _get_or_404(lead_scope(user, related, "view"), pk)
    return {
        "lead": lead,
        "history": describe_changes(list(lead_history(lead=lead)), reader=user),
        "can_edit": _allowed(user, lead, "edit"),
        "can_assign": _allowed(user, lead, "assign"),
        "can_delete": _allowed(user, lead, "delete"),
    }


def _allowed(user: User, lead: Lead, action: str) -> bool:
    if not has_permission(user, f"leads.{action}"):
        return False
    return lead_scope(user, Lead.objects.filter(pk=lead.pk), action).exists()


def search_leads(*, user: User, query: str, limit: int = 10) -> QuerySet[Lead]:
    return apply_search(lead_scope(user, Lead.objects.all(), "view"), query).select_related("owner")[:limit]


def lead_owner_choices(*, user: User) -> QuerySet[User]:
    """Owners of the leads the user sees (the list's owner filter offers no one else)."""
    owners = lead_scope(user, Lead.objects.filter(owner__isnull=False), "view").values("owner_id")
    return User.objects.filter(pk__in=owners).order_by("name", "username")


def lead_industries(*, user: User, limit: int = 200) -> list[str]:
    """Industries already used on the leads the user sees (suggestions for the filter and form)."""
    qs = lead_scope(user, Lead.objects.exclude(industry=""), "view")
    return list(qs.order_by("industry").values_list("industry", flat=True).distinct()[:limit])


# --- who leads may go to ----------------------------------------------------------------------
def users_in_reach(*, user: User, perm: str = "leads.assign") -> QuerySet[User]:
    """Active users the actor may hand a lead to: the people inside the actor's data scope for `perm`
    (e.g. a department-scoped business manager assigns within the department)."""
    scope = permission_scope(user, perm)
    qs = User.objects.filter(is_active=True)
    if scope is None:
        return qs.none()
    if _is_partner(user):
        qs = qs.filter(partner_org_id=user.partner_org_id)
    if scope == DataScope.ALL:
        return qs
    if scope == DataScope.SELF:
        return qs.filter(pk=user.pk)
    if scope == DataScope.SUBORDINATES:
        return qs.filter(pk__in=subordinate_ids(user) | {user.pk})
    if scope == DataScope.DEPARTMENT:
        return qs.filter(department_id=user.department_id) if user.department_id else qs.filter(pk=user.pk)
    if scope == DataScope.DEPARTMENT_TREE:
        ids = department_tree_ids(user.department)
        return qs.filter(department_id__in=ids) if ids else qs.filter(pk=user.pk)
    return qs.none()


def users_holding(perm: str, qs: QuerySet[User] | None = None) -> QuerySet[User]:
    """Users whose roles grant `perm` (or superusers), in one query: roles are few, users many."""
    role_ids = [pk for pk, perms in Role.objects.values_list("pk", "permissions") if perm in (perms or [])]
    qs = User.objects.all() if qs is None else qs
    return qs.filter(pk__in=User.objects.filter(Q(is_superuser=True) | Q(roles__in=role_ids)).values("pk"))


def lead_assignees(*, user: User) -> list[User]:
    """The choices of the "assign to" menus: users in reach who may view leads."""
    people = users_holding("leads.view", users_in_reach(user=user))
    return list(people.select_related("department").order_by("department__path", "name", "username"))


def open_lead_counts(user_ids: list[int] | set[int]) -> dict[int, int]:
    """{user id: leads they own that are still assigned or being followed up} (a rep's load)."""
    rows = (
        Lead.objects.filter(owner_id__in=list(user_ids), status__in=OPEN_STATUSES)
        .values("owner_id")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(user_ids, 0)
    counts.update({r["owner_id"]: r["n"] for r in rows})
    return counts


# --- assignment rules -------------------------------------------------------------------------
def assignment_rule_list(*, user: User) -> QuerySet[LeadAssignmentRule]:
    require_permission(user, RULE_ADMIN)
    return LeadAssignmentRule.objects.select_related("target_user", "target_department", "last_assigned_user")


def assignment_rule_get(*, user: User, pk: Any) -> LeadAssignmentRule:
    return _get_or_404(assignment_rule_list(user=user), pk)


def rule_target_choices() -> dict[str, Any]:
    """Users and teams an assignment rule may name."""
    return {
        "users": User.objects.filter(is_active=True).select_related("department").order_by("name", "username"),
        "departments": Department.objects.filter(is_active=True).order_by("path", "sort_order", "name"),
    }


# --- a leaving user's data (the backup an administrator takes before the hand-over) -------------------------
def leaver_leads_table(*, user: User, leaving: User) -> tuple[list[Any], list[list[Any]]]:
    """The leads the leaver owns, in every state, as far as `user` may export leads."""
    qs = lead_scope(user, Lead.objects.filter(owner=leaving), "export")
    headers = [gettext("Company"), gettext("Contact person"), gettext("Mobile"), gettext("Phone"), gettext("E-mail")]
    headers += [gettext("Source"), gettext("Province"), gettext("City"), gettext("Status"), gettext("Need")]
    headers += [gettext("Created at")]
    rows = [
        [
            lead.company_name,
            lead.person_name,
            lead.mobile,
            lead.phone,
            lead.email,
            lead.get_source_display(),
            lead.province,
            lead.city,
            lead.get_status_display(),
            lead.need,
            local_time(lead.created_at),
        ]
        for lead in qs.order_by("pk")
    ]
    return headers, rows
