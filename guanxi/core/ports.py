"""Typed extension points ("ports"): what a lower app needs from a higher one, as a Protocol (DESIGN.md).

A lower app may not import a higher one, yet some of its work needs a higher app's answer: core asks org
whether a user holds a permission, commerce asks billing for a contract's balance due. Each such need is a
`typing.Protocol` here, and a `Port` names it: whether start-up requires an implementation and which app is
expected to provide one.

- The providing app registers its implementation once, in its providers.py:
  `registry.provide(PERMISSIONS, OrgPermissions())` (mypy checks the implementation against the Protocol);
  a second, different implementation of the same port stops start-up (ImproperlyConfigured).
- A caller asks in one of two forms: `registry.port(PERMISSIONS)` for a required port (ImproperlyConfigured
  naming the port and its app when none is registered), or `registry.optional_port(CONTRACT_MONEY)`, which
  returns the implementation or None, tested with `is None`.
- A required port without an implementation fails the system check guanxi.E004 at start-up.

Model instances of higher apps (users, contracts, documents) are typed `Any` here: core cannot import them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

from django.db import models
from django.http import HttpRequest

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Port(Generic[T]):
    """A typed key for one extension point; `Port[Protocol](…)` fixes the type its implementation must have."""

    name: str
    protocol: type
    required: bool
    provided_by: str  # the app expected to provide it, e.g. "guanxi.org"
    purpose: str = field(default="", repr=False)

    def __str__(self) -> str:
        return f"{self.name} ({self.protocol.__module__}.{self.protocol.__qualname__})"


# --- org: permissions and API tokens ---------------------------------------------------------------------------
class PermissionChecker(Protocol):
    """Whether a user holds a "module.action" permission (org's roles and data scopes)."""

    def has_permission(self, user: Any, perm: str) -> bool: ...

    def require_permission(self, user: Any, perm: str) -> str:
        """The user's data scope for the permission; raises PermissionDeniedError (403) without it."""
        ...

    def role_codes(self, user: Any) -> frozenset[str]:
        """The codes of the user's roles (custom fields: who may see and edit a field)."""
        ...


class ApiTokenAuthenticator(Protocol):
    """The active user behind an API token secret, or None (org's API tokens)."""

    def authenticate(self, *, key: str) -> Any: ...


# --- approvals: the engine that lower apps' documents (permission change requests) go through -------------------
class ApprovalEngine(Protocol):
    def submit(
        self,
        *,
        actor: Any,
        document: models.Model,
        kind: str,
        facts: dict[str, Any],
        title: str,
        amount: Decimal | None = None,
        currency: str = "CNY",
    ) -> Any:
        """Start the approval of a document (raises ConflictError / ValidationFailed as approval_submit does)."""
        ...

    def involves(self, *, user: Any, document: models.Model) -> bool:
        """Whether the user approves (or approved) any step of the document's approvals."""
        ...

    def seed_rules(self, specs: list[dict[str, Any]]) -> int:
        """Seed a document kind's default rules while it has none; returns the rules created."""
        ...


# --- billing: the money of a contract and the payments collected ----------------------------------------------
class ContractMoney(Protocol):
    def balance_due(self, *, user: Any, contract: Any) -> Decimal | None:
        """The balance due as the user may see it: None unless they may read the contract's payments."""
        ...

    def payment_plan(self, contract: Any) -> list[dict[str, Any]]:
        """The instalments: [{"due_date", "amount", "paid"}] in order."""
        ...


class CollectedAmounts(Protocol):
    def collected(
        self, *, user: Any, start: dt.date | dt.datetime, end: dt.date | dt.datetime
    ) -> dict[tuple[int, int | None], Decimal]:
        """{(contract owner id, owner's department id): collected} for payments in [start, end), in the user's
        data scope."""
        ...


# --- commerce: what the opportunity page offers to start from an opportunity ------------------------------------
class OpportunityActions(Protocol):
    def actions(self, request: HttpRequest, opportunity: Any) -> list[dict[str, str]]:
        """Buttons for the opportunity page: [{"label", "icon", "url"}] the user may follow."""
        ...


# --- analytics: how automatic lead assignment treats people (the usage league's consequences) ----------------
@dataclass(frozen=True)
class AssignmentStanding:
    """How automatic assignment treats one person this month: first among a rule's reps (`priority`) or left out
    (`excluded`), and why (`reason`, shown in the assignment's explanation)."""

    priority: bool = False
    excluded: bool = False
    reason: str = ""


class AssignmentPreferences(Protocol):
    def standings(self, *, user_ids: list[int], today: dt.date) -> dict[int, AssignmentStanding]:
        """The people among `user_ids` whom automatic assignment treats differently on `today` (others: absent)."""
        ...


PERMISSIONS = Port[PermissionChecker](
    "permissions",
    PermissionChecker,
    required=True,
    provided_by="guanxi.org",
    purpose="core's navigation, importers and backups ask whether a user holds a permission",
)
API_TOKENS = Port[ApiTokenAuthenticator](
    "api_tokens",
    ApiTokenAuthenticator,
    required=True,
    provided_by="guanxi.org",
    purpose="the REST API and file downloads accept a bearer token",
)
APPROVAL_ENGINE = Port[ApprovalEngine](
    "approval_engine",
    ApprovalEngine,
    required=True,
    provided_by="guanxi.approvals",
    purpose="org's permission change requests are approved through the engine",
)
CONTRACT_MONEY = Port[ContractMoney](
    "contract_money",
    ContractMoney,
    required=False,
    provided_by="guanxi.billing",
    purpose="the contract page shows the balance due and the payment plan when billing is installed",
)
COLLECTED_AMOUNTS = Port[CollectedAmounts](
    "collected_amounts",
    CollectedAmounts,
    required=False,
    provided_by="guanxi.billing",
    purpose="sales targets measure collected amounts (回款) when an app records payments",
)
OPPORTUNITY_ACTIONS = Port[OpportunityActions](
    "opportunity_actions",
    OpportunityActions,
    required=False,
    provided_by="guanxi.commerce",
    purpose='the opportunity page offers "new quote / new contract" when commerce is installed',
)
ASSIGNMENT_PREFERENCES = Port[AssignmentPreferences](
    "assignment_preferences",
    AssignmentPreferences,
    required=False,
    provided_by="guanxi.analytics",
    purpose="automatic lead assignment puts the top of the usage league first and leaves out its bottom when the "
    "league rules say so",
)

ALL_PORTS: tuple[Port[Any], ...] = (
    PERMISSIONS,
    API_TOKENS,
    APPROVAL_ENGINE,
    CONTRACT_MONEY,
    COLLECTED_AMOUNTS,
    OPPORTUNITY_ACTIONS,
    ASSIGNMENT_PREFERENCES,
)
