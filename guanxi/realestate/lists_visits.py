"""The visitors list (来访客户) for the shared list toolkit: the visitors of the reader's projects with their grade,
agent, source and visits; filters by project, grade, agent, source and return visits; export."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.commerce.lists import choices_of
from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.org.lists.registry import register
from guanxi.org.lists.spec import Choice, Column, EmptyState, Field, ListDefinition, Scene

from . import selectors
from .dictionaries import VISIT_SOURCE
from .feature import enabled
from .lists import _projects
from .models import Grade, ProjectMember, Visitor

CELLS = "realestate/cells/"


def _agents(user: Any) -> list[Choice]:
    members = selectors.in_project_scope(user, ProjectMember.objects.select_related("user"))
    seen: dict[int, str] = {m.user_id: str(m.user) for m in members.order_by("user__username")}
    return [Choice(str(pk), name) for pk, name in seen.items()]


def _sources(user: Any) -> list[Choice]:
    return [Choice(code, label) for code, label in dictionaries.filter_choices(VISIT_SOURCE)]


@register
class VisitorList(ListDefinition):
    key = "re_visitors"
    title = _("Visitors")
    model = Visitor
    permission = "re_visitors.view"
    url_name = "realestate:visitor_list"
    search_placeholder = _("Name or phone")
    export_permission = "re_visitors.export"
    create_url_name = "realestate:visit_new"
    create_permission = "re_visitors.create"
    create_label = _("Register a visit")
    default_sort = "-last_visit"
    empty = EmptyState(
        _("No visitors yet."),
        _("Register the first visit to the sales office: the phone number recognises a return."),
        icon="users",
    )
    no_action_text = _("Visitors appear here once the sales office registers visits.")

    columns = (
        Column("visitor", _("Visitor"), value=lambda v: v.customer.name, template=CELLS + "visitor.html",
               sort=("customer__name",), fixed=True),
        Column("grade", _("Grade"), template=CELLS + "grade.html", sort=("grade",), phone_inline=True),
        Column("visits", _("Visits"), value=lambda v: v.visit_count, sort=("visit_count",), numeric=True),
        Column("agent", pgettext_lazy("sales office", "Agent"), value=lambda v: str(v.agent),
               sort=("agent__username",)),
        Column("source", _("Source"), value=lambda v: v.get_source_display(), sort=("source",)),
        Column("phone", _("Phone"), value=lambda v: v.customer.phone, default=False, phone=False),
        Column("project", _("Project"), value=lambda v: v.project.name, sort=("project__name",), default=False),
        Column("first_visit", _("First visit"), value=lambda v: v.first_visit_at.date(), sort=("first_visit_at",),
               default=False),
        Column("last_visit", _("Last visit"), value=lambda v: v.last_visit_at.date(), sort=("last_visit_at",)),
    )  # fmt: skip
    fields = (
        Field("project", _("Project"), "project_id", "choice", choices=_projects, quick=True),
        Field("grade", _("Grade"), "grade", "choice", choices=choices_of(Grade.choices), quick=True),
        Field("agent", pgettext_lazy("sales office", "Agent"), "agent_id", "choice", choices=_agents, quick=True),
        Field("source", _("Source"), "source", "choice", choices=_sources),
        Field("visits", _("Visits"), "visit_count", "number"),
    )
    scenes = (
        Scene("all", _("All"), lambda qs, user: qs),
        Scene("mine", _("Mine"), lambda qs, user: qs.filter(agent=user)),
        Scene("a", _("Grade A"), lambda qs, user: qs.filter(grade=Grade.A)),
        Scene("returned", _("Returned"), lambda qs, user: qs.filter(visit_count__gt=1)),
    )

    def may_read(self, user: Any) -> bool:
        return enabled() and super().may_read(user)

    def may_export(self, user: Any) -> bool:
        return enabled() and super().may_export(user)

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.visitor_list(user=user)

    def export_rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.visitor_list(user=user, action="export")

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        text = text.strip()
        return qs.filter(Q(customer__name__icontains=text) | Q(customer__phone__icontains=text))

    def row_url(self, row: Any) -> str:
        return reverse("realestate:visitor_detail", args=[row.pk])
