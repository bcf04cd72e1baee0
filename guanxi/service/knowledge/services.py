"""Writes of the knowledge base: articles (create, edit, publish, delete), linking an article to a ticket, "this
helped", and turning a resolved ticket into a draft article in one step. Permission module "knowledge"; articles
are the company's, so there is no data scope beyond the permission. Audited, one transaction each."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import InvalidStateError
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_text, field_error, id_or_none, pick
from guanxi.core.models import AuditLog
from guanxi.core.search import build_search_text, normalise
from guanxi.core.services import audit_record, model_create, model_update, soft_delete
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404, require_permission

from ..models import Ticket
from .models import Article, ArticleLink

FIELDS = {"title", "problem", "cause", "solution", "category", "tags", "product", "language", "status"}
TAGS_MAX = 10


def article_search_text(article: Article) -> str:
    """Title, category and tags with their pinyin (names), then the texts normalised."""
    names = [article.title, article.category, *article.tags]
    return build_search_text(names=names, others=[article.problem, article.cause, article.solution])


def clean_tags(value: Any) -> list[str]:
    """Tags from a list or a comma/、/space separated text: trimmed, unique, at most TAGS_MAX of 30 characters."""
    raw = (
        value if isinstance(value, list | tuple) else str(value or "").replace("，", ",").replace("、", ",").split(",")
    )
    tags: list[str] = []
    for item in raw:
        tag = str(item).strip()[:30]
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise field_error("tags", _("At most %(n)s tags.") % {"n": TAGS_MAX})
    return tags


def _values(data: dict[str, Any], article: Article | None) -> dict[str, Any]:
    from guanxi.commerce.models import Product

    data = pick(data, FIELDS)
    values: dict[str, Any] = {}
    if "title" in data or article is None:
        values["title"] = clean_text(data.get("title"), "title", max_length=200, required=True)
    for name in ("problem", "cause"):
        if name in data:
            values[name] = clean_text(data.get(name), name, max_length=20000, multiline=True)
    if "solution" in data or article is None:
        values["solution"] = clean_text(data.get("solution"), "solution", max_length=20000, multiline=True,
                                        required=True)  # fmt: skip
    if "category" in data:
        values["category"] = clean_text(data.get("category"), "category", max_length=60)
    if "tags" in data:
        values["tags"] = clean_tags(data.get("tags"))
    if "language" in data or article is None:
        language = str(data.get("language") or Article.Language.ZH)
        if language not in Article.Language.values:
            raise field_error("language", _("Choose one of the list."))
        values["language"] = language
    if "status" in data:
        status = str(data.get("status") or Article.Status.DRAFT)
        if status not in Article.Status.values:
            raise field_error("status", _("Choose one of the list."))
        values["status"] = status
    if "product" in data:
        pk = id_or_none(getattr(data["product"], "pk", data["product"]))
        product = Product.objects.filter(pk=pk).first() if pk else None
        if data["product"] not in (None, "") and product is None:
            raise field_error("product", _("Choose one of the list."))
        values["product"] = product
    return values


def _stamp_published(values: dict[str, Any], article: Article | None) -> None:
    if values.get("status") == Article.Status.PUBLISHED and (article is None or article.published_at is None):
        values["published_at"] = timezone.now()


@transaction.atomic
def article_create(*, actor: User, data: dict[str, Any], source_ticket: Ticket | None = None) -> Article:
    require_permission(actor, "knowledge.create")
    values = _values(data, None)
    _stamp_published(values, None)
    article = Article(**values, created_by=actor, source_ticket=source_ticket)
    article.search_text = article_search_text(article)
    return model_create(instance=article, actor=actor)


@transaction.atomic
def article_update(
    *, actor: User, article: Article, data: dict[str, Any], expected_version: int | None = None
) -> Article:
    require_permission(actor, "knowledge.edit")
    article = Article.objects.select_for_update(of=("self",)).get(pk=article.pk, deleted_at__isnull=True)
    values = _values(data, article)
    _stamp_published(values, article)
    article, _changes = model_update(instance=article, data=values, actor=actor, expected_version=expected_version)
    search_text = article_search_text(article)
    if search_text != article.search_text:
        Article.objects.filter(pk=article.pk).update(search_text=search_text)
        article.search_text = search_text
    return article


@transaction.atomic
def article_delete(*, actor: User, article: Article, expected_version: int | None = None) -> None:
    require_permission(actor, "knowledge.delete")
    soft_delete(instance=article, actor=actor, expected_version=expected_version)


def articles_delete(*, actor: User, ids: Any) -> tuple[int, int]:
    """The list's bulk delete: each row through article_delete; (done, skipped)."""
    require_permission(actor, "knowledge.delete")
    ids = list(ids)
    rows = list(Article.objects.filter(pk__in=ids, deleted_at__isnull=True))
    for article in rows:
        article_delete(actor=actor, article=article)
    return len(rows), len(ids) - len(rows)


@transaction.atomic
def article_helped(*, actor: User, article: Article) -> Article:
    """“This helped”: the count goes up by one (reading needs knowledge.view)."""
    require_permission(actor, "knowledge.view")
    Article.objects.filter(pk=article.pk).update(helped_count=F("helped_count") + 1)
    article.refresh_from_db()
    audit_record(actor=actor, action=AuditLog.Action.OTHER, obj=article,
                 message=Message(gettext_noop("Marked as helpful")))  # fmt: skip
    return article


def _ticket_for_edit(actor: User, ticket: Ticket) -> Ticket:
    return get_scoped_or_404(actor, Ticket.objects.select_related("customer", "product"), ticket.pk, "edit")


@transaction.atomic
def article_link(*, actor: User, article: Article, ticket: Ticket) -> ArticleLink:
    """Link a published article to a ticket the actor works on: the ticket lists it, the article counts as having
    helped once more. Linking twice changes nothing."""
    require_permission(actor, "knowledge.view")
    ticket = _ticket_for_edit(actor, ticket)
    if not article.is_published or article.deleted_at is not None:
        raise InvalidStateError(_("Only a published article can be linked to a ticket."))
    link, created = ArticleLink.objects.get_or_create(article=article, ticket=ticket, defaults={"linked_by": actor})
    if created:
        Article.objects.filter(pk=article.pk).update(helped_count=F("helped_count") + 1)
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=ticket,
                     changes={"article": [None, article.title[:200]]})  # fmt: skip
    return link


@transaction.atomic
def article_unlink(*, actor: User, article: Article, ticket: Ticket) -> None:
    ticket = _ticket_for_edit(actor, ticket)
    if ArticleLink.objects.filter(article=article, ticket=ticket).delete()[0]:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=ticket,
                     changes={"article": [article.title[:200], None]})  # fmt: skip


@transaction.atomic
def article_from_ticket(*, actor: User, ticket: Ticket) -> Article:
    """“Turn this ticket's resolution into an article” in one step: a draft with the ticket's subject as title,
    its description as the problem, its resolution as the solution and its product; linked to the ticket."""
    require_permission(actor, "knowledge.create")
    ticket = _ticket_for_edit(actor, ticket)
    if not ticket.resolution:
        raise InvalidStateError(_("The ticket has no resolution yet: resolve it first."))
    data = {"title": ticket.subject, "problem": ticket.description, "solution": ticket.resolution,
            "product": ticket.product_id or "", "category": ticket.get_type_display()}  # fmt: skip
    article = article_create(actor=actor, data=data, source_ticket=ticket)
    ArticleLink.objects.get_or_create(article=article, ticket=ticket, defaults={"linked_by": actor})
    return article


def query_terms(text: str) -> list[str]:
    """The words of a query as the search text holds them (normalised)."""
    return [t for t in normalise(text).split(" ") if t][:5]
