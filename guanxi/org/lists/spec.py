"""The shared list toolkit's vocabulary: a list page is declared once as a `ListDefinition` (columns, fields,
scenes, bulk actions, export) and the toolkit gives it everything the customer list has: scene tabs with counts,
quick and advanced filters (AND/OR groups), removable chips, saved views (personal or shared with a role) with a
default, sorting, a column chooser remembered per user and view, total count, pager with size and jump, bulk bar,
inline edit, a star, state in the URL, phone cards with a filter bottom sheet, and an audited formula-safe export.

The toolkit lives in org because a list is always read through the reader's permissions and data scope.
Query parameters a list page understands (the state lives in the URL):

    q              search text (the definition's `search`)
    scene          a Scene key (default: the definition's first scene)
    view           a SavedView id (its query is applied by redirect; kept for the tab's highlight)
    <field>        a Field key with one or more values: equal to any of them (choice, user, ref, bool, text)
    <field>_from   lower bound, inclusive (number, money, date, datetime)
    <field>_to     upper bound, inclusive
    where          advanced filter, compact JSON: {"any": bool, "groups": [{"any": bool, "rules":
                   [{"f": field, "op": op, "v": value}]}]} (groups joined by AND unless "any", rules in a
                   group joined by AND unless "any"); ops: eq ne in nin contains ncontains gt gte lt lte
                   empty nempty; an unknown field or op is dropped with a warning, never a 500
    sort           a Column key, "-" prefix for descending
    page, per_page page number; size from PAGE_SIZES
    <own>          anything the definition's own FilterSet understands (the same one its API uses)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from django.db.models import Model, QuerySet
from django.http import QueryDict

FieldKind = Literal["text", "choice", "number", "money", "date", "datetime", "user", "ref", "bool"]
PAGE_SIZES = (20, 50, 100)


def _always(user: Any) -> bool:
    return True


@dataclass(frozen=True)
class Choice:
    value: str
    label: Any  # str or lazy translation


@dataclass(frozen=True)
class Field:
    """A field the reader can filter on (quick filter, advanced filter, chip) and maybe bulk-edit."""

    key: str  # the URL name, e.g. "status"
    label: Any
    path: str  # the ORM path it filters, e.g. "status", "owner_id", "customer__name"
    kind: FieldKind
    # choice / user / ref: (user) -> choices offered; the chip shows the chosen one's label
    choices: Callable[[Any], Sequence[Choice]] | None = None
    quick: bool = False  # a button in the filter bar (3-5 per list); the rest are in the advanced drawer
    # Bulk edit: (actor, ids, value) -> BulkResult, each row through the service and its permission check.
    bulk_edit: Callable[..., BulkResult] | None = None
    bulk_permission: str | None = None  # "module.action" needed to see and use the bulk edit of this field
    # The list's own FilterSet (rows) reads `<key>` itself: the toolkit offers the control and the chip only, and
    # uses `path` just in the advanced filter (`where`). Empty path: not offered in the advanced filter.
    own: bool = False
    # The field's own reading of a value from the URL (raises ValueError for one it cannot hold, which drops the
    # filter with a warning), for values that are not the kind's plain ones: a month "1"-"12" or "this".
    coerce: Callable[[str], Any] | None = None
    # For values that are not one column's value (a multiple choice: a list of codes on the record): (the chosen
    # values) -> the Q of records holding any of them; used by the filter bar, chips and the advanced filter (in).
    match: Callable[[list[Any]], Any] | None = None
    # A "ref" field over many records (a custom field linking to a customer or a contact): instead of `choices`,
    # a search-as-you-type picker over a scope-checked API list (a core.widgets.REMOTE_SOURCES key), and
    # `names(user, values)` -> {value: name} of the chosen values the user may see (chips, the picker's options).
    remote: str | None = None
    names: Callable[[Any, list[str]], dict[str, str]] | None = None


def preset_field(key: str, label: Any, presets: dict[str, Any], match: Callable[[list[Any]], Any]) -> Field:
    """A filter of named cases computed elsewhere ({code: label}; `match` gives the Q of the rows in any of the chosen
    ones): the purchase history or the assets on the customer list. An unknown code is dropped with a warning."""

    def known(raw: str) -> str:
        if raw not in presets:
            raise ValueError(raw)
        return raw

    return Field(key, label, "", "choice", choices=lambda user: [Choice(c, lb) for c, lb in presets.items()],
                 coerce=known, match=match)  # fmt: skip


@dataclass(frozen=True)
class InlineEdit:
    """A cell the reader edits in place (owner / status / stage / next date): click, Enter saves, Esc cancels."""

    kind: Literal["user", "choice", "date"]
    # (actor, row, value: str, version: int) -> row; raises ApplicationError (bad value, stale, refused)
    save: Callable[..., Any]
    # (user, rows) -> ids of the rows the user may edit; one query for the page, the service checks again
    editable: Callable[[Any, list[Any]], set[int]]
    choices: Callable[[Any], Sequence[Choice]] | None = None
    # (row) -> the editor's current value as text; default: `<column key>_id` for user, else the attribute
    current: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    value: Callable[[Any], Any] | None = None  # plain value for export and the default cell; default getattr(row, key)
    template: str | None = None  # cell template (context: row, column, value, list); default: value as text
    sort: tuple[str, ...] | None = None  # order_by for ascending (descending reverses each); None: not sortable
    default: bool = True  # shown until the reader chooses columns
    fixed: bool = False  # the linked name column: always shown, first, sticky; the phone card's title
    phone: bool = True  # shown as a line of the phone card
    phone_inline: bool = False  # on the phone card: side by side with the next such cells, without a label (badges)
    numeric: bool = False  # right-aligned (money, counts)
    export: bool = True
    inline: InlineEdit | None = None

    @property
    def css_class(self) -> str:
        """The classes of the column's cells."""
        classes = (
            "gx-sticky-name" if self.fixed else "",
            "text-end text-nowrap" if self.numeric else "",
            "" if self.phone else "gx-hide-phone",
            "gx-inline-phone" if self.phone_inline else "",
        )
        return " ".join(c for c in classes if c)


@dataclass(frozen=True)
class Scene:
    """A tab above the list (我负责的 / 下属负责的 / 我参与的 / 全部 …), shown with its count."""

    key: str
    label: Any
    apply: Callable[[QuerySet[Any], Any], QuerySet[Any]]  # (qs, user) -> qs
    visible: Callable[[Any], bool] = _always  # (user) -> shown to this reader


@dataclass(frozen=True)
class BulkResult:
    done: int
    skipped: int = 0  # no permission, wrong state, already so
    message: str = ""  # overrides the standard "Updated N, skipped M" toast


@dataclass(frozen=True)
class BulkAction:
    key: str
    label: Any
    icon: str  # tabler icon name without "ti-"
    permission: str  # "module.action": the button is shown and the action runs only with it
    run: Callable[..., BulkResult]  # (actor, ids, data: QueryDict) -> BulkResult
    form_template: str | None = None  # the modal's fields (e.g. the new owner); None: a confirm dialog only
    confirm: Any = None  # states the consequence ("They move to the recycle bin …")
    danger: bool = False


@dataclass(frozen=True)
class ViewLink:
    """A ⋯ menu entry that carries the list's current filters to another page: marketing's "Save as a segment" on
    the customer and contact lists. `url(query)` answers the address for the page's query string."""

    key: str
    label: Any
    icon: str  # tabler icon name without "ti-"
    permission: str  # "module.action": shown only with it (the page it opens checks again)
    url: Callable[[str], str]


@dataclass(frozen=True)
class EmptyState:
    title: Any
    text: Any
    icon: str = "list"


class ListDefinition:
    """One list page. Subclass, fill in, and `register()` it (guanxi.org.lists.registry) in the app's ready(); the
    page view is `list_page(key)` and the toolkit's endpoints (saved views, columns, export, bulk, inline, star)
    work for it under /lists/<key>/. The toolkit adds on its own: the star column and a "starred" scene (when
    `star`), "Export selected" (when `may_export`) and "Edit field" (for fields with `bulk_edit`) to the
    bulk bar."""

    key: ClassVar[str]  # unique, stable: saved views and column choices are stored under it
    title: ClassVar[Any]
    model: ClassVar[type[Model]]
    permission: ClassVar[str]  # "module.view": reading the list
    url_name: ClassVar[str]  # the page's URL name, e.g. "customers:list"
    search_placeholder: ClassVar[Any] = ""
    export_permission: ClassVar[str | None] = None  # None: no export
    create_url_name: ClassVar[str | None] = None
    create_permission: ClassVar[str | None] = None
    create_label: ClassVar[Any] = ""
    import_kind: ClassVar[str] = ""  # the spreadsheet importer of its rows (core.imports), offered in the ⋯ menu
    view_links: tuple[ViewLink, ...] = ()  # added by higher apps (registry.add_view_link)
    star: ClassVar[bool] = True
    default_sort: ClassVar[str] = "-updated"  # a Column key, or "-<key>"
    empty: ClassVar[EmptyState | None] = None
    no_action_text: ClassVar[Any] = ""  # the empty state's words when the reader may create nothing here

    columns: ClassVar[Sequence[Column]] = ()
    fields: ClassVar[Sequence[Field]] = ()
    scenes: ClassVar[Sequence[Scene]] = ()
    bulk_actions: ClassVar[Sequence[BulkAction]] = ()

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        """The rows the user may see, narrowed by the list's own FilterSet (the one its API uses); raise
        ValidationFailed naming the field for a value it rejects. Scenes, fields, `where`, sort and paging are
        applied by the toolkit afterwards."""
        raise NotImplementedError

    # Added for the ports (all optional):
    template: ClassVar[str] = "org/lists/page.html"  # a list's own page extends it (blocks: header_buttons, …)
    filters_template: ClassVar[str | None] = None  # the list's own filter bar instead of the generic one
    param_labels: ClassVar[dict[str, Any]] = {}  # labels of the FilterSet's own parameters (chips, warnings)

    def clean_params(self, *, params: QueryDict, warnings: list[str]) -> None:
        """Drop (and note in `warnings`) own parameters that cannot work before rows() sees them; default: none."""

    def chip(self, *, user: Any, key: str, value: str) -> tuple[Any, Any] | None:
        """(label, value shown) of the chip of an own parameter; None: the toolkit's default (field label, the
        chosen choice's label)."""
        return None

    def export_rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        """The rows an export reads (default: rows()); a list whose data scope differs for export overrides it."""
        return self.rows(user=user, params=params)

    def prepare_rows(self, *, user: Any, rows: list[Any]) -> None:
        """Batch work for a page's (or an export's) rows before their cells are read, e.g. one query for a value
        every row shows (the customer's pool countdown); default: nothing."""
        return None

    def context(self, *, user: Any, params: QueryDict) -> dict[str, Any]:
        """Extra template context for the page (e.g. the choices of its own filter bar); default: nothing."""
        return {}

    def may_read(self, user: Any) -> bool:
        """May the user open the list and its endpoints? Default: the list's `permission`. A list without a module
        right (the approvals inbox: each user's own requests) overrides it and narrows the rows in rows()."""
        from guanxi.org.policies import has_permission

        return has_permission(user, self.permission)

    def may_export(self, user: Any) -> bool:
        """May the user export the list (the ⋯ menu's export, the bulk bar's "Export selected", the endpoint)?
        Default: the list's `export_permission` (None: no export). A list without a module right overrides it, like
        may_read; the export reads export_rows(), so it holds the rows the reader may see and no others."""
        from guanxi.org.policies import has_permission

        return bool(self.export_permission) and has_permission(user, self.export_permission or "")

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        """Rows matching the search box; default: nothing to search (override)."""
        return qs

    def row_url(self, row: Any) -> str:
        raise NotImplementedError

    def export_filename(self) -> str:
        return self.key
