"""How a message leaves: e-mail through Django's mail backend (SMTP in production), SMS and WeChat through a
provider chosen in settings (GUANXI_MARKETING_PROVIDERS = {"sms": "dotted.path.Class", ...}); the development
default writes the message to the log and answers a made-up id. A provider raises SendFailed for a refusal."""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.module_loading import import_string

from ..models import Channel

log = logging.getLogger("guanxi.marketing")

# Messages per minute and channel (the worker sends one batch per minute); settings may lower or raise them.
DEFAULT_RATES = {Channel.EMAIL: 600, Channel.SMS: 300, Channel.WECHAT: 300}


class SendFailed(Exception):
    pass


class Bounced(SendFailed):
    """The receiving server refused the address for good (an SMTP 5xx for the recipient): it is suppressed, so no
    later send tries it again. A temporary refusal (4xx) or an unreachable server is only a SendFailed."""


@dataclass
class Outgoing:
    to: str
    subject: str
    text: str
    html: str = ""
    headers: dict[str, str] | None = None
    return_path: str = ""  # e-mail: the envelope sender (a VERP bounce address, channels/verp.py); "" the From


class Provider(Protocol):
    def send(self, message: Outgoing) -> str:
        """Send one message; answer the provider's id for it."""
        ...


class LoggingProvider:
    """Development and tests: nothing leaves the machine."""

    sent: list[Outgoing] = []

    def send(self, message: Outgoing) -> str:
        log.info("marketing message to %s: %s", message.to, message.text[:200])
        LoggingProvider.sent.append(message)
        return f"log-{uuid.uuid4().hex[:12]}"


class EmailProvider:
    """One SMTP connection for a whole batch (opened at the first message, closed by `close()` or after an error),
    not one per message: the TCP and TLS handshakes, EHLO and login are most of a message's cost."""

    def __init__(self, connection: Any = None) -> None:
        self.connection = connection or get_connection()
        self.opened = False

    def close(self) -> None:
        if self.opened:
            self.opened = False
            try:
                self.connection.close()
            except Exception:  # already gone: nothing to close
                log.debug("closing the SMTP connection failed", exc_info=True)

    def send(self, message: Outgoing) -> str:
        headers = dict(message.headers or {})
        if message.return_path:  # the envelope sender is the bounce address; the From header stays the site's
            headers.setdefault("From", settings.DEFAULT_FROM_EMAIL)
        mail = EmailMultiAlternatives(message.subject, message.text, message.return_path or None, [message.to],
                                      headers=headers, connection=self.connection)  # fmt: skip
        if message.html:
            mail.attach_alternative(message.html, "text/html")
        message_id = mail.extra_headers.setdefault("Message-ID", _message_id())
        try:
            if not self.opened:  # an open connection stays open across send_messages calls
                self.connection.open()
                self.opened = True
            mail.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _reply in exc.recipients.values()]
            error = Bounced if codes and all(500 <= code < 600 for code in codes) else SendFailed
            raise error(_refusal(exc.recipients)) from exc
        except Exception as exc:  # unreachable, timed out, dropped: the delivery records why; the next one reconnects
            self.close()
            raise SendFailed(f"{type(exc).__name__}: {exc}"[:300]) from exc
        return message_id


def _refusal(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{code} {reply.decode('utf-8', 'replace') if isinstance(reply, bytes) else reply}"
        for code, reply in recipients.values()
    )[:300]


def _message_id() -> str:
    from django.core.mail import make_msgid

    return make_msgid(domain="guanxi.crm")


def provider_for(channel: str) -> Provider:
    if channel == Channel.EMAIL:
        return EmailProvider()
    path = (getattr(settings, "GUANXI_MARKETING_PROVIDERS", {}) or {}).get(channel)
    return import_string(path)() if path else LoggingProvider()


def rate_for(channel: str) -> int:
    rates = {**DEFAULT_RATES, **(getattr(settings, "GUANXI_MARKETING_RATES", {}) or {})}
    return max(1, int(rates.get(channel, 60)))
