"""Web forms of commerce. They parse and normalise what a page posts (types, lengths, amounts typed with
thousands separators, tax rates in %, discounts in 折); the services check every business rule again (the API
calls them too), and the views show a refusal on the field, keeping what was typed. Field names are the names
the pages post; what the services do not need is left out of `service_data()`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.forms import DateField, IdField, MoneyField, PercentField

from .models import ImplementationOrder
from .views_common import tenths_to_rate


def form_errors(form: forms.Form, renames: dict[str, str] | None = None) -> dict[str, list[str]]:
    """A refused form's errors keyed as the services key theirs (a page shows both the same way)."""
    renames = renames or {}
    return {renames.get(k, k): [str(m) for m in v] for k, v in form.errors.items()}


class ProductForm(forms.Form):
    code = forms.CharField(label=_("Product code"), max_length=50, required=False)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    list_price = MoneyField(label=_("List price"), required=False)
    tax_rate = PercentField(label=_("Tax rate"), required=False, min_value=0, max_value=100)
    description = forms.CharField(label=_("Description"), max_length=5000, required=False)
    is_active = forms.BooleanField(required=False)
    term_months = forms.IntegerField(label=_("Warranty / service term"), required=False, min_value=1, max_value=600)
    line = IdField(label=_("Product line"))
    version = forms.IntegerField(required=False, min_value=0)

    def service_data(self, lines: dict[int, Any]) -> dict[str, Any]:
        """The product's values; the line is one of `lines` (an unknown one is none), the tax rate a fraction."""
        data = self.cleaned_data
        rate = data["tax_rate"]
        return {
            "code": data["code"],
            "name": data["name"],
            "unit": data["unit"],
            "list_price": "" if data["list_price"] is None else data["list_price"],
            "tax_rate": "" if rate is None else rate / 100,
            "description": data["description"],
            "is_active": data["is_active"],
            "term_months": data["term_months"],
            "line": lines.get(data["line"] or 0),
        }


class ContractForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    amount = MoneyField(label=_("Amount"), required=False)
    min_discount = forms.CharField(label=_("Lowest discount"), max_length=10, required=False)
    contact = IdField(label=_("Contact"))
    standard_template = forms.BooleanField(required=False)
    starts_on = DateField(label=_("Start date"), required=False)
    ends_on = DateField(label=_("End date"), required=False)
    terms = forms.CharField(label=_("Terms"), max_length=10000, required=False)
    note = forms.CharField(label=_("Note"), max_length=10000, required=False)
    version = forms.IntegerField(required=False, min_value=0)

    RENAMES = {"min_discount": "min_discount_rate"}  # the page shows the service's key

    def clean_min_discount(self) -> Decimal:
        try:
            return tenths_to_rate(self.cleaned_data.get("min_discount") or "", "min_discount")
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from None

    def service_data(self, contacts: list[Any], *, with_amount: bool) -> dict[str, Any]:
        """The contract's values; the contact is one of the customer's (`contacts`). A contract from a quote
        takes its amount and discount from the quote (`with_amount` False)."""
        data = self.cleaned_data
        values: dict[str, Any] = {
            "title": data["title"],
            "terms": data["terms"],
            "note": data["note"],
            "standard_template": data["standard_template"],
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "contact": {c.pk: c for c in contacts}.get(data["contact"] or 0),
        }
        if with_amount:
            if data["amount"] is None:
                msg = gettext("Enter a number.")
                raise ValidationFailed(msg, fields={"amount": [msg]})
            values["amount"] = data["amount"]
            values["min_discount_rate"] = data["min_discount"]
        return values


class QuoteForm(forms.Form):
    """A quote's header; its lines are rows of line-product, line-quantity, line-discount and line-description
    (views_quotes reads them: a product must be one of the catalogue's)."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    contact = IdField(label=_("Contact"))
    opportunity = IdField(label=_("Opportunity"))
    price_book = IdField(label=_("Price book"))
    quote_date = DateField(label=_("Quote date"), required=False)
    valid_until = DateField(label=_("Valid until"), required=False)
    overall_discount = forms.CharField(label=_("Overall discount"), max_length=10, required=False)
    terms = forms.CharField(label=_("Terms"), max_length=5000, required=False)
    note = forms.CharField(label=_("Note"), max_length=5000, required=False)
    version = forms.IntegerField(required=False, min_value=0)

    def clean_overall_discount(self) -> Decimal:
        try:
            return tenths_to_rate(self.cleaned_data.get("overall_discount") or "", "overall_discount")
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from None

    def service_data(self, *, contacts: list[Any], opportunities: list[Any], price_books: Any) -> dict[str, Any]:
        """The quote's values; contact, opportunity and price book are among those the form offered (another
        id is none). A blank date leaves the service's default."""
        data = self.cleaned_data
        values: dict[str, Any] = {
            "title": data["title"],
            "terms": data["terms"],
            "note": data["note"],
            "contact": {c.pk: c for c in contacts}.get(data["contact"] or 0),
            "opportunity": {o.pk: o for o in opportunities}.get(data["opportunity"] or 0),
            "price_book": {b.pk: b for b in price_books}.get(data["price_book"] or 0),
            "overall_discount": data["overall_discount"],
        }
        values.update({k: data[k] for k in ("quote_date", "valid_until") if data[k] is not None})
        return values


class SignForm(forms.Form):
    signed_on = DateField(label=_("Signed on"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class QuoteSendForm(forms.Form):
    to = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    message = forms.CharField(label=_("Message"), max_length=5000, required=False)


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accepted", "accepted"), ("rejected", "rejected")], required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class CommerceSettingsForm(forms.Form):
    quote_valid_days = forms.IntegerField(
        label=_("Quote valid for (days)"), required=False, min_value=1, max_value=3650
    )
    special_price_followup_days = forms.IntegerField(
        label=_("Special price: a follow-up within (days)"), required=False, min_value=1, max_value=3650
    )
    special_price_required_fields = forms.MultipleChoiceField(
        label=_("Special price: customer fields that must be filled"), required=False
    )

    def __init__(self, *args: Any, customer_fields: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["special_price_required_fields"].choices = customer_fields

    def service_data(self) -> dict[str, Any]:
        """Every setting; a blank number stays blank, so the service names it."""
        return {k: "" if v is None else v for k, v in self.cleaned_data.items()}


class NumberingForm(forms.Form):
    """One pattern-<kind> per numbered document; a blank one is left as it is."""

    def __init__(self, *args: Any, kinds: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[f"pattern-{kind}"] = forms.CharField(label=_("Document numbers"), max_length=60, required=False)

    def patterns(self) -> dict[str, str]:
        return {name.removeprefix("pattern-"): value for name, value in self.cleaned_data.items() if value}


class ProductLineForm(forms.Form):
    pk = IdField()
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    code = forms.CharField(label=_("Code"), max_length=50, required=False)
    sort_order = forms.IntegerField(label=_("Order"), required=False, min_value=0, max_value=1_000_000)
    is_active = forms.BooleanField(required=False)

    def service_data(self) -> dict[str, Any]:
        """Only what the page posted: a field it leaves out keeps the line's value (or the default)."""
        return {k: v for k, v in self.cleaned_data.items() if k in self.data and k != "pk" and v is not None}


class PriceBookForm(forms.Form):
    """A price book's fields and one price-<product id> per product offered; a blank price removes it."""

    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    is_active = forms.BooleanField(required=False)

    def __init__(self, *args: Any, products: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.products = products
        for product in products:
            self.fields[f"price-{product.pk}"] = MoneyField(label=product.code, required=False, min_value=0)

    def book_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("name", "description", "is_active")}

    def prices(self) -> dict[Any, Decimal | None]:
        return {p: self.cleaned_data[f"price-{p.pk}"] for p in self.products}


class ImplementationStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ImplementationOrder.Status.choices)


class ExecutionOrderForm(forms.Form):
    """An execution order's fields; its lines (line-product, line-quantity) and people are read by the view."""

    delivery_address = forms.CharField(label=_("Delivery address"), max_length=300, required=False)
    required_by = DateField(label=_("Deliver by"), required=False)
    note = forms.CharField(label=_("Note"), max_length=5000, required=False)


class ImplementationOrderForm(forms.Form):
    """An implementation order's fields; its items (item-title, item-assignee, item-due) are read by the view."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    starts_on = DateField(label=_("Start date"), required=False)
    due_on = DateField(label=_("Due date"), required=False)
    note = forms.CharField(label=_("Note"), max_length=5000, required=False)


class ShipmentForm(forms.Form):
    """A shipment's fields; the quantities (ship-<order line id>) are read by the view."""

    shipped_on = DateField(label=_("Shipping date"))
    carrier = forms.CharField(label=_("Carrier / tracking number"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
