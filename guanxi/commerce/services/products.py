"""Product lines, products and price books (产品目录). Company-wide: the catalogue has no data scope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_decimal, clean_text, field_error, pick
from guanxi.core.money import AMOUNT_MAX
from guanxi.core.services import check_version, model_create, model_update, soft_delete
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from ..models import PriceBook, PriceBookEntry, Product, ProductLine

PRODUCT_FIELDS = {"code", "name", "line", "unit", "list_price", "tax_rate", "description", "is_active", "term_months"}
TERM_MONTHS_MAX = 600


def _clean_product(data: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in pick(data, PRODUCT_FIELDS).items():
        if key == "code":
            values[key] = clean_text(value, key, max_length=50, required=True)
        elif key == "name":
            values[key] = clean_text(value, key, max_length=200, required=True)
        elif key == "unit":
            values[key] = clean_text(value, key, max_length=20, required=True)
        elif key == "list_price":
            values[key] = clean_decimal(value, key, low=Decimal("0"), high=AMOUNT_MAX)
        elif key == "tax_rate":
            values[key] = clean_decimal(value, key, low=Decimal("0"), high=Decimal("1"), places="0.0001")
        elif key == "description":
            values[key] = clean_text(value, key, max_length=5000, multiline=True)
        elif key == "term_months":
            values[key] = _term_months(value)
        elif key == "line":
            if value is not None and not isinstance(value, ProductLine):
                raise field_error(key, _("Choose a product line."))
            values[key] = value
        else:
            values[key] = bool(value)
    return values


def _term_months(value: Any) -> int | None:
    """A warranty / service term: empty (none) or a whole number of months from 1 to TERM_MONTHS_MAX."""
    if value is None or str(value).strip() == "":
        return None
    try:
        months = int(str(value).strip())
    except ValueError:
        months = 0
    if not 1 <= months <= TERM_MONTHS_MAX:
        raise field_error(
            "term_months", _("Enter a whole number of months between 1 and %(max)s.") % {"max": TERM_MONTHS_MAX}
        )
    return months


def _code_taken(code: str, exclude: int | None = None) -> bool:
    qs = Product.objects.filter(code__iexact=code)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def product_create(*, actor: User, data: dict[str, Any]) -> Product:
    require_permission(actor, "products.create")
    values = _clean_product(data)
    for required in ("code", "name", "list_price"):
        if required not in values:
            raise field_error(required, _("This field is required."))
    if _code_taken(values["code"]):
        raise field_error("code", _("A product with this code exists already."))
    with transaction.atomic():
        return model_create(instance=Product(**values), actor=actor)


def product_update(
    *, actor: User, product: Product, data: dict[str, Any], expected_version: int | None = None
) -> Product:
    require_permission(actor, "products.edit")
    values = _clean_product(data)
    with transaction.atomic():
        row = Product.objects.select_for_update(of=("self",)).filter(pk=product.pk).first()
        if row is None:
            raise field_error("product", _("Not found, or you may not see it."))
        check_version(row, expected_version)
        if "code" in values and _code_taken(values["code"], exclude=row.pk):
            raise field_error("code", _("A product with this code exists already."))
        row, _changes = model_update(instance=row, data=values, actor=actor, expected_version=expected_version)
    return row


def product_delete(*, actor: User, product: Product) -> None:
    """To the recycle bin; quotes keep their copied lines."""
    require_permission(actor, "products.delete")
    with transaction.atomic():
        row = Product.objects.select_for_update(of=("self",)).get(pk=product.pk)
        soft_delete(instance=row, actor=actor)


def product_line_save(*, actor: User, data: dict[str, Any], line: ProductLine | None = None) -> ProductLine:
    require_permission(actor, "products.admin")
    name = clean_text(data.get("name", line.name if line else ""), "name", max_length=100, required=True)
    code = clean_text(
        data.get("code") or (line.code if line else "") or slugify(name, allow_unicode=True) or f"line-{name}",
        "code",
        max_length=50,
    )
    values = {
        "name": name,
        "code": slugify(code, allow_unicode=True) or code,
        "sort_order": int(data.get("sort_order", line.sort_order if line else 0) or 0),
        "is_active": bool(data.get("is_active", line.is_active if line else True)),
    }
    clash = ProductLine.objects.filter(name=name)
    if line is not None:
        clash = clash.exclude(pk=line.pk)
    if clash.exists():
        raise field_error("name", _("A product line with this name exists already."))
    with transaction.atomic():
        if line is None:
            return model_create(instance=ProductLine(**values), actor=actor)
        line, _changes = model_update(instance=line, data=values, actor=actor)
    return line


def price_book_save(
    *,
    actor: User,
    data: dict[str, Any],
    book: PriceBook | None = None,
    prices: dict[Product, Any] | None = None,
    partner_orgs: list[Any] | None = None,
) -> PriceBook:
    """Create or change a price book; `prices` sets product → price (None or "" removes a product)."""
    require_permission(actor, "products.admin")
    values = {
        "name": clean_text(data.get("name", book.name if book else ""), "name", max_length=100, required=True),
        "description": clean_text(
            data.get("description", book.description if book else ""), "description", max_length=300
        ),
        "is_active": bool(data.get("is_active", book.is_active if book else True)),
    }
    same_name = PriceBook.objects.filter(name=values["name"])
    if (same_name.exclude(pk=book.pk) if book else same_name).exists():
        raise field_error("name", _("A price book with this name exists already."))
    with transaction.atomic():
        m2m = {"partner_orgs": partner_orgs} if partner_orgs is not None else None
        if book is None:
            book = model_create(instance=PriceBook(**values), actor=actor, m2m=m2m)
        else:
            book, _changes = model_update(instance=book, data={**values, **(m2m or {})}, actor=actor)
        for product, price in (prices or {}).items():
            if price in (None, ""):
                PriceBookEntry.objects.filter(price_book=book, product=product).delete()
                continue
            amount = clean_decimal(price, "prices", low=Decimal("0"), high=AMOUNT_MAX)
            PriceBookEntry.objects.update_or_create(price_book=book, product=product, defaults={"price": amount})
    return book


def products_export(*, actor: User, params: Any, fmt: str) -> tuple[bytes, str, str]:
    """The product list as XLSX or CSV, formula-safe, audited."""
    from django.utils import timezone

    from guanxi.core.export import to_csv, to_xlsx
    from guanxi.core.models import AuditLog
    from guanxi.core.services import audit_record

    from ..selectors import product_list

    require_permission(actor, "products.export")
    qs = product_list(user=actor, filters=params)
    headers = [_("Product code"), _("Name"), _("Product line"), _("Unit"), _("List price"), _("Tax rate"),
               _("Active"), _("Description")]  # fmt: skip
    rows = [
        [p.code, p.name, p.line.name if p.line else "", p.unit, p.list_price,
         f"{(p.tax_rate * 100).normalize():f}%", p.is_active, p.description]
        for p in qs
    ]  # fmt: skip
    audit_record(
        actor=actor,
        action=AuditLog.Action.EXPORT,
        message=Message(gettext_noop("Exported %(n)s products"), {"n": len(rows)}),
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        return to_csv(headers, rows), f"products-{stamp}.csv", "text/csv; charset=utf-8"
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return to_xlsx(headers, rows, sheet=_("Products")), f"products-{stamp}.xlsx", mime


# (the seller's name, address, phone, tax id and bank printed on quotes are the company settings: org.CompanyProfile)
POLICY_FIELDS = {"quote_valid_days", "special_price_followup_days", "special_price_required_fields"}


def commerce_policy_update(*, actor: User, data: dict[str, Any]) -> Any:
    """An administrator changes the commerce settings (quote validity, the special-price rule)."""
    from guanxi.customers.models import Customer

    from ._common import policy

    require_permission(actor, "products.admin")
    values = pick(data, POLICY_FIELDS)
    for key in ("quote_valid_days", "special_price_followup_days"):
        if key in values:
            values[key] = int(clean_decimal(values[key], key, low=Decimal("1"), high=Decimal("3650"), places="1"))
    if "special_price_required_fields" in values:
        names = list(dict.fromkeys(values["special_price_required_fields"] or []))
        known = {f.name for f in Customer._meta.concrete_fields}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise field_error(
                "special_price_required_fields", _("Unknown customer fields: %(names)s") % {"names": ", ".join(unknown)}
            )
        values["special_price_required_fields"] = names
    with transaction.atomic():
        row, _changes = model_update(instance=policy(), data=values, actor=actor)
    return row
