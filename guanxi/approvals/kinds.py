"""Document kinds: what a higher app (commerce, billing) registers so its documents can go through approval.

A kind names its model, the facts a rule condition may use, what happens to the document when a request
ends (`on_decided`, called inside the engine's transaction) and how to link to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed

logger = logging.getLogger(__name__)

FACT_TYPES = ("decimal", "int", "bool", "str", "department")


@dataclass(frozen=True)
class FactSpec:
    label: Any  # translated label, e.g. _("Lowest discount")
    type: str  # "decimal" | "int" | "bool" | "str" | "department"
    # How explanations show values: "discount" (0.48 → 4.8折), "money" (¥200,000.00) or "" (plain).
    # Defaults from the fact's code: *discount_rate → discount, amount → money.
    format: str = ""


@dataclass(frozen=True)
class DocumentKind:
    code: str  # "quote", "contract", "special_price", "execution_order", "expense_claim"
    label: Any
    model: str  # "commerce.quote" (app_label.model_name)
    facts: dict[str, FactSpec]  # the facts a rule condition may use for this kind
    # (*, document, outcome, actor, comment); outcome in {"approved", "rejected", "returned", "withdrawn"}
    on_decided: Callable[..., None]
    url: Callable[[Any], str]  # document -> its page URL
    summary: Callable[[Any], str] | None = None  # one line for inbox cards ("¥120,000.00 · 4.8折")


_KINDS: dict[str, DocumentKind] = {}


def register_document_kind(kind: DocumentKind) -> None:
    """Register (or replace, by code) a document kind; call it from the owning app's providers.py."""
    for code, spec in kind.facts.items():
        if spec.type not in FACT_TYPES:
            raise ValueError(f"fact {code!r} of kind {kind.code!r} has unknown type {spec.type!r}")
    _KINDS[kind.code] = kind


def document_kind(code: str) -> DocumentKind:
    """The registered kind; ValidationFailed naming the field `kind` for an unknown code."""
    try:
        return _KINDS[code]
    except KeyError:
        raise ValidationFailed(
            _("Unknown document type “%(kind)s”.") % {"kind": code},
            fields={"kind": [_("Unknown document type “%(kind)s”.") % {"kind": code}]},
        ) from None


def document_kinds() -> list[DocumentKind]:
    return list(_KINDS.values())


def kind_for_model(label_lower: str) -> list[DocumentKind]:
    return [k for k in _KINDS.values() if k.model == label_lower]


def kind_label(code: str) -> str:
    """The kind's label in the reader's language, or the code itself when no app registered it."""
    kind = _KINDS.get(code)
    return str(kind.label) if kind is not None else code


def document_url(code: str, document: Any) -> str:
    """The page of an approval's document, or "" when its kind is not registered or its link fails."""
    kind = _KINDS.get(code)
    return _kind_text(kind, "url", document) if kind is not None else ""


def document_summary(code: str, document: Any) -> str:
    """The one line an inbox card shows for the document, or "" (no summary, or it fails)."""
    kind = _KINDS.get(code)
    return _kind_text(kind, "summary", document) if kind is not None and kind.summary is not None else ""


def _kind_text(kind: DocumentKind, part: str, document: Any) -> str:
    # A kind's link and summary are the owning app's code, run while a request is decided, reminded or shown: its
    # failure must cost only that text, never the decision, the notification or the inbox. Logged with the
    # traceback, so it is seen and fixed.
    try:
        return str(getattr(kind, part)(document))
    except Exception:
        logger.exception("The %s of approval kind %r failed for %r", part, kind.code, document)
        return ""


def fact_format(code: str, spec: FactSpec | None) -> str:
    if spec is not None and spec.format:
        return spec.format
    if code.endswith("discount_rate"):
        return "discount"
    if code == "amount" or code.endswith("_amount"):
        return "money"
    return ""
