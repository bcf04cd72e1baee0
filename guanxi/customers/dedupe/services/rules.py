"""What a match on each key does (block / warn / off) and the name similarity threshold: the administrator's rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.services import model_update
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from ...models import DedupeRule
from .. import selectors


def dedupe_rules_update(*, actor: User, rules: Iterable[Mapping[str, Any]]) -> list[DedupeRule]:
    """An administrator sets what a match on each key does (block / warn / off) and the name
    similarity threshold (50-100) for possible duplicates. Audited per changed rule."""
    require_permission(actor, "org.admin")
    current = selectors.dedupe_rules()
    updates: list[tuple[DedupeRule, dict[str, Any]]] = []
    for i, item in enumerate(rules):
        kind = item.get("kind")
        if kind not in current:
            raise ValidationFailed(_("Unknown key."), fields={f"rules.{i}.kind": [_("Unknown key.")]})
        data: dict[str, Any] = {}
        if item.get("action") is not None:
            if item["action"] not in DedupeRule.Action.values:
                raise ValidationFailed(
                    _("Choose block, warn or off."), fields={f"rules.{i}.action": [_("Choose block, warn or off.")]}
                )
            data["action"] = item["action"]
        if item.get("similarity") is not None:
            try:
                similarity = int(item["similarity"])
            except (TypeError, ValueError):
                similarity = -1
            if not 50 <= similarity <= 100:
                raise ValidationFailed(
                    _("The similarity threshold is between 50 and 100."),
                    fields={f"rules.{i}.similarity": [_("Enter a number from 50 to 100.")]},
                )
            data["similarity"] = similarity
        updates.append((current[kind], data))
    with transaction.atomic():
        for rule, data in updates:
            model_update(instance=rule, data=data, actor=actor)
    return [current[k] for k in selectors.DEFAULT_RULES]
