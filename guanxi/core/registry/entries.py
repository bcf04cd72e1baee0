"""The entries apps register with core.registry: one typed dataclass per extension point (docs/extending.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class QuickCreate:
    """An entry of the top bar's "+" menu (and the command menu's "Create" group): a create form of some app.

    `for_customer` (customer id -> URL) marks a record that belongs to a customer (contact, follow-up, task):
    `url_name` is then a customer picker (customers:quick_pick, given `?for=<key>`) that goes on to that URL."""

    key: str
    label: Any
    url_name: str
    icon: str
    permission: str
    order: int = 100
    for_customer: Callable[[int], str] | None = None


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any
    url_name: str
    icon: str
    order: int = 100
    permission: str | None = None  # "module.action" the user needs to see it
    # URL prefix that marks the item current (default: its own URL); the longest matching prefix wins.
    match_prefix: str = ""
    # Further prefixes of pages that belong to it (the members' coupons under Members), matched the same way.
    also_matches: tuple[str, ...] = ()
    # (user) -> int: a count shown beside the label (e.g. approvals waiting for the user); 0 shows nothing.
    badge: Callable[[Any], int] | None = None
    # What the badge counts, in the names of core.views_util.announce_changes ("approvals"): the badge follows an
    # htmx action that announces one of them, without a reload.
    refresh_on: str = ""
    # () -> bool: whether the item exists on this installation at all (an app switched on by a setting).
    enabled: Callable[[], bool] | None = None


@dataclass(frozen=True)
class SearchSource:
    """A kind of record the global search shows. Either `search` gives the hits, or `rows` (user, query, limit) gives
    the sliced queryset of the hits (or a list: nothing to ask), `fields` the paths `hit` reads of a row and its
    related rows, and `hit` (row) one hit: such sources are read together in one query (core.search_rows), and
    `search` is then derived from them for asking the source alone."""

    key: str
    label: Any
    search: Callable[..., list[dict[str, Any]]] = None  # type: ignore[assignment]  # (user, query, limit) -> hits
    order: int = 100
    # (user, query) -> [(model, column, terms)]: the search indexes its search will ask (core.dbvendor.search_filter;
    # none when the user may not see the module), so the global search asks all sources' index probes in one query
    # (core.dbvendor.probes). None: its search asks no index.
    probes: Callable[..., list[tuple[Any, str, list[str]]]] | None = None
    rows: Callable[..., Any] | None = None
    fields: tuple[str, ...] = ()
    hit: Callable[[Any], dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        if self.rows is not None and self.hit is not None and self.search is None:
            rows, hit = self.rows, self.hit
            object.__setattr__(self, "search", lambda **kw: [hit(row) for row in rows(**kw)])
        if self.search is None:
            raise ValueError(f"search source {self.key!r} needs `search` or `rows` and `hit`")


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


@dataclass(frozen=True)
class JobRecovery:
    """An app's jobs that a lost worker (killed, machine gone) leaves behind: `recover(worker_ids=…, now=…)`
    marks failed (or re-queues) the app's own job rows those workers held and returns how many."""

    key: str
    recover: Callable[..., int]


@dataclass(frozen=True)
class PoolProtection:
    """Customers the public-pool reclaim leaves with their owner (e.g. "has an active contract").

    `protected(now=...)` returns a Q on Customer, or a queryset of non-null customer ids. `override` names the
    PoolRule boolean field that, when true, reclaims these customers anyway (e.g. "reclaim_with_active_contract").
    """

    key: str
    label: Any
    protected: Callable[..., Any]
    override: str | None = None


@dataclass(frozen=True)
class FileKind:
    """One kind of uploaded file: the model field that holds it and who may read it (STYLE.md rule 17).

    `get(user=..., pk=...)` returns the row of `model` holding the file, read through the owning app's selector: it
    raises PermissionDeniedError (403) without the module permission and NotFoundError (404) out of scope. `file_name`
    gives the original file name (default: the stored file's base name). Files leave the server only through
    guanxi.core.files, which looks kinds up here; a file field without a kind stops start-up (system check).
    """

    key: str  # the URL segment, e.g. "followup-attachment"
    model: str  # "customers.attachment"
    field: str  # "file"
    label: Any
    get: Callable[..., Any]
    file_name: Callable[[Any], str] | None = None


@dataclass(frozen=True)
class HandoverKind:
    """One kind of record a leaving user hands to a successor when their account is closed (REQUIREMENTS §11).

    `count(leaving=)` says how many would move (the deactivation page shows it before anything moves);
    `hand_over(actor=, leaving=, successor=)` moves them, audited, inside the deactivation's transaction, and
    returns how many moved. `key` is what the audit row stores; `label` what people read.
    """

    key: str
    label: Any
    count: Callable[..., int]
    hand_over: Callable[..., int]
    order: int = 100


@dataclass(frozen=True)
class LeaverExport:
    """One sheet of a leaving user's data export: every record of one kind the user owned or worked on.

    `table(leaving=)` returns (headers, rows); the rows are written formula-safe (core.export).
    """

    key: str
    label: Any
    table: Callable[..., tuple[Sequence[Any], Iterable[Sequence[Any]]]]
    order: int = 100


@dataclass(frozen=True)
class ReadRule:
    """Rows of one model a user may reach beyond their data scope, applied by org.policies.visibility_q.

    `rows(user)` returns a Q on the model, or None when the rule gives this user nothing. `actions` are the
    permission actions it widens (None: every action). With `needs_permission` it only widens the scope of a
    user who holds the module's permission for the action (owner-less leads for lead routers); without it the
    rule alone opens those rows (an approver without quotes.view still reads the quotes they decide on).
    """

    key: str
    model: str  # "commerce.quote" (app_label.model_name)
    rows: Callable[[Any], Any]
    actions: tuple[str, ...] | None = ("view",)
    needs_permission: bool = True


# --- the defaults each app seeds for what it owns (DESIGN.md: each app owns its defaults) ------------------------
@dataclass(frozen=True)
class DefaultGrants:
    """The permissions the default roles (guanxi/org/roles.py) hold in one app's modules.

    org adds them when it creates the default roles and offers them to existing ones (`guanxi roles upgrade`), so a
    module's default grants live in the app that registers the module. `grants_by_role` maps a default role's code
    to the `module.action` permissions it gets.
    """

    app: str  # "billing"
    grants_by_role: Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class DefaultRoles:
    """The default roles one app owns (real estate's sales-office agent, sales manager, finance and planning), each a
    dict like org/roles.py's (code, name as an English msgid, scope, permissions). org creates them with its own
    defaults when they are missing, and only where `enabled` answers True (an app switched on per installation), so
    an installation without the app has none of them; `guanxi roles upgrade` offers them today's grants."""

    app: str  # "realestate"
    roles: tuple[Mapping[str, Any], ...]
    enabled: Callable[[], bool] | None = None


@dataclass(frozen=True)
class DefaultApprovalRules:
    """The default approval rules of the documents one app owns (data, editable afterwards under Approval rules).

    Each rule is a dict: seed_key, kind, name and step labels (English msgids), priority, conditions and steps
    (label, approver_type, codes, same_department, mode). `positions` (code -> name) are the positions the rules'
    steps name, created with them when missing. The approvals app seeds them once, when `migrate` applies the
    migration `seeded_with` names (a new database, or the upgrade that brings that migration: a new app names its
    own first migration), so a default an administrator deletes stays deleted.
    """

    key: str  # "commerce"
    rules: tuple[Mapping[str, Any], ...]
    seeded_with: tuple[str, str]  # ("approvals", "0002_default_rules")
    positions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DictionaryEntrySpec:
    """One seeded entry. `label` is an English msgid (its Chinese label is its translation) unless `label_zh` is
    given (regions, GB/T 4754 sections: names that are data, not interface text). `system`: the app's code relies on
    it, so it can be renamed but not retired."""

    code: str
    label: Any
    label_zh: str = ""
    colour: str = ""
    parent: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)
    system: bool = False


@dataclass(frozen=True)
class DictionarySpec:
    """A dictionary an app owns: its key (what DictionaryField names), its name (an English msgid) and the entries a
    new database starts with; `entries` may be a callable for long lists read from a data file (regions)."""

    key: str
    label: Any
    entries: tuple[DictionaryEntrySpec, ...] | Callable[[], Sequence[DictionaryEntrySpec]] = ()
    is_tree: bool = False

    def entry_specs(self) -> Sequence[DictionaryEntrySpec]:
        return self.entries() if callable(self.entries) else self.entries


@dataclass(frozen=True)
class DefaultDictionaries:
    """An app's dictionaries. Seeding creates the missing dictionaries and entries (by key and code) and never
    changes an existing one, so an administrator's labels, order and retirements stay; it runs in the app's data
    migration and after every `migrate` (core's post_migrate), which also brings entries a later version adds."""

    app: str
    dictionaries: tuple[DictionarySpec, ...]


@dataclass(frozen=True)
class DayCard:
    """A card on the reader's day page (我的工作台) from the app that owns the work: approvals waiting for them,
    receivables falling due for finance… `render(request)` answers the card's HTML, or "" when there is nothing
    for this reader (no permission, nothing waiting), so each role's day shows its own work."""

    key: str
    render: Callable[[Any], str]
    order: int = 100


@dataclass(frozen=True)
class NotificationTopic:
    """Notifications a user may mute together (their settings page): the `notify(kind=…)` values it covers.

    A kind ending in "_" is a prefix ("receivable_" covers receivable_due, receivable_overdue, …)."""

    key: str  # "tasks"
    label: Any
    kinds: tuple[str, ...]
    help: Any = ""
    order: int = 100

    def covers(self, kind: str) -> bool:
        return any(kind == k or (k.endswith("_") and kind.startswith(k)) for k in self.kinds)


@dataclass(frozen=True)
class EventType:
    """A business event an app emits after commit (guanxi/core/events.py), e.g. "customer.created".

    `model` is the object the event is about ("customers.customer"); `serialise(obj)` gives the object as the REST
    API shows it (the app's output schema, as JSON-ready data), so a webhook receiver reads the same shape as
    GET /api/v1/…; `load(pk)` fetches the object again for an event emitted by id only (bulk paths)."""

    key: str
    label: Any
    model: str
    serialise: Callable[[Any], dict[str, Any]]
    load: Callable[[Any], Any] | None = None
    order: int = 100


@dataclass(frozen=True)
class EventListener:
    """Hears every emitted event after its transaction committed: `handle(events)`, a list of
    core.events.DomainEvent (one per object; a bulk path hands them over together). It runs in the committing
    process, so it only records what is to be done (webhooks queue deliveries) and never sends anything itself."""

    key: str
    handle: Callable[[Any], Any]
    # (event type key) -> bool: does the listener want events of this type now? Asked before a bulk path reads its
    # ids (a reclaim of a million customers nobody subscribed to builds no events); None: always.
    wants: Callable[[str], bool] | None = None


@dataclass(frozen=True)
class CalendarSource:
    """Entries of a user's personal calendar feed (guanxi/core/calendar_feed.py): `entries(user=, start=, end=)`
    returns core.ical.CalendarEntry items the user may see (their data scope) between the two dates."""

    key: str
    label: Any
    entries: Callable[..., Iterable[Any]]
    order: int = 100


# Groupings every metric answers; a metric may add its own (customers by level: "level").
METRIC_GROUPINGS = ("total", "owner", "department")


@dataclass(frozen=True)
class Metric:
    """A business figure (新增客户数, 回款金额 …) the analytics pages, league and API read without importing the app
    that owns the records (docs/extending.md, "Metrics").

    `compute(user=, date_from=, date_to=, group_by=, owners=None)` answers `{group key: Decimal}` over the rows the
    reader may see (their data scope), in a few grouped queries: the key is None for "total", a user id for
    "owner", a department id (or None) for "department", the metric's own code for an extra grouping; `owners`
    (user ids) narrows to those people. Dates are inclusive; a point-in-time metric (receivables) reads `date_to`.
    `records(date_from=, date_to=, owner=None, department=None, group=None)` is the URL of the shared list page that
    shows the rows behind a figure (drill-down), or "" when no list shows them."""

    key: str
    label: Any
    unit: str  # "count", "money", "percent" (a share out of 100) or "ratio" (a plain figure: 2.35); core/figures.py
    compute: Callable[..., Mapping[Any, Any]]
    records: Callable[..., str] | None = None
    groupings: tuple[str, ...] = METRIC_GROUPINGS
    # (code) -> label for an extra grouping's keys (customer level A/B/C); None: the key is shown as it is.
    group_label: Callable[[str, Any], Any] | None = None
    permission: str = ""  # "module.action" the reader needs to see the figure at all
    help: Any = ""
    order: int = 100
    # Whether the figure of a period that has ended stays as it was (it counts rows dated in the period), so analytics
    # may keep it long (analytics/figure_cache.py); False for a figure read now whatever the period (the pipeline) or
    # a stock read with today's attributes (customers by level, the balance of contracts by their status today).
    final: bool = True


@dataclass(frozen=True)
class CustomFieldTarget:
    """An object an administrator may add custom fields to (guanxi/core/custom_fields): `model` is its
    "app.model" label, whose model inherits core.models.CustomFieldsModel (a JSON column `custom`). `module` is
    the permission module of its records (who may list and edit them); `by_stage`: the object has a pipeline stage
    with a win probability, so a field may be required from a stage on (opportunities). `enabled`: for an app an
    installation may switch off (real estate), whether it is on; off, the object is not offered anywhere.
    `search_text`: for an object found by its custom text fields, the dotted path of the function that computes a
    record's search text from the record (custom_fields.search_refresh recomputes it when a field's visibility
    changes), and `search_column` the column it is written to (deals write their own text, to which the database
    adds their customer's)."""

    model: str
    label: Any
    module: str
    order: int = 100
    by_stage: bool = False
    enabled: Callable[[], bool] | None = None
    search_text: str = ""
    search_column: str = "search_text"


@dataclass(frozen=True)
class MailboxHandler:
    """An app's mailboxes the worker polls (guanxi/core/mail/poll.py) and how it files what arrives.

    `mailboxes()` yields (mailbox key, ImapServer) pairs to read now (none when the app's mailbox is not
    configured); `file(mailbox=…, message=InboundMessage)` files one new message inside the poll's transaction and
    returns where it went as "<app>.<model>:<pk>" ("" when nothing matched: the message is kept as unfiled).
    With `sent_folder` the account's Sent folder is read too, its messages handed over with `sent=True`."""

    key: str
    mailboxes: Callable[[], Iterable[tuple[str, Any]]]
    file: Callable[..., str]
    sent_folder: bool = False
