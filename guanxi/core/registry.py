"""Providers that higher apps register with lower ones at start-up (DESIGN.md: dependencies point down).

- search sources: global search across modules
- record tabs: extra tabs on a record page (e.g. contracts on the customer 360 page)
- timeline sources: extra events on a record's timeline
- nav items: entries in the left navigation
- periodic jobs: work the worker runs once per period
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any
    url_name: str
    icon: str
    order: int = 100
    permission: str | None = None  # "module.action" the user needs to see it


@dataclass(frozen=True)
class SearchSource:
    key: str
    label: Any
    search: Callable[..., list[dict[str, Any]]]  # (user, query, limit) -> [{"title","subtitle","url","kind"}]
    order: int = 100


@dataclass(frozen=True)
class RecordTab:
    model: str  # "customers.customer"
    key: str
    label: Any
    render: Callable[..., Any]  # (request, obj) -> (count, html)
    order: int = 100


@dataclass(frozen=True)
class PeriodicJob:
    key: str
    every_minutes: int
    run: Callable[[], Any]


@dataclass
class Registry:
    nav: list[NavItem] = field(default_factory=list)
    search: list[SearchSource] = field(default_factory=list)
    tabs: list[RecordTab] = field(default_factory=list)
    timeline: dict[str, list[Callable[..., list[dict[str, Any]]]]] = field(default_factory=dict)
    periodic: list[PeriodicJob] = field(default_factory=list)
    # (actor, leaving_user, successor) -> {label: count}: each app hands over what the leaver owns.
    handover: list[Callable[..., dict[str, int]]] = field(default_factory=list)

    def add_nav(self, item: NavItem) -> None:
        if all(n.key != item.key for n in self.nav):
            self.nav.append(item)
            self.nav.sort(key=lambda n: n.order)

    def add_search(self, source: SearchSource) -> None:
        if all(s.key != source.key for s in self.search):
            self.search.append(source)
            self.search.sort(key=lambda s: s.order)

    def add_tab(self, tab: RecordTab) -> None:
        if all((t.model, t.key) != (tab.model, tab.key) for t in self.tabs):
            self.tabs.append(tab)
            self.tabs.sort(key=lambda t: t.order)

    def tabs_for(self, model: str) -> list[RecordTab]:
        return [t for t in self.tabs if t.model == model]

    def add_timeline(self, model: str, source: Callable[..., list[dict[str, Any]]]) -> None:
        sources = self.timeline.setdefault(model, [])
        if source not in sources:
            sources.append(source)

    def add_handover(self, provider: Callable[..., dict[str, int]]) -> None:
        if provider not in self.handover:
            self.handover.append(provider)

    def add_periodic(self, job: PeriodicJob) -> None:
        if all(j.key != job.key for j in self.periodic):
            self.periodic.append(job)


registry = Registry()
