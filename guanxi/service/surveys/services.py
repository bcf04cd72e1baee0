"""Writes of the satisfaction surveys: offering one when a ticket is resolved (ticket_transition calls
`survey_offer`), and the customer's answer through the signed public link (`survey_answer`, no actor).

The link carries the survey's id and nonce signed with the site's secret (django.core.signing, its own salt), so
it cannot be guessed or altered; it opens until `expires_at`, and takes one answer. A low score (LOW_SCORE or
less) tells the service managers and the agent at once."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import smtplib

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import InvalidStateError, NotFoundError
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_text, field_error
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, notify
from guanxi.org.models import User

from ..models import Ticket, TicketEvent
from .models import Survey

log = logging.getLogger(__name__)

SALT = "guanxi.service.survey"
LOW_SCORE = 2
COMMENT_MAX = 2000


def survey_days() -> int:
    """How long a survey link stays open (GUANXI_SURVEY_DAYS, default 14 days)."""
    return int(getattr(settings, "GUANXI_SURVEY_DAYS", 14))


def survey_token(survey: Survey) -> str:
    return signing.dumps([survey.pk, survey.nonce], salt=SALT, compress=True)


def survey_url(survey: Survey) -> str:
    """The absolute public link the customer opens (GUANXI_BASE_URL + the survey page)."""
    path = reverse("service:survey_public", args=[survey_token(survey)])
    return settings.GUANXI_BASE_URL.rstrip("/") + path


def survey_from_token(token: str) -> Survey:
    """The survey a link names; NotFoundError for a forged, altered or withdrawn link."""
    try:
        pk, nonce = signing.loads(str(token or "")[:500], salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise NotFoundError(_("This survey link is not valid.")) from None
    survey = Survey.objects.select_related("ticket").filter(pk=pk).first() if isinstance(pk, int) else None
    if survey is None or not secrets.compare_digest(str(nonce), survey.nonce):
        raise NotFoundError(_("This survey link is not valid."))
    return survey


def _send(survey_pk: int) -> None:
    """The e-mail, after commit, in the site's language (a customer has no language setting)."""
    survey = Survey.objects.select_related("ticket", "contact").get(pk=survey_pk)
    ticket = survey.ticket
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("How did we do? Your request %(number)s") % {"number": ticket.number}
        greeting = _("Dear %(name)s,") % {"name": survey.contact.name} if survey.contact else _("Hello,")
        body = "\n\n".join(
            [
                greeting,
                _("Your request “%(subject)s” (%(number)s) has been resolved.")
                % {"subject": ticket.subject, "number": ticket.number},
                _("Please tell us how satisfied you are, with one click and no sign-in:"),
                survey_url(survey),
                _("The link is open until %(date)s.")
                % {"date": timezone.localtime(survey.expires_at).strftime("%Y-%m-%d")},
            ]
        )
    try:
        EmailMessage(subject, body, None, [survey.email]).send(fail_silently=False)
    except (smtplib.SMTPException, OSError):  # the survey stays open: the agent can still share the link
        log.exception("could not e-mail survey %s", survey_pk)
        return
    Survey.objects.filter(pk=survey_pk).update(sent_at=timezone.now())


def survey_offer(*, ticket: Ticket, actor: User | None, now: dt.datetime | None = None) -> Survey | None:
    """The ticket was resolved: open its survey (once per ticket) and e-mail the link to the contact after commit.
    Without a contact e-mail the survey is still opened: the agent may share its link (WeChat, SMS) from the
    ticket page. Runs inside the caller's transaction."""
    if Survey.objects.filter(ticket_id=ticket.pk).exists():
        return None
    now = now or timezone.now()
    contact = ticket.contact
    email = (contact.email or "").strip() if contact is not None else ""
    survey = Survey.objects.create(
        ticket=ticket,
        contact=contact,
        email=email,
        owner=ticket.owner,
        nonce=secrets.token_hex(16),
        expires_at=now + dt.timedelta(days=survey_days()),
        created_at=now,
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=survey,
        message=Message(gettext_noop("Satisfaction survey opened for ticket %(number)s"), {"number": ticket.number}),
        customer_id=ticket.customer_id,
    )
    if email:
        TicketEvent.objects.create(
            ticket=ticket, at=now, actor=actor, kind=TicketEvent.Kind.NOTE,
            text=_("Satisfaction survey sent to %(email)s") % {"email": email},
        )  # fmt: skip
        pk = survey.pk
        transaction.on_commit(lambda: _send(pk))
    return survey


def _low_score_readers(survey: Survey) -> list[User]:
    managers = list(User.objects.filter(is_active=True, roles__code="service_manager").distinct())
    owner = [survey.owner] if survey.owner is not None and survey.owner.is_active else []
    return list({u.pk: u for u in managers + owner}.values())


@transaction.atomic
def survey_answer(*, token: str, score: object, comment: object = "", now: dt.datetime | None = None) -> Survey:
    """The customer's answer through the public link: a score 1-5 and an optional comment, once, before the link
    expires. Lands on the ticket's history and the audit trail; a low score tells the service managers."""
    found = survey_from_token(token)
    survey = Survey.objects.select_for_update(of=("self",)).select_related("ticket", "owner").get(pk=found.pk)
    now = now or timezone.now()
    if survey.answered_at is not None:
        raise InvalidStateError(_("This survey has been answered already. Thank you!"))
    if now > survey.expires_at:
        raise InvalidStateError(_("This survey closed on %(date)s.") % {
            "date": timezone.localtime(survey.expires_at).strftime("%Y-%m-%d")})  # fmt: skip
    try:
        value = int(str(score).strip())
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise field_error("score", _("Choose a score from 1 to 5."))
    text = clean_text(comment if isinstance(comment, str) else "", "comment", max_length=COMMENT_MAX, multiline=True)
    survey.score, survey.comment, survey.answered_at = value, text, now
    survey.save(update_fields=["score", "comment", "answered_at", "updated_at"])
    ticket = survey.ticket
    audit_record(
        actor=None, action=AuditLog.Action.UPDATE, obj=survey,
        changes={"score": [None, value], "comment": [None, text[:200]]}, customer_id=ticket.customer_id,
    )  # fmt: skip
    TicketEvent.objects.create(
        ticket=ticket, at=now, kind=TicketEvent.Kind.NOTE,
        text=(_("Customer rated the service %(score)s/5") % {"score": value}) + (f": {text}" if text else ""),
    )  # fmt: skip
    if value <= LOW_SCORE:
        for person in _low_score_readers(survey):
            notify(
                recipient=person,
                kind="ticket_low_satisfaction",
                level="warning",
                title=Message(
                    gettext_noop("Ticket %(number)s: the customer rated %(score)s/5"),
                    {"number": ticket.number, "score": value},
                ),
                body=text[:500] or ticket.subject,
                url=reverse("service:ticket_detail", args=[ticket.pk]),
                dedupe_key=f"ticket-low-csat-{survey.pk}",
            )
    return survey
