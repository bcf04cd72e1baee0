"""Bounces that come back as e-mail: delivery status notifications (DSN, RFC 3464 `multipart/report;
report-type=delivery-status`) and the common non-standard bounce bodies (Exim's `X-Failed-Recipients`, qmail,
bodies that quote an SMTP reply such as "550 5.1.1 … User unknown").

The bounce mailbox (GUANXI_BOUNCE_IMAP_*, the address campaign mail's envelope sender names) is read by the core
mail poll (guanxi/core/mail/poll.py) through a registered handler; each report is matched to the campaign message
first by its VERP address (the bounce came back to `bounce+<delivery>-<signature>@…`, channels/verp.py: no need to
read the body for whom it concerns), then by the original Message-ID (the provider id recorded on the delivery
when it went out), else by the failed recipient's most recent campaign e-mail. A permanent failure (status
5.x.x, or "failed" without a status) marks the delivery bounced and suppresses the address, as a refusal during
the SMTP conversation does; a temporary one (4.x.x, "delayed") only records the reason on the delivery. A
message that matches no delivery is kept unfiled.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.parser import HeaderParser
from email.policy import default as default_policy
from typing import Any

from django.conf import settings

from guanxi.core.mail.message import InboundMessage
from guanxi.core.mail.servers import ImapServer

MAILBOX = "marketing-bounces"
STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
SMTP_REPLY = re.compile(r"\b([45])\d\d[ -]")
ADDRESS = re.compile(r"<?([A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})>?")
MESSAGE_ID = re.compile(r"^Message-ID:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class BounceReport:
    recipient: str  # lower-cased
    status: str  # "5.1.1", "4.2.2" or "" when the report gave none
    permanent: bool
    diagnostic: str
    original_message_id: str  # with angle brackets, or ""

    @property
    def reason(self) -> str:
        return " ".join(part for part in (self.status, self.diagnostic) if part)[:300]


def _text_of(part: Message) -> str:
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else part.get_payload(decode=True)
    except (LookupError, KeyError, ValueError):
        content = part.get_payload(decode=True)
    if isinstance(content, bytes):
        return content.decode("utf-8", "replace")
    return content if isinstance(content, str) else ""


def _original_message_id(msg: Message) -> str:
    """The Message-ID of the message that bounced, from the returned message or its headers."""
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message) and inner.get("Message-ID"):
                return str(inner["Message-ID"]).strip()
        elif kind == "text/rfc822-headers":
            headers = HeaderParser().parsestr(_text_of(part))
            if headers.get("Message-ID"):
                return str(headers["Message-ID"]).strip()
    found = MESSAGE_ID.findall(_body_text(msg))
    return found[-1] if found else ""  # the last one: the quoted original comes after the bounce's own text


def _body_text(msg: Message) -> str:
    return "\n".join(_text_of(part) for part in msg.walk() if part.get_content_maintype() == "text")


def _field(block: Message, name: str) -> str:
    value = str(block.get(name) or "").strip()
    return value.split(";", 1)[1].strip() if ";" in value else value  # "rfc822; a@b" → "a@b"


def _from_dsn(msg: Message, original: str) -> list[BounceReport]:
    reports: list[BounceReport] = []
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = [b for b in payload if isinstance(b, Message)] if isinstance(payload, list) else []
        if not blocks:  # some servers send the fields as text: parse the blocks ourselves
            blocks = [HeaderParser().parsestr(chunk) for chunk in re.split(r"\n\s*\n", _text_of(part)) if chunk]
        for block in blocks:
            recipient = _field(block, "Final-Recipient") or _field(block, "Original-Recipient")
            action = str(block.get("Action") or "").strip().lower()
            if not recipient or action in ("delivered", "relayed", "expanded"):
                continue
            status = STATUS.search(str(block.get("Status") or ""))
            code = status.group(0) if status else ""
            permanent = code.startswith("5") if code else action == "failed"
            diagnostic = " ".join(_field(block, "Diagnostic-Code").split())
            reports.append(BounceReport(recipient=recipient.lower(), status=code, permanent=permanent,
                                        diagnostic=diagnostic[:250], original_message_id=original))  # fmt: skip
    return reports


def _from_text(msg: Message, original: str) -> list[BounceReport]:
    """Non-standard bounces: the failed recipients from X-Failed-Recipients or the addresses the text names next to
    an SMTP reply or status code; permanent unless the only codes given are temporary (4xx / 4.x.x)."""
    text = _body_text(msg)
    header = str(msg.get("X-Failed-Recipients") or "")
    recipients = [a.lower() for a in ADDRESS.findall(header)]
    lines = text.splitlines()
    codes = [m.group(0) for m in STATUS.finditer(text)]
    replies = [m.group(1) for m in SMTP_REPLY.finditer(text)]
    if not recipients:
        for i, line in enumerate(lines):
            window = " ".join(lines[i : i + 3])
            if ADDRESS.search(line) and (STATUS.search(window) or SMTP_REPLY.search(window)):
                recipients.append(ADDRESS.search(line).group(1).lower())  # type: ignore[union-attr]
    if not recipients:
        return []
    code = next((c for c in codes if c[0] in "45"), "")
    temporary = code.startswith("4") if code else bool(replies) and all(r == "4" for r in replies)
    diagnostic = next((" ".join(line.split()) for line in lines if STATUS.search(line) or SMTP_REPLY.search(line)), "")
    sender = str(msg.get("From") or "").lower()
    return [
        BounceReport(
            recipient=r, status=code, permanent=not temporary, diagnostic=diagnostic[:250], original_message_id=original
        )  # fmt: skip
        for r in dict.fromkeys(recipients)
        if r not in sender  # the bouncing server's own address is not a recipient
    ]


def bounce_parse(raw: bytes) -> list[BounceReport]:
    """The failed recipients a bounce message reports (empty for an ordinary message)."""
    msg = message_from_bytes(raw, policy=default_policy)
    original = _original_message_id(msg)
    if msg.get_content_type() == "multipart/report" or any(
        p.get_content_type() == "message/delivery-status" for p in msg.walk()
    ):
        reports = _from_dsn(msg, original)
        if reports:
            return reports
    subject = str(msg.get("Subject") or "").lower()
    looks_like_bounce = bool(msg.get("X-Failed-Recipients")) or any(
        word in subject
        for word in ("undeliver", "delivery status", "delivery failure", "returned mail", "failure notice",
                     "mail delivery", "退信", "无法投递", "系统退信")
    )  # fmt: skip
    return _from_text(msg, original) if looks_like_bounce else []


# --- the mailbox ---------------------------------------------------------------------------------------------
def bounce_mailboxes() -> Iterator[tuple[str, ImapServer]]:
    if getattr(settings, "GUANXI_BOUNCE_IMAP_HOST", ""):
        yield MAILBOX, ImapServer(
            host=settings.GUANXI_BOUNCE_IMAP_HOST, port=int(settings.GUANXI_BOUNCE_IMAP_PORT),
            username=settings.GUANXI_BOUNCE_IMAP_USER, password=settings.GUANXI_BOUNCE_IMAP_PASSWORD,
            security=settings.GUANXI_BOUNCE_IMAP_SECURITY, folder=settings.GUANXI_BOUNCE_IMAP_FOLDER or "INBOX",
        )  # fmt: skip


def _delivery_for(report: BounceReport) -> Any:
    from ..models import Channel, Delivery

    emails = Delivery.objects.filter(campaign__channel=Channel.EMAIL).select_related("campaign")
    if report.original_message_id:
        found = emails.filter(provider_id=report.original_message_id).first()
        if found is not None:
            return found
    sent = (Delivery.Status.SENT, Delivery.Status.BOUNCED)
    return emails.filter(address__iexact=report.recipient, status__in=sent).order_by("-sent_at", "-pk").first()


DAEMONS = ("mailer-daemon", "postmaster", "mail delivery")


def _verp_reports(raw: bytes, delivery: Any) -> list[BounceReport]:
    """The report of a bounce that came back to a delivery's VERP address: the one about its recipient (or the only
    one) when the body can be read; a message from a mail system that gives none is a permanent failure; anything
    else sent to the address (an auto-reply, a person answering) is not a bounce."""
    reports = bounce_parse(raw)
    mine = [r for r in reports if r.recipient == delivery.address.lower()] or reports[:1]
    if mine:
        return mine
    msg = message_from_bytes(raw, policy=default_policy)
    sender = str(msg.get("From") or "").lower()
    if msg.get_content_type() == "multipart/report" or any(d in sender for d in DAEMONS):
        return [BounceReport(recipient=delivery.address.lower(), status="", permanent=True,
                             diagnostic="no status given", original_message_id="")]  # fmt: skip
    return []


def bounce_file(*, mailbox: str, message: InboundMessage, **_: Any) -> str:
    """File one message of the bounce mailbox (inside the poll's transaction): "marketing.delivery:<pk>" of the
    first delivery it concerned, or "" when it reports nothing we sent. A VERP address names the delivery at once;
    otherwise the reports are matched by Message-ID, then by recipient."""
    from ..campaigns import record_bounce
    from ..models import Delivery
    from .verp import verp_delivery_id

    verp_id = verp_delivery_id(message.raw)
    verp = Delivery.objects.select_related("campaign").filter(pk=verp_id).first() if verp_id else None
    if verp is not None:
        pairs = [(report, verp) for report in _verp_reports(message.raw, verp)]
    else:
        pairs = [(report, _delivery_for(report)) for report in bounce_parse(message.raw)]
    filed = ""
    for report, delivery in pairs:
        if delivery is None:
            continue
        if report.permanent:
            if delivery.status != Delivery.Status.BOUNCED:
                record_bounce(delivery, delivery.campaign, report.reason or "bounced")
        else:
            Delivery.objects.filter(pk=delivery.pk).update(error=f"{report.reason} (temporary)"[:300])
        filed = filed or f"marketing.delivery:{delivery.pk}"
    return filed
