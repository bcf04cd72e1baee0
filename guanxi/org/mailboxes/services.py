"""Connecting one's own mailbox: save the IMAP and SMTP settings (the IMAP login is tried first, so a wrong
password is an error on the form, not a silent failure later), disconnect it. Passwords are encrypted at rest and
never audited; every other change is audited old → new."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.inputs import clean_text, field_error
from guanxi.core.mail.crypto import secret_decrypt, secret_encrypt
from guanxi.core.mail.servers import ImapServer, MailServerError, SmtpServer, imap_check
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record

from ..models import User
from .models import UserMailbox

SETTINGS = ("address", "imap_host", "imap_port", "imap_security", "imap_username", "imap_folder", "smtp_host",
            "smtp_port", "smtp_security", "smtp_username", "is_active")  # fmt: skip
# Which form field a server's complaint is about.
ERROR_FIELDS = {"password": "imap_password", "host": "imap_host", "folder": "imap_folder", "security": "imap_security"}


def mailbox_imap(mailbox: UserMailbox, password: str | None = None) -> ImapServer:
    return ImapServer(
        host=mailbox.imap_host, port=mailbox.imap_port, username=mailbox.imap_username,
        password=password if password is not None else secret_decrypt(mailbox.imap_password),
        security=mailbox.imap_security, folder=mailbox.imap_folder or "INBOX",
    )  # fmt: skip


def mailbox_smtp(mailbox: UserMailbox) -> SmtpServer:
    password = secret_decrypt(mailbox.smtp_password) or secret_decrypt(mailbox.imap_password)
    return SmtpServer(
        host=mailbox.smtp_host, port=mailbox.smtp_port, username=mailbox.smtp_username or mailbox.imap_username,
        password=password, security=mailbox.smtp_security, from_address=mailbox.address,
        from_name=mailbox.user.get_full_name() if mailbox.user_id else "",
    )  # fmt: skip


def _port(data: dict[str, Any], name: str, default: int) -> int:
    raw = str(data.get(name) or default).strip()
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise field_error(name, _("Enter a port between 1 and 65535."))
    return int(raw)


def _values(data: dict[str, Any], current: UserMailbox | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    address = clean_text(data.get("address"), "address", max_length=254, required=True)
    if not re.fullmatch(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+", address):
        raise field_error("address", _("Enter a valid e-mail address."))
    values["address"] = address.lower()
    for server, port in (("imap", 993), ("smtp", 465)):
        values[f"{server}_host"] = clean_text(data.get(f"{server}_host"), f"{server}_host", max_length=200,
                                              required=True)  # fmt: skip
        values[f"{server}_port"] = _port(data, f"{server}_port", port)
        security = str(data.get(f"{server}_security") or "ssl")
        if security not in UserMailbox.Security.values:
            raise field_error(f"{server}_security", _("Choose one of the list."))
        values[f"{server}_security"] = security
    values["imap_username"] = clean_text(data.get("imap_username"), "imap_username", max_length=200) or address
    values["smtp_username"] = clean_text(data.get("smtp_username"), "smtp_username", max_length=200)
    values["imap_folder"] = clean_text(data.get("imap_folder"), "imap_folder", max_length=200) or "INBOX"
    values["is_active"] = data.get("is_active") not in (False, "", None, "0", "off", "false")
    if current is None and not data.get("imap_password"):
        raise field_error("imap_password", _("Enter the mailbox password."))
    return values


@transaction.atomic
def mailbox_save(*, actor: User, data: dict[str, Any]) -> UserMailbox:
    """Connect or change the actor's own mailbox. An empty password keeps the stored one. The IMAP login is tried
    with the new settings before anything is saved."""
    current = UserMailbox.objects.select_for_update().filter(user=actor).first()
    values = _values(data, current)
    mailbox = current or UserMailbox(user=actor)
    before = {name: getattr(mailbox, name) for name in SETTINGS} if current else {}
    for name, value in values.items():
        setattr(mailbox, name, value)
    imap_password = str(data.get("imap_password") or "")
    try:
        imap_check(mailbox_imap(mailbox, password=imap_password or None))
    except MailServerError as exc:
        raise ValidationFailed(str(exc), fields={ERROR_FIELDS.get(exc.field, "imap_host"): [str(exc)]}) from exc
    changes = {name: [before.get(name), values[name]] for name in SETTINGS if before.get(name) != values[name]}
    if imap_password:
        mailbox.imap_password = secret_encrypt(imap_password)
        changes["imap_password"] = ["••••", "•••• (new)"]
    if data.get("smtp_password"):
        mailbox.smtp_password = secret_encrypt(str(data["smtp_password"]))
        changes["smtp_password"] = ["••••", "•••• (new)"]
    mailbox.save()
    action = AuditLog.Action.UPDATE if current else AuditLog.Action.CREATE
    audit_record(actor=actor, action=action, obj=mailbox, changes=changes)
    return mailbox


@transaction.atomic
def mailbox_delete(*, actor: User) -> None:
    """Disconnect the actor's mailbox (the mail already filed stays on the timelines)."""
    mailbox = UserMailbox.objects.filter(user=actor).first()
    if mailbox is None:
        return
    audit_record(actor=actor, action=AuditLog.Action.DELETE, obj=mailbox,
                 changes={"address": [mailbox.address, None]})  # fmt: skip
    mailbox.delete()
