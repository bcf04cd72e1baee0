"""Writes of the approval engine, by topic: a request's life (`requests`: submit, approve, reject, return, withdraw,
close when decided elsewhere), `reminders`, `delegations` (delegations while away, hand-over of a leaver's
approvals) and `rules` (rules and settings, administrators). Re-exported here, so `guanxi.approvals.services.<name>`
is the one public way in; `_engine` holds the steps they share."""

from __future__ import annotations

from .delegations import approval_steps_hand_over, delegation_cancel, delegation_create
from .reminders import approval_send_reminders
from .requests import (
    approval_approve,
    approval_close_decided_elsewhere,
    approval_reject,
    approval_return,
    approval_submit,
    approval_withdraw,
)
from .rules import approval_rule_create, approval_rule_delete, approval_rule_update, approval_settings_update

__all__ = [
    "approval_submit",
    "approval_approve",
    "approval_reject",
    "approval_return",
    "approval_withdraw",
    "approval_close_decided_elsewhere",
    "approval_send_reminders",
    "delegation_create",
    "delegation_cancel",
    "approval_steps_hand_over",
    "approval_rule_create",
    "approval_rule_update",
    "approval_rule_delete",
    "approval_settings_update",
]
