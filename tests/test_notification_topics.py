"""Every kind of notification the code sends belongs to a topic a user may mute (their notification settings), but
for the account matters that always reach them."""

from __future__ import annotations

import ast
from pathlib import Path

from guanxi.core.registry import registry

ALWAYS_DELIVERED = {"handover", "permission_change"}  # a colleague's hand-over, the user's own permission requests
ROOT = Path(__file__).resolve().parent.parent / "guanxi"


def _sent_kinds() -> dict[str, str]:
    """kind (or "prefix_" for f-strings) -> where a `notify(kind=…)` call sends it."""
    found: dict[str, str] = {}
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            if getattr(node.func, "id", getattr(node.func, "attr", "")) != "notify":
                continue
            for kw in node.keywords:
                if kw.arg != "kind":
                    continue
                if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                    found[kw.value.value] = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
                elif isinstance(kw.value, ast.JoinedStr) and isinstance(kw.value.values[0], ast.Constant):
                    found[f"{kw.value.values[0].value}x"] = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
    return found


def test_every_notification_kind_has_a_topic_to_mute():
    sent = _sent_kinds()
    assert "task_overdue" in sent and "receivable_x" in sent  # the scan finds plain and f-string kinds
    orphans = sorted(
        f"{kind} ({where})"
        for kind, where in sent.items()
        if kind not in ALWAYS_DELIVERED and registry.notification_topic_of(kind) is None
    )
    assert not orphans, "Register a NotificationTopic covering: " + ", ".join(orphans)
