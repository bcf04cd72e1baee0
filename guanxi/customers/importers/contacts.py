"""Spreadsheet import of contacts of existing customers (found by the customer's credit code or name)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from guanxi.core.errors import PermissionDeniedError
from guanxi.core.i18n import Message
from guanxi.core.imports.base import Action, Importer, ImportField, ProgressFn, RowOutcome
from guanxi.core.imports.bulk import audit_bulk, chunks, created_changes, insert_rows
from guanxi.core.imports.custom import CustomCells, custom_row_decide
from guanxi.core.imports.values import parse_bool, parse_date
from guanxi.core.models import AuditLog, ImportJob
from guanxi.core.search import name_sort_key
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset

from ..dedupe.normalise import phone_key
from ..dedupe.selectors import BLOCK, dedupe_find_matches_bulk
from ..dedupe.services import customer_keys_rebuild
from ..models import Contact, Customer
from ..search_text import contact_search_text
from ..services.contacts import CUSTOM_TARGET
from ._common import BATCH, _apply_updates, _code, _diff, _editable, _example_credit_code, _name, _named_row, _validate


class ContactImporter(Importer):
    """Contacts of existing customers, found by the customer's name or credit code within the
    customers the actor may add contacts to."""

    kind = "contacts"
    label = gettext_lazy("Contacts")
    icon = "ti-address-book"
    permission = "contacts.create"
    custom_target = CUSTOM_TARGET
    list_url_name = "customers:contact_list"
    fields = (
        ImportField(
            "customer", gettext_lazy("Customer"), example="北京华信科技有限公司",
            aliases=("客户名称", "所属客户", "客户", "公司名称", "公司", "单位", "Company", "Company name",
                     "Customer name", "Account"),
            hint=gettext_lazy("The customer's exact name, or give its credit code in the next column."),
        ),
        ImportField(
            "customer_credit_code", gettext_lazy("Customer's credit code"), example=_example_credit_code(),
            aliases=("统一社会信用代码", "社会信用代码", "信用代码", "Credit code", "Unified social credit code"),
        ),
        ImportField("name", gettext_lazy("Full name"), required=True, example="王芳",
                    aliases=("姓名", "联系人", "联系人姓名", "名称", "Contact", "Contact name", "Name")),
        ImportField("title", gettext_lazy("Title / role"), aliases=("职务", "职位", "岗位", "Title", "Position",
                                                                    "Job title", "Role"), example="采购经理"),
        ImportField("mobile", gettext_lazy("Mobile"), aliases=("手机", "手机号", "手机号码", "移动电话", "Cell",
                                                             "Mobile phone"), example="13812345678"),
        ImportField("phone", gettext_lazy("Phone"), aliases=("电话", "座机", "办公电话", "固话", "Tel", "Telephone",
                                                           "Office phone"), example="010-62881234"),
        ImportField("email", gettext_lazy("E-mail"), aliases=("邮箱", "电子邮件", "电子邮箱", "Email", "Mail"),
                    example="wangfang@example.com"),
        ImportField("wechat", gettext_lazy("WeChat"), aliases=("微信", "微信号", "Wechat ID")),
        ImportField("birthday", gettext_lazy("Birthday"), aliases=("生日", "出生日期", "Date of birth"),
                    hint=gettext_lazy("A date: yyyy-mm-dd, yyyy/m/d or an Excel date.")),
        ImportField("is_decision_maker", gettext_lazy("Decision maker"),
                    aliases=("决策人", "是否决策人", "关键决策人"), example="是",
                    hint=gettext_lazy("Yes or no (是/否, 1/0).")),
        ImportField("is_primary", gettext_lazy("Primary contact"), aliases=("首要联系人", "主要联系人", "主联系人"),
                    hint=gettext_lazy("Yes or no (是/否, 1/0).")),
        ImportField("remarks", gettext_lazy("Remarks"), aliases=("备注", "说明", "Notes", "Note", "Comments")),
    )  # fmt: skip

    def parse(self, *, actor: User, outcomes: list[RowOutcome], progress: ProgressFn) -> None:
        labels = {f.key: str(f.label) for f in self.fields}
        converters: dict[str, Any] = {
            "customer": _name, "customer_credit_code": _code, "name": _name, "birthday": parse_date,
            "is_decision_maker": parse_bool, "is_primary": parse_bool,
        }  # fmt: skip
        custom = CustomCells(target=CUSTOM_TARGET, outcomes=outcomes)
        for i, o in enumerate(outcomes, start=1):
            data = _named_row(o, converters, labels)
            o.extra["custom"] = custom.sent(o)
            if not data.get("customer") and not data.get("customer_credit_code"):
                o.reject(_("Give the customer's name or credit code."))
            o.extra["customer_name"] = data.pop("customer", "")
            o.extra["customer_code"] = data.pop("customer_credit_code", "")
            _validate(Contact, data, labels, o)
            o.data = data
            progress(i)

    def decide(self, *, actor: User, outcomes: list[RowOutcome]) -> None:
        rows = [o for o in outcomes if o.ok]
        customers = _customers_for_contacts(actor, rows)
        for o in rows:
            found = customers.get((o.extra["customer_code"], o.extra["customer_name"]))
            if isinstance(found, str):
                o.reject(found)
            else:
                o.extra["customer_id"] = found
        rows = [o for o in rows if o.ok]
        existing = _existing_contacts(actor, {o.extra["customer_id"] for o in rows})
        matches = dedupe_find_matches_bulk(
            [{"contacts": [{k: o.data.get(k, "") for k in ("mobile", "phone", "email")}]} for o in rows], actor=actor
        )
        seen: dict[tuple[int, str], int] = {}
        for index, o in enumerate(rows):
            o.data.pop("custom", None)  # decided again (recheck): the custom column follows the new decision
            cid = o.extra["customer_id"]
            mobile = phone_key(o.data.get("mobile", ""))
            identity = (cid, f"m:{mobile}" if mobile else f"n:{o.data['name']}")
            if identity in seen:
                o.reject(_("Row %(row)s of this file is the same contact.") % {"row": seen[identity]})
                continue
            seen[identity] = o.row
            for m in matches.get(index, []):
                if m.batch_row is not None or m.customer_id == cid:
                    continue  # a shared switchboard within the file, or the customer's own number
                if m.action == BLOCK:
                    o.reject(m.message)
                elif m.message not in o.reasons:
                    o.reasons.append(m.message)
            if not o.ok:
                continue
            current = existing.get(identity)
            if current is None:
                o.action = Action.CREATE
            elif current == "locked":
                o.reject(_("This contact already exists and you may not edit it."))
            else:
                o.target_id = current.pk
                o.extra["changes"] = _diff(current, o.data)
                o.action = Action.UPDATE if o.extra["changes"] else Action.UNCHANGED
            custom_row_decide(actor=actor, target=CUSTOM_TARGET, outcome=o, current=current if o.target_id else None)

    def prepare(self, *, actor: User, outcomes: list[RowOutcome]) -> None:
        for o in outcomes:
            if o.ok:
                o.extra["search_text"] = contact_search_text(o.data)

    def apply(self, *, actor: User, outcomes: list[RowOutcome], job: ImportJob, now: dt.datetime) -> dict[str, int]:

        creates = [o for o in outcomes if o.action == Action.CREATE]
        rows = [
            {
                **o.data,
                "customer_id": o.extra["customer_id"],
                "search_text": o.extra.get("search_text") or contact_search_text(o.data),
                "name_sort": name_sort_key(o.data.get("name") or ""),
            }
            for o in creates
        ]
        ids = insert_rows(Contact, rows)
        for o, pk in zip(creates, ids, strict=True):
            o.target_id = pk
        audit_bulk(
            actor=actor,
            action=AuditLog.Action.CREATE,
            model=Contact,
            message=Message(gettext_noop("Imported from %(file)s"), {"file": job.file_name}),
            items=(
                (pk, row["name"], created_changes(o.data), row["customer_id"])
                for o, pk, row in zip(creates, ids, rows, strict=True)
            ),
        )
        updates = [o for o in outcomes if o.action == Action.UPDATE]
        updated = _apply_updates(actor, Contact, updates, job, now, contact_search_text)
        # One primary contact per customer: the last row marked primary wins.
        primary: dict[int, int] = {}
        for o in creates + updates:
            if o.data.get("is_primary"):
                primary[o.extra["customer_id"]] = o.target_id  # type: ignore[assignment]
        for chunk in chunks(sorted(primary), BATCH):
            Contact.objects.filter(customer_id__in=chunk, is_primary=True).exclude(
                pk__in=[primary[c] for c in chunk]
            ).update(is_primary=False)
        customer_keys_rebuild(customer_ids={o.extra["customer_id"] for o in creates + updates})
        return {"created": len(ids), "updated": len(updated)}


def _customers_for_contacts(actor: User, rows: list[RowOutcome]) -> dict[tuple[str, str], int | str]:
    return customers_for_rows(
        actor, rows, module="contacts",
        ambiguous=gettext_noop("Several customers are called %(name)s; add the credit code column."),
        not_found=gettext_noop("Customer %(name)s was not found among the customers you may add contacts to."),
    )  # fmt: skip


def customers_for_rows(
    actor: User, rows: list[RowOutcome], *, module: str, ambiguous: str, not_found: str
) -> dict[tuple[str, str], int | str]:
    """(credit code, name) of each row (`extra["customer_code"]`, `extra["customer_name"]`) → the customer id, or
    why there is none (the message ids `ambiguous` / `not_found`, translated, with %(name)s). Only customers the
    actor may create in `module` for count (its "create" scope); a name shared by several needs the credit code.
    The contact and the asset importers share it."""
    try:
        scoped = scope_queryset(actor, Customer.objects.all(), "create", module=module)
    except PermissionDeniedError:
        scoped = Customer.objects.none()
    codes = sorted({o.extra["customer_code"] for o in rows if o.extra["customer_code"]})
    names = sorted(
        {o.extra["customer_name"] for o in rows if o.extra["customer_name"] and not o.extra["customer_code"]}
    )
    by_code: dict[str, list[int]] = defaultdict(list)
    by_name: dict[str, list[int]] = defaultdict(list)
    for chunk in chunks(codes, BATCH):
        for code, pk in scoped.filter(credit_code__in=chunk).values_list("credit_code", "pk"):
            by_code[code].append(pk)
    for chunk in chunks(names, BATCH):
        for name, pk in scoped.filter(name__in=chunk).values_list("name", "pk"):
            by_name[name].append(pk)
    out: dict[tuple[str, str], int | str] = {}
    for o in rows:
        key = (o.extra["customer_code"], o.extra["customer_name"])
        if key in out:
            continue
        ids = by_code.get(key[0], []) if key[0] else by_name.get(key[1], [])
        if len(ids) == 1:
            out[key] = ids[0]
        elif ids:
            out[key] = _(ambiguous) % {"name": key[1]}
        else:
            out[key] = _(not_found) % {"name": key[0] or key[1]}
    return out


def _existing_contacts(actor: User, customer_ids: set[int]) -> dict[tuple[int, str], Any]:
    """Live contacts of these customers by (customer, mobile key) and (customer, name): the contact object
    when the actor may edit it, else "locked"."""

    contacts: list[Contact] = []
    for chunk in chunks(sorted(customer_ids), BATCH):
        contacts.extend(Contact.objects.filter(customer_id__in=chunk))
    editable = _editable(actor, Contact, {c.pk for c in contacts})
    out: dict[tuple[int, str], Any] = {}
    for c in contacts:
        value = editable.get(c.pk, "locked")
        mobile = phone_key(c.mobile)
        if mobile:
            out.setdefault((c.customer_id, f"m:{mobile}"), value)
        out.setdefault((c.customer_id, f"n:{c.name}"), value)
    return out
