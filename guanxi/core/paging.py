"""Counting a list without reading all of it: at a million customers the exact `COUNT(*)` of a list (200,000 A-level
customers) was most of the list's cost. A list counts at most `COUNT_CAP + 1` rows (`SELECT COUNT(*) FROM (… LIMIT
10001)`); past the cap it says "10,000+" and pages on by asking one row more than a page holds, so next and previous
still work and only the last page needs the exact count."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connection
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.functional import cached_property

from .dbvendor.ids import first_in_order, split_parts

COUNT_CAP = 10_000


def capped_count(qs: Any, *, cap: int | None = None) -> tuple[int, bool]:
    """`(count, exact)`: the number of rows when there are at most `cap` (default `COUNT_CAP`), else `(cap, False)`.
    Counts through a LIMITed subquery, so the database stops after `cap + 1` rows; a list is simply measured."""
    cap = COUNT_CAP if cap is None else cap
    if isinstance(qs, list | tuple):
        return len(qs), True
    parts = split_parts(qs)
    if len(parts) > 1 and connection.features.supports_slicing_ordering_in_compound:
        # a rep's rows part by part (disjoint), each counted from its own index (own rows: the owner's, often
        # without reading the table), in one query
        limited = [part.order_by().values("pk")[: cap + 1] for part in parts]
        n = limited[0].union(*limited[1:], all=True).count()
    else:
        n = qs.order_by()[: cap + 1].count()
    return (n, True) if n <= cap else (cap, False)


class CappedPage(Page):
    """A page of a list whose count passed the cap: whether a next page exists comes from the extra row read."""

    def __init__(self, object_list: Any, number: int, paginator: Paginator, *, has_more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self.has_more = has_more

    def has_next(self) -> bool:
        return self.has_more

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0


class CappedPaginator(Paginator):
    """A Paginator that counts at most `cap + 1` rows. `count_is_exact` says whether `count` is the total; when it is
    not, `count` is the cap, `num_pages` the pages known to exist, and any later page can still be asked for."""

    def __init__(
        self,
        object_list: Any,
        per_page: int,
        *,
        cap: int | None = None,
        exact: bool = False,
    ) -> None:
        super().__init__(object_list, per_page)
        self.cap = COUNT_CAP if cap is None else cap
        self.exact = exact  # count every row (the last page, asked for past the cap)

    def _rows(self, bottom: int, top: int) -> Any:
        """The rows of the page, read part by part where the rows are (a rep's: dbvendor.ids.first_in_order)."""
        if isinstance(self.object_list, QuerySet):
            return first_in_order(self.object_list, top)[bottom:top]
        return self.object_list[bottom:top]

    @cached_property
    def _counted(self) -> tuple[int, bool]:
        if self.exact:
            return Paginator.count.func(self), True  # type: ignore[attr-defined]
        return capped_count(self.object_list, cap=self.cap)

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return self._counted[0]

    @property
    def count_is_exact(self) -> bool:
        return self._counted[1]

    @property
    def count_text(self) -> str:
        """The count with its thousands grouped ("10,000"), for "10,000+"."""
        return number_format(self.count, force_grouping=True)

    @cached_property
    def num_pages(self) -> int:  # type: ignore[override]
        if self.count_is_exact:
            return Paginator.num_pages.func(self)  # type: ignore[attr-defined]
        return (self.count + 1 + self.per_page - 1) // self.per_page  # cap + 1 rows exist

    def validate_number(self, number: Any) -> int:
        if self.count_is_exact:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger("That page number is not an integer") from exc
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if self.count_is_exact:
            top = bottom + self.per_page
            top = self.count if top + self.orphans >= self.count else top  # as Paginator.page
            return self._get_page(self._rows(bottom, top), number, self)  # type: ignore[attr-defined]
        rows = list(self._rows(bottom, bottom + self.per_page + 1))
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        return CappedPage(rows[: self.per_page], number, self, has_more=len(rows) > self.per_page)
