"""A satisfaction survey (满意度回访) of one ticket: to whom it went, until when it may be answered, the score (1-5)
and the comment. Read through its ticket (the ticket's data scope)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import TimeStampedModel


class Survey(TimeStampedModel):
    """One per ticket (the first resolution sends it; reopening and resolving again does not ask twice). `nonce`
    is part of the signed link, so a link of a deleted and re-sent survey does not open the new one. `owner` is
    the agent who resolved the ticket: the CSAT of a person counts the surveys of the tickets they resolved."""

    ticket = models.OneToOneField(
        "service.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="survey"
    )
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    email = models.CharField(_("sent to"), max_length=254, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    nonce = models.CharField(max_length=32, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("answer by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, db_index=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5), name="survey_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score or '—'}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
