"""List filters (django-filter) for opportunities: one FilterSet serves the list page, the board, the export and the
API, so every list of deals reads a query the same way (types, limits, errors)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import django_filters as df
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from guanxi.core.dbvendor import search_filter
from guanxi.core.filters import INVALID_SELECTION, IdFilter
from guanxi.core.metrics import day_bounds
from guanxi.core.money import AMOUNT_MAX
from guanxi.core.search import search_terms

from .models import Opportunity

TEXT_LIMIT = 100  # longer search text is cut, not refused (the search box allows no more)
NOT_A_NUMBER = _("Enter a number.")

SORTS = {
    "name": "name_sort",  # pinyin order (core.search.name_sort_key)
    "-name": "-name_sort",
    "amount": "amount",
    "-amount": "-amount",
    "close": "expected_close_date",
    "-close": "-expected_close_date",
    "stage": "stage__sort_order",
    "-stage": "-stage__sort_order",
    "created": "created_at",
    "-created": "-created_at",
}


def _within_amount_limit(value: Decimal) -> None:
    if abs(value) >= AMOUNT_MAX:
        raise ValidationError(NOT_A_NUMBER, code="invalid")


def apply_search(qs: QuerySet, value: str) -> QuerySet:
    """Deals where every term of the text (cut to the search box's length) is in the deal's search text: its own
    (name, pinyin, initials, custom text) and its customer's (name, pinyin, initials, phone…), which the database
    keeps on the deal (opportunities.customer_text), so a renamed or merged customer is found at once and one
    search index answers (core.dbvendor.search_filter)."""
    return search_filter(qs, "search_text", search_terms(value[:TEXT_LIMIT]))


def apply_search_probes(value: str) -> list[tuple[Any, str, list[str]]]:
    """What apply_search asks the search indexes (core.dbvendor.probes), for the global search to ask ahead."""
    return [(Opportunity, "search_text", search_terms(value[:TEXT_LIMIT]))]


class AmountFilter(df.NumberFilter):
    """An amount bound: any finite number below the amount limit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, error_messages={"invalid": NOT_A_NUMBER}, validators=[_within_amount_limit], **kwargs)


class OpportunityFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label=_("Search"))
    owner = IdFilter(field_name="owner_id", label=_("Owner"))
    department = IdFilter(field_name="department_id", label=_("Department"))
    pipeline = IdFilter(field_name="pipeline_id", label=_("Pipeline"))
    stage = IdFilter(field_name="stage_id", label=_("Stage"))
    status = df.ChoiceFilter(
        choices=Opportunity.Status.choices, label=_("Status"), error_messages={"invalid_choice": INVALID_SELECTION}
    )
    # The expected signing date: the page's query string says close_from/close_to, the API's expected_from/_to.
    close_from = df.DateFilter(field_name="expected_close_date", lookup_expr="gte", label=_("Expected from"))
    close_to = df.DateFilter(field_name="expected_close_date", lookup_expr="lte", label=_("Expected to"))
    expected_from = df.DateFilter(field_name="expected_close_date", lookup_expr="gte", label=_("Expected from"))
    expected_to = df.DateFilter(field_name="expected_close_date", lookup_expr="lte", label=_("Expected to"))
    amount_min = AmountFilter(field_name="amount", lookup_expr="gte", label=_("Min. amount"))
    amount_max = AmountFilter(field_name="amount", lookup_expr="lte", label=_("Max. amount"))
    # The funnel's drill-down: the deals that entered a stage from entered_from to entered_to (its rule), and the
    # deals stalled in their stage.
    entered = IdFilter(method="filter_entered", label=_("Entered stage"))
    entered_from = df.DateFilter(method="filter_nothing", label=_("Entered from"))
    entered_to = df.DateFilter(method="filter_nothing", label=_("Entered to"))
    # with `entered`: only the deals that also entered the next stage in those dates (the row's conversion)
    onward = df.BooleanFilter(method="filter_nothing", label=_("Also entered the next stage"))
    # the deals whose stay in a stage ended from left_from to left_to (the row's average days in stage)
    left = IdFilter(method="filter_left", label=_("Left stage"))
    left_from = df.DateFilter(method="filter_nothing", label=_("Left from"))
    left_to = df.DateFilter(method="filter_nothing", label=_("Left to"))
    stalled = df.BooleanFilter(method="filter_stalled", label=_("Stalled"))
    # the targets page's forecast: the deals of some forecast categories (commit; commit and best case; all but
    # omitted)
    forecast = df.MultipleChoiceFilter(
        field_name="forecast_category",
        choices=Opportunity.ForecastCategory.choices,
        label=_("Forecast category"),
        error_messages={"invalid_choice": INVALID_SELECTION},
    )

    class Meta:
        model = Opportunity
        fields: list[str] = []

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return apply_search(qs, value)

    def filter_nothing(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        return qs  # read by filter_entered

    def filter_entered(self, qs: QuerySet, name: str, value: int) -> QuerySet:
        from .funnel import entered_changes, onward_changes
        from .models import Stage

        stage = Stage.objects.select_related("pipeline").filter(pk=value).first()
        if stage is None:
            return qs.none()
        data = self.form.cleaned_data
        first, last = data.get("entered_from") or dt.date(1900, 1, 1), data.get("entered_to") or dt.date(9999, 12, 30)
        start, end = day_bounds(first, last)
        qs = qs.filter(pk__in=entered_changes(stage, start, end).values("opportunity_id"))
        if data.get("onward"):
            qs = qs.filter(pk__in=onward_changes(stage, start, end).values("opportunity_id"))
        return qs

    def filter_left(self, qs: QuerySet, name: str, value: int) -> QuerySet:
        from .funnel import left_changes
        from .models import Stage

        stage = Stage.objects.filter(pk=value).first()
        if stage is None:
            return qs.none()
        data = self.form.cleaned_data
        first, last = data.get("left_from") or dt.date(1900, 1, 1), data.get("left_to") or dt.date(9999, 12, 30)
        start, end = day_bounds(first, last)
        return qs.filter(pk__in=left_changes(stage, start, end).values("opportunity_id"))

    def filter_stalled(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        from .funnel import stalled_everywhere

        if value is None:
            return qs
        stalled = stalled_everywhere()
        return qs.filter(stalled) if value else qs.exclude(stalled)


def valid_filters(query: QueryDict) -> tuple[QueryDict, dict[str, list[str]]]:
    """A page's query string without the values OpportunityFilter cannot read, and their errors by field: the page
    still answers (with the other filters) and says which value it left out."""
    params = query.copy()
    form = OpportunityFilter(data=params, queryset=Opportunity.objects.none()).form
    errors = {key: [str(m) for m in msgs] for key, msgs in form.errors.items()}
    for key in errors:
        params.pop(key, None)
    return params, errors
