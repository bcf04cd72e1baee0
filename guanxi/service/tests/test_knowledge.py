"""Knowledge base: articles written and published by service people, found by words and pinyin, suggested on a
ticket from its subject, linked to tickets ("helped" counts), made from a resolved ticket in one step; readers who
may not write cannot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guanxi.core.errors import InvalidStateError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.service import services as ticket_services
from guanxi.service.knowledge import selectors, services
from guanxi.service.knowledge.models import Article, ArticleLink

from .factories import make_ticket

pytestmark = pytest.mark.django_db

COMPRESSOR = {"title": "冷库压缩机异响处理", "problem": "压缩机运行时有异响", "cause": "减震垫老化",
              "solution": "更换减震垫并紧固底座螺栓", "category": "制冷设备", "tags": "压缩机，异响",
              "status": "published"}  # fmt: skip


def test_an_agent_writes_and_publishes_an_article_a_rep_only_reads(people):
    article = services.article_create(actor=people["agent"], data=COMPRESSOR)
    assert article.tags == ["压缩机", "异响"] and article.is_published and article.published_at is not None
    assert AuditLog.objects.filter(object_id=str(article.pk), action="create").exists()
    with pytest.raises(PermissionDeniedError):
        services.article_create(actor=people["east_rep"], data=COMPRESSOR)
    with pytest.raises(PermissionDeniedError):
        services.article_update(actor=people["east_rep"], article=article, data={"title": "x"})
    assert Article.objects.get(pk=article.pk).title == COMPRESSOR["title"]
    assert selectors.article_list(user=people["east_rep"]).filter(pk=article.pk).exists()


def test_bad_input_names_the_field(people):
    with pytest.raises(ValidationFailed) as err:
        services.article_create(actor=people["agent"], data={"title": "", "solution": ""})
    assert "title" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        services.article_create(actor=people["agent"], data={**COMPRESSOR, "status": "gone"})
    assert "status" in err.value.fields
    assert Article.objects.count() == 0


def test_search_finds_an_article_by_words_and_by_pinyin(people):
    article = services.article_create(actor=people["agent"], data=COMPRESSOR)
    qs = selectors.article_list(user=people["agent"])
    assert list(selectors.article_search(qs, "减震垫")) == [article]
    assert list(selectors.article_search(qs, "yasuoji")) == [article]
    assert not selectors.article_search(qs, "打印机").exists()


def test_a_ticket_suggests_published_articles_and_links_one(people, customer):
    article = services.article_create(actor=people["agent"], data=COMPRESSOR)
    services.article_create(actor=people["agent"], data={**COMPRESSOR, "title": "压缩机草稿", "status": "draft"})
    services.article_create(actor=people["agent"], data={"title": "发票开具流程", "solution": "财务处理",
                                                          "status": "published"})  # fmt: skip
    ticket = make_ticket(people["east_rep"], customer, subject="压缩机异响严重")
    assert selectors.suggested_articles(user=people["agent"], ticket=ticket) == [article]
    services.article_link(actor=people["agent"], article=article, ticket=ticket)
    services.article_link(actor=people["agent"], article=article, ticket=ticket)  # twice: once
    assert ArticleLink.objects.count() == 1 and Article.objects.get(pk=article.pk).helped_count == 1
    assert selectors.suggested_articles(user=people["agent"], ticket=ticket) == []  # linked ones are not suggested


def test_turning_a_resolved_ticket_into_a_draft_article(people, customer):
    agent = people["agent"]
    ticket = make_ticket(people["east_rep"], customer, subject="车险报案流程", description="客户不知道如何报案")
    with pytest.raises(InvalidStateError):
        services.article_from_ticket(actor=agent, ticket=ticket)
    ticket = ticket_services.ticket_transition(actor=agent, ticket=ticket, action="resolve", resolution="拨打 95511")
    article = services.article_from_ticket(actor=agent, ticket=ticket)
    assert (article.title, article.problem, article.solution) == ("车险报案流程", "客户不知道如何报案", "拨打 95511")
    assert article.status == "draft" and article.source_ticket == ticket
    assert ArticleLink.objects.filter(article=article, ticket=ticket).exists()


def test_the_pages(client, people, customer):
    agent = people["agent"]
    client.force_login(agent)
    made = client.post(reverse("service:article_create"), {**COMPRESSOR, "language": "zh-hans"})
    article = Article.objects.get()
    assert made.status_code == 302 and made["Location"] == reverse("service:article_detail", args=[article.pk])
    assert client.post(reverse("service:article_create"), {"title": ""}).status_code == 400
    assert COMPRESSOR["solution"] in client.get(reverse("service:article_detail", args=[article.pk])).content.decode()
    listing = client.get(reverse("service:article_list") + "?q=yasuoji").content.decode()
    assert COMPRESSOR["title"] in listing
    ticket = make_ticket(people["east_rep"], customer, subject="压缩机异响")
    page = client.get(reverse("service:ticket_detail", args=[ticket.pk])).content.decode()
    assert "data-suggested-article" in page and COMPRESSOR["title"] in page
    client.post(reverse("service:article_link", args=[article.pk]), {"ticket": ticket.pk})
    assert ArticleLink.objects.filter(ticket=ticket).exists()
    client.post(reverse("service:article_helped", args=[article.pk]))
    assert Article.objects.get().helped_count == 2
    client.force_login(people["east_rep"])
    assert client.get(reverse("service:article_create")).status_code == 403
    assert client.post(reverse("service:article_delete", args=[article.pk])).status_code == 403
    assert Article.objects.filter(deleted_at__isnull=True).count() == 1
