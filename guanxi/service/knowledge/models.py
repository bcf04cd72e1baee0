"""Knowledge base articles (知识库) and their links to tickets. Articles are the company's, not a customer's: who
reads and writes them is a permission (module "knowledge"), not a data scope."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import BusinessModel, ListOrderIndex


class Article(BusinessModel):
    """A problem, its cause and its solution (plain text), in one language, filed under a category with tags and
    optionally a product. Only a published article is suggested on tickets and shown on the public help pages."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("article status", "Draft")
        PUBLISHED = "published", pgettext_lazy("article status", "Published")

    class Language(models.TextChoices):
        ZH = "zh-hans", "中文"
        EN = "en", "English"

    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem"), blank=True)
    cause = models.TextField(_("cause"), blank=True)
    solution = models.TextField(_("solution"))
    category = models.CharField(_("category"), max_length=60, blank=True, db_index=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    product = models.ForeignKey(
        "commerce.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    helped_count = models.PositiveIntegerField(_("helped"), default=0)
    source_ticket = models.ForeignKey(
        "service.Ticket", verbose_name=_("from ticket"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    search_text = models.TextField(editable=False, blank=True, default="")

    scope_module = "knowledge"
    scope_owner_path = ""  # the knowledge base is company-wide: every reader of the module reads every article
    audit_exclude = ("search_text",)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge base")
        indexes = [
            ListOrderIndex(fields=["-updated_at", "-id"], name="article_updated_sort_idx"),
            ListOrderIndex(fields=["title", "id"], name="article_title_sort_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="article_title_not_blank"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class ArticleLink(models.Model):
    """An article linked to a ticket (“this article answers it”): the ticket shows it, the article counts it."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="links")
    ticket = models.ForeignKey(
        "service.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="article_links"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("linked by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        ordering = ["-linked_at", "-id"]
        verbose_name = _("article link")
        verbose_name_plural = _("article links")
        constraints = [models.UniqueConstraint(fields=["article", "ticket"], name="article_link_unique")]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.ticket_id}"
