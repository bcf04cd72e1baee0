"""The marketing app's list pages (segments, the suppression list) and its bulk action on the customer and
contact lists: "Add to a static list"."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.commerce.lists import bulk, choices_of, money_column, people
from guanxi.core.errors import NotFoundError
from guanxi.core.inputs import clean_text, id_or_none
from guanxi.org.lists.registry import add_bulk_action, add_view_link, register
from guanxi.org.lists.spec import (
    BulkAction,
    BulkResult,
    Column,
    EmptyState,
    Field,
    ListDefinition,
    Scene,
    ViewLink,
)
from guanxi.org.policies import require_permission

from . import consent, services
from .models import Campaign, Channel, Segment, Suppression

CELLS = "marketing/cells/"


@register
class SegmentList(ListDefinition):
    key = "segments"
    title = gettext_lazy("Segments")
    model = Segment
    permission = "marketing.view"
    url_name = "marketing:segment_list"
    search_placeholder = gettext_lazy("Segment name")
    create_url_name = "marketing:segment_create"
    create_permission = "marketing.create"
    create_label = gettext_lazy("New segment")
    import_kind = "static_list_members"  # contacts into static lists from a spreadsheet (importers.py)
    default_sort = "name"
    empty = EmptyState(
        gettext_lazy("No segments yet."),
        gettext_lazy("A segment is a saved filter over your customers or contacts, or a list of contacts you pick."),
        icon="filter",
    )
    no_action_text = gettext_lazy("Your role does not create segments.")
    columns = (
        Column("name", gettext_lazy("Name"), template=CELLS + "segment.html", sort=("name",), fixed=True),
        Column("kind", gettext_lazy("Kind"), value=lambda s: s.get_kind_display(), sort=("kind",), phone_inline=True),
        Column("base", gettext_lazy("Based on"), value=lambda s: s.get_base_display(), phone=False),
        Column("owner", gettext_lazy("Owner"), value=lambda s: str(s.owner or ""), sort=("owner__name",)),
        Column(
            "updated", gettext_lazy("Updated"), value=lambda s: s.updated_at, template=CELLS + "datetime.html",
            sort=("updated_at",), phone=False,
        ),
    )  # fmt: skip
    fields = (
        Field("kind", gettext_lazy("Kind"), "kind", "choice", choices=choices_of(Segment.Kind.choices), quick=True),
        Field("owner", gettext_lazy("Owner"), "owner_id", "user", choices=people, quick=True),
    )
    scenes = (
        Scene("all", gettext_lazy("All"), lambda qs, user: qs),
        Scene("mine", gettext_lazy("Mine"), lambda qs, user: qs.filter(owner_id=user.pk)),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        require_permission(user, self.permission)
        return Segment.objects.select_related("owner")

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(Q(name__icontains=text) | Q(description__icontains=text))

    def row_url(self, row: Any) -> str:
        return reverse("marketing:segment_detail", args=[row.pk])


def _suppressions_remove(actor: Any, ids: list[int], data: QueryDict) -> tuple[int, int]:
    done = 0
    for pk in ids:
        try:
            consent.suppression_remove(actor=actor, pk=pk)
        except NotFoundError:
            continue
        done += 1
    return done, len(ids) - done


@register
class SuppressionList(ListDefinition):
    key = "suppressions"
    title = gettext_lazy("Suppression list")
    model = Suppression
    permission = "marketing.view"
    url_name = "marketing:suppression_list"
    search_placeholder = gettext_lazy("Address")
    create_url_name = "marketing:suppression_create"
    create_permission = "marketing.edit"
    create_label = gettext_lazy("Suppress an address")
    default_sort = "-created"
    star = False
    empty = EmptyState(
        gettext_lazy("No suppressed addresses."),
        gettext_lazy("Unsubscribes, bounces and addresses added by hand land here: nothing is ever sent to them."),
        icon="ban",
    )
    columns = (
        Column("address", gettext_lazy("Address"), sort=("address",), fixed=True),
        Column("channel", gettext_lazy("Channel"), value=lambda s: s.get_channel_display(), sort=("channel",),
               phone_inline=True),  # fmt: skip
        Column("reason", gettext_lazy("Reason"), value=lambda s: s.get_reason_display(), sort=("reason",)),
        Column("note", gettext_lazy("Note"), phone=False),
        Column(
            "created", gettext_lazy("Added"), value=lambda s: s.created_at, template=CELLS + "datetime.html",
            sort=("created_at",),
        ),
    )  # fmt: skip
    fields = (
        Field("channel", gettext_lazy("Channel"), "channel", "choice", choices=choices_of(Channel.choices), quick=True),
        Field(
            "reason",
            gettext_lazy("Reason"),
            "reason",
            "choice",
            choices=choices_of(Suppression.Reason.choices),
            quick=True,
        ),  # fmt: skip
    )
    bulk_actions = (
        BulkAction(
            "remove", gettext_lazy("Remove from the list"), "trash", "marketing.admin", bulk(_suppressions_remove),
            confirm=gettext_lazy("These addresses may be sent to again."), danger=True,
        ),
    )  # fmt: skip

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        require_permission(user, self.permission)
        return Suppression.objects.all()

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(address__icontains=text)

    def row_url(self, row: Any) -> str:
        return reverse("marketing:suppression_list") + f"?q={row.address}"


@register
class CampaignList(ListDefinition):
    key = "campaigns"
    title = gettext_lazy("Campaigns")
    model = Campaign
    permission = "marketing.view"
    url_name = "marketing:campaign_list"
    search_placeholder = gettext_lazy("Campaign name")
    create_url_name = "marketing:campaign_create"
    create_permission = "marketing.create"
    create_label = gettext_lazy("New campaign")
    template = "marketing/campaign_list.html"  # a link to the ROI by channel
    default_sort = "-created"
    empty = EmptyState(
        gettext_lazy("No campaigns yet."),
        gettext_lazy("A campaign sends one message to a segment by e-mail, SMS or WeChat, or gives reps a call list."),
        icon="speakerphone",
    )
    no_action_text = gettext_lazy("Your role does not plan campaigns.")
    columns = (
        Column("name", gettext_lazy("Campaign"), template=CELLS + "campaign.html", sort=("name",), fixed=True),
        Column("channel", gettext_lazy("Channel"), value=lambda c: c.get_channel_display(), sort=("channel",),
               phone_inline=True),  # fmt: skip
        Column("status", gettext_lazy("Status"), value=lambda c: c.get_status_display(), sort=("status",),
               phone_inline=True),  # fmt: skip
        Column("segment", gettext_lazy("Segment"), value=lambda c: str(c.segment or ""), phone=False),
        money_column("budget", gettext_lazy("Budget"), value=lambda c: c.budget),
        Column("owner", gettext_lazy("Owner"), value=lambda c: str(c.owner or ""), sort=("owner__name",)),
        Column(
            "created", gettext_lazy("Created"), value=lambda c: c.created_at, template=CELLS + "datetime.html",
            sort=("created_at",), phone=False,
        ),
    )  # fmt: skip
    fields = (
        Field(
            "status",
            gettext_lazy("Status"),
            "status",
            "choice",
            choices=choices_of(Campaign.Status.choices),
            quick=True,
        ),  # fmt: skip
        Field("channel", gettext_lazy("Channel"), "channel", "choice", choices=choices_of(Channel.choices), quick=True),
        Field("owner", gettext_lazy("Owner"), "owner_id", "user", choices=people),
    )
    scenes = (
        Scene("all", gettext_lazy("All"), lambda qs, user: qs),
        Scene("mine", gettext_lazy("Mine"), lambda qs, user: qs.filter(owner_id=user.pk)),
    )

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        require_permission(user, self.permission)
        return Campaign.objects.select_related("owner", "segment")

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return qs.filter(name__icontains=text)

    def row_url(self, row: Any) -> str:
        return reverse("marketing:campaign_detail", args=[row.pk])


# --- "Add to a static list" on the customer and contact lists ------------------------------------------------
def _target_list(actor: Any, data: QueryDict) -> Segment:
    """The static list chosen in the dialog, or a new one under the name typed there."""
    from guanxi.core.inputs import field_error

    name = clean_text(data.get("new_name"), "new_name", max_length=120)
    if name:
        return services.segment_create(actor=actor, data={"name": name, "kind": Segment.Kind.STATIC})
    pk = id_or_none(data.get("segment"))
    segment = Segment.objects.filter(pk=pk, kind=Segment.Kind.STATIC).first() if pk else None
    if segment is None:
        raise field_error("segment", _("Choose a static list or name a new one."))
    return segment


def _add_to_list(from_customers: bool) -> Any:
    def run(actor: Any, ids: list[int], data: QueryDict) -> BulkResult:
        segment = _target_list(actor, data)
        contact_ids = services.customers_contact_ids(actor=actor, customer_ids=ids) if from_customers else ids
        added, skipped = services.segment_add_contacts(actor=actor, segment=segment, contact_ids=contact_ids)
        message = _("%(added)s contacts added to “%(name)s”, %(skipped)s skipped (already in, or out of reach).") % {
            "added": added, "name": segment.name, "skipped": skipped,
        }  # fmt: skip
        return BulkResult(done=added, skipped=skipped, message=message)

    return run


def _segment_from(base: str) -> Any:
    def url(query: str) -> str:
        return f"{reverse('marketing:segment_create')}?{urlencode({'base': base, 'query': query})}"

    return url


for _key, _from_customers in (("customers", True), ("contacts", False)):
    # the list's filters as they stand, saved as a dynamic segment (the form shows its live count first)
    add_view_link(
        _key,
        ViewLink("save_as_segment", gettext_lazy("Save as a segment"), "filter-plus", "marketing.create",
                 _segment_from(_key)),
    )  # fmt: skip
    add_bulk_action(
        _key,
        BulkAction(
            "add_to_segment", gettext_lazy("Add to a static list"), "list-check", "marketing.edit",
            _add_to_list(_from_customers), form_template="marketing/_bulk_add_to_list.html",
        ),
    )  # fmt: skip
