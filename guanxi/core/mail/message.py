"""An e-mail message as Guanxi files it: parsed from the raw bytes an IMAP server returns (the standard library's
email package, modern policy), with the text body (the HTML part turned into text when there is no plain part) and
the attachments as bytes for the owning app to store through its scope-checked file kind."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import getaddresses, parsedate_to_datetime
from hashlib import sha256
from html.parser import HTMLParser

BODY_MAX_CHARS = 20_000


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class InboundMessage:
    message_id: str  # with its angle brackets, as in the header; a digest of the message when it has none
    sender_name: str
    sender: str  # lower-cased address
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    text: str
    date: dt.datetime | None
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = field(default=())
    raw: bytes = field(default=b"", repr=False, compare=False)  # as fetched: for handlers that read the structure

    @property
    def recipients(self) -> tuple[str, ...]:
        return self.to + self.cc

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """The message ids this one answers (References, then In-Reply-To)."""
        ids = list(self.references)
        if self.in_reply_to and self.in_reply_to not in ids:
            ids.append(self.in_reply_to)
        return tuple(ids)


class _TextFromHtml(HTMLParser):
    """The readable text of an HTML part: block elements become line breaks, script and style are dropped."""

    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{2,}", "\n", text).strip()


def _addresses(values: list[str]) -> tuple[str, ...]:
    seen: list[str] = []
    for _name, address in getaddresses(values):
        address = address.strip().lower()
        if "@" in address and address not in seen:
            seen.append(address)
    return tuple(seen)


def _ids(value: str) -> tuple[str, ...]:
    return tuple(re.findall(r"<[^<>\s]+>", value or ""))


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
    except (ValueError, IndexError):  # a header the parser cannot decode: keep the rest of the message
        return ""
    return str(value or "").strip()


def _body_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
        if part.get_content_charset() is None and isinstance(content, str) and "\ufffd" in content:
            raise ValueError("8-bit text without a charset")
    except (LookupError, ValueError):  # unknown or missing charset: UTF-8, else GB18030 (older Chinese mail)
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError:
            content = raw.decode("gb18030", "replace")
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        content = html_to_text(content)
    return content.strip()[:BODY_MAX_CHARS]


def _attachments(msg: EmailMessage) -> tuple[Attachment, ...]:
    found = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue  # an attached message/rfc822 without a file name: its text is not a file to keep
        name = (part.get_filename() or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "attachment"
        found.append(Attachment(name=name[:200], content_type=part.get_content_type(), content=payload))
    return tuple(found)


def message_parse(raw: bytes) -> InboundMessage:
    """The parsed message; never raises on a malformed one (missing headers become empty values)."""
    msg = message_from_bytes(raw, policy=default_policy)
    assert isinstance(msg, EmailMessage)
    senders = getaddresses([_header(msg, "From")])
    sender_name, sender = senders[0] if senders else ("", "")
    message_id = (_ids(_header(msg, "Message-ID")) or (f"<{sha256(raw).hexdigest()}@guanxi.invalid>",))[0]
    try:
        date = parsedate_to_datetime(_header(msg, "Date")) if _header(msg, "Date") else None
    except (TypeError, ValueError):
        date = None
    if date is not None and date.tzinfo is None:
        date = date.replace(tzinfo=dt.UTC)
    reply_to = _ids(_header(msg, "In-Reply-To"))
    return InboundMessage(
        message_id=message_id,
        sender_name=sender_name.strip(),
        sender=sender.strip().lower(),
        to=_addresses([_header(msg, "To")]),
        cc=_addresses([_header(msg, "Cc")]),
        subject=" ".join(_header(msg, "Subject").split())[:500],
        text=_body_text(msg),
        date=date,
        in_reply_to=reply_to[0] if reply_to else "",
        references=_ids(_header(msg, "References")),
        attachments=_attachments(msg),
        raw=raw,
    )
