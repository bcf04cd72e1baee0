"""Spreadsheet import of customer assets and policies (客户资产 / 保单) on the shared import engine (core.imports:
template, column mapping, dry run, all-or-nothing or skipping bad rows, a report naming each row's problems by field).

Each row is one asset of an existing customer (found by name or credit code among those the importer may add assets
to). Plate, policy and serial numbers are normalised (full-width → half-width, upper case, spaces dropped); a row
whose policy number (or, without one, serial number) matches an asset of the same customer updates it, one of another
customer or a repeat within the file is rejected. Writes go through the asset services, so each row is audited, its
search text built and its renewal opened when its end date is near."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.db.models import Value
from django.db.models.functions import Replace, Upper
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from guanxi.core.errors import PermissionDeniedError
from guanxi.core.imports.base import Action, Importer, ImportField, ProgressFn, RowOutcome
from guanxi.core.imports.bulk import chunks
from guanxi.core.imports.custom import CustomCells, custom_row_decide
from guanxi.core.imports.values import ChoiceLookup, cell_text, parse_date
from guanxi.core.models import ImportJob
from guanxi.core.registry import registry
from guanxi.customers.importers.records import (
    CONTACT,
    CUSTOMER,
    CUSTOMER_CODE,
    OWNER,
    RecordImporter,
    choices,
    dictionary,
    long_text,
)
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset

from .models import Asset, Ticket
from .selectors import identifier_forms

BATCH = 500
TEXT_MAX = {"name": 200, "serial_number": 100, "plate_number": 30, "policy_number": 60, "previous_insurer": 100,
            "address": 300, "notes": 5000, "customer": 200, "customer_credit_code": 18, "product": 200}  # fmt: skip
STATUS_ALIASES = {"在保": "active", "有效": "active", "生效": "active", "保修中": "active", "过期": "expired",
                  "已过期": "expired", "脱保": "expired", "退保": "cancelled", "已退保": "cancelled"}  # fmt: skip
SEPARATORS = (" ", "-", "_", "·", "・", ".", ",", "/", "\\", "(", ")", "（", "）")  # selectors._SEPARATORS
IDENTIFIERS = ("serial_number", "plate_number", "policy_number")
COMPARED = ("name", "kind", "product", "serial_number", "plate_number", "policy_number", "previous_insurer",
            "starts_on", "ends_on", "status", "address", "notes")  # fmt: skip


def normalise_identifier(text: str) -> str:
    """A plate, policy or serial number as stored: half-width, upper case, without spaces (京a 8k3m2 → 京A8K3M2)."""
    return "".join(unicodedata.normalize("NFKC", text).upper().split())


def identity_key(data: dict[str, Any]) -> str:
    """What makes two rows the same asset: the policy number, else the serial number (compact, case-folded)."""
    for name in ("policy_number", "serial_number"):
        if data.get(name):
            return f"{name}:{identifier_forms(data[name])[-1]}"
    return ""


class AssetImporter(Importer):
    kind = "assets"
    label = gettext_lazy("Customer assets")
    icon = "ti-shield-check"
    permission = "assets.import"
    list_url_name = "service:asset_list"
    custom_target = "service.asset"  # the active custom fields are columns too (core.imports.custom)
    fields = (
        ImportField("customer", gettext_lazy("Customer"), example="北京恒信物流有限公司",
                    aliases=("客户名称", "客户", "所属客户", "投保人", "公司名称", "Company", "Customer name"),
                    hint=gettext_lazy("The customer's exact name, or give its credit code in the next column.")),
        ImportField("customer_credit_code", gettext_lazy("Customer's credit code"),
                    aliases=("统一社会信用代码", "信用代码", "Credit code")),
        ImportField("name", gettext_lazy("Asset"), required=True, example="交强险 + 商业车险",
                    aliases=("资产名称", "名称", "设备名称", "保单名称", "险种", "Asset name", "Name")),
        ImportField("kind", gettext_lazy("Kind"), aliases=("类型", "资产类型", "Type"), example="车险保单",
                    hint=gettext_lazy("One of the asset kinds; empty: equipment.")),
        ImportField("product", gettext_lazy("Product"), aliases=("产品", "产品编码", "型号", "Product code"),
                    hint=gettext_lazy("A catalogue product's code or exact name.")),
        ImportField("serial_number", gettext_lazy("Serial number"), example="SN-2026-0001",
                    aliases=("序列号", "设备序列号", "出厂编号", "SN", "Serial")),
        ImportField("plate_number", gettext_lazy("Plate number"), example="京A8K3M2",
                    aliases=("车牌号", "车牌", "车牌号码", "Plate", "Licence plate")),
        ImportField("policy_number", gettext_lazy("Policy number"), example="PDAA202611010000123",
                    aliases=("保单号", "保单号码", "Policy", "Policy no")),
        ImportField("previous_insurer", gettext_lazy("Previous insurer"), aliases=("上年承保公司", "原保险公司")),
        ImportField("starts_on", gettext_lazy("Start date"), example="2026-11-01",
                    aliases=("起保日期", "开始日期", "生效日期", "保修开始", "Start", "Starts on"),
                    hint=gettext_lazy("A date: yyyy-mm-dd, yyyy/m/d or an Excel date.")),
        ImportField("ends_on", gettext_lazy("End date"), example="2027-10-31",
                    aliases=("终保日期", "到期日期", "结束日期", "保修截止", "End", "Ends on", "Expiry"),
                    hint=gettext_lazy("A date: yyyy-mm-dd, yyyy/m/d or an Excel date.")),
        ImportField("status", gettext_lazy("Status"), aliases=("状态", "State"), hint=gettext_lazy("Empty: in force.")),
        ImportField("address", gettext_lazy("Installed address"), aliases=("安装地址", "地址", "Address")),
        ImportField("notes", gettext_lazy("Notes"), aliases=("备注", "说明", "Remarks")),
    )  # fmt: skip

    def parse(self, *, actor: User, outcomes: list[RowOutcome], progress: ProgressFn) -> None:
        labels = {f.key: str(f.label) for f in self.fields}
        kinds = ChoiceLookup.of_dictionary("asset_kind")
        statuses = ChoiceLookup(Asset.Status.choices, STATUS_ALIASES)
        custom = CustomCells(target=self.custom_target, outcomes=outcomes)
        for i, o in enumerate(outcomes, start=1):
            o.extra["custom"] = custom.sent(o)
            data: dict[str, Any] = {}
            for key, raw in o.values.items():
                if key not in labels:
                    continue
                text = cell_text(raw) if key == "notes" else " ".join(cell_text(raw).split())
                if not text:
                    continue
                try:
                    data[key] = _value(key, text, raw, kinds, statuses)
                except ValueError as exc:
                    o.reject(f"{labels[key]}: {exc}")
            if "name" not in data and not any(r.startswith(labels["name"]) for r in o.reasons):
                o.reject(_("%(field)s: this field is required.") % {"field": labels["name"]})
            if not data.get("customer") and not data.get("customer_credit_code"):
                o.reject(_("%(field)s: give the customer's name or credit code.") % {"field": labels["customer"]})
            starts, ends = data.get("starts_on"), data.get("ends_on")
            if starts and ends and ends < starts:
                o.reject(f"{labels['ends_on']}: {_('The end date must not be before the start date.')}")
            o.extra["customer_name"] = data.pop("customer", "")
            o.extra["customer_code"] = data.pop("customer_credit_code", "")
            o.extra["product_ref"] = data.pop("product", "")
            o.label = " · ".join(filter(None, [data.get("name", ""), *(data.get(k, "") for k in IDENTIFIERS)]))
            o.data = data
            o.mark_parsed()
            progress(i)

    def decide(self, *, actor: User, outcomes: list[RowOutcome]) -> None:
        rows = [o for o in outcomes if o.ok]
        customers = _customers(actor, rows)
        products = _products({o.extra["product_ref"] for o in rows if o.extra["product_ref"]})
        for o in rows:
            found = customers.get((o.extra["customer_code"], o.extra["customer_name"]))
            if isinstance(found, str):
                o.reject(found)
            else:
                o.extra["customer_id"] = found
            ref = o.extra["product_ref"]
            if ref and ref.casefold() not in products:
                o.reject(_("%(field)s: no product “%(name)s” in the catalogue.") % {"field": _("Product"), "name": ref})
            o.data["product"] = products.get(ref.casefold()) if ref else None
        rows = [o for o in rows if o.ok]
        existing = _existing(actor, rows)
        seen: dict[str, int] = {}
        for o in rows:
            o.data.pop("custom", None)  # decided again (recheck): the custom column follows the new decision
            key = identity_key(o.data)
            if key and key in seen:
                o.reject(_("Row %(row)s of this file is the same asset (same policy or serial number).")
                         % {"row": seen[key]})  # fmt: skip
                continue
            if key:
                seen[key] = o.row
            current = existing.get(key) if key else None
            if current is None:
                o.action = Action.CREATE
            elif current.customer_id != o.extra["customer_id"]:
                o.reject(_("This policy or serial number is already recorded for another customer."))
            elif not getattr(current, "editable", False):
                o.reject(_("This asset already exists and you may not edit it."))
            else:
                o.target_id = current.pk
                changed = any(_current_value(current, k) != o.data.get(k, _blank(k)) for k in o.data)
                o.action = Action.UPDATE if changed else Action.UNCHANGED
            custom_row_decide(
                actor=actor, target=self.custom_target, outcome=o, current=current if o.target_id else None
            )

    def apply(self, *, actor: User, outcomes: list[RowOutcome], job: ImportJob, now: dt.datetime) -> dict[str, int]:
        from .services import asset_create, asset_update

        created = updated = 0
        for o in outcomes:
            if o.action not in (Action.CREATE, Action.UPDATE):
                continue
            data = {**o.data, "customer": o.extra["customer_id"]}
            if o.action == Action.UPDATE and o.extra.get("custom"):
                data["custom"] = o.extra["custom"]  # the cells sent, checked again against the asset's values
            if o.action == Action.CREATE:
                o.target_id = asset_create(actor=actor, data=data).pk
                created += 1
            else:
                asset_update(actor=actor, asset=Asset.objects.get(pk=o.target_id), data=data)
                updated += 1
        return {"created": created, "updated": updated}


def _value(key: str, text: str, raw: Any, kinds: ChoiceLookup, statuses: ChoiceLookup) -> Any:
    """One cell as the asset services take it, or ValueError with what is wrong."""
    if key in ("starts_on", "ends_on"):
        day = parse_date(raw if isinstance(raw, dt.date | int | float) else text)
        if day is None:
            raise ValueError(_("Enter a date such as 2026-11-01."))
        return day
    if key == "kind":
        return kinds(text)
    if key == "status":
        return statuses(text)
    value = normalise_identifier(text) if key in IDENTIFIERS else text
    if len(value) > TEXT_MAX[key]:
        raise ValueError(_("At most %(max)s characters.") % {"max": TEXT_MAX[key]})
    return value


def _blank(key: str) -> Any:
    return None if key in ("starts_on", "ends_on", "product") else ""


def _current_value(asset: Asset, key: str) -> Any:
    return asset.product_id if key == "product" else getattr(asset, key)


def _customers(actor: User, rows: list[RowOutcome]) -> dict[tuple[str, str], int | str]:
    from guanxi.customers.importers.contacts import customers_for_rows

    return customers_for_rows(
        actor, rows, module="assets",
        ambiguous=gettext_noop("Customer: several customers are called %(name)s; add the credit code column."),
        not_found=gettext_noop("Customer: %(name)s was not found among the customers you may add assets to."),
    )  # fmt: skip


def _products(refs: set[str]) -> dict[str, int]:
    """Catalogue products by code or exact name (case-folded) → id."""
    from guanxi.commerce.models import Product

    wanted = {r.casefold() for r in refs}
    out: dict[str, int] = {}
    if not wanted:
        return out
    for pk, code, name in Product.objects.values_list("pk", "code", "name"):
        for text in (code, name):
            if text.casefold() in wanted:
                out.setdefault(text.casefold(), pk)
    return out


def _existing(actor: User, rows: list[RowOutcome]) -> dict[str, Asset]:
    """Live assets by identity key (policy number, else serial number; however they were typed when entered by
    hand: compared upper-cased, as given and without separators), each marked `editable` when the actor may edit
    it."""
    keys = {identity_key(o.data) for o in rows} - {""}
    found: list[Asset] = []
    for name in ("policy_number", "serial_number"):
        values = sorted({identifier_forms(o.data[name])[-1].upper() for o in rows if o.data.get(name)})
        compact: Any = Upper(name)
        for sep in SEPARATORS:
            compact = Replace(compact, Value(sep), Value(""))
        for chunk in chunks(values, BATCH):
            found.extend(Asset.objects.annotate(ident=compact).filter(ident__in=chunk))
    try:
        editable = set(
            scope_queryset(actor, Asset.objects.filter(pk__in=[a.pk for a in found]), "edit").values_list(
                "pk", flat=True
            )
        )
    except PermissionDeniedError:
        editable = set()
    out: dict[str, Asset] = {}
    for asset in found:
        asset.editable = asset.pk in editable  # type: ignore[attr-defined]
        for name in ("policy_number", "serial_number"):  # an asset is found by either of its numbers
            key = identity_key({name: getattr(asset, name)})
            if key in keys:
                out.setdefault(key, asset)
    return out


registry.add_importer(AssetImporter())


# --- tickets: the record importer (customers.importers.records) -------------------------------------------------
class TicketImporter(RecordImporter):
    """Tickets brought over from another help desk: each row a ticket of an existing customer, opened through
    `ticket_create` (numbered, SLA times, assigned to the owner given or by the assignment rules, audited)."""

    kind = "tickets"
    label = gettext_lazy("Tickets")
    icon = "ti-headset"
    permission = "tickets.import"
    create_permission = "tickets.create"
    customer_module = "tickets"
    custom_target = "service.ticket"
    list_url_name = "service:ticket_list"
    fields = (
        CUSTOMER, CUSTOMER_CODE,
        ImportField("subject", gettext_lazy("Subject"), required=True, example="打印机无法联网",
                    aliases=("主题", "标题", "工单标题", "问题", "Title", "Summary")),
        ImportField("description", gettext_lazy("Description"), aliases=("描述", "问题描述", "详情", "Details")),
        CONTACT,
        ImportField("type", gettext_lazy("Type"), aliases=("类型", "工单类型", "Ticket type")),
        ImportField("channel", gettext_lazy("Channel"), aliases=("渠道", "来源渠道", "受理渠道", "Source")),
        ImportField("priority", gettext_lazy("Priority"), aliases=("优先级", "紧急程度", "Urgency")),
        OWNER,
    )  # fmt: skip
    readers = {
        "description": long_text,
        "type": dictionary("ticket_type"),
        "channel": dictionary("ticket_channel"),
        "priority": choices(Ticket.Priority.choices, {"紧急": "urgent", "高": "high", "普通": "normal", "低": "low"}),
    }

    def create(self, *, actor: User, data: dict[str, Any]) -> Any:
        from .services import ticket_create

        owner = data.pop("owner")
        return ticket_create(actor=actor, data=data, owner=owner)


registry.add_importer(TicketImporter())
