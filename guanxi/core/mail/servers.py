"""Talking to mail servers: fetch new messages from an IMAP folder (by UID, from the last one seen), also from the
account's Sent folder (found by its SPECIAL-USE \\Sent attribute, else by a common name), and send a message
through SMTP with its threading headers. Every failure a person can fix (wrong password, host not found,
refused connection, missing folder) becomes a MailServerError with a translated message naming the cause."""

from __future__ import annotations

import base64
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
    folder: str = ""  # the folder's name as the server spells it (set for the Sent folder)


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
        yield from _fetch_selected(conn, after_uid=after_uid, uidvalidity=uidvalidity)


def _fetch_selected(conn: imaplib.IMAP4, *, after_uid: int, uidvalidity: int, folder: str = "") -> Iterator[Fetched]:
    validity = int((conn.response("UIDVALIDITY")[1] or [b"0"])[0] or 0)
    start = after_uid + 1 if validity == uidvalidity else 1
    typ, data = conn.uid("SEARCH", None, f"UID {start}:*")  # type: ignore[arg-type]  # imaplib accepts None
    uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) >= start) if typ == "OK" else []
    for uid in uids[:FETCH_BATCH]:
        typ, parts = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
        raw = next((p[1] for p in parts or [] if isinstance(p, tuple) and len(p) > 1), None)
        if typ == "OK" and isinstance(raw, bytes):
            yield Fetched(uidvalidity=validity, uid=uid, raw=raw, folder=folder)


# Names mail programs give the Sent folder, for servers that do not mark it \Sent (compared case-blind, whole name
# or its last level, after decoding IMAP's modified UTF-7).
SENT_NAMES = frozenset({"sent", "sent messages", "sent items", "sent mail", "sent-mail", "已发送", "已发送邮件"})
_LIST_LINE = re.compile(rb'\((?P<flags>[^)]*)\) (?P<sep>"(?:[^"\\]|\\.)*"|NIL) (?P<name>.*)', re.S)


def imap_utf7_decode(name: str) -> str:
    """A folder name as IMAP spells it (modified UTF-7, RFC 3501 5.1.3: "&XfJT0ZAB-" is 已发送) in plain text."""

    def decode(match: re.Match[str]) -> str:
        body = match.group(1)
        if not body:
            return "&"
        b64 = body.replace(",", "/")
        try:
            return base64.b64decode(b64 + "=" * (-len(b64) % 4)).decode("utf-16-be")
        except ValueError:
            return match.group(0)

    return re.sub(r"&([A-Za-z0-9+,]*)-", decode, name)


def _unquote(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def imap_sent_folder(conn: imaplib.IMAP4) -> str:
    """The account's Sent folder as the server spells it: the one marked \\Sent (RFC 6154 SPECIAL-USE), else the
    first with a common name; "" when it has none."""
    typ, data = conn.list()
    if typ != "OK":
        return ""
    folders: list[tuple[str, str, str]] = []  # (name, flags, separator)
    for item in data or []:
        line, literal = (item[0], item[1]) if isinstance(item, tuple) else (item, None)
        match = _LIST_LINE.match(line or b"") if isinstance(line, bytes) else None
        if match is None:
            continue
        name = literal.decode("utf-8", "replace") if isinstance(literal, bytes) else _unquote(match.group("name"))
        sep = "" if match.group("sep") == b"NIL" else _unquote(match.group("sep"))
        folders.append((name, match.group("flags").decode().lower(), sep))
    for name, flags, _sep in folders:
        if "\\sent" in flags.split() and "\\noselect" not in flags.split():
            return name
    for name, flags, sep in folders:
        plain = imap_utf7_decode(name).casefold()
        if "\\noselect" not in flags.split() and (
            plain in SENT_NAMES or (sep and plain.rsplit(sep, 1)[-1] in SENT_NAMES)
        ):
            return name
    return ""


def imap_fetch_sent(server: ImapServer, *, progress: dict[str, list[int]]) -> Iterator[Fetched]:
    """The new messages of the account's Sent folder, like imap_fetch_new; `progress` holds the [UIDVALIDITY, last
    UID] the caller remembers per folder name. Nothing when the account has no Sent folder or it is the folder
    already read."""
    with _imap_folder(server) as (conn, _count):
        folder = imap_sent_folder(conn)
        if not folder or folder == (server.folder or "INBOX"):
            return
        typ, _data = conn.select(_quoted(folder), readonly=True)
        if typ != "OK":
            return
        validity, last = (progress.get(folder) or [0, 0])[:2]
        yield from _fetch_selected(conn, after_uid=int(last), uidvalidity=int(validity), folder=folder)


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
