"""Writes for users, departments, roles, positions and partner organisations; API tokens and the sign-in
history are in `sign_in` (re-exported here, so `guanxi.org.services.<name>` keeps working)."""

from __future__ import annotations

import tempfile
import zipfile
from typing import IO, Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import InvalidStateError, ValidationFailed, validation_error_fields
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.registry import registry
from guanxi.core.search import pinyin_forms
from guanxi.core.services import audit_record, model_create, model_update, notify

from ..models import ApiToken, CompanyProfile, DataScope, Department, PartnerOrganisation, Position, Role, User
from ..policies import all_permissions, forget_cached_grants, require_permission, subordinate_ids
from ..roles import default_roles
from ..selectors import COMPANY_PK, RoleUpgrade, role_upgrades
from .sign_in import (  # noqa: E402  (re-exported names)
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    audit_export_record,
    login_record,
    logout_record,
)

# The permission that lets someone run the organisation; at least one active account must keep it.
ADMIN_PERMISSION = "org.admin"
# User fields never copied into the audit trail (the hash is a secret; last_login is login history's job).
USER_AUDIT_EXCLUDE = ("password", "last_login", "updated_at")


# --- roles -----------------------------------------------------------------------------------
def roles_ensure_defaults() -> int:
    """Create the default roles that are missing (never overwrites an admin's edits).

    The one exception: the default administrator role, defined as "everything", gains the permissions of
    modules added since it was created (an upgrade that adds leads must not lock the administrator out of them).
    """
    created = 0
    specs = default_roles()
    # One read for all of them (every `guanxi run` start calls this), not get_or_create's read per role.
    stored = {role.code: role for role in Role.objects.filter(code__in=[spec["code"] for spec in specs])}
    for spec in specs:
        perms = all_permissions() if spec["permissions"] == "__all__" else sorted(set(spec["permissions"]))
        role, was_created = stored.get(spec["code"]), False
        if role is None:
            defaults = {"name": spec["name"], "permissions": perms, "data_scope": spec["scope"], "is_system": True}
            try:
                with transaction.atomic():
                    role, was_created = Role.objects.create(code=spec["code"], **defaults), True
            except IntegrityError:  # another process created it meanwhile: get_or_create's answer too
                role = Role.objects.filter(code=spec["code"]).first()
                if role is None:
                    raise
        created += int(was_created)
        if not was_created and role.is_system and spec["permissions"] == "__all__":
            missing = sorted(set(perms) - set(role.permissions or []))
            if missing:
                role.permissions = sorted(set(role.permissions or []) | set(missing))
                role.save(update_fields=["permissions", "updated_at"])
                audit_record(
                    actor=None,
                    action=AuditLog.Action.PERMISSION,
                    obj=role,
                    changes={"permissions": [None, missing]},
                    message=Message(
                        gettext_noop("Default role upgraded: %(count)s permissions of newly added modules granted"),
                        {"count": len(missing)},
                    ),
                )
    return created


def roles_upgrade(*, actor: User | None) -> list[RoleUpgrade]:
    """Give the stored default roles the grants of today's defaults they lack (modules added since the database
    was set up), one audited permission change per role. `actor` None is the command line. Returns what it
    added."""
    if actor is not None:
        require_permission(actor, ADMIN_PERMISSION)
    with transaction.atomic():
        list(Role.objects.select_for_update().filter(is_system=True).order_by("pk"))
        upgrades = role_upgrades(user=actor)
        for upgrade in upgrades:
            role = upgrade.role
            old = sorted(role.permissions or [])
            role.permissions = sorted(set(old) | set(upgrade.missing))
            role.save(update_fields=["permissions", "updated_at"])
            audit_record(
                actor=actor,
                action=AuditLog.Action.PERMISSION,
                obj=role,
                changes={"permissions": [old, role.permissions]},
                message=Message(
                    gettext_noop("Default role upgraded: %(count)s permissions of newly added modules granted"),
                    {"count": len(upgrade.missing)},
                ),
            )
    if actor is not None:
        forget_cached_grants(actor)
    return upgrades


def _ensure_an_admin_remains() -> None:
    """Refuse a change that would leave nobody able to administer users and roles (rolls back)."""
    admin_roles = [
        pk for pk, perms in Role.objects.values_list("pk", "permissions") if ADMIN_PERMISSION in (perms or [])
    ]
    if not User.objects.filter(Q(is_superuser=True) | Q(roles__in=admin_roles), is_active=True).exists():
        raise ValidationFailed(
            _("At least one active user must keep the right to administer users and roles."),
            fields={"__all__": [_("At least one active user must keep the right to administer users and roles.")]},
        )


def _role_code_from(name: str) -> str:
    """A readable, unique code for a role named in any language (Chinese names via pinyin)."""
    base = slugify(pinyin_forms(name)[0] or name).replace("-", "_")[:40] or "role"
    code, n = base, 2
    while Role.objects.filter(code=code).exists():
        code, n = f"{base}_{n}", n + 1
    return code


def _clean_permissions(permissions: list[str]) -> list[str]:
    known = set(all_permissions())
    unknown = sorted(set(permissions) - known)
    if unknown:
        raise ValidationFailed(
            _("Unknown permissions: %(names)s") % {"names": ", ".join(unknown)},
            fields={"permissions": [_("Unknown permission.")]},
        )
    return sorted(set(permissions))


def role_create(
    *, actor: User, name: str, permissions: list[str], data_scope: str, description: str = "", code: str = ""
) -> Role:
    """Create a role; without a code one is derived from the name."""
    require_permission(actor, "org.admin")
    with transaction.atomic():
        role = Role(
            code=code.strip() or _role_code_from(name),
            name=name,
            description=description,
            permissions=_clean_permissions(permissions),
            data_scope=data_scope,
        )
        model_create(instance=role, actor=actor)
        audit_record(
            actor=actor,
            action=AuditLog.Action.PERMISSION,
            obj=role,
            changes={"permissions": [None, role.permissions], "data_scope": [None, data_scope]},
        )
    return role


def role_update(*, actor: User, role: Role, data: dict[str, Any]) -> Role:
    """Change a role; permission and scope changes are recorded as permission changes."""
    require_permission(actor, "org.admin")
    if "permissions" in data:
        data["permissions"] = _clean_permissions(list(data["permissions"]))
    with transaction.atomic():
        role, changes = model_update(instance=role, data=data, actor=actor, audit=False)
        if changes:
            action = (
                AuditLog.Action.PERMISSION if {"permissions", "data_scope"} & changes.keys() else AuditLog.Action.UPDATE
            )
            audit_record(actor=actor, action=action, obj=role, changes=changes)
            if "permissions" in changes:
                _ensure_an_admin_remains()
    return role


# --- departments -----------------------------------------------------------------------------
def _department_set_path(dept: Department) -> None:
    parent_path = dept.parent.path if dept.parent_id and dept.parent else "/"
    dept.path = f"{parent_path}{dept.pk}/"


def department_create(
    *,
    actor: User | None,
    name: str,
    kind: str = Department.Kind.DEPARTMENT,
    parent: Department | None = None,
    manager: User | None = None,
    requires_customer_review: bool = False,
    sort_order: int = 0,
) -> Department:
    if actor is not None:
        require_permission(actor, "org.admin")
    with transaction.atomic():
        dept = Department(
            name=name,
            kind=kind,
            parent=parent,
            manager=manager,
            requires_customer_review=requires_customer_review,
            sort_order=sort_order,
        )
        model_create(instance=dept, actor=actor)
        _department_set_path(dept)
        dept.save(update_fields=["path"])
    return dept


def department_update(*, actor: User, department: Department, data: dict[str, Any]) -> Department:
    require_permission(actor, "org.admin")
    with transaction.atomic():
        new_parent = data.get("parent", department.parent)
        if new_parent is not None and new_parent.path.startswith(department.path):
            raise ValidationFailed(
                _("A department cannot be moved under itself."),
                fields={"parent": [_("A department cannot be moved under itself.")]},
            )
        old_path = department.path
        department, changes = model_update(instance=department, data=data, actor=actor)
        if "parent" in changes:
            _department_set_path(department)
            department.save(update_fields=["path"])
            for child in Department.objects.filter(path__startswith=old_path).exclude(pk=department.pk):
                child.path = department.path + child.path[len(old_path) :]
                child.save(update_fields=["path"])
    return department


# --- positions and partner organisations ----------------------------------------------------
def position_create(*, actor: User, name: str, code: str = "") -> Position:
    """A job title users can hold; without a code one is derived from the name."""
    require_permission(actor, ADMIN_PERMISSION)
    name = name.strip()
    code = code.strip() or slugify(pinyin_forms(name)[0] or name)[:50]
    with transaction.atomic():
        return model_create(instance=Position(name=name, code=code), actor=actor)


def position_update(*, actor: User, position: Position, data: dict[str, Any]) -> Position:
    require_permission(actor, ADMIN_PERMISSION)
    data = {k: v for k, v in data.items() if k in {"name", "code"}}
    with transaction.atomic():
        position, _changes = model_update(instance=position, data=data, actor=actor)
    return position


def partner_org_create(
    *, actor: User, name: str, kind: str = PartnerOrganisation.Kind.AGENT, is_active: bool = True
) -> PartnerOrganisation:
    """An agent or joint venture whose users see only their own organisation's records."""
    require_permission(actor, ADMIN_PERMISSION)
    with transaction.atomic():
        return model_create(
            instance=PartnerOrganisation(name=name.strip(), kind=kind, is_active=is_active), actor=actor
        )


def partner_org_update(*, actor: User, partner_org: PartnerOrganisation, data: dict[str, Any]) -> PartnerOrganisation:
    require_permission(actor, ADMIN_PERMISSION)
    data = {k: v for k, v in data.items() if k in {"name", "kind", "is_active"}}
    with transaction.atomic():
        partner_org, _changes = model_update(instance=partner_org, data=data, actor=actor)
    return partner_org


# --- users -----------------------------------------------------------------------------------
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    name: str = "",
    email: str = "",
    phone: str = "",
    department: Department | None = None,
    manager: User | None = None,
    roles: list[Role] | None = None,
    language: str = User.Language.ZH,
    is_superuser: bool = False,
    partner_org: Any = None,
    position: Any = None,
) -> User:
    """Open an account (only administrators open accounts)."""
    if actor is not None:
        require_permission(actor, "org.admin")
    username = username.strip()
    if username and User.objects.filter(username__iexact=username).exists():
        # Sign-in matches names case-insensitively in its history, so "Wang" and "wang" must not both exist.
        raise ValidationFailed(
            _("A user with this user name already exists."),
            fields={"username": [_("A user with this user name already exists.")]},
        )
    user = User(
        username=username,
        name=name,
        email=email,
        phone=phone,
        department=department,
        manager=manager,
        language=language,
        is_superuser=is_superuser,
        is_staff=is_superuser,
        partner_org=partner_org,
        position=position,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(_("The password is not strong enough."), fields={"password": list(exc.messages)})
    user.set_password(password)
    user.audit_exclude = USER_AUDIT_EXCLUDE  # type: ignore[attr-defined]
    with transaction.atomic():
        model_create(instance=user, actor=actor, m2m={"roles": roles or []})
        if roles:
            audit_record(
                actor=actor,
                action=AuditLog.Action.PERMISSION,
                obj=user,
                changes={"roles": [[], [r.code for r in roles]]},
            )
    return user


def user_update(*, actor: User, user: User, data: dict[str, Any]) -> User:
    """Edit an account; role and superuser changes are audited as permission changes."""
    require_permission(actor, "org.admin")
    data = {k: v for k, v in data.items() if k not in ("password", "last_login")}
    new_manager = data.get("manager")
    if new_manager is not None and (new_manager.pk == user.pk or new_manager.pk in subordinate_ids(user)):
        msg = _("A user cannot be their own manager, directly or through their staff.")
        raise ValidationFailed(msg, fields={"manager": [msg]})
    with transaction.atomic():
        old_roles = sorted(user.roles.values_list("code", flat=True))
        user, changes = model_update(instance=user, data=data, actor=actor, audit=False)
        perm_changes = {k: v for k, v in changes.items() if k in {"roles", "is_superuser"}}
        other = {k: v for k, v in changes.items() if k not in perm_changes}
        if other:
            audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=user, changes=other)
        if perm_changes:
            if "roles" in perm_changes:
                perm_changes["roles"] = [old_roles, sorted(user.roles.values_list("code", flat=True))]
            audit_record(actor=actor, action=AuditLog.Action.PERMISSION, obj=user, changes=perm_changes)
            _ensure_an_admin_remains()
    forget_cached_grants(user)
    return user


def user_set_password(*, actor: User, user: User, password: str) -> None:
    if actor.pk != user.pk:
        require_permission(actor, "org.admin")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(_("The password is not strong enough."), fields={"new_password1": list(exc.messages)})
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=user, changes={"password": ["***", "***"]})


def user_set_language(*, actor: User, language: str) -> User:
    if language not in User.Language.values:
        raise ValidationFailed(_("Unknown language."), fields={"language": [_("Unknown language.")]})
    actor, _changes = model_update(instance=actor, data={"language": language}, actor=actor)
    return actor


def user_deactivate(*, actor: User, user: User, successor: User) -> dict[str, int]:
    """Close an account at once and hand everything it owns to a successor, in one audited step."""
    require_permission(actor, "org.admin")
    if not user.is_active:
        raise InvalidStateError(_("This account is already closed."))
    if user.pk == actor.pk:
        raise InvalidStateError(_("You cannot close your own account; ask another administrator."))
    if successor.pk == user.pk or not successor.is_active:
        raise ValidationFailed(
            _("Choose another, active user to take over."),
            fields={"successor": [_("Choose another, active user to take over.")]},
        )
    with transaction.atomic():
        handed: dict[str, int] = {}
        for kind in registry.handover_kinds:
            moved = kind.hand_over(actor=actor, leaving=user, successor=successor)
            if moved:
                handed[kind.key] = moved
        # The successor takes over the leaver's staff; if the successor reported to the leaver, they now
        # report to the leaver's own manager (never to themselves).
        User.objects.filter(pk=successor.pk, manager=user).update(manager=user.manager_id)
        reports = User.objects.filter(manager=user).update(manager=successor)
        managed = sorted(Department.objects.filter(manager=user).values_list("name", flat=True))
        Department.objects.filter(manager=user).update(manager=successor)
        user.is_active = False
        user.save(update_fields=["is_active"])
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(
            actor=actor,
            action=AuditLog.Action.TRANSFER,
            obj=user,
            changes={
                "is_active": [True, False],
                "successor": [None, str(successor)],
                "handed_over": handed,
                "direct_reports": [None, reports],
                "managed_departments": [None, managed],
            },
            message=Message(gettext_noop("Account closed; records handed to %(name)s"), {"name": successor}),
        )
        _ensure_an_admin_remains()
        _tell_successor(successor, user, handed)
    return handed


def _tell_successor(successor: User, leaving: User, handed: dict[str, int]) -> None:
    """One notification listing what the successor took over (the kinds named in their language)."""
    if not handed:
        return
    labels = {kind.key: kind.label for kind in registry.handover_kinds}
    with translation.override(successor.language or translation.get_language()):
        body = ", ".join(f"{labels.get(key, key)}: {count}" for key, count in handed.items())
    notify(
        recipient=successor,
        kind="handover",
        title=Message(gettext_noop("You took over the work of %(user)s"), {"user": leaving}),
        body=body,
    )


# --- a leaver's data --------------------------------------------------------------------------
LEAVER_EXPORT_FORMATS = ("xlsx", "csv")


def user_data_export(*, actor: User, user: User, fmt: str = "xlsx") -> tuple[IO[bytes], str]:
    """Everything `user` owned or worked on, one spreadsheet per kind in a ZIP (the backup REQUIREMENTS §11 asks
    for before a leaver's records are handed over). Administrators only; each kind is read within the actor's
    own export scope of its module, a kind they may not export is left out and named in contents.txt. Cells are
    formula-safe (core.export). One EXPORT audit row on the user records the row count per kind. Returns the
    ZIP as a rewound temporary file (spooled to disk when large) and its file name."""
    from guanxi.core.errors import PermissionDeniedError
    from guanxi.core.export import to_csv, to_xlsx

    require_permission(actor, "org.admin")
    if fmt not in LEAVER_EXPORT_FORMATS:
        raise ValidationFailed(_("Choose CSV or XLSX."), fields={"fmt": [_("Choose CSV or XLSX.")]})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"{slugify(user.username) or user.pk}-{stamp}"
    counts: dict[str, int] = {}
    left_out: list[str] = []
    contents = [_("Data of %(user)s, exported %(time)s") % {"user": user, "time": stamp}, ""]
    archive = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115  (the response closes it)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for export in registry.leaver_exports:
            try:
                headers, rows = export.table(actor=actor, leaving=user)
            except PermissionDeniedError:
                left_out.append(export.key)
                contents.append(_("%(kind)s: not exported (you may not export them)") % {"kind": export.label})
                continue
            rows = list(rows)
            counts[export.key] = len(rows)
            if fmt == "csv":
                zf.writestr(f"{name}/{export.key}.csv", to_csv(headers, rows))
            else:
                zf.writestr(f"{name}/{export.key}.xlsx", to_xlsx(headers, rows, sheet=str(export.label)))
            contents.append(f"{export.key}.{fmt}: {export.label} ({len(rows)})")
        zf.writestr(f"{name}/contents.txt", "\n".join(str(line) for line in contents) + "\n")
    audit_record(
        actor=actor,
        action=AuditLog.Action.EXPORT,
        obj=user,
        changes={"rows": counts, "format": fmt, "left_out": left_out},
        message=Message(gettext_noop("Exported the data of %(user)s"), {"user": user}),
    )
    archive.seek(0)
    return archive, f"{name}.zip"


__all__ = [
    "DataScope",
    "validation_error_fields",
    "roles_ensure_defaults",
    "roles_upgrade",
    "role_create",
    "role_update",
    "department_create",
    "department_update",
    "position_create",
    "position_update",
    "partner_org_create",
    "partner_org_update",
    "user_create",
    "user_update",
    "user_set_password",
    "user_set_language",
    "user_deactivate",
    "api_token_create",
    "api_token_revoke",
    "api_token_authenticate",
    "login_record",
    "logout_record",
    "audit_export_record",
]


COMPANY_FIELDS = ("name", "address", "phone", "tax_id", "bank_name", "bank_account")


def company_profile_update(*, actor: User, data: dict[str, Any]) -> CompanyProfile:
    """Set the company's details printed on quotes, invoices and statements (org.admin); the change is audited
    (old → new per field)."""
    require_permission(actor, ADMIN_PERMISSION)
    values = {k: " ".join(str(data[k] or "").split()) for k in COMPANY_FIELDS if k in data}
    if "name" in values and not values["name"]:
        raise ValidationFailed(_("Enter the company name."), fields={"name": [_("This field is required.")]})
    with transaction.atomic():
        row = CompanyProfile.objects.select_for_update().filter(pk=COMPANY_PK).first()
        if row is None:
            return model_create(instance=CompanyProfile(pk=COMPANY_PK, **values), actor=actor)
        row, _changes = model_update(instance=row, data=values, actor=actor)
    return row
