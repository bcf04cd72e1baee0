"""Every read of the organisation pages: users, departments, roles, partner organisations, positions.
Administration reads need `org.admin`. The audit trail and login history are read in `audit` (re-exported here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import django_filters as df
from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.registry import registry

from ..models import CompanyProfile, Department, LoginEvent, PartnerOrganisation, Position, Role, User
from ..policies import ACTIONS, MODULES, department_tree_ids, hidden_modules, require_permission
from ..roles import default_grants, default_roles
from .audit import (
    AUDIT_EXPORT_MAX_ROWS,
    AUDIT_FILTER_KEYS,
    LOGIN_RESULTS,
    AuditFilter,
    LoginEventFilter,
    audit_actor_choices,
    audit_describe,
    audit_export_rows,
    audit_list,
    audit_object_types,
    audit_search,
    changes_text,
    login_event_list,
    login_event_search,
)
from .base import ADMIN, _filtered, _get_or_404

# --- users ------------------------------------------------------------------------------------
USER_STATUS = [("active", _("Active")), ("closed", _("Closed")), ("all", _("All"))]


class UserFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    department = df.ModelChoiceFilter(
        queryset=Department.objects.all(), method="filter_department", label=_("Department")
    )
    role = df.ModelChoiceFilter(queryset=Role.objects.all(), field_name="roles", label=_("Role"))
    status = df.ChoiceFilter(choices=USER_STATUS, method="filter_status", label=_("Status"))

    class Meta:
        model = User
        fields: list[str] = []

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return user_search(qs, value)

    def filter_department(self, qs: QuerySet, name: str, value: Department) -> QuerySet:
        return qs.filter(department_id__in=department_tree_ids(value))

    def filter_status(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value == "active":
            return qs.filter(is_active=True)
        if value == "closed":
            return qs.filter(is_active=False)
        return qs


def user_search(qs: QuerySet[User], text: str) -> QuerySet[User]:
    """Accounts whose user name, name, e-mail or mobile holds every word of `text`."""
    for term in text.split()[:5]:
        qs = qs.filter(
            Q(username__icontains=term) | Q(name__icontains=term) | Q(email__icontains=term) | Q(phone__icontains=term)
        )
    return qs


def user_list(*, user: User, filters: QueryDict | dict[str, Any] | None = None) -> QuerySet[User]:
    """Accounts for the administration list; active ones unless `status` says otherwise."""
    require_permission(user, ADMIN)
    data = filters.copy() if filters is not None else {}
    if not data.get("status"):
        data["status"] = "active"
    qs = _filtered(UserFilter, data, User.objects.all())
    return (
        qs.select_related("department", "manager", "position", "partner_org")
        .prefetch_related("roles")
        .order_by("-is_active", "username")
        .distinct()
    )


def user_get(*, user: User, pk: Any) -> User:
    require_permission(user, ADMIN)
    return _get_or_404(
        User.objects.select_related("department", "manager", "position", "partner_org").prefetch_related("roles"), pk
    )


def user_choices(*, user: User, exclude: User | None = None) -> QuerySet[User]:
    """Active users to pick from (manager, successor, department manager)."""
    require_permission(user, ADMIN)
    qs = User.objects.filter(is_active=True).select_related("department").order_by("name", "username")
    return qs.exclude(pk=exclude.pk) if exclude is not None else qs


def user_recent_logins(*, user: User, subject: User, limit: int = 10) -> QuerySet[LoginEvent]:
    require_permission(user, ADMIN)
    return LoginEvent.objects.filter(Q(user=subject) | Q(username__iexact=subject.username)).order_by("-at")[:limit]


def handover_labels() -> dict[str, str]:
    """What each hand-over kind is called, by the key the deactivation's result and audit row use."""
    return {kind.key: str(kind.label) for kind in registry.handover_kinds}


def handover_preview(*, user: User, leaving: User) -> list[tuple[str, int]]:
    """What closing `leaving`'s account would move to a successor: each app's records (through the
    registry, so org never imports the apps above it) plus the leaver's staff and departments."""
    require_permission(user, ADMIN)
    counts: dict[str, int] = {str(kind.label): kind.count(leaving=leaving) for kind in registry.handover_kinds}
    counts[gettext("Direct reports")] = User.objects.filter(manager=leaving, is_active=True).count()
    counts[gettext("Departments managed")] = Department.objects.filter(manager=leaving).count()
    return list(counts.items())


# --- departments ------------------------------------------------------------------------------
def department_choices(*, user: User) -> list[Department]:
    """All departments in tree order, each with `depth` for indentation."""
    return [d for d, _depth in department_tree(user=user, with_counts=False)]


def department_queryset(*, user: User, ids: Iterable[int] | None = None) -> QuerySet[Department]:
    """Departments as a queryset (for form validation), optionally only the given ids."""
    require_permission(user, ADMIN)
    qs = Department.objects.all()
    return qs if ids is None else qs.filter(pk__in=list(ids))


def department_tree(*, user: User, with_counts: bool = True) -> list[tuple[Department, int]]:
    """(department, depth) pairs in tree order: each parent before its children, siblings by order, name."""
    require_permission(user, ADMIN)
    qs = Department.objects.select_related("manager", "parent")
    if with_counts:
        qs = qs.annotate(member_count=Count("members", filter=Q(members__is_active=True)))
    children: dict[int | None, list[Department]] = {}
    for dept in qs:
        children.setdefault(dept.parent_id, []).append(dept)
    for siblings in children.values():
        siblings.sort(key=lambda d: (d.sort_order, d.name))
    out: list[tuple[Department, int]] = []
    seen: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for dept in children.get(parent_id, []):
            if dept.pk in seen:  # a broken tree must not loop forever
                continue
            seen.add(dept.pk)
            dept.tree_depth = depth  # type: ignore[attr-defined]
            out.append((dept, depth))
            walk(dept.pk, depth + 1)

    walk(None, 0)
    return out


def department_get(*, user: User, pk: Any) -> Department:
    require_permission(user, ADMIN)
    return _get_or_404(Department.objects.select_related("parent", "manager"), pk)


def department_members(*, user: User, department: Department) -> QuerySet[User]:
    require_permission(user, ADMIN)
    return department.members.filter(is_active=True).select_related("position").order_by("name", "username")


# --- roles ------------------------------------------------------------------------------------
def role_list(*, user: User) -> QuerySet[Role]:
    require_permission(user, ADMIN)
    return Role.objects.annotate(user_count=Count("users", filter=Q(users__is_active=True))).order_by(
        "-is_system", "name"
    )


@dataclass(frozen=True)
class RoleUpgrade:
    """A stored default role and the grants of the current defaults it lacks (modules added since it was made)."""

    role: Role
    missing: list[str]

    @property
    def missing_labels(self) -> list[str]:
        return [permission_label(p) for p in self.missing]


def role_upgrades(*, user: User | None) -> list[RoleUpgrade]:
    """The default roles whose stored permissions lack grants of today's defaults (`guanxi roles upgrade`, the
    roles page's banner). `user` None is the command line."""
    if user is not None:
        require_permission(user, ADMIN)
    specs = {spec["code"]: spec for spec in default_roles()}
    upgrades = []
    for role in Role.objects.filter(is_system=True, code__in=specs).order_by("pk"):
        missing = sorted(default_grants(specs[role.code]) - set(role.permissions or []))
        if missing:
            upgrades.append(RoleUpgrade(role=role, missing=missing))
    return upgrades


def permission_label(perm: str) -> str:
    """ "quotes.approve" as the reader reads it: "Quotes: Approve"."""
    module, _dot, action = perm.partition(".")
    label = MODULES.get(module, {}).get("label", module)
    return f"{label}: {ACTIONS.get(action, action)}"


def role_get(*, user: User, pk: Any) -> Role:
    require_permission(user, ADMIN)
    return _get_or_404(Role.objects.all(), pk)


def role_choices(*, user: User) -> QuerySet[Role]:
    require_permission(user, ADMIN)
    return Role.objects.order_by("name")


def role_holders(*, user: User, role: Role) -> QuerySet[User]:
    require_permission(user, ADMIN)
    return role.users.filter(is_active=True).select_related("department").order_by("name", "username")


def permission_matrix(*, granted: Iterable[str]) -> dict[str, Any]:
    """The role editor's grid: one row per module, one column per action any module has; a cell is
    None where the module has no such action (no checkbox is drawn)."""
    granted = set(granted)
    hidden = hidden_modules()  # the modules of apps switched off here
    shown = {code: spec for code, spec in MODULES.items() if code not in hidden}
    used = [a for a in ACTIONS if any(a in spec["actions"] for spec in shown.values())]
    rows = []
    for code, spec in shown.items():
        cells: list[dict[str, Any] | None] = []
        for action in used:
            if action in spec["actions"]:
                perm = f"{code}.{action}"
                cells.append({"perm": perm, "action": action, "label": ACTIONS[action], "checked": perm in granted})
            else:
                cells.append(None)
        rows.append({"code": code, "label": spec["label"], "cells": cells})
    return {"columns": [{"action": a, "label": ACTIONS[a]} for a in used], "rows": rows}


# --- partner organisations and positions ------------------------------------------------------
def partner_org_list(*, user: User) -> QuerySet[PartnerOrganisation]:
    require_permission(user, ADMIN)
    return PartnerOrganisation.objects.annotate(
        member_count=Count("members", filter=Q(members__is_active=True))
    ).order_by("-is_active", "name")


def partner_org_get(*, user: User, pk: Any) -> PartnerOrganisation:
    require_permission(user, ADMIN)
    return _get_or_404(PartnerOrganisation.objects.all(), pk)


def partner_org_choices(*, user: User) -> QuerySet[PartnerOrganisation]:
    require_permission(user, ADMIN)
    return PartnerOrganisation.objects.filter(is_active=True).order_by("name")


def position_list(*, user: User) -> list[Position]:
    """Positions with the number of active users holding each (User.position has no reverse name)."""
    require_permission(user, ADMIN)
    counts = dict(
        User.objects.filter(is_active=True, position__isnull=False)
        .values("position")
        .annotate(n=Count("pk"))
        .values_list("position", "n")
    )
    positions = list(Position.objects.order_by("name"))
    for p in positions:
        p.holder_count = counts.get(p.pk, 0)  # type: ignore[attr-defined]
    return positions


def position_get(*, user: User, pk: Any) -> Position:
    require_permission(user, ADMIN)
    return _get_or_404(Position.objects.all(), pk)


def position_choices(*, user: User) -> QuerySet[Position]:
    require_permission(user, ADMIN)
    return Position.objects.order_by("name")


# --- the signed-in user -----------------------------------------------------------------------
def account_for_sign_in(*, username: str) -> User | None:
    """The account a sign-in attempt names (any case), for login history; None for an unknown name."""
    return User.objects.filter(username__iexact=username[:150]).first() if username else None


def user_permissions(*, user: User) -> list[str]:
    """Every "module.action" the user holds (all of them for a superuser), sorted."""
    from ..policies import held_permissions

    return sorted(held_permissions(user))


def me_get(*, user: User) -> User:
    """The signed-in user as /me shows it: department, manager, job title and roles (and from them the grants) in
    two queries, instead of four loaded one by one."""
    return User.objects.select_related("department", "manager", "position").prefetch_related("roles").get(pk=user.pk)


# --- REST API: the user directory, own tokens and notifications -------------------------------
def _sees_closed_accounts(user: User) -> bool:
    from ..policies import has_permission

    return has_permission(user, ADMIN)


def directory_user_list(*, user: User, q: str = "", department_id: int | None = None) -> QuerySet[User]:
    """Colleagues one may pick as owner or assignee (any signed-in user may read this directory).

    Partner (agent, joint-venture) users see only their own organisation's people; closed accounts
    are listed for administrators only."""
    qs = User.objects.select_related("department", "manager", "position")
    if not _sees_closed_accounts(user):
        qs = qs.filter(is_active=True)
    if user.partner_org_id and not user.is_superuser:
        qs = qs.filter(partner_org_id=user.partner_org_id)
    for term in (q or "").split()[:5]:
        qs = qs.filter(
            Q(username__icontains=term) | Q(name__icontains=term) | Q(email__icontains=term) | Q(phone__icontains=term)
        )
    if department_id is not None:
        dept = Department.objects.filter(pk=department_id).first()
        qs = qs.filter(department_id__in=department_tree_ids(dept)) if dept else qs.none()
    return qs.order_by("username", "id")


def directory_user_get(*, user: User, pk: Any) -> User:
    return _get_or_404(directory_user_list(user=user), pk)


def users_by_ids(*, user: User, ids: Iterable[int], field: str) -> list[User]:
    """Active users picked by id in a request (collaborators, a new owner); unknown ids name the field."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    found = {u.pk: u for u in directory_user_list(user=user).filter(is_active=True, pk__in=wanted)}
    missing = [i for i in wanted if i not in found]
    if missing:
        msg = gettext("Unknown or inactive user: %(ids)s") % {"ids": ", ".join(str(i) for i in missing)}
        raise ValidationFailed(msg, fields={field: [msg]})
    return [found[i] for i in wanted]


def directory_department_list(*, user: User, parent_id: int | None = None, roots: bool = False) -> QuerySet[Department]:
    """The department tree in path order (each row names its parent); partner users see only their own."""
    qs = Department.objects.select_related("manager")
    if user.partner_org_id and not user.is_superuser:
        qs = qs.filter(pk=user.department_id or 0)
    if roots:
        qs = qs.filter(parent__isnull=True)
    elif parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    return qs.order_by("path", "sort_order", "name")


def directory_department_get(*, user: User, pk: Any) -> Department:
    return _get_or_404(directory_department_list(user=user), pk)


def api_token_list(*, user: User) -> QuerySet[Any]:
    """One's own API tokens, newest first (revoked ones too, so their history stays visible)."""
    from ..models import ApiToken

    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_token_get(*, user: User, pk: Any) -> Any:
    return _get_or_404(api_token_list(user=user), pk)


def notification_list(*, user: User, unread: bool = False) -> QuerySet[Any]:
    from guanxi.core.models import Notification

    qs = Notification.objects.filter(recipient=user)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    return notification_list(user=user, unread=True).count()


# Callers read the whole organisation through `guanxi.org.selectors`, the audit trail included.
__all__ = [
    "AUDIT_FILTER_KEYS",
    "LOGIN_RESULTS",
    "ADMIN",
    "AUDIT_EXPORT_MAX_ROWS",
    "AuditFilter",
    "LoginEventFilter",
    "RoleUpgrade",
    "USER_STATUS",
    "UserFilter",
    "account_for_sign_in",
    "api_token_get",
    "api_token_list",
    "audit_actor_choices",
    "changes_text",
    "audit_describe",
    "audit_export_rows",
    "audit_list",
    "audit_object_types",
    "audit_search",
    "department_choices",
    "department_get",
    "department_members",
    "department_queryset",
    "department_tree",
    "directory_department_get",
    "directory_department_list",
    "directory_user_get",
    "directory_user_list",
    "handover_labels",
    "handover_preview",
    "login_event_list",
    "login_event_search",
    "notification_list",
    "notification_unread_count",
    "partner_org_choices",
    "partner_org_get",
    "partner_org_list",
    "permission_label",
    "permission_matrix",
    "position_choices",
    "position_get",
    "position_list",
    "role_choices",
    "role_get",
    "role_holders",
    "role_list",
    "role_upgrades",
    "user_choices",
    "user_get",
    "user_list",
    "user_permissions",
    "user_recent_logins",
    "user_search",
    "users_by_ids",
]


# --- the company's own details (the seller on quotes, invoices, statements) --------------------------
COMPANY_PK = 1


def company_profile() -> CompanyProfile:
    """The company's details as documents print them (every reader; an unsaved blank row until an administrator
    sets them: `is_set` is then False and documents show a placeholder)."""
    return CompanyProfile.objects.filter(pk=COMPANY_PK).first() or CompanyProfile(pk=COMPANY_PK)
