"""VERP (variable envelope return path): each campaign e-mail's envelope sender names its recipient's delivery,
`bounce+<delivery id in hex>-<signature>@domain` for GUANXI_BOUNCE_ADDRESS = `bounce@domain`, so the bounce the
receiving server returns to that address maps to its delivery without reading the bounce's body (which many
servers word their own way, or send without the original message). The signature (an HMAC of the id with the
server's key, lower-case hex: some servers lower-case the local part) means a forged bounce cannot mark someone
else's delivery bounced. Without GUANXI_BOUNCE_ADDRESS the envelope sender is the ordinary From address and the
bounce reader falls back to the Message-ID and the recipient (channels/bounces.py)."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default as default_policy

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "guanxi.marketing.verp"
HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "Original-Recipient")


def _parts() -> tuple[str, str] | None:
    address = (getattr(settings, "GUANXI_BOUNCE_ADDRESS", "") or "").strip().lower()
    if "@" not in address:
        return None
    local, domain = address.rsplit("@", 1)
    return local, domain


def _signature(delivery_id: int) -> str:
    return salted_hmac(SALT, str(delivery_id)).hexdigest()[:16]


def verp_address(delivery_id: int) -> str:
    """The envelope sender of one delivery's message, or "" when no bounce address is configured."""
    parts = _parts()
    if parts is None:
        return ""
    local, domain = parts
    return f"{local}+{delivery_id:x}-{_signature(delivery_id)}@{domain}"


def verp_delivery_id(raw: bytes) -> int | None:
    """The delivery a message sent to a VERP address concerns: read from the headers the receiving mail system
    records the envelope recipient in (Delivered-To, X-Original-To, …, To); None when none carries a valid one."""
    parts = _parts()
    if parts is None:
        return None
    local, domain = parts
    pattern = re.compile(rf"{re.escape(local)}\+([0-9a-f]{{1,16}})-([0-9a-f]{{16}})@{re.escape(domain)}", re.I)
    msg = message_from_bytes(raw, policy=default_policy)
    for name in HEADERS:
        for value in msg.get_all(name) or []:
            for hex_id, signature in pattern.findall(str(value)):
                delivery_id = int(hex_id, 16)
                if constant_time_compare(signature.lower(), _signature(delivery_id)):
                    return delivery_id
    return None
