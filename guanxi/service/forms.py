"""Web forms of the service app: they parse and display input; every rule is the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.custom_fields.forms import PREFIX, custom_form_values
from guanxi.core.dictionaries.fields import DictionaryChoiceField
from guanxi.core.forms import DateField
from guanxi.core.widgets import SearchSelect
from guanxi.org.forms import TablerMixin

from .models import Asset, Ticket


class AssetForm(TablerMixin, forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None, widget=SearchSelect(remote="customers"))  # type: ignore[arg-type]
    kind = DictionaryChoiceField(label=_("Kind"), dictionary="asset_kind")
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("What it is: a model, the insured items…"))
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=None, required=False, widget=SearchSelect(remote="products")
    )  # type: ignore[arg-type]
    plate_number = forms.CharField(label=_("Plate number"), max_length=30, required=False)
    policy_number = forms.CharField(label=_("Policy number"), max_length=60, required=False)
    serial_number = forms.CharField(label=_("Serial number"), max_length=100, required=False)
    previous_insurer = forms.CharField(label=_("Previous insurer"), max_length=100, required=False)
    contract = forms.ModelChoiceField(label=_("Contract"), queryset=None, required=False, widget=SearchSelect())  # type: ignore[arg-type]
    starts_on = DateField(label=_("Start date"), required=False)
    ends_on = DateField(label=_("End date"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=Asset.Status.choices)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, customers: Any, products: Any, contracts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        self.fields["product"].queryset = products
        self.fields["contract"].queryset = contracts

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data = {k: v for k, v in d.items() if k != "version" and not k.startswith(PREFIX)}
        for key in ("customer", "product", "contract"):
            data[key] = d[key].pk if d.get(key) else None
        if getattr(self, "custom_field_names", None):
            data["custom"] = custom_form_values(self)
        return data


class TicketForm(TablerMixin, forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None, widget=SearchSelect(remote="customers"))  # type: ignore[arg-type]
    type = DictionaryChoiceField(label=_("Type"), dictionary="ticket_type")
    priority = forms.ChoiceField(label=_("Priority"), choices=Ticket.Priority.choices, initial="normal")
    channel = DictionaryChoiceField(label=_("Channel"), dictionary="ticket_channel")
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=None, required=False, widget=SearchSelect())  # type: ignore[arg-type]
    asset = forms.ModelChoiceField(label=_("Asset"), queryset=None, required=False, widget=SearchSelect())  # type: ignore[arg-type]
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, customers: Any, contacts: Any, assets: Any, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        self.fields["contact"].queryset = contacts
        self.fields["asset"].queryset = assets
        if editing:
            del self.fields["attachment"]

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data = {k: v for k, v in d.items() if k not in ("version", "attachment") and not k.startswith(PREFIX)}
        for key in ("customer", "contact", "asset"):
            data[key] = d[key].pk if d.get(key) else None
        if getattr(self, "custom_field_names", None):
            data["custom"] = custom_form_values(self)
        return data
