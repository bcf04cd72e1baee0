"""Quotes and contracts handed to another owner, one (the list's owner cell) or many (its bulk bar), and many drafts
moved to the recycle bin at once. Every row is checked on its own: out of the actor's reach for the action, in
approval (locked), in a state the action does not take, or already so: it is skipped and counted, and nothing of
it changes. One transaction for the batch; each move is audited as a transfer and the new owner hears once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import InvalidStateError
from guanxi.core.i18n import Message
from guanxi.core.inputs import field_error
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, check_version, model_update, notify, soft_delete
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404, has_permission, require_permission, scope_queryset

from ..models import Contract, Quote
from ._common import is_locked

# A superseded quote is history (its newest revision moves instead); a terminated contract keeps who signed it.
NOT_TRANSFERABLE: dict[type[Model], tuple[str, ...]] = {
    Quote: (Quote.Status.SUPERSEDED,),
    Contract: (Contract.Status.TERMINATED,),
}
DELETABLE: dict[type[Model], tuple[str, ...]] = {
    Quote: (Quote.Status.DRAFT, Quote.Status.SUPERSEDED, Quote.Status.EXPIRED),
    Contract: (Contract.Status.DRAFT,),
}
MODULES: dict[type[Model], str] = {Quote: "quotes", Contract: "contracts"}
LISTS: dict[type[Model], str] = {Quote: "commerce:quote_list", Contract: "commerce:contract_list"}
TITLES: dict[type[Model], str] = {
    Quote: gettext_noop("%(count)s quote(s) were handed to you"),
    Contract: gettext_noop("%(count)s contract(s) were handed to you"),
}


def _check_new_owner(model: type[Model], new_owner: User) -> None:
    if not new_owner.is_active:
        raise field_error("owner", _("The new owner's account is closed."))
    if not has_permission(new_owner, f"{MODULES[model]}.view"):
        raise field_error("owner", _("%(user)s may not read this list: choose someone who may.") % {"user": new_owner})


def _move(actor: User, row: Any, new_owner: User, expected_version: int | None = None) -> bool:
    """Hand one locked row over; False (nothing written) when it is already theirs or its state refuses."""
    if row.owner_id == new_owner.pk or row.status in NOT_TRANSFERABLE[type(row)] or is_locked(row):
        return False
    old_owner = str(row.owner)
    model_update(
        instance=row,
        data={"owner": new_owner, "department": new_owner.department},
        actor=actor,
        audit=False,
        expected_version=expected_version,
    )
    audit_record(actor=actor, action=AuditLog.Action.TRANSFER, obj=row, changes={"owner": [old_owner, str(new_owner)]})
    return True


def _tell(actor: User, model: type[Model], new_owner: User, count: int) -> None:
    if count and new_owner.pk != actor.pk:
        notify(
            recipient=new_owner,
            kind="document_transfer",
            url=reverse(LISTS[model]) + "?scene=mine",
            title=Message(TITLES[model], {"count": count}),
            body=Message(gettext_noop("Handed over by %(user)s."), {"user": actor}),
        )


def _rows(model: type[Model], actor: User, ids: Iterable[Any], action: str) -> tuple[list[int], list[Any]]:
    wanted = list(dict.fromkeys(int(i) for i in ids))
    qs = scope_queryset(actor, model._default_manager.filter(pk__in=wanted), action, module=MODULES[model])
    return wanted, list(qs.select_for_update(of=("self",)).select_related("owner").order_by("pk"))


def documents_transfer(*, actor: User, model: type[Model], ids: Iterable[Any], new_owner: User) -> tuple[int, int]:
    """Hand quotes or contracts to `new_owner` (and their department). Returns (moved, skipped): skipped are out
    of the actor's edit scope, in approval, superseded/terminated, or theirs already."""
    module = MODULES[model]
    require_permission(actor, f"{module}.edit")
    _check_new_owner(model, new_owner)
    with transaction.atomic():
        wanted, rows = _rows(model, actor, ids, "edit")
        moved = sum(1 for row in rows if _move(actor, row, new_owner))
        _tell(actor, model, new_owner, moved)
    return moved, len(wanted) - moved


def document_transfer(*, actor: User, document: Any, new_owner: User, expected_version: int | None = None) -> Any:
    """Hand one quote or contract to `new_owner` (the list's owner cell): refused, naming why, when it cannot
    move; with `expected_version` only if nobody changed it since (412)."""
    model = type(document)
    require_permission(actor, f"{MODULES[model]}.edit")
    _check_new_owner(model, new_owner)
    with transaction.atomic():
        qs = model._default_manager.select_for_update(of=("self",)).select_related("owner")
        row = get_scoped_or_404(actor, qs, document.pk, "edit", module=MODULES[model])
        check_version(row, expected_version)
        if row.owner_id == new_owner.pk:
            return row
        if row.status in NOT_TRANSFERABLE[model]:
            raise InvalidStateError(
                _("A “%(status)s” document keeps its owner.") % {"status": row.get_status_display()}
            )
        if is_locked(row):
            raise InvalidStateError(_("This document is in approval and locked: withdraw the request to change it."))
        _move(actor, row, new_owner, expected_version)
        _tell(actor, model, new_owner, 1)
    return row


def documents_delete(*, actor: User, model: type[Model], ids: Iterable[Any]) -> tuple[int, int]:
    """Move quotes (draft, superseded, expired) or draft contracts to the recycle bin. Returns (deleted,
    skipped): skipped are out of the actor's delete scope, in approval, or in another state."""
    require_permission(actor, f"{MODULES[model]}.delete")
    allowed = DELETABLE[model]
    deleted = 0
    with transaction.atomic():
        wanted, rows = _rows(model, actor, ids, "delete")
        for row in rows:
            if row.status in allowed and not is_locked(row):
                soft_delete(instance=row, actor=actor)
                deleted += 1
    return deleted, len(wanted) - deleted
