"""Reads of the knowledge base: the articles a reader may see (knowledge.view), search (words and pinyin),
and the published articles that may answer a ticket."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFoundError
from guanxi.core.search import normalise, search_terms
from guanxi.org.models import User
from guanxi.org.policies import has_permission, require_permission

from ..models import Ticket
from .models import Article, ArticleLink

SUGGEST_MAX = 5
MATCH_MIN = 2
_WORD = re.compile(r"[a-z0-9]{3,}")
_HAN = re.compile(r"[\u4e00-\u9fff]+")


def article_list(*, user: User) -> QuerySet[Article]:
    require_permission(user, "knowledge.view")
    return Article.objects.filter(deleted_at__isnull=True).select_related("product", "created_by")


def article_get(*, user: User, pk: Any) -> Article:
    try:
        return article_list(user=user).get(pk=pk)
    except (Article.DoesNotExist, ValueError, TypeError):
        raise NotFoundError(_("Not found, or you may not see it.")) from None


def article_search(qs: QuerySet[Article], text: str) -> QuerySet[Article]:
    """Articles whose search text holds every word of `text` (title, category and tags also by pinyin)."""
    for term in search_terms(text):
        qs = qs.filter(search_text__contains=term)
    return qs


def subject_keys(text: str) -> list[str]:
    """The keys a ticket's text is matched on: its Latin words of three letters or more, and the two-character
    pieces of its Chinese runs (Chinese has no spaces: "压缩机异响" → 压缩, 缩机, 机异, 异响)."""
    text = normalise(text)
    keys: list[str] = _WORD.findall(text)
    for run in _HAN.findall(text):
        keys.extend(run[i : i + 2] for i in range(max(len(run) - 1, 1)))
    return list(dict.fromkeys(keys))[:24]


def suggested_articles(*, user: User, ticket: Ticket, limit: int = SUGGEST_MAX) -> list[Article]:
    """Published articles that may answer the ticket, the best first: those sharing the most keys of its subject
    (at least MATCH_MIN) with their title, tags and text; the ticket's product counts once more.
    Articles already linked to the ticket are left out. Empty without knowledge.view."""
    if not has_permission(user, "knowledge.view"):
        return []
    keys = subject_keys(ticket.subject)
    if not keys:
        return []
    linked = ArticleLink.objects.filter(ticket_id=ticket.pk).values("article_id")
    any_key = Q()
    for key in keys:
        any_key |= Q(search_text__contains=key)
    candidates = (
        Article.objects.filter(any_key, deleted_at__isnull=True, status=Article.Status.PUBLISHED)
        .exclude(pk__in=linked)
        .only("pk", "title", "search_text", "product_id", "helped_count", "category")[:200]
    )
    scored = []
    for article in candidates:
        score = sum(1 for key in keys if key in article.search_text)
        score += 1 if ticket.product_id and article.product_id == ticket.product_id else 0
        if score >= min(MATCH_MIN, len(keys)):  # one shared piece (“客户”) is chance, not a match
            scored.append((score, article.helped_count, article.pk, article))
    scored.sort(key=lambda row: (-row[0], -row[1], -row[2]))
    return [row[3] for row in scored[:limit]]


def ticket_articles(*, ticket: Ticket) -> list[ArticleLink]:
    return list(
        ArticleLink.objects.filter(ticket_id=ticket.pk, article__deleted_at__isnull=True).select_related("article")
    )


def article_tickets(*, user: User, article: Article) -> list[Ticket]:
    """The tickets an article is linked to, those the reader may see."""
    from guanxi.org.policies import scope_queryset_or_none

    tickets = scope_queryset_or_none(user, Ticket.objects.filter(article_links__article=article), "view")
    return list(tickets.select_related("customer").order_by("-created_at")[:20])


def category_choices() -> list[str]:
    return list(
        Article.objects.filter(deleted_at__isnull=True).exclude(category="").order_by("category")
        .values_list("category", flat=True).distinct()[:100]
    )  # fmt: skip
