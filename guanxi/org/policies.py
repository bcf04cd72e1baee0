"""The one permission and data-scope mechanism.

Roles grant `module.action` permissions, each with the role's data scope. `scope_queryset`
narrows any queryset of a BusinessModel to the rows a user may touch for an action; every list,
detail, search, export, bulk action and API endpoint goes through it. A model's read rules
(core.registry.ReadRule: the documents a user approves, owner-less leads for lead routers) are part of
that one rule (`visibility_q`), so a search, a list, a detail page and an export never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models
from django.db.models import Exists, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.dbvendor import is_postgresql
from guanxi.core.dbvendor.ids import in_ids, split_condition
from guanxi.core.errors import NotFoundError, PermissionDeniedError
from guanxi.core.registry import registry

from .models import DataScope, Department

if TYPE_CHECKING:
    from .models import User

M = TypeVar("M", bound=models.Model)

ACTIONS: dict[str, Any] = {
    "view": gettext_lazy("View"),
    "create": gettext_lazy("Create"),
    "edit": gettext_lazy("Edit"),
    "delete": gettext_lazy("Delete"),
    "export": gettext_lazy("Export"),
    "import": gettext_lazy("Import"),
    "assign": gettext_lazy("Assign"),
    "approve": gettext_lazy("Approve"),
    "admin": gettext_lazy("Administer"),
    "release": gettext_lazy("Release for sale"),  # real estate's 放盘 (re_properties.release)
    "view_personal": gettext_lazy("See personal data"),  # registrants' numbers and addresses (marketing)
    "all_projects": gettext_lazy("Every project"),  # real estate: beyond the projects one works on
}

# Modules and the actions that make sense for each; later apps add theirs with register_module.
MODULES: dict[str, dict[str, Any]] = {}


def register_module(code: str, label: Any, actions: list[str], *, enabled: Callable[[], bool] | None = None) -> None:
    """A module and its actions. `enabled`: an app switched on per installation (real estate) answers whether it is
    on; while off, role administration does not show the module (grants already given are kept)."""
    MODULES[code] = {"label": label, "actions": actions, "enabled": enabled}


def hidden_modules() -> set[str]:
    """The modules of apps switched off on this installation."""
    return {code for code, spec in MODULES.items() if spec.get("enabled") is not None and not spec["enabled"]()}


register_module(
    "customers",
    gettext_lazy("Customers"),
    ["view", "create", "edit", "delete", "export", "import", "assign", "approve"],
)
register_module("contacts", gettext_lazy("Contacts"), ["view", "create", "edit", "delete", "export"])
register_module("followups", gettext_lazy("Follow-ups"), ["view", "create", "edit", "delete", "export"])
register_module("tasks", gettext_lazy("Tasks"), ["view", "create", "edit", "delete", "assign"])
register_module("org", gettext_lazy("Users and roles"), ["view", "admin"])
register_module("audit", gettext_lazy("Audit trail"), ["view", "export"])
register_module("access_log", gettext_lazy("Access log"), ["view"])  # who read what: administrators only

_SCOPE_RANK = {s: i for i, s in enumerate(DataScope.values)}


def all_permissions() -> list[str]:
    return [f"{m}.{a}" for m, spec in MODULES.items() for a in spec["actions"]]


def _grants(user: User) -> dict[str, str]:
    """{"module.action": widest scope} for the user's roles, cached on the user object per request."""
    cached = getattr(user, "_guanxi_grants", None)
    if cached is not None:
        return cached
    grants: dict[str, str] = {}
    prefetched = getattr(user, "_prefetched_objects_cache", {}).get("roles")  # /me reads the roles anyway
    rows = (
        [(role.permissions, role.data_scope) for role in prefetched]
        if prefetched is not None
        else user.roles.values_list("permissions", "data_scope")
    )
    for perms, scope in rows:
        for perm in perms or []:
            if perm not in grants or _SCOPE_RANK[scope] > _SCOPE_RANK[grants[perm]]:
                grants[perm] = scope
    user._guanxi_grants = grants  # type: ignore[attr-defined]
    return grants


def forget_cached_grants(user: User) -> None:
    for attr in ("_guanxi_grants", "_guanxi_subordinates", "_guanxi_dept_tree", "_guanxi_role_codes"):
        if hasattr(user, attr):
            delattr(user, attr)


def permission_scope(user: User, perm: str) -> str | None:
    """The data scope with which the user holds `perm`, or None if they don't hold it."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return DataScope.ALL
    return _grants(user).get(perm)


def has_permission(user: User, perm: str) -> bool:
    return permission_scope(user, perm) is not None


def held_permissions(user: User) -> frozenset[str]:
    """Every "module.action" of MODULES the user holds: one pass over the grants, not a check per permission."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(all_permissions())
    return frozenset(_grants(user)).intersection(all_permissions())


def holds_action(user: User, action: str) -> bool:
    """Does the user hold `action` ("export") in any module? For what no one module owns: a user without any export
    right takes no data out of Guanxi (the approvals inbox's export)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(perm.partition(".")[2] == action for perm in _grants(user))


def require_permission(user: User, perm: str) -> str:
    scope = permission_scope(user, perm)
    if scope is None:
        module, _dot, action = perm.partition(".")
        label = MODULES.get(module, {}).get("label", module)
        raise PermissionDeniedError(
            _("You do not have permission to %(action)s %(module)s.")
            % {"action": str(ACTIONS.get(action, action)).lower(), "module": str(label).lower()}
        )
    return scope


def subordinate_ids(user: User) -> set[int]:
    """Everyone below the user in the manager chain (not the user)."""
    cached = getattr(user, "_guanxi_subordinates", None)
    if cached is not None:
        return cached
    from .models import User as UserModel

    found: set[int] = set()
    frontier = {user.pk}
    while frontier:
        nxt = set(UserModel.objects.filter(manager_id__in=frontier).values_list("pk", flat=True)) - found - {user.pk}
        found |= nxt
        frontier = nxt
    user._guanxi_subordinates = found  # type: ignore[attr-defined]
    return found


def department_tree_ids(department: Department | None) -> list[int]:
    if department is None:
        return []
    return list(Department.objects.filter(path__startswith=department.path).values_list("pk", flat=True))


def _collaborator_q(model: type[models.Model], path: str | None, user: User) -> Q:
    """Rows where the user is a collaborator, as a subquery so an OR never duplicates rows.

    The subquery reads the many-to-many table directly (indexed on the user), which keeps SQLite from scanning
    the parent table when the path goes through a relation (contacts → customer → collaborators).
    """
    if not path:
        return Q(pk__in=[])
    prefix, _sep, field_name = path.rpartition("__")
    target = model
    for part in prefix.split("__") if prefix else []:
        target = target._meta.get_field(part).related_model  # type: ignore[assignment]
    m2m = target._meta.get_field(field_name)
    through = m2m.remote_field.through  # type: ignore[union-attr]
    ids = through._default_manager.filter(**{m2m.m2m_reverse_field_name(): user.pk}).values(  # type: ignore[union-attr]
        m2m.m2m_field_name()  # type: ignore[union-attr]
    )
    return Q(**{f"{prefix}__in" if prefix else "pk__in": ids})


# One known parent row of the rows a scope narrows: (the rows' foreign key to it, "customer"; its id).
Parent = tuple[str, Any]


def scope_q(user: User, model: type[models.Model], scope: str, *, parent: Parent | None = None) -> Q | None:
    """The filter for a scope on a model; None means no narrowing. `parent`: the rows are known to hang off one row
    (`(foreign key, its id)`, a customer's follow-ups on its 360), for which see `scope_children`.

    Written so both databases narrow through the owner index rather than scan: the owners are a list of ids or a
    subquery on users (never a join), and a model reached through a relation (contacts, follow-ups: the customer's
    owner and collaborators) is narrowed by `customer_id IN (SELECT id FROM customers WHERE owner_id … UNION SELECT
    customer_id FROM collaborators WHERE user_id = …)`, an OR of two indexed lookups that no join could give.
    The rows are those of "owner (or the owner's department …) is … or the user collaborates" read through joins
    (guanxi/customers/tests/test_scope_rows.py compares both over generated owners and collaborators)."""
    owner_path = getattr(model, "scope_owner_path", "owner")
    if not owner_path:  # a company-wide model (the product catalogue): its module's permission is the whole check
        return None
    collab_path = getattr(model, "scope_collaborators_path", None)
    partner = bool(user.partner_org_id and not user.is_superuser)
    if scope == DataScope.ALL and not partner:
        return None
    if scope not in _SCOPE_RANK:  # unknown scope: deny rather than leak
        return Q(pk__in=[])
    prefix, _sep, owner = owner_path.rpartition("__")
    if not prefix:
        return _scope_on_owner(user, model, owner, collab_path, scope, partner)
    target = model
    for part in prefix.split("__"):
        target = target._meta.get_field(part).related_model  # type: ignore[assignment]
    collab_prefix = f"{prefix}__"
    inner_collab = collab_path[len(collab_prefix) :] if collab_path and collab_path.startswith(collab_prefix) else None
    if collab_path and inner_collab is None:  # collaborators on another path than the owner: no shortcut
        return _scope_on_owner(user, model, owner_path, collab_path, scope, partner)
    base = target._base_manager.order_by()  # the rows of the join, soft-deleted parents included
    owned = _owned_q(user, owner, scope)
    partner_q = Q(**{f"{owner}__in": _partner_users(user)}) if partner else Q()
    if parent is not None and parent[0] == prefix:
        return _parent_in_scope(base.filter(pk=parent[1]), owned, partner_q, inner_collab, scope, user)
    ids = base.filter(owned & partner_q).values("pk") if owned is not None else base.filter(partner_q).values("pk")
    if inner_collab and scope != DataScope.ALL:
        collab_ids = _collaborator_ids(target, inner_collab, user)
        if partner:
            collab_ids = base.filter(Q(pk__in=collab_ids) & partner_q).values("pk")
        ids = ids.union(collab_ids)
    if scope in _OWNERS_BY_ID and "__" not in prefix and is_postgresql(connection):
        # a rep's few thousand parents as an array first, an index condition on the child's foreign key (the rep's
        # contacts by name at a million customers: 3.2 s of SQL with `IN (SELECT …)`, 1.7 s so; docs/benchmarks.md)
        return in_ids(prefix, ids)
    return Q(**{f"{prefix}__in": ids})


def _parent_in_scope(
    parent: QuerySet[Any], owned: Q | None, partner_q: Q, inner_collab: str | None, scope: str, user: User
) -> Q:
    """`EXISTS (the parent, if its owner is in the scope or the user collaborates on it)`: for the rows of one known
    parent the scope's `parent_id IN (every parent in the scope)` holds for all of them or for none, so it is decided
    on that parent alone. The EXISTS names no column of the rows, so it runs once, before them (a one-time filter),
    reading the parent by its primary key, where the general condition built the array of a rep's 9,000 customers for
    every tab of a 360 (docs/benchmarks.md). The same rows (customers/tests/test_scope_children.py)."""
    whole = owned
    if whole is not None and inner_collab and scope != DataScope.ALL:
        whole |= Q(pk__in=_collaborator_ids(parent.model, inner_collab, user))
    return Q(Exists(parent.filter(partner_q) if whole is None else parent.filter(whole & partner_q)))


def _scope_on_owner(
    user: User, model: type[models.Model], owner: str, collab_path: str | None, scope: str, partner: bool
) -> Q:
    """The scope on a model's own owner field. On PostgreSQL, for owners given by id (self, subordinates):
    `owner_id IN (…) OR id = ANY(ARRAY(SELECT the rows the user collaborates on))`, a BitmapOr of the owner index
    and the primary key in which the query's other conditions reach a composite index led by the owner (the
    board's pipeline and stage); `OR id IN (SELECT …)` instead made PostgreSQL read the whole table and test each
    row (the rep's customer list at a million customers: 470 ms). Otherwise (SQLite, owners by a subquery on
    users): `pk IN (SELECT pk … WHERE owner_id IN (…) UNION SELECT the rows the user collaborates on)`, both
    halves from an index. The same rows either way (customers/tests/test_scope_rows.py). A rep's (self) is marked
    as the union of their own rows and the others they collaborate on (dbvendor.ids.SplitCondition), which a list
    reads part by part, each in the list's order from an index led by the owner. Collaborators may be the row's
    parent's (`customer__collaborators` of a contact, whose owner is kept on it): `customer_id = ANY(ARRAY(…))`."""
    partner_q = Q(**{f"{owner}__in": _partner_users(user)}) if partner else Q()
    owned = _owned_q(user, owner, scope)
    if owned is None:  # ALL inside a partner organisation
        return partner_q
    if not collab_path:
        return owned & partner_q
    via, _sep, field_name = collab_path.rpartition("__")
    if "__" in via or "__" in owner:  # collaborators or owner further away: the plain OR
        return (owned | _collaborator_q(model, collab_path, user)) & partner_q
    if via:  # the collaborators of the row's parent (a contact's customer's), the owner kept on the row
        target = model._meta.get_field(via).related_model
        collaborating = in_ids(via, _collaborator_ids(target, field_name, user))  # type: ignore[arg-type]
        collaborating_pks = model._base_manager.order_by().filter(collaborating).values("pk")
    else:
        collaborating_pks = _collaborator_ids(model, collab_path, user)
        collaborating = in_ids("pk", collaborating_pks)
    if scope in _OWNERS_BY_ID and is_postgresql(connection):
        whole = owned | collaborating
    else:
        whole = Q(pk__in=model._base_manager.order_by().filter(owned).values("pk").union(collaborating_pks))
    if scope == DataScope.SELF and not partner:
        # a list in order reads the rep's own rows from an index led by the owner, then the few others
        return split_condition(whole, [owned, collaborating & ~owned])
    return whole & partner_q


# The scopes whose owners _owned_q gives as a list of ids (not a subquery on users).
_OWNERS_BY_ID = (DataScope.SELF, DataScope.SUBORDINATES)


def _owned_q(user: User, owner: str, scope: str) -> Q | None:
    """Rows whose owner is within the scope (None: any owner), by owner id: a list, or a subquery on users."""
    from .models import User as UserModel

    if scope == DataScope.ALL:
        return None
    if scope == DataScope.SELF:
        return Q(**{owner: user.pk})
    if scope == DataScope.SUBORDINATES:
        return Q(**{f"{owner}__in": subordinate_ids(user) | {user.pk}})
    if scope == DataScope.DEPARTMENT:
        if not user.department_id:
            return Q(**{owner: user.pk})
        return Q(**{f"{owner}__in": UserModel._base_manager.filter(department_id=user.department_id).values("pk")})
    ids = getattr(user, "_guanxi_dept_tree", None)
    if ids is None:
        ids = department_tree_ids(user.department)
        user._guanxi_dept_tree = ids  # type: ignore[attr-defined]
    if not ids:
        return Q(**{owner: user.pk})
    return Q(**{f"{owner}__in": UserModel._base_manager.filter(department_id__in=ids).values("pk")})


def _partner_users(user: User) -> QuerySet[Any]:
    from .models import User as UserModel

    return UserModel._base_manager.filter(partner_org_id=user.partner_org_id).values("pk")


def _collaborator_ids(target: type[models.Model], field_name: str, user: User) -> QuerySet[Any]:
    """The ids of `target` rows the user collaborates on, read from the many-to-many table (indexed on the user)."""
    m2m = target._meta.get_field(field_name)
    through = m2m.remote_field.through  # type: ignore[union-attr]
    return (
        through._default_manager.filter(**{m2m.m2m_reverse_field_name(): user.pk})  # type: ignore[union-attr]
        .order_by()
        .values(m2m.m2m_field_name())  # type: ignore[union-attr]
    )


def _read_rules_q(user: User, model: type[models.Model], action: str, *, holds_permission: bool) -> Q | None:
    """The rows the model's read rules open to the user for `action` (None: none)."""
    if not user.is_authenticated or not user.is_active:
        return None
    found: Q | None = None
    for rule in registry.read_rules_for(model._meta.label_lower, action):
        if rule.needs_permission and not holds_permission:
            continue
        rows = rule.rows(user)
        if rows is not None:
            found = rows if found is None else found | rows
    return found


def visibility_q(
    user: User,
    model: type[models.Model],
    action: str = "view",
    *,
    module: str | None = None,
    parent: Parent | None = None,
) -> Q | None:
    """The one filter of the rows of `model` the user may `action`: the data scope of their `module.action`
    permission, widened by the model's read rules (only in the model's own module). None means every row.
    `parent`: the filter of rows known to hang off that one parent row only (scope_children).

    Raises PermissionDeniedError (403) when the user holds no such permission and no read rule opens a row.
    """
    own_module = getattr(model, "scope_module", "")
    module = module or own_module
    scope = permission_scope(user, f"{module}.{action}")
    extra = _read_rules_q(user, model, action, holds_permission=scope is not None) if module == own_module else None
    if scope is None:
        if extra is None or not model._base_manager.filter(extra).exists():
            require_permission(user, f"{module}.{action}")
        return extra
    q = scope_q(user, model, scope, parent=parent)
    if q is None or extra is None:
        return q
    return q | extra


def scope_queryset(user: User, qs: QuerySet[M], action: str = "view", *, module: str | None = None) -> QuerySet[M]:
    """Narrow `qs` to rows the user may `action` (visibility_q); raises PermissionDeniedError (403) when the user
    may `action` no row of it at all."""
    q = visibility_q(user, qs.model, action, module=module)
    return qs if q is None else qs.filter(q)


def sees_every_row(user: User, model: type[models.Model]) -> bool:
    """Whether the reader sees every row of `model` (no scope condition): what lets a figure be read from the sums
    the database keeps for the whole table (core.dbvendor.kept) instead of counting the reader's rows."""
    try:
        return visibility_q(user, model) is None
    except PermissionDeniedError:
        return False


def scope_queryset_or_none(
    user: User, qs: QuerySet[M], action: str = "view", *, module: str | None = None
) -> QuerySet[M]:
    """scope_queryset for a page that shows another module's rows beside its own: no rows (rather than a 403)
    when the user may not `action` that module at all."""
    try:
        return scope_queryset(user, qs, action, module=module)
    except PermissionDeniedError:
        return qs.none()


def scope_children(
    user: User,
    qs: QuerySet[M],
    *,
    via: str,
    parent: models.Model | int,
    action: str = "view",
    module: str | None = None,
    or_none: bool = False,
) -> QuerySet[M]:
    """The rows of `qs` that hang off one known parent row (`via`: their foreign key to it; a customer's contacts,
    follow-ups, tickets on its 360) and that the user may `action`: the rows of `scope_queryset(user,
    qs.filter(via=parent))`, raising as it does, or, with `or_none` (a page showing another module's rows beside
    its own), none when the user may not `action` that module at all. A model whose scope goes through that
    parent's owner and collaborators (`scope_owner_path = "customer__owner"`) is narrowed by one test of the parent
    (_parent_in_scope), not by the ids of every parent in the user's scope; read rules and partner organisations
    keep their meaning. `parent`: a row or its id."""
    pk = parent.pk if isinstance(parent, models.Model) else parent
    try:
        q = visibility_q(user, qs.model, action, module=module, parent=(via, pk))
    except PermissionDeniedError:
        if or_none:
            return qs.none()
        raise
    qs = qs.filter(**{via: pk})
    return qs if q is None else qs.filter(q)


def get_scoped_or_404(user: User, qs: QuerySet[M], pk: Any, action: str = "view", *, module: str | None = None) -> M:
    """One row for an action: 403 without the permission, 404 when the row is out of the user's reach."""
    try:
        return scope_queryset(user, qs, action, module=module).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFoundError(_("Not found, or you may not see it."))


def ensure_in_scope(user: User, obj: models.Model, action: str = "view", *, module: str | None = None) -> None:
    """After a write: the row must still be within the actor's reach, or the transaction rolls back."""
    qs = type(obj)._default_manager.filter(pk=obj.pk)
    if not scope_queryset(user, qs, action, module=module).exists():
        raise PermissionDeniedError(_("After this change the record would be outside your data scope."))
