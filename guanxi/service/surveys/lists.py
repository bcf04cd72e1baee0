"""The satisfaction answers as a list of the shared toolkit (the drill-down of the CSAT figures): who answered
what about which ticket and agent, read through the tickets the reader may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.commerce.lists import ScopedList, people
from guanxi.org.lists.registry import register
from guanxi.org.lists.spec import Choice, Column, EmptyState, Field, Scene

from .models import Survey
from .selectors import surveys_in_scope
from .services import LOW_SCORE

CELLS = "service/cells/"
SCORE_CHOICES = tuple(Choice(str(n), str(n)) for n in (5, 4, 3, 2, 1))


@register
class SurveyList(ScopedList):
    key = "surveys"
    title = _("Satisfaction surveys")
    model = Survey
    permission = "tickets.view"
    url_name = "service:survey_list"
    search_placeholder = _("Ticket number or subject")
    export_permission = "tickets.export"
    star = False
    default_sort = "-answered"
    empty = EmptyState(
        _("No satisfaction surveys here."),
        _("Resolving a ticket sends its contact a satisfaction survey; the answers show here."),
        icon="mood-smile",
    )

    columns = (
        Column(
            "ticket",
            _("Ticket"),
            value=lambda s: f"{s.ticket.number} {s.ticket.subject}",
            template="service/surveys/cells/ticket.html",
            sort=("ticket__number",),
            fixed=True,
        ),  # fmt: skip
        Column(
            "customer",
            _("Customer"),
            value=lambda s: s.ticket.customer.name,
            template="service/surveys/cells/customer.html",
            sort=("ticket__customer__name_sort",),
        ),  # fmt: skip
        Column("score", _("Score"), value=lambda s: s.score or "", sort=("score",), phone_inline=True),
        Column("comment", pgettext_lazy("survey", "Comment"), value=lambda s: s.comment, phone=False),
        Column("agent", pgettext_lazy("survey", "Agent"), value=lambda s: str(s.owner or ""), sort=("owner__name",)),
        Column(
            "answered",
            _("Answered at"),
            value=lambda s: s.answered_at,
            template=CELLS + "datetime.html",
            sort=("answered_at",),
        ),  # fmt: skip
        Column(
            "sent",
            _("Opened at"),
            value=lambda s: s.created_at,
            template=CELLS + "datetime.html",
            sort=("created_at",),
            default=False,
        ),  # fmt: skip
    )
    fields = (
        Field("score", _("Score"), "score", "choice", choices=lambda user: SCORE_CHOICES, quick=True),
        Field("agent", pgettext_lazy("survey", "Agent"), "owner_id", "user", choices=people, quick=True),
        Field("answered", _("Answered at"), "answered_at", "datetime", quick=True),
    )
    scenes = (
        Scene("answered", _("Answered"), lambda qs, user: qs.filter(answered_at__isnull=False)),
        Scene("low", _("Low scores"), lambda qs, user: qs.filter(score__lte=LOW_SCORE)),
        Scene("waiting", _("Not answered"), lambda qs, user: qs.filter(answered_at__isnull=True)),
        Scene("all", _("All"), lambda qs, user: qs),
    )

    def select(self, *, user: Any, params: QueryDict, action: str) -> QuerySet[Any]:
        return surveys_in_scope(user, action).select_related("ticket", "ticket__customer", "owner")

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        from ..models import Ticket
        from ..selectors import identifier_search

        tickets = identifier_search(Ticket.objects.all(), text)
        return qs.filter(ticket__in=tickets.values("pk"))

    def row_url(self, row: Any) -> str:
        return reverse("service:ticket_detail", args=[row.ticket_id])
