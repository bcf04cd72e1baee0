"""Importers of records that belong to a customer and are created one by one through their own create service
(opportunities, quotes, contracts, tickets, members): each is a small declaration of its columns, how a cell is
read, and which service creates the record.

The import engine's steps (core.imports.base) for such a record:

- `parse` reads each row's cells (text, dates, numbers, a dictionary or a choice by code or label in either
  language, a user by user name or full name) and its custom columns (core.imports.custom);
- `decide` finds the customer (exact name, or credit code; among the customers the importer may create the record
  for) and the contact (by name or mobile among the customer's), then creates the record through its service
  inside a savepoint that is rolled back: the dry run reports exactly what the service would refuse (every rule,
  the custom fields' check included), named by row and field;
- `recheck`, inside the import's transaction, creates each record through the service for real, each row in its
  own savepoint: a row the service refuses now (an earlier row of the same file took a unique value) is rolled
  back alone and rejected, and with "all or nothing" the engine then rolls the whole import back.

Each record is therefore written, numbered, audited and scope-checked exactly as when created on its form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from guanxi.core.errors import ApplicationError
from guanxi.core.imports.base import Action, Importer, ImportField, ProgressFn, RowOutcome
from guanxi.core.imports.custom import PREFIX as CUSTOM_PREFIX
from guanxi.core.imports.custom import CustomCells, users_by_name
from guanxi.core.imports.values import ChoiceLookup, cell_text, parse_date
from guanxi.core.models import ImportJob
from guanxi.org.models import User
from guanxi.org.policies import has_permission

from ..dedupe.normalise import phone_key
from ..models import Contact, Customer
from .contacts import customers_for_rows

Reader = Callable[[Any], Any]

CUSTOMER = ImportField(
    "customer", gettext_lazy("Customer"), required=True, example="北京华信科技有限公司",
    aliases=("客户名称", "客户", "所属客户", "公司名称", "公司", "单位", "Company", "Company name", "Customer name",
             "Account"),
    hint=gettext_lazy("The customer's exact name, or give its credit code in the next column."),
)  # fmt: skip
CUSTOMER_CODE = ImportField(
    "customer_credit_code", gettext_lazy("Customer's credit code"),
    aliases=("统一社会信用代码", "社会信用代码", "信用代码", "Credit code", "Unified social credit code"),
)  # fmt: skip
CONTACT = ImportField(
    "contact", gettext_lazy("Contact"), example="王芳",
    aliases=("联系人", "联系人姓名", "客户联系人", "Contact name"),
    hint=gettext_lazy("A contact of the customer, by full name or mobile."),
)  # fmt: skip
OWNER = ImportField(
    "owner", gettext_lazy("Owner"), aliases=("负责人", "所有者", "销售", "Owner name"),
    hint=gettext_lazy("User name or full name; empty: you."),
)  # fmt: skip


# --- how a cell is read: each reader returns the value for the service or raises ValueError ----------------------
def text(raw: Any) -> str:
    """One line of text (runs of spaces folded)."""
    return " ".join(cell_text(raw).split())


def long_text(raw: Any) -> str:
    return cell_text(raw)


def date(raw: Any) -> dt.date | None:
    return parse_date(raw)


def number(raw: Any) -> str:
    """A number as the service's own check reads it (¥, thousands separators and 元 dropped)."""
    value = cell_text(raw).replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").removesuffix("元")
    return value.strip()


def dictionary(key: str, aliases: Mapping[str, str] | None = None) -> Reader:
    """An entry of the dictionary `key`, by code or label in either language (or an alias)."""
    return _Lazy(lambda: ChoiceLookup.of_dictionary(key, dict(aliases or {})))


def choices(pairs: Any, aliases: Mapping[str, str] | None = None) -> Reader:
    """One of a model's choices, by code or label in either language (or an alias)."""
    return _Lazy(lambda: ChoiceLookup(pairs, dict(aliases or {})))


class _Lazy:
    """A choice reader built on first use (dictionaries are read from the database, not at import time)."""

    def __init__(self, build: Callable[[], ChoiceLookup]):
        self._build = build

    def lookup(self) -> ChoiceLookup:
        return self._build()

    def __call__(self, raw: Any) -> Any:
        return self.lookup()(raw)


class RecordImporter(Importer):
    """The declaration: `kind`, `label`, `permission` (the import right; the create right `create_permission` is
    needed too), `custom_target`, `customer_module` (whose create scope the customer must be in), `fields` (CUSTOMER
    and CUSTOMER_CODE first), `readers` (column key → reader; text by default), and `create`."""

    create_permission: str = ""
    customer_module: str = ""
    readers: Mapping[str, Reader] = {}

    def permitted(self, actor: User) -> bool:
        return super().permitted(actor) and has_permission(actor, self.create_permission)

    def require_permission(self, actor: User) -> None:
        super().require_permission(actor)
        from guanxi.org.policies import require_permission

        require_permission(actor, self.create_permission)

    def field_hint(self, f: ImportField) -> str:
        reader = self.readers.get(f.key)
        if isinstance(reader, _Lazy):
            hint = _("One of: %(choices)s") % {"choices": reader.lookup().labels()}
            return f"{hint} {f.hint}" if f.hint else hint
        if reader is date and not f.hint:
            return _("A date: yyyy-mm-dd, yyyy/m/d or an Excel date.")
        return str(f.hint)

    def create(self, *, actor: User, data: dict[str, Any]) -> Any:
        """Create one record through its service. `data` holds the read columns, `customer` (a Customer), `contact`
        (a Contact, when the row names one), `owner` (a User or None) and `custom` ({code: value})."""
        raise NotImplementedError

    def describe(self, data: dict[str, Any]) -> str:
        """The row's label in the report."""
        return str(data.get("name") or data.get("title") or data.get("subject") or "")

    # --- the engine's steps ---------------------------------------------------------------------------------------
    def parse(self, *, actor: User, outcomes: list[RowOutcome], progress: ProgressFn) -> None:
        labels = {f.key: str(f.label) for f in self.fields}
        readers = {k: (r.lookup() if isinstance(r, _Lazy) else r) for k, r in self.readers.items()}
        custom = CustomCells(target=self.custom_target, outcomes=outcomes)
        owners = {text(o.values.get("owner")) for o in outcomes} - {""}
        users = users_by_name(owners)
        for i, o in enumerate(outcomes, start=1):
            o.extra["custom"] = custom.sent(o)
            data: dict[str, Any] = {}
            for key, raw in o.values.items():
                if key.startswith(CUSTOM_PREFIX) or key not in labels or not cell_text(raw):
                    continue
                try:
                    data[key] = readers.get(key, text)(raw)
                except ValueError as exc:
                    o.reject(f"{labels[key]}: {exc}")
            for f in self.fields:
                if f.required and f.key != "customer" and f.key not in data and not _named(o, labels[f.key]):
                    o.reject(_("%(field)s: this field is required.") % {"field": labels[f.key]})
            o.extra["customer_name"] = data.pop("customer", "")
            o.extra["customer_code"] = data.pop("customer_credit_code", "")
            if not o.extra["customer_name"] and not o.extra["customer_code"]:
                o.reject(_("%(field)s: give the customer's name or credit code.") % {"field": labels["customer"]})
            o.extra["contact_ref"] = data.pop("contact", "")
            owner = data.pop("owner", "")
            if owner:
                found = users.get(owner)
                if not found:
                    message = _("no active user %(name)s.") if found is None else \
                        _("several users are called %(name)s; use the user name.")  # fmt: skip
                    o.reject(f"{labels['owner']}: {message % {'name': owner[:50]}}")
                o.extra["owner_id"] = found
            o.label = " · ".join(filter(None, [self.describe(data), o.extra["customer_name"]]))
            o.data = data
            progress(i)

    def decide(self, *, actor: User, outcomes: list[RowOutcome]) -> None:
        self._resolve(actor, outcomes)
        for o in outcomes:
            if o.ok:
                self._write(actor, o, keep=False)

    def recheck(self, *, actor: User, outcomes: list[RowOutcome], since: dt.datetime) -> None:
        """Inside the import's transaction: the customers looked up again, then each record created for real."""
        for o in outcomes:
            o.reset_to_parsed()
        self._resolve(actor, outcomes)
        for o in outcomes:
            if o.ok:
                self._write(actor, o, keep=True)

    def apply(self, *, actor: User, outcomes: list[RowOutcome], job: ImportJob, now: dt.datetime) -> dict[str, int]:
        """The records were created by `recheck`; what is left is the count."""
        return {"created": sum(1 for o in outcomes if o.action == Action.CREATE and o.target_id), "updated": 0}

    # --- the parts ---------------------------------------------------------------------------------------------------
    def _resolve(self, actor: User, outcomes: list[RowOutcome]) -> None:
        """Each valid row's customer (in the importer's create scope), contact and owner."""
        rows = [o for o in outcomes if o.ok]
        found = customers_for_rows(
            actor, rows, module=self.customer_module,
            ambiguous=gettext_noop("Customer: several customers are called %(name)s; add the credit code column."),
            not_found=gettext_noop("Customer: %(name)s was not found among the customers you may import for."),
        )  # fmt: skip
        ids = {v for v in found.values() if isinstance(v, int)}
        customers = Customer.objects.in_bulk(ids)
        contacts = _contacts(ids, {o.extra["contact_ref"] for o in rows} - {""})
        owners = User.objects.in_bulk({o.extra["owner_id"] for o in rows if o.extra.get("owner_id")})
        for o in rows:
            customer = found.get((o.extra["customer_code"], o.extra["customer_name"]))
            if not isinstance(customer, int):
                o.reject(str(customer))
                continue
            o.extra["customer"] = customers[customer]
            ref = o.extra["contact_ref"]
            o.extra["contact"] = contacts.get((customer, ref)) if ref else None
            if ref and o.extra["contact"] is None:
                o.reject(_("%(field)s: %(name)s is not a contact of this customer.") % {
                    "field": str(CONTACT.label), "name": ref[:50]})  # fmt: skip
            o.extra["owner"] = owners.get(o.extra.get("owner_id") or 0)

    def _write(self, actor: User, o: RowOutcome, *, keep: bool) -> None:
        """Create the row's record through the service in a savepoint; kept (`keep`) or rolled back (a trial)."""
        data = {**o.data, "customer": o.extra["customer"], "owner": o.extra["owner"],
                "custom": dict(o.extra.get("custom") or {})}  # fmt: skip
        if o.extra["contact"] is not None:  # left out otherwise: a service may pick the primary contact
            data["contact"] = o.extra["contact"]
        try:
            with transaction.atomic():
                record = self.create(actor=actor, data=data)
                if not keep:
                    raise _Trial()
        except _Trial:
            o.action = Action.CREATE
            return
        except (ApplicationError, ValidationError, Http404) as exc:
            for message in self._messages(exc):
                o.reject(message)
            return
        o.action, o.target_id = Action.CREATE, record.pk

    def _messages(self, exc: Exception) -> list[str]:
        """What the service refused, each message naming its column."""
        if isinstance(exc, Http404):
            return [_("%(field)s: not found among the records you may use.") % {"field": str(CUSTOMER.label)}]
        fields = getattr(exc, "fields", None) or getattr(exc, "message_dict", None) or {}
        labels = {f.key: str(f.label) for f in self.columns()}
        out = []
        for key, messages in fields.items():
            label = labels.get(key) or labels.get(f"{CUSTOM_PREFIX}{key}") or ""
            for message in messages:
                message = str(message)
                out.append(f"{label}: {message}" if label and not message.startswith(label) else message)
        return out or [str(getattr(exc, "message", "") or exc)]


class _Trial(Exception):
    """Rolls a trial creation back."""


def _named(o: RowOutcome, label: str) -> bool:
    return any(r.startswith(label) for r in o.reasons)


def _contacts(customer_ids: set[int], refs: set[str]) -> dict[tuple[int, str], Contact]:
    """(customer id, name or mobile as written) → the customer's contact, for the references the file gives."""
    if not customer_ids or not refs:
        return {}
    mobiles = {phone_key(r): r for r in refs if phone_key(r)}
    out: dict[tuple[int, str], Contact] = {}
    matches = Contact.objects.filter(customer_id__in=customer_ids).filter(
        Q(name__in=refs) | Q(mobile__in=list(mobiles.values()) + list(mobiles))
    )
    for c in matches.order_by("-is_primary", "id"):
        if c.name in refs:
            out.setdefault((c.customer_id, c.name), c)
        ref = mobiles.get(phone_key(c.mobile))
        if ref:
            out.setdefault((c.customer_id, ref), c)
    return out
