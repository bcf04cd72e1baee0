"""Talking to mail servers: fetch new messages from an IMAP folder (by UID, from the last one seen) and send a
message through SMTP with its threading headers. Every failure a person can fix (wrong password, host not found,
refused connection, missing folder) becomes a MailServerError with a translated message naming the cause."""

from __future__ import annotations

import contextlib
import imaplib
import re
import smtplib
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from django.utils import timezone
from django.utils.translation import gettext as _

from .message import Attachment

TIMEOUT_SECONDS = 20
FETCH_BATCH = 50  # messages fetched per poll of one mailbox; the next poll takes the rest


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    username: str
    password: str
    security: str = "ssl"  # "ssl" (IMAPS, 993), "starttls" or "none" (plain, e.g. a server on the same machine)
    folder: str = "INBOX"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    username: str
    password: str
    security: str = "starttls"  # "ssl" (465), "starttls" (587) or "none"
    from_address: str = ""
    from_name: str = ""


class MailServerError(Exception):
    """A mail server refused or could not be reached; the message is for the person who configured it."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Fetched:
    uidvalidity: int
    uid: int
    raw: bytes


def _network_error(server: str, host: str, exc: Exception) -> MailServerError:
    if isinstance(exc, socket.gaierror):
        return MailServerError(_("%(server)s server %(host)s was not found.") % {"server": server, "host": host},
                               field="host")  # fmt: skip
    if isinstance(exc, ssl.SSLError):
        return MailServerError(
            _("%(server)s server %(host)s: the encrypted connection failed (%(error)s); check the security setting.")
            % {"server": server, "host": host, "error": exc.__class__.__name__},
            field="security",
        )
    return MailServerError(
        _("%(server)s server %(host)s could not be reached (%(error)s).")
        % {"server": server, "host": host, "error": str(exc) or exc.__class__.__name__},
        field="host",
    )


def _imap_connect(server: ImapServer) -> imaplib.IMAP4:
    try:
        if server.security == "ssl":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS)
        else:
            conn = imaplib.IMAP4(server.host, server.port, timeout=TIMEOUT_SECONDS)
            if server.security == "starttls":
                conn.starttls(ssl.create_default_context())
    except (OSError, imaplib.IMAP4.error) as exc:
        raise _network_error("IMAP", server.host, exc) from exc
    try:
        conn.login(server.username, server.password)
    except imaplib.IMAP4.error as exc:
        conn.shutdown()
        raise MailServerError(
            _("The IMAP server refused the user name or password (%(reply)s).") % {"reply": _reply(exc)},
            field="password",
        ) from exc
    return conn


def _reply(exc: Exception) -> str:
    text = str(exc.args[0] if exc.args else exc)
    if text.startswith(("b'", 'b"')):
        text = text[2:-1]
    return text[:200]


@contextlib.contextmanager
def _imap_folder(server: ImapServer) -> Iterator[tuple[imaplib.IMAP4, int]]:
    """A logged-in session with the folder opened read-only (nothing is flagged or moved) and its message count."""
    conn = _imap_connect(server)
    try:
        typ, data = conn.select(_quoted(server.folder), readonly=True)
        if typ != "OK":
            raise MailServerError(_("The folder %(folder)s does not exist on the IMAP server.")
                                  % {"folder": server.folder}, field="folder")  # fmt: skip
        yield conn, int((data or [b"0"])[0] or 0)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise _network_error("IMAP", server.host, exc) from exc
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.logout()


def imap_fetch_new(server: ImapServer, *, after_uid: int, uidvalidity: int) -> Iterator[Fetched]:
    """The messages of the folder with a UID above `after_uid`, oldest first, at most FETCH_BATCH.

    When the folder's UIDVALIDITY differs from the one remembered (the folder was recreated), every message is
    new again: the caller's Message-ID check keeps them from being filed twice."""
    with _imap_folder(server) as (conn, _count):
        validity = int((conn.response("UIDVALIDITY")[1] or [b"0"])[0] or 0)
        start = after_uid + 1 if validity == uidvalidity else 1
        typ, data = conn.uid("SEARCH", None, f"UID {start}:*")
        uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) >= start) if typ == "OK" else []
        for uid in uids[:FETCH_BATCH]:
            typ, parts = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = next((p[1] for p in parts or [] if isinstance(p, tuple) and len(p) > 1), None)
            if typ == "OK" and isinstance(raw, bytes):
                yield Fetched(uidvalidity=validity, uid=uid, raw=raw)


def imap_check(server: ImapServer) -> int:
    """Log in and open the folder (the "test connection" of a settings page); the number of messages in it."""
    with _imap_folder(server) as (_conn, count):
        return count


def _quoted(folder: str) -> str:
    folder = folder or "INBOX"
    return folder if re.fullmatch(r"[A-Za-z0-9._/-]+", folder) else '"' + folder.replace('"', r"\"") + '"'


@dataclass(frozen=True)
class Outgoing:
    to: tuple[str, ...]
    subject: str
    text: str
    cc: tuple[str, ...] = ()
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()


def smtp_send(server: SmtpServer, outgoing: Outgoing) -> tuple[str, EmailMessage]:
    """Send one message; returns its Message-ID (angle brackets included) and the message as sent."""
    msg = EmailMessage()
    sender = server.from_address or server.username
    msg["From"] = formataddr((server.from_name, sender)) if server.from_name else sender
    msg["To"] = ", ".join(outgoing.to)
    if outgoing.cc:
        msg["Cc"] = ", ".join(outgoing.cc)
    msg["Subject"] = outgoing.subject
    msg["Date"] = format_datetime(timezone.now())
    domain = sender.rsplit("@", 1)[-1] if "@" in sender else None
    message_id = make_msgid(domain=domain)
    msg["Message-ID"] = message_id
    if outgoing.in_reply_to:
        msg["In-Reply-To"] = outgoing.in_reply_to
    references = [r for r in outgoing.references if r]
    if outgoing.in_reply_to and outgoing.in_reply_to not in references:
        references.append(outgoing.in_reply_to)
    if references:
        msg["References"] = " ".join(references[-20:])  # the last twenty keep the header short and the thread whole
    msg.set_content(outgoing.text)
    for att in outgoing.attachments:
        maintype, _sep, subtype = att.content_type.partition("/")
        msg.add_attachment(att.content, maintype=maintype or "application", subtype=subtype or "octet-stream",
                           filename=att.name)  # fmt: skip
    try:
        if server.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
        with client:
            if server.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            client.ehlo_or_helo_if_needed()
            # A relay inside the company network may take mail without AUTH: log in only where it is offered.
            if server.username and client.has_extn("auth"):
                client.login(server.username, server.password)
            client.send_message(msg)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailServerError(_("The SMTP server refused the user name or password."), field="smtp_password") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailServerError(_("The SMTP server refused the recipient %(to)s.")
                              % {"to": ", ".join(exc.recipients)}, field="to") from exc  # fmt: skip
    except smtplib.SMTPException as exc:
        raise MailServerError(_("The SMTP server refused the message (%(error)s).") % {"error": str(exc)[:200]},
                              field="smtp_host") from exc  # fmt: skip
    except OSError as exc:
        raise _network_error("SMTP", server.host, exc) from exc
    return message_id, msg
