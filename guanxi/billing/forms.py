"""Web forms of billing. They parse and normalise what a page posts (types, lengths, the tax rate typed in %);
the services check every business rule again (the API calls them too), and the views put a refusal back on the
form, keeping what was typed. Field names are the names the pages post."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.dictionaries.fields import DictionaryChoiceField
from guanxi.core.forms import DateField, IdField, MoneyField, PercentField

from .models import Invoice

INSTALMENT_ROWS_MAX = 120  # the services' limit (plans.INSTALMENTS_MAX); more rows are not read
EXPENSE_ROWS_MAX = 100  # the services' limit of lines on a claim


def _money_field(label: Any, *, required: bool = True) -> MoneyField:
    return MoneyField(label=label, required=required)


def given(data: dict[str, Any]) -> dict[str, Any]:
    """The values a user filled in: an empty field leaves the service's default (as an API body that omits it)."""
    return {k: v for k, v in data.items() if v not in (None, "")}


class PaymentForm(forms.Form):
    context_name = "payment_form"  # the name a page knows the bound form by
    amount = _money_field(_("Amount"))
    received_on = DateField(label=_("Date received"), required=False)
    method = DictionaryChoiceField(label=_("Payment method"), dictionary="payment_method", required=False)
    account = forms.CharField(label=_("Receiving account"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    manual = forms.BooleanField(required=False)

    def payment_data(self) -> dict[str, Any]:
        data = {k: self.cleaned_data[k] for k in ("amount", "received_on", "method", "account", "note")}
        return given(data)

    def allocations(self) -> list[dict[str, Any]] | None:
        """The split typed by hand (alloc_<instalment id> = amount), or None for "oldest due first"."""
        if not self.cleaned_data.get("manual"):
            return None
        return [
            {"instalment_id": key.split("_", 1)[1], "amount": value.strip()}
            for key, value in self.data.items()
            if key.startswith("alloc_") and str(value).strip()
        ]


class InvoiceForm(forms.Form):
    context_name = "invoice_form"  # the name a page knows the bound form by
    number = forms.CharField(label=_("Invoice number"), max_length=40)
    issued_on = DateField(label=_("Invoice date"), required=False)
    kind = forms.ChoiceField(label=_("Invoice type"), choices=Invoice.Kind.choices, required=False)
    amount = _money_field(_("Amount incl. tax"))
    tax_rate = PercentField(label=_("Tax rate"), required=False, min_value=0, max_value=100, decimal_places=2)
    buyer_title = forms.CharField(label=_("Buyer title"), max_length=200, required=False)
    buyer_tax_id = forms.CharField(label=_("Buyer tax id"), max_length=30, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_tax_rate(self) -> Decimal | None:
        """Typed in % ("13"); the service takes a fraction (0.13). A value below 1 is a fraction already."""
        value: Decimal | None = self.cleaned_data.get("tax_rate")
        if value is None:
            return None
        return value / 100 if value >= 1 else value

    def invoice_data(self) -> dict[str, Any]:
        return given(dict(self.cleaned_data))


class PlanGenerateForm(forms.Form):
    context_name = "generate_form"  # the name a page knows the bound form by
    how = forms.ChoiceField(choices=[("equal", "equal"), ("percent", "percent")], required=False)
    count = forms.IntegerField(label=_("Instalments"), required=False, min_value=1, max_value=INSTALMENT_ROWS_MAX)
    percents = forms.CharField(label=_("Percentages"), max_length=500, required=False)
    first_due_date = DateField(label=_("First due date"))
    months_between = forms.IntegerField(label=_("Months between"), required=False, min_value=0, max_value=24)

    def proposal(self) -> dict[str, Any]:
        """The service's arguments: percentages ("30/60/10", "30，60，10") or a count of equal parts."""
        data = self.cleaned_data
        raw = data.get("percents") or ""
        percents = [p.strip() for p in raw.replace("，", ",").replace("/", ",").split(",") if p.strip()]
        by_percent = data.get("how") == "percent"
        return {
            "first_due_date": data["first_due_date"],
            "count": None if by_percent else data.get("count"),
            "percents": percents if by_percent else None,
            "months_between": 1 if data.get("months_between") is None else data["months_between"],
        }


class PaymentPlanForm(forms.Form):
    """The plan table: `rows` numbered rows of id_<n>, due_date_<n>, amount_<n>, note_<n>; a row with neither a
    date nor an amount is left out."""

    context_name = "plan_form"

    version = forms.IntegerField(required=False, min_value=0)
    rows = forms.IntegerField(required=False, min_value=0, max_value=INSTALMENT_ROWS_MAX)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        count = self._row_count()
        for i in range(count):
            self.fields[f"id_{i}"] = forms.IntegerField(required=False, min_value=1)
            self.fields[f"due_date_{i}"] = DateField(label=_("Due date"), required=False)
            self.fields[f"amount_{i}"] = _money_field(_("Amount"), required=False)
            self.fields[f"note_{i}"] = forms.CharField(label=_("Note"), max_length=300, required=False)

    def _row_count(self) -> int:
        raw = str(self.data.get("rows") or "0")
        return min(int(raw), INSTALMENT_ROWS_MAX) if raw.isdigit() else 0

    def instalments(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        rows = []
        for i in range(self._row_count()):
            due, amount = data.get(f"due_date_{i}"), data.get(f"amount_{i}")
            if due is None and amount is None:
                continue
            rows.append({"id": data.get(f"id_{i}"), "due_date": due, "amount": amount, "note": data.get(f"note_{i}")})
        return rows


class ReasonForm(forms.Form):
    context_name = "reason_form"  # the name a page knows the bound form by
    reason = forms.CharField(label=_("Reason"), max_length=300)


class MarkPaidForm(forms.Form):
    context_name = "mark_paid_form"  # the name a page knows the bound form by
    reference = forms.CharField(label=_("Payment reference"), max_length=100, required=False)


class ReminderSettingsForm(forms.Form):
    context_name = "form"  # the name a page knows the bound form by
    first_overdue_days = forms.IntegerField(label=_("First overdue reminder after (days)"), min_value=1, max_value=3650)
    second_overdue_days = forms.IntegerField(
        label=_("Second overdue reminder after (days)"), min_value=1, max_value=3650
    )
    remind_on_due_date = forms.BooleanField(required=False)


class ExpenseClaimForm(forms.Form):
    """A claim with its lines: `rows` numbered rows of category_<n>, spent_on_<n>, amount_<n>, note_<n> and
    receipt_<n>; a row without an amount is left out. Which customer, follow-up and opportunity a claim must
    name is the service's rule (its message says why), so those ids are optional here."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    purpose = forms.CharField(label=_("Purpose and progress"), max_length=5000, required=False)
    customer = IdField(label=_("Customer"))
    follow_up = IdField(label=_("Follow-up"))
    opportunity = IdField(label=_("Opportunity"))
    version = forms.IntegerField(required=False, min_value=0)
    rows = forms.IntegerField(required=False, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = [("", ""), *dictionaries.active_choices("expense_category")]
        for i in range(self._row_count()):
            self.fields[f"category_{i}"] = forms.ChoiceField(label=_("Category"), choices=categories, required=False)
            self.fields[f"spent_on_{i}"] = DateField(label=_("Date"), required=False)
            self.fields[f"amount_{i}"] = _money_field(_("Amount"), required=False)
            self.fields[f"note_{i}"] = forms.CharField(label=_("Note"), max_length=300, required=False)
            self.fields[f"receipt_{i}"] = forms.FileField(label=_("Receipt"), required=False)

    def _row_count(self) -> int:
        raw = str(self.data.get("rows") or "0")
        return min(int(raw), EXPENSE_ROWS_MAX) if raw.isdigit() else 0

    def claim_data(self) -> dict[str, Any]:
        return {"title": self.cleaned_data["title"], "purpose": self.cleaned_data["purpose"]}

    def lines(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "category": data.get(f"category_{i}") or "",
                "spent_on": data.get(f"spent_on_{i}"),
                "amount": data[f"amount_{i}"],
                "note": data.get(f"note_{i}") or "",
                "receipt": data.get(f"receipt_{i}"),
            }
            for i in range(self._row_count())
            if data.get(f"amount_{i}") is not None
        ]
