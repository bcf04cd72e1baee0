"""The duplicate check every entry path runs (先录先得, first registrant wins): refuse a duplicate, record the
registration conflict when the customer belongs to someone else, and write it again after a rolled-back request."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from guanxi.core.errors import ConflictError
from guanxi.core.services import audit_value
from guanxi.org.models import User

from .. import selectors
from ..selectors import DedupeResult, Match
from .conflicts import registration_conflict_record

log = logging.getLogger(__name__)


class DuplicateBlocked(ConflictError):
    """A BLOCK rule matched: the entry is refused (HTTP 409). `result` holds the matches."""

    code = "duplicate_blocked"  # type: ignore[assignment]

    def __init__(self, message: Any, *, fields: dict[str, list[str]], result: DedupeResult):
        super().__init__(message, fields=fields)
        self.result = result


class DuplicateWarning(ConflictError):
    """A WARN rule or a similar name matched: save again with confirm_warnings=True to go ahead."""

    code = "duplicate_warning"  # type: ignore[assignment]

    def __init__(self, message: Any, *, fields: dict[str, list[str]], result: DedupeResult):
        super().__init__(message, fields=fields)
        self.result = result


# Conflicts recorded while a caller's transaction is open (the UI form, an idempotent API call,
# lead conversion) are rolled back with the refused create. They are queued here too and written
# again when the request finishes (providers.py), idempotently: one open conflict per customer
# and claimant.
MAX_PENDING = 100
_PENDING: contextvars.ContextVar[tuple[dict[str, Any], ...]] = contextvars.ContextVar(
    "dedupe_pending_conflicts", default=()
)


def dedupe_enforce(
    *,
    actor: User,
    data: Mapping[str, Any],
    contacts: Iterable[Mapping[str, Any]] = (),
    exclude_customer_id: int | None = None,
    entry_path: str = "ui",
    confirm_warnings: bool = False,
    record_conflicts: bool = True,
    blocks_only: bool = False,
) -> DedupeResult:
    """Refuse a duplicate: raise DuplicateBlocked on a BLOCK match (recording a registration conflict
    when the customer belongs to someone else), or DuplicateWarning on warnings unless confirmed."""
    contacts = list(contacts)
    result = selectors.dedupe_check(
        actor=actor, data=data, contacts=contacts, exclude_customer_id=exclude_customer_id, fuzzy=not blocks_only
    )
    blocks = result.blocks
    if blocks:
        if record_conflicts:
            _record_conflicts(actor, blocks, data, contacts, entry_path)
        message = blocks[0].message
        if len(blocks) > 1:
            message = _("%(first)s (and %(n)s more matches)") % {"first": message, "n": len(blocks) - 1}
        raise DuplicateBlocked(message, fields=result.field_errors(blocks), result=result)
    if result.warnings and not blocks_only and not confirm_warnings:
        raise DuplicateWarning(
            _("Possible duplicates: check them, then confirm to save anyway."),
            fields=result.field_errors(result.warnings),
            result=result,
        )
    return result


def _record_conflicts(
    actor: User, blocks: list[Match], data: Mapping[str, Any], contacts: list[Mapping[str, Any]], entry_path: str
) -> None:
    attempted = {k: audit_value(v) for k, v in data.items() if k not in ("collaborators", "tags")}
    if contacts:
        attempted["contacts"] = [{k: audit_value(v) for k, v in c.items()} for c in contacts]
    done: set[int] = set()
    for m in blocks:
        # First registrant wins: only a customer someone else owns is a conflict (the pool is claimed
        # instead; one's own or a shared customer is simply not entered twice).
        if m.customer_id is None or m.customer_id in done or m.owner_id in (None, actor.pk) or m.collaborating:
            continue
        done.add(m.customer_id)
        payload: dict[str, Any] = {
            "claimant_id": actor.pk,
            "customer_id": m.customer_id,
            "first_owner_id": m.owner_id,
            "matched_on": m.kind,
            "matched_value": m.value,
            "attempted": attempted,
            "entry_path": (entry_path or "ui")[:30],
        }
        registration_conflict_record(**payload)
        if connection.in_atomic_block:
            # Bounded: a process that never finishes a request (the worker) must not grow it forever.
            _PENDING.set((*_PENDING.get()[-(MAX_PENDING - 1) :], payload))


def registration_conflicts_flush() -> int:
    """Write the conflicts queued during this request again (after its transaction ended)."""
    pending = _PENDING.get()
    _PENDING.set(())
    written = 0
    for payload in pending:
        try:
            if registration_conflict_record(**payload) is not None:
                written += 1
        except Exception:
            # Swallowed on purpose: this runs from request_finished, after the answer went out, so an error
            # here could only break the server's clean-up. The conflict is logged; the claimant's next attempt
            # records it again.
            log.exception("could not record registration conflict %s", payload)
    return written


def registration_conflicts_forget() -> None:
    _PENDING.set(())
