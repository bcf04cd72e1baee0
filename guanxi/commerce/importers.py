"""The product importer (spreadsheet import of the catalogue): creates new codes, updates existing ones.

A row is rejected without a code, a name or a valid list price, with a tax rate outside 0–100 %, an unknown
product line, or a code repeated earlier in the file. Quotes and contracts are imported by the record importer
(customers.importers.records), declared at the end. Registered from providers.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.imports.base import Action, Importer, ImportField, ProgressFn, RowOutcome
from guanxi.core.imports.values import cell_text, parse_bool
from guanxi.core.inputs import field_error
from guanxi.core.models import ImportJob
from guanxi.core.money import AMOUNT_MAX
from guanxi.core.registry import registry
from guanxi.core.services import model_create, model_update
from guanxi.customers.importers.records import CONTACT, CUSTOMER, CUSTOMER_CODE, RecordImporter, date, long_text, number
from guanxi.org.models import User

from .models import Product, ProductLine


def _decimal(raw: Any) -> Decimal:
    text = cell_text(raw).replace(",", "").replace("¥", "").replace("元", "").strip()
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValueError(_("Enter a number.")) from None
    if not value.is_finite():
        raise ValueError(_("Enter a number."))
    return value


def _rate(raw: Any) -> Decimal:
    text = cell_text(raw).strip()
    percent = text.endswith("%")
    value = _decimal(text.rstrip("%"))
    if percent or value > 1:
        value = value / 100
    if value < 0 or value > 1:
        raise ValueError(_("Enter a rate between 0 and 100 %."))
    return value.quantize(Decimal("0.0001"))


class ProductImporter(Importer):
    kind = "products"
    label = gettext_lazy("Products")
    icon = "ti-package"
    permission = "products.import"
    list_url_name = "commerce:product_list"
    fields = (
        ImportField("code", gettext_lazy("Product code"), required=True, example="SW-CRM-STD",
                    aliases=("产品编码", "编码", "产品编号", "物料编码", "Code", "SKU")),
        ImportField("name", gettext_lazy("Name"), required=True, example="关系CRM标准版许可",
                    aliases=("产品名称", "名称", "品名", "Product name", "Product")),
        ImportField("line", gettext_lazy("Product line"), aliases=("产品线", "类别", "分类", "Category", "Line"),
                    hint=gettext_lazy("The name of an existing product line.")),
        ImportField("unit", gettext_lazy("Unit"), aliases=("单位", "计量单位", "UOM"), example="套"),
        ImportField("list_price", gettext_lazy("List price"), required=True, example="12800",
                    aliases=("标准价", "目录价", "价格", "单价", "Price", "Unit price")),
        ImportField("tax_rate", gettext_lazy("Tax rate"), aliases=("税率", "增值税率", "VAT", "Tax"), example="13%",
                    hint=gettext_lazy("13%, 13 or 0.13; empty: 13 %.")),
        ImportField("description", gettext_lazy("Description"), aliases=("描述", "说明", "备注", "Notes")),
        ImportField("is_active", gettext_lazy("Active"), aliases=("启用", "在售", "状态", "Enabled"), example="是"),
    )  # fmt: skip

    def parse(self, *, actor: User, outcomes: list[RowOutcome], progress: ProgressFn) -> None:
        labels = {f.key: str(f.label) for f in self.fields}
        lines = {ln.name.casefold(): ln.pk for ln in ProductLine.objects.all()}
        lines.update({ln.code.casefold(): ln.pk for ln in ProductLine.objects.all()})
        for i, o in enumerate(outcomes, start=1):
            data: dict[str, Any] = {}
            for key, raw in o.values.items():
                text = " ".join(cell_text(raw).split())
                if not text:
                    continue
                try:
                    if key == "list_price":
                        value = _decimal(text).quantize(Decimal("0.01"))
                        if value < 0 or value >= AMOUNT_MAX:
                            raise ValueError(_("Enter an amount of 0 or more."))
                        data[key] = value
                    elif key == "tax_rate":
                        data[key] = _rate(text)
                    elif key == "is_active":
                        data[key] = parse_bool(text)
                    elif key == "line":
                        if text.casefold() not in lines:
                            raise ValueError(_("No product line “%(name)s”.") % {"name": text})
                        data["line_id"] = lines[text.casefold()]
                    else:
                        limit = {"code": 50, "name": 200, "unit": 20, "description": 5000}[key]
                        if len(text) > limit:
                            raise ValueError(_("At most %(max)s characters.") % {"max": limit})
                        data[key] = text
                except ValueError as exc:
                    o.reject(f"{labels[key]}: {exc}")
            o.label = " · ".join(filter(None, [data.get("code", ""), data.get("name", "")]))
            for required in ("code", "name", "list_price"):
                if required not in data and not any(labels[required] in r for r in o.reasons):
                    o.reject(_("%(field)s: this field is required.") % {"field": labels[required]})
            o.data = data
            progress(i)

    def decide(self, *, actor: User, outcomes: list[RowOutcome]) -> None:
        codes = {o.data["code"].casefold() for o in outcomes if o.ok and o.data.get("code")}
        existing = {p.code.casefold(): p for p in Product.objects.all() if p.code.casefold() in codes}
        seen: dict[str, int] = {}
        for o in outcomes:
            if not o.ok:
                continue
            key = o.data["code"].casefold()
            if key in seen:
                o.reject(_("Row %(row)s of this file has the same product code.") % {"row": seen[key]})
                continue
            seen[key] = o.row
            current = existing.get(key)
            if current is None:
                o.action = Action.CREATE
                continue
            o.target_id = current.pk
            changed = any(getattr(current, k) != v for k, v in o.data.items() if k != "code")
            o.action = Action.UPDATE if changed else Action.UNCHANGED

    def apply(self, *, actor: User, outcomes: list[RowOutcome], job: ImportJob, now: dt.datetime) -> dict[str, int]:
        created = updated = 0
        for o in outcomes:
            if o.action == Action.CREATE:
                product = model_create(instance=Product(**o.data), actor=actor)
                o.target_id = product.pk
                created += 1
            elif o.action == Action.UPDATE and o.target_id:
                product = Product.objects.get(pk=o.target_id)
                model_update(instance=product, data={k: v for k, v in o.data.items() if k != "code"}, actor=actor)
                updated += 1
        return {"created": created, "updated": updated}


registry.add_importer(ProductImporter())


# --- quotes and contracts: the record importer (customers.importers.records) ----------------------------------------
class QuoteImporter(RecordImporter):
    """Quotes brought over as drafts of an existing, active customer (through `quote_create`: numbered, valid for
    the policy's days unless a date is given, the primary contact unless one is named, priced from the catalogue or
    the price book), one catalogue product line each; more lines are added on the quote's page."""

    kind = "quotes"
    label = gettext_lazy("Quotes")
    icon = "ti-file-dollar"
    permission = "quotes.import"
    create_permission = "quotes.create"
    customer_module = "quotes"
    custom_target = "commerce.quote"
    list_url_name = "commerce:quote_list"
    fields = (
        CUSTOMER, CUSTOMER_CODE,
        ImportField("title", gettext_lazy("Title"), aliases=("报价单名称", "标题", "主题", "Quote title", "Subject"),
                    hint=gettext_lazy("Empty: Quote for the customer.")),
        CONTACT,
        ImportField("product", gettext_lazy("Product"), required=True, example="CRM-STD",
                    aliases=("产品", "产品编码", "产品名称", "Product code", "Product name"),
                    hint=gettext_lazy("A catalogue product's code or exact name.")),
        ImportField("quantity", gettext_lazy("Quantity"), example="10", aliases=("数量", "Qty"),
                    hint=gettext_lazy("Empty: 1.")),
        ImportField("discount", gettext_lazy("Discount"), example="0.9", aliases=("折扣", "折扣率", "Discount rate"),
                    hint=gettext_lazy("A rate such as 0.9 (90 %); empty: none.")),
        ImportField("quote_date", gettext_lazy("Quote date"), aliases=("报价日期", "日期", "Date")),
        ImportField("valid_until", gettext_lazy("Valid until"), aliases=("有效期至", "有效期", "截止日期", "Expiry")),
        ImportField("terms", gettext_lazy("Terms"), aliases=("条款", "报价条款", "付款条件", "Conditions")),
        ImportField("note", gettext_lazy("Note"), aliases=("备注", "说明", "Notes", "Remarks")),
    )  # fmt: skip
    readers = {"quantity": number, "discount": number, "quote_date": date, "valid_until": date, "terms": long_text,
               "note": long_text}  # fmt: skip

    def describe(self, data: dict[str, Any]) -> str:
        return str(data.get("title") or data.get("product") or "")

    def create(self, *, actor: User, data: dict[str, Any]) -> Any:
        from .services import quote_create

        customer, _owner = data.pop("customer"), data.pop("owner")
        ref = data.pop("product")
        product = (
            Product.objects.filter(Q(code__iexact=ref) | Q(name=ref), is_active=True, deleted_at__isnull=True)
            .order_by("pk")
            .first()
        )
        if product is None:
            raise field_error("product", _("No product “%(name)s” in the catalogue.") % {"name": ref[:50]})
        line = {"product": product, "quantity": data.pop("quantity", "1"), "discount": data.pop("discount", "1")}
        return quote_create(actor=actor, customer=customer, data=data, lines=[line])


class ContractImporter(RecordImporter):
    """Contracts brought over as drafts of an existing, active customer (through `contract_create`: numbered,
    audited); they are then approved and signed as any contract is."""

    kind = "contracts"
    label = gettext_lazy("Contracts")
    icon = "ti-file-certificate"
    permission = "contracts.import"
    create_permission = "contracts.create"
    customer_module = "contracts"
    custom_target = "commerce.contract"
    list_url_name = "commerce:contract_list"
    fields = (
        CUSTOMER, CUSTOMER_CODE,
        ImportField("title", gettext_lazy("Title"), required=True, example="年度维保合同",
                    aliases=("合同名称", "标题", "名称", "Contract title", "Name")),
        CONTACT,
        ImportField("amount", gettext_lazy("Amount"), example="120000",
                    aliases=("合同金额", "金额", "Contract amount", "Value")),
        ImportField("starts_on", gettext_lazy("Start date"), aliases=("开始日期", "生效日期", "起始日期", "Start")),
        ImportField("ends_on", gettext_lazy("End date"), aliases=("结束日期", "到期日期", "终止日期", "End")),
        ImportField("terms", gettext_lazy("Terms"), aliases=("条款", "合同条款", "Conditions")),
        ImportField("note", gettext_lazy("Note"), aliases=("备注", "说明", "Notes", "Remarks")),
    )  # fmt: skip
    readers = {"amount": number, "starts_on": date, "ends_on": date, "terms": long_text, "note": long_text}

    def create(self, *, actor: User, data: dict[str, Any]) -> Any:
        from .services import contract_create

        customer, _owner = data.pop("customer"), data.pop("owner")
        return contract_create(actor=actor, customer=customer, data=data)


registry.add_importer(QuoteImporter())
registry.add_importer(ContractImporter())
