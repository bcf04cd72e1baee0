"""List filters (django-filter) for sales targets: the API's list reads its query through this FilterSet."""

from __future__ import annotations

import django_filters as df
from django.utils.translation import gettext_lazy as _

from guanxi.core.filters import IdFilter

from .models import PeriodKind, SalesTarget


class TargetFilter(df.FilterSet):
    period_kind = df.ChoiceFilter(choices=PeriodKind.choices, label=_("Period"))
    period_start = df.DateFilter(label=_("Period start"))
    metric = df.ChoiceFilter(choices=SalesTarget.Metric.choices, label=_("Metric"))
    owner = IdFilter(field_name="owner_id", label=_("Person"))
    department = IdFilter(field_name="department_id", label=_("Department"))
    parent = IdFilter(field_name="parent_id", label=_("Split from"))

    class Meta:
        model = SalesTarget
        fields: list[str] = []
