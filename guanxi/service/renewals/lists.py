"""The renewal list (续保/续约清单) for the shared list toolkit: renewals in the reader's scope, with scenes by
how soon the term ends (30/60/90 days), overdue, renewed and lost."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.commerce.lists import ScopedList, date_column, people
from guanxi.org.lists.registry import register
from guanxi.org.lists.spec import Column, EmptyState, Field, Scene

from ..lists import ended, ending_within, readers_own, status_field
from . import selectors
from .models import Renewal

CELLS = "service/renewals/"
OPEN = (Renewal.Status.UNDECIDED, Renewal.Status.RENEWING)


@register
class RenewalList(ScopedList):
    key = "renewals"
    title = _("Renewals")
    model = Renewal
    permission = "assets.view"
    url_name = "service:renewal_list"
    search_placeholder = _("Plate, policy or serial number, or customer")
    export_permission = "assets.export"
    default_sort = "ends_on"
    empty = EmptyState(
        _("No renewals here."),
        _("An asset in force joins the renewal list when its end date comes within the renewal window."),
        icon="refresh",
    )
    no_action_text = _("Renewals open by themselves as assets near their end date.")

    columns = (
        Column(
            "asset",
            _("Asset"),
            value=lambda r: str(r.asset),
            template=CELLS + "cell_asset.html",
            sort=("asset__name",),
            fixed=True,
        ),  # fmt: skip
        Column(
            "customer",
            _("Customer"),
            value=lambda r: r.customer.name,
            template="service/cells/customer.html",
            sort=("customer__name_sort",),
        ),  # fmt: skip
        date_column("ends_on", _("End date"), phone=True),
        Column(
            "status",
            _("Renewal status"),
            value=lambda r: r.get_status_display(),
            template=CELLS + "cell_status.html",
            sort=("status",),
            phone_inline=True,
        ),  # fmt: skip
        Column("owner", _("Owner"), value=lambda r: str(r.owner or ""), sort=("owner__name",)),
        Column("lost_reason", _("Why not renewing"), default=False, phone=False),
        Column("policy_number", _("Policy number"), value=lambda r: r.asset.policy_number, default=False),
    )
    fields = (
        status_field(Renewal, _("Renewal status")),
        Field("owner", _("Owner"), "owner_id", "user", choices=people, quick=True),
        Field("ends_on", _("End date"), "ends_on", "date", quick=True),
    )
    scenes = (
        Scene("due30", _("Due in 30 days"), ending_within(30, status__in=OPEN)),
        Scene("due60", _("Due in 60 days"), ending_within(60, status__in=OPEN)),
        Scene("due90", _("Due in 90 days"), ending_within(90, status__in=OPEN)),
        Scene("overdue", _("Overdue"), ended(status__in=OPEN)),
        Scene("mine", _("Mine"), readers_own(status__in=OPEN)),
        Scene(
            "renewed",
            pgettext_lazy("renewal status", "Renewed"),
            lambda qs, user: qs.filter(status=Renewal.Status.RENEWED),
        ),
        Scene("lost", _("Not renewing"), lambda qs, user: qs.filter(status=Renewal.Status.LOST)),
        Scene("all", _("All"), lambda qs, user: qs),
    )

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        return selectors.renewal_list(user=user, action=action)

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        from ..models import Asset
        from ..selectors import identifier_search

        assets = identifier_search(Asset.objects.all(), text)
        return qs.filter(Q(asset__in=assets.values("pk")) | Q(customer__name__icontains=text.strip()))

    def row_url(self, row: Any) -> str:
        return reverse("service:renewal_detail", args=[row.pk])
