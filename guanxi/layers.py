"""The apps of Guanxi from the bottom floor up (DESIGN.md: dependencies point down, never up).

An app may import the apps on the floors below its own, never one above, and not one beside it on the same floor;
so may its tests. Above every app sit the project's own modules (`TOP_LEVEL`: settings, URLs, the mounted API, the
command line), which may import every app, as may the repository's tests/ and conftest.py.
`tests/test_import_direction.py` reads this order and fails on an import that breaks it.

A new app is one line: its floor (or its name added to a floor's tuple).
"""

from __future__ import annotations

APP_LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("org",),
    ("approvals",),
    ("customers",),
    ("sales",),
    ("commerce",),
    ("billing",),
    ("service", "marketing", "realestate"),
    ("analytics",),
)

# Modules and packages directly under guanxi/ that are not apps: they may import any app; no app imports them.
TOP_LEVEL: frozenset[str] = frozenset(
    {"__init__", "__main__", "api", "asgi", "cli", "formats", "layers", "settings", "urls", "wsgi"}
)


def app_floor(app: str) -> int | None:
    """The floor of an app (0 is core's), or None for a name that is not an app."""
    return next((floor for floor, apps in enumerate(APP_LAYERS) if app in apps), None)
