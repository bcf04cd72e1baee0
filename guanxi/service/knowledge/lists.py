"""The knowledge base as a list of the shared toolkit: search by words and pinyin, filters on status, category,
language and product, the bulk delete and the export."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.commerce.lists import bulk, choices_of
from guanxi.org.lists.registry import register
from guanxi.org.lists.spec import BulkAction, Choice, Column, EmptyState, Field, ListDefinition, Scene
from guanxi.org.policies import has_permission

from . import selectors, services
from .models import Article

CELLS = "service/knowledge/cells/"


def _categories(user: Any) -> list[Choice]:
    return [Choice(c, c) for c in selectors.category_choices()]


def _products(user: Any) -> list[Choice]:
    from guanxi.commerce.models import Product

    return [
        Choice(str(pk), name) for pk, name in Product.objects.filter(is_active=True).values_list("pk", "name")[:300]
    ]


@register
class ArticleList(ListDefinition):
    key = "articles"
    title = _("Knowledge base")
    model = Article
    permission = "knowledge.view"
    url_name = "service:article_list"
    search_placeholder = _("Words or pinyin of the title, tags, problem or solution")
    export_permission = "knowledge.view"
    create_url_name = "service:article_create"
    create_permission = "knowledge.create"
    create_label = _("New article")
    default_sort = "-updated"
    empty = EmptyState(
        _("No articles here."),
        _("Write down a problem and its solution once; agents find it again from the tickets it answers."),
        icon="book",
    )
    no_action_text = _("Your role does not write articles.")

    columns = (
        Column(
            "title", _("Title"), value=lambda a: a.title, template=CELLS + "title.html", sort=("title",), fixed=True
        ),
        Column("category", _("Category"), sort=("category",), phone_inline=True),
        Column(
            "status",
            _("Status"),
            value=lambda a: a.get_status_display(),
            template=CELLS + "status.html",
            sort=("status",),
            phone_inline=True,
        ),  # fmt: skip
        Column("tags", _("Tags"), value=lambda a: ", ".join(a.tags), phone=False),
        Column(
            "product", _("Product"), value=lambda a: a.product.name if a.product else "", default=False, phone=False
        ),
        Column("language", _("Language"), value=lambda a: a.get_language_display(), default=False, phone=False),
        Column("helped", _("Helped"), value=lambda a: a.helped_count, sort=("helped_count",)),
        Column(
            "updated",
            _("Updated"),
            value=lambda a: a.updated_at,
            template="service/cells/datetime.html",
            sort=("updated_at",),
        ),  # fmt: skip
    )
    fields = (
        Field("status", _("Status"), "status", "choice", choices=choices_of(Article.Status.choices), quick=True),
        Field("category", _("Category"), "category", "choice", choices=_categories, quick=True),
        Field("language", _("Language"), "language", "choice", choices=choices_of(Article.Language.choices)),
        Field("product", _("Product"), "product_id", "choice", choices=_products),
        Field("updated", _("Updated"), "updated_at", "datetime"),
    )
    scenes = (
        Scene("all", _("All"), lambda qs, user: qs),
        Scene(
            "published",
            pgettext_lazy("article status", "Published"),
            lambda qs, user: qs.filter(status=Article.Status.PUBLISHED),
        ),
        Scene("drafts", _("Drafts"), lambda qs, user: qs.filter(status=Article.Status.DRAFT)),
        Scene("mine", _("Written by me"), lambda qs, user: qs.filter(created_by_id=user.pk)),
    )
    bulk_actions = (
        BulkAction(
            "delete", _("Delete"), "trash", "knowledge.delete",
            bulk(lambda actor, ids, data: services.articles_delete(actor=actor, ids=ids)),
            confirm=_("The articles move to the recycle bin."), danger=True,
        ),
    )  # fmt: skip

    def rows(self, *, user: Any, params: QueryDict) -> QuerySet[Any]:
        return selectors.article_list(user=user)

    def may_export(self, user: Any) -> bool:
        return has_permission(user, "knowledge.view")

    def search(self, qs: QuerySet[Any], text: str) -> QuerySet[Any]:
        return selectors.article_search(qs, text)

    def row_url(self, row: Any) -> str:
        return reverse("service:article_detail", args=[row.pk])
