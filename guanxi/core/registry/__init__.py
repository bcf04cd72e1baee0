"""Providers that higher apps register with lower ones at start-up (DESIGN.md: dependencies point down).

- search sources: global search across modules
- record tabs: extra tabs on a record page (e.g. contracts on the customer 360 page)
- timeline sources: extra events on a record's timeline
- nav items: entries in the left navigation
- day cards: what waits for the reader in another app, on their day page (approvals, receivables)
- periodic jobs: work the worker runs once per period
- mailbox handlers: the mailboxes an app has the worker poll, and how it files what arrives (guanxi/core/mail)
- job recoveries: what an app does with its jobs when the worker running them is lost (guanxi/core/workers.py)
- pool protections: customers the public-pool reclaim must leave alone (open opportunity, active contract)
- file kinds: every uploaded-file field and how to find (and scope-check) the row that holds it
- merge movers: rows of every app that follow a merged customer to the survivor
- hand-over kinds and leaver exports: what a leaving user hands to a successor, and the backup of their data
- read rules: rows of a model a user may read beyond their data scope (documents they approve, owner-less
  leads); org.policies applies them wherever it narrows a queryset, so no page can forget one
- default grants, roles and approval rules: each app's share of the defaults a new database starts with (the
  default roles' permissions in its modules, the approval rules of its documents)
- default dictionaries: each app's choice lists (数据字典: customer level, industry, payment method…) with the
  entries a new database starts with (guanxi/core/dictionaries)
- notification topics: the kinds of notification a user may mute on their settings page
- event types and event listeners: the business events apps emit after commit (guanxi/core/events.py) and who
  hears them (webhooks)
- calendar sources: what a user's personal calendar feed lists (tasks, follow-ups, closing dates, …)
- metrics: business figures (new customers, collected amount …) each app computes for analytics, with the list
  page behind each figure (drill-down)
- ports: typed implementations a lower app calls (permissions, API tokens, the approval engine, contract money,
  …), declared in guanxi/core/ports.py, provided once, asked for with `port` or `optional_port`

Every list is documented, with who registers what, in docs/extending.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from ..ports import ALL_PORTS, Port
from .entries import (  # noqa: F401  (the entries keep their names: `from guanxi.core.registry import NavItem`)
    METRIC_GROUPINGS,
    CalendarSource,
    CustomFieldTarget,
    DayCard,
    DefaultApprovalRules,
    DefaultDictionaries,
    DefaultGrants,
    DefaultRoles,
    DictionaryEntrySpec,
    DictionarySpec,
    EventListener,
    EventType,
    FileKind,
    HandoverKind,
    JobRecovery,
    LeaverExport,
    MailboxHandler,
    Metric,
    NavItem,
    NotificationTopic,
    PeriodicJob,
    PoolProtection,
    QuickCreate,
    ReadRule,
    RecordTab,
    SearchSource,
)

T = TypeVar("T")


@dataclass
class Registry:
    nav: list[NavItem] = field(default_factory=list)
    quick_create: list[QuickCreate] = field(default_factory=list)
    day_cards: list[DayCard] = field(default_factory=list)
    search: list[SearchSource] = field(default_factory=list)
    tabs: list[RecordTab] = field(default_factory=list)
    timeline: dict[str, list[Callable[..., list[dict[str, Any]]]]] = field(default_factory=dict)
    periodic: list[PeriodicJob] = field(default_factory=list)
    # Port -> the implementation a higher app provides (guanxi/core/ports.py); set once through `provide`.
    ports: dict[Port[Any], Any] = field(default_factory=dict)
    # Idempotent set-up each app needs on a migrated database (default roles, …); `guanxi run` calls them.
    setup_steps: list[Callable[[], Any]] = field(default_factory=list)
    # What each app hands over when a user leaves (customers, open opportunities, pending approval steps, …).
    handover_kinds: list[HandoverKind] = field(default_factory=list)
    # What each app puts in a leaver's data export (one sheet per kind).
    leaver_exports: list[LeaverExport] = field(default_factory=list)
    # (actor, survivor, merged_ids) -> {label: count}: each app moves its rows from merged duplicate
    # customers to the survivor (customers.dedupe.services.FkMove records them so a merge can be undone).
    merge_movers: list[Callable[..., dict[str, int]]] = field(default_factory=list)
    # kind ("customers", "contacts", "leads") -> a guanxi.core.imports.base.Importer
    importers: dict[str, Any] = field(default_factory=dict)
    pool_protections: list[PoolProtection] = field(default_factory=list)
    # (*, result, gen, now, progress) -> None: each higher app adds its part of the demo company after the
    # customers (opportunities, quotes, contracts, …), inside the demo's transaction, in registration order.
    demo_steps: list[Callable[..., Any]] = field(default_factory=list)
    # key -> FileKind (guanxi.core.files serves them)
    file_kinds: dict[str, FileKind] = field(default_factory=dict)
    job_recoveries: list[JobRecovery] = field(default_factory=list)
    read_rules: list[ReadRule] = field(default_factory=list)
    default_grants: list[DefaultGrants] = field(default_factory=list)
    default_roles: list[DefaultRoles] = field(default_factory=list)
    default_approval_rules: list[DefaultApprovalRules] = field(default_factory=list)
    notification_topics: list[NotificationTopic] = field(default_factory=list)
    event_types: dict[str, EventType] = field(default_factory=dict)
    event_listeners: list[EventListener] = field(default_factory=list)
    calendar_sources: list[CalendarSource] = field(default_factory=list)
    default_dictionaries: list[DefaultDictionaries] = field(default_factory=list)
    metrics: dict[str, Metric] = field(default_factory=dict)
    mailbox_handlers: list[MailboxHandler] = field(default_factory=list)

    def add_metric(self, metric: Metric) -> None:
        """Register a metric once; a different one under a key already taken is a start-up error."""
        known = self.metrics.get(metric.key)
        if known is not None and known != metric:
            raise ImproperlyConfigured(f"The metric {metric.key!r} is registered twice.")
        self.metrics[metric.key] = metric

    def metric_list(self) -> list[Metric]:
        return sorted(self.metrics.values(), key=lambda m: (m.order, m.key))

    def metric(self, key: str) -> Metric | None:
        return self.metrics.get(key)

    # "app.model" -> the objects administrators may add custom fields to (guanxi/core/custom_fields)
    custom_field_targets: dict[str, CustomFieldTarget] = field(default_factory=dict)

    def add_custom_field_target(self, target: CustomFieldTarget) -> None:
        """Offer custom fields on a model; a different entry for a model already registered fails start-up."""
        known = self.custom_field_targets.get(target.model)
        if known is not None and known != target:
            raise ImproperlyConfigured(f"The custom field target {target.model!r} is registered twice.")
        self.custom_field_targets[target.model] = target

    def custom_field_target_list(self) -> list[CustomFieldTarget]:
        """The objects offered now, in their order (an app switched off on this installation offers none)."""
        on = [t for t in self.custom_field_targets.values() if t.enabled is None or t.enabled()]
        return sorted(on, key=lambda t: (t.order, t.model))

    def custom_field_target_on(self, model: str) -> bool:
        target = self.custom_field_targets.get(model)
        return target is not None and (target.enabled is None or target.enabled())

    def add_event_type(self, event_type: EventType) -> None:
        """Register an event type once; another one under the same key is a start-up error."""
        known = self.event_types.get(event_type.key)
        if known is not None and known != event_type:
            raise ImproperlyConfigured(f"The event type {event_type.key!r} is registered twice.")
        self.event_types[event_type.key] = event_type

    def event_type_list(self) -> list[EventType]:
        return sorted(self.event_types.values(), key=lambda e: (e.order, e.key))

    def add_event_listener(self, listener: EventListener) -> None:
        for known in self.event_listeners:
            if known.key == listener.key:
                if known != listener:
                    raise ImproperlyConfigured(f"The event listener {listener.key!r} is registered twice.")
                return
        self.event_listeners.append(listener)

    def add_calendar_source(self, source: CalendarSource) -> None:
        for known in self.calendar_sources:
            if known.key == source.key:
                if known != source:
                    raise ImproperlyConfigured(f"The calendar source {source.key!r} is registered twice.")
                return
        self.calendar_sources.append(source)
        self.calendar_sources.sort(key=lambda s: s.order)

    def add_notification_topic(self, topic: NotificationTopic) -> None:
        """Register what users may mute; a kind covered by two topics is a start-up error."""
        if topic in self.notification_topics:
            return
        for known in self.notification_topics:
            if known.key == topic.key:
                raise ImproperlyConfigured(f"The notification topic {topic.key!r} is registered twice.")
            clash = [k for k in topic.kinds if known.covers(k)]
            if clash:
                raise ImproperlyConfigured(f"Notification kinds {clash} are in topics {known.key!r} and {topic.key!r}.")
        self.notification_topics.append(topic)
        self.notification_topics.sort(key=lambda t: t.order)

    def notification_topic_of(self, kind: str) -> NotificationTopic | None:
        return next((t for t in self.notification_topics if t.covers(kind)), None)

    def add_nav(self, item: NavItem) -> None:
        if all(n.key != item.key for n in self.nav):
            self.nav.append(item)
            self.nav.sort(key=lambda n: n.order)

    def add_quick_create(self, item: QuickCreate) -> None:
        if all(q.key != item.key for q in self.quick_create):
            self.quick_create.append(item)
            self.quick_create.sort(key=lambda q: q.order)

    def add_day_card(self, card: DayCard) -> None:
        if all(c.key != card.key for c in self.day_cards):
            self.day_cards.append(card)
            self.day_cards.sort(key=lambda c: c.order)

    def quick_create_item(self, key: str) -> QuickCreate | None:
        return next((q for q in self.quick_create if q.key == key), None)

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

    def provide(self, port: Port[T], implementation: T) -> None:
        """Register the implementation of a port; a second, different one is a start-up error (no last writer
        silently wins). Registering the same implementation (or another instance of its class) again is a no-op."""
        known = self.ports.get(port)
        if known is not None:
            if known is implementation or type(known) is type(implementation):
                return
            raise ImproperlyConfigured(
                f"The port {port} is provided twice: by {type(known).__module__}.{type(known).__qualname__} and by "
                f"{type(implementation).__module__}.{type(implementation).__qualname__}. Provide each port once."
            )
        self.ports[port] = implementation

    def port(self, port: Port[T]) -> T:
        """The implementation of a port the caller cannot work without (ImproperlyConfigured when none)."""
        try:
            implementation: T = self.ports[port]
        except KeyError:
            raise ImproperlyConfigured(_missing_port_message(port)) from None
        return implementation

    def optional_port(self, port: Port[T]) -> T | None:
        """The implementation of a port the caller can do without, or None when no installed app provides it."""
        implementation: T | None = self.ports.get(port)
        return implementation

    def missing_ports(self, declared: Iterable[Port[Any]] = ALL_PORTS) -> list[Port[Any]]:
        """The required ports no installed app provides."""
        return [p for p in declared if p.required and p not in self.ports]

    def add_setup_step(self, step: Callable[[], Any]) -> None:
        if step not in self.setup_steps:
            self.setup_steps.append(step)

    def add_handover_kind(self, kind: HandoverKind) -> None:
        if kind in self.handover_kinds:
            return
        if any(k.key == kind.key for k in self.handover_kinds):
            raise RuntimeError(f"Two hand-over kinds named {kind.key!r}: register each once.")
        self.handover_kinds.append(kind)
        self.handover_kinds.sort(key=lambda k: k.order)

    def add_leaver_export(self, export: LeaverExport) -> None:
        if export in self.leaver_exports:
            return
        if any(e.key == export.key for e in self.leaver_exports):
            raise RuntimeError(f"Two leaver exports named {export.key!r}: register each once.")
        self.leaver_exports.append(export)
        self.leaver_exports.sort(key=lambda e: e.order)

    def add_pool_protection(self, protection: PoolProtection) -> None:
        if all(p.key != protection.key for p in self.pool_protections):
            self.pool_protections.append(protection)

    def add_importer(self, importer: Any) -> None:
        self.importers.setdefault(importer.kind, importer)

    def add_merge_mover(self, mover: Callable[..., dict[str, int]]) -> None:
        if mover in self.merge_movers:
            return
        column = (getattr(mover, "model", None), getattr(mover, "field", None))
        if column[0] is not None and any(
            (getattr(m, "model", None), getattr(m, "field", None)) == column for m in self.merge_movers
        ):
            raise RuntimeError(f"Two merge movers for {column[0]}.{column[1]}: register one per column.")
        self.merge_movers.append(mover)

    def add_demo_step(self, step: Callable[..., Any]) -> None:
        if step not in self.demo_steps:
            self.demo_steps.append(step)

    def add_file_kind(self, kind: FileKind) -> None:
        """Register a file kind once; a second kind with the same key or for the same field is a start-up error."""
        for other in self.file_kinds.values():
            if other == kind:
                return
            if other.key == kind.key or (other.model, other.field) == (kind.model, kind.field):
                raise ImproperlyConfigured(
                    f"File kind {kind.key!r} ({kind.model}.{kind.field}) clashes with {other.key!r} "
                    f"({other.model}.{other.field}): register each file field once, under its own key."
                )
        self.file_kinds[kind.key] = kind

    def file_kind_for(self, model: str, field_name: str) -> FileKind | None:
        return next((k for k in self.file_kinds.values() if (k.model, k.field) == (model, field_name)), None)

    def add_mailbox_handler(self, handler: MailboxHandler) -> None:
        if all(h.key != handler.key for h in self.mailbox_handlers):
            self.mailbox_handlers.append(handler)

    def add_periodic(self, job: PeriodicJob) -> None:
        if all(j.key != job.key for j in self.periodic):
            self.periodic.append(job)

    def add_job_recovery(self, recovery: JobRecovery) -> None:
        if any(r.key == recovery.key and r.recover is not recovery.recover for r in self.job_recoveries):
            raise RuntimeError(f"Two job recoveries are registered as {recovery.key!r}")
        if recovery not in self.job_recoveries:
            self.job_recoveries.append(recovery)

    def add_read_rule(self, rule: ReadRule) -> None:
        """Register a read rule once; a different rule under a key already taken is a start-up error."""
        for known in self.read_rules:
            if known.key == rule.key:
                if known != rule:
                    raise RuntimeError(f"Two read rules are registered as {rule.key!r}")
                return
        self.read_rules.append(rule)

    def read_rules_for(self, model: str, action: str) -> list[ReadRule]:
        return [r for r in self.read_rules if r.model == model and (r.actions is None or action in r.actions)]

    # --- defaults ------------------------------------------------------------------------------------------
    def add_default_grants(self, grants: DefaultGrants) -> None:
        """Register an app's default grants once; different grants under an app already registered is an error."""
        for known in self.default_grants:
            if known.app == grants.app:
                if known != grants:
                    raise ImproperlyConfigured(f"Two sets of default grants are registered for {grants.app!r}")
                return
        self.default_grants.append(grants)

    def add_default_roles(self, roles: DefaultRoles) -> None:
        """Register an app's own default roles once; a role code another app or org already uses is an error."""
        if roles in self.default_roles:
            return
        taken = {r["code"] for known in self.default_roles for r in known.roles}
        clash = taken & {r["code"] for r in roles.roles}
        if clash:
            raise ImproperlyConfigured(f"Default roles registered twice: {sorted(clash)}")
        self.default_roles.append(roles)

    def add_default_approval_rules(self, defaults: DefaultApprovalRules) -> None:
        """Register an app's default approval rules once; a seed key another entry already holds is an error."""
        if defaults in self.default_approval_rules:
            return
        taken = {r["seed_key"] for d in self.default_approval_rules for r in d.rules}
        clashes = sorted(taken & {r["seed_key"] for r in defaults.rules})
        if any(d.key == defaults.key for d in self.default_approval_rules) or clashes:
            raise ImproperlyConfigured(
                f"Default approval rules {defaults.key!r} clash with ones already registered ({', '.join(clashes)})"
            )
        self.default_approval_rules.append(defaults)

    def add_default_dictionaries(self, defaults: DefaultDictionaries) -> None:
        """Register an app's dictionaries once; a key another app already declared is an error."""
        if defaults in self.default_dictionaries:
            return
        taken = {d.key for known in self.default_dictionaries for d in known.dictionaries}
        clashes = sorted(taken & {d.key for d in defaults.dictionaries})
        if any(known.app == defaults.app for known in self.default_dictionaries) or clashes:
            raise ImproperlyConfigured(
                f"Dictionaries of {defaults.app!r} clash with ones already registered ({', '.join(clashes)})"
            )
        self.default_dictionaries.append(defaults)

    def dictionary_spec(self, key: str) -> DictionarySpec | None:
        return next((d for known in self.default_dictionaries for d in known.dictionaries if d.key == key), None)


def _missing_port_message(port: Port[Any]) -> str:
    return (
        f"No app provides the port {port}, which {port.provided_by} is expected to provide in its providers.py "
        f"(is {port.provided_by} in INSTALLED_APPS?)."
    )


registry = Registry()


def required_ports_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Start-up fails when a required port has no implementation (registered by core's AppConfig.ready)."""
    return [
        checks.Error(
            _missing_port_message(port),
            hint=f"Needed because {port.purpose}." if port.purpose else None,
            id="guanxi.E004",
        )
        for port in registry.missing_ports()
    ]
