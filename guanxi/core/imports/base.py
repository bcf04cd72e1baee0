"""What an importer (customers, contacts, leads…) gives the import engine.

The engine reads the file, maps columns to an importer's fields and runs the job; the importer
validates rows, decides per row (create, update or reject, with reasons) and writes in bulk.
Importers register with `guanxi.core.registry.registry.add_importer` at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from guanxi.core.ports import PERMISSIONS
from guanxi.core.registry import registry

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.base_user import AbstractBaseUser as User  # AUTH_USER_MODEL (org.User)

    from guanxi.core.models import ImportJob


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REJECT = "reject"

    LABELS = {
        CREATE: _("Create"),
        UPDATE: _("Update"),
        UNCHANGED: _("Unchanged"),
        REJECT: _("Rejected"),
    }


@dataclass(frozen=True)
class ImportField:
    """One field a spreadsheet column can fill. `aliases` are header spellings (Chinese and English)
    that map to it automatically, besides its label in either language and its key."""

    key: str
    label: Any
    aliases: tuple[str, ...] = ()
    required: bool = False
    hint: Any = ""
    example: Any = ""


@dataclass
class RowOutcome:
    """The verdict on one spreadsheet row. `data` holds the cleaned values for the write step."""

    row: int
    values: dict[str, Any]
    action: str = Action.CREATE
    label: str = ""
    reasons: list[str] = field(default_factory=list)
    target_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    parsed: tuple[str, list[str], dict[str, Any]] | None = field(default=None, repr=False)

    def mark_parsed(self) -> None:
        """Remember the state after `parse`, so that the decision can be taken again from it."""
        self.parsed = (self.action, list(self.reasons), dict(self.extra))

    def reset_to_parsed(self) -> None:
        if self.parsed is not None:
            action, reasons, extra = self.parsed
            self.action, self.reasons, self.extra, self.target_id = action, list(reasons), dict(extra), None

    def reject(self, reason: str) -> None:
        self.action = Action.REJECT
        if reason not in self.reasons:
            self.reasons.append(reason)

    @property
    def ok(self) -> bool:
        return self.action != Action.REJECT


ProgressFn = Callable[[int], None]


class Importer:
    """Base class of an importer. Subclasses set the class attributes and implement the three steps.

    - `parse`: clean and validate each row on its own (no writes; reads only in bulk), filling `data`
      or rejecting with reasons;
    - `decide`: the bulk look-ups (duplicates, existing records, scope), turning each valid row into
      create / update / unchanged / reject;
    - `prepare` (optional): precompute what `apply` writes (search text, keys), outside the transaction;
    - `recheck`: inside the write transaction, catch what changed since `decide` (by default: decide again);
    - `apply`: write the create and update rows in bulk, inside that transaction, with audit.
    """

    kind: str = ""
    label: Any = ""
    icon: str = "ti-file-import"
    permission: str = ""  # "module.action" needed to import this kind
    fields: tuple[ImportField, ...] = ()  # the built-in columns; `columns()` adds the custom fields'
    custom_target: str = ""  # the object whose custom fields are columns too ("customers.customer"), if any
    list_url_name: str = ""  # where the imported records are listed

    def permitted(self, actor: User) -> bool:
        return bool(self.permission) and registry.port(PERMISSIONS).has_permission(actor, self.permission)

    def require_permission(self, actor: User) -> None:
        registry.port(PERMISSIONS).require_permission(actor, self.permission)

    def columns(self) -> tuple[ImportField, ...]:
        """Every column a spreadsheet can fill: the built-in fields, then the active custom fields."""
        if not self.custom_target:
            return self.fields
        from .custom import custom_import_fields

        return self.fields + custom_import_fields(self.custom_target)

    def field_map(self) -> dict[str, ImportField]:
        return {f.key: f for f in self.columns()}

    def parse(self, *, actor: User, outcomes: list[RowOutcome], progress: ProgressFn) -> None:
        raise NotImplementedError

    def decide(self, *, actor: User, outcomes: list[RowOutcome]) -> None:
        raise NotImplementedError

    def recheck(self, *, actor: User, outcomes: list[RowOutcome], since: dt.datetime) -> None:
        """Inside the write transaction, just before `apply`: catch what changed since `decide` ran (at
        `since`), e.g. a customer registered meanwhile. This default takes the whole decision again."""
        for o in outcomes:
            o.reset_to_parsed()
        self.decide(actor=actor, outcomes=outcomes)

    def prepare(self, *, actor: User, outcomes: list[RowOutcome]) -> None:
        """CPU work for the write step done before its transaction (search text…), keeping the transaction
        short: on SQLite it holds the only write lock."""

    def apply(self, *, actor: User, outcomes: list[RowOutcome], job: ImportJob, now: dt.datetime) -> dict[str, int]:
        raise NotImplementedError

    def finish(self, *, actor: User, outcomes: list[RowOutcome], job: ImportJob, committed: bool) -> None:
        """After the write transaction of a real run (committed or not): work that must outlive a rollback,
        such as recording registration conflicts for rejected duplicates."""

    def column_hint(self, f: ImportField) -> str:
        """What to enter in a column (the template's hint sheet and the mapping page)."""
        if self.custom_target:
            from .custom import custom_field_hint

            hint = custom_field_hint(self.custom_target, f.key)
            if hint is not None:
                return hint
        return self.field_hint(f)

    def field_hint(self, f: ImportField) -> str:
        """What to enter in a built-in field's column."""
        return str(f.hint)
