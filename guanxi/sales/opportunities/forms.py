"""Web forms for opportunities: the deal form with its contact-role and product-line rows, and closing as lost.
They parse and display input only; every business rule is checked by the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.dictionaries.fields import DictionaryChoiceField
from guanxi.core.forms import DateField, MoneyField
from guanxi.core.money import AMOUNT_MAX, CENT
from guanxi.core.widgets import SearchSelect, SearchSelectMultiple
from guanxi.customers.forms import UserMultipleChoiceField
from guanxi.org.forms import TablerMixin

from .models import OpportunityContact


class OpportunityForm(TablerMixin, forms.Form):
    """Create or edit a deal. The customer is chosen only on create, among those in the user's reach."""

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None, widget=SearchSelect(remote="customers"))  # type: ignore[arg-type]
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    amount = MoneyField(label=_("Amount (元)"), max_digits=14, min_value=0, max_value=AMOUNT_MAX - CENT)
    expected_close_date = DateField(label=_("Expected signing date"), required=False)
    source = DictionaryChoiceField(label=_("Source"), dictionary="opportunity_source")
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    collaborators = UserMultipleChoiceField(
        label=_("Collaborators"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        widget=SearchSelectMultiple(),
    )
    competitors = forms.ModelMultipleChoiceField(
        label=_("Competitors"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, customers: Any = None, users: Any = None, competitors: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if customers is None:
            del self.fields["customer"]
        else:
            self.fields["customer"].queryset = customers
            self.fields["customer"].widget.attrs.update(
                {
                    "hx-get": reverse("sales:opportunity_contact_rows"),
                    "hx-trigger": "change",
                    "hx-target": "#contact-rows",
                    "hx-swap": "outerHTML",
                }
            )
        self.fields["collaborators"].queryset = users
        self.fields["competitors"].queryset = competitors


class OpportunityRows:
    """The repeated rows of the opportunity form: contact roles (contact + role) and free product lines
    (product, quantity, unit price). Parses the posted lists only; the service checks the values and its
    errors (fields "contacts" / "lines", naming the row) are shown under the section."""

    ROLE_CHOICES = OpportunityContact.Role.choices

    def __init__(
        self,
        data: Any = None,
        *,
        contacts: list[Any],
        initial_contacts: list[tuple[int, str]] | None = None,
        initial_lines: list[dict[str, Any]] | None = None,
    ) -> None:
        self.contact_choices = contacts
        self.errors: dict[str, list[str]] = {}
        if data is not None:
            self.contact_rows = list(
                zip(data.getlist("contact_role-contact"), data.getlist("contact_role-role"), strict=False)
            )
            self.line_rows = [
                {"description": d, "quantity": q, "unit_price": p}
                for d, q, p in zip(
                    data.getlist("line-description"),
                    data.getlist("line-quantity"),
                    data.getlist("line-unit_price"),
                    strict=False,
                )
            ]
        else:
            self.contact_rows = [(str(pk), role) for pk, role in initial_contacts or []]
            self.line_rows = [
                {k: str(v) for k, v in line.items() if k in ("description", "quantity", "unit_price")}
                for line in initial_lines or []
            ]

    def contacts(self) -> list[tuple[Any, str]]:
        """(Contact, role) for the filled rows; a contact not offered is an error on "contacts"."""
        by_id = {str(c.pk): c for c in self.contact_choices}
        result = []
        for i, (pk, role) in enumerate(self.contact_rows, start=1):
            if not pk.strip():
                continue
            if pk not in by_id:
                message = _("Choose a contact of this customer.")
                msg = str(_("Row %(row)s: %(message)s") % {"row": i, "message": message})
                self.errors.setdefault("contacts", []).append(msg)
                continue
            result.append((by_id[pk], role))
        return result

    def lines(self) -> list[dict[str, Any]]:
        """The product lines whose fields are not all empty."""
        return [row for row in self.line_rows if any(str(v).strip() for v in row.values())]

    def add_errors(self, fields: dict[str, list[str]]) -> None:
        for key in ("contacts", "lines"):
            self.errors.setdefault(key, []).extend(fields.get(key, []))


class CloseLostForm(TablerMixin, forms.Form):
    lost_reason = forms.ModelChoiceField(label=_("Why was it lost?"), queryset=None)  # type: ignore[arg-type]
    lost_to = forms.ModelChoiceField(label=_("Lost to"), queryset=None, required=False)  # type: ignore[arg-type]
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, reasons: Any, competitors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lost_reason"].queryset = reasons
        self.fields["lost_to"].queryset = competitors
