"""Web forms of the marketing app: they parse and display input; every rule is the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.widgets import DateInput
from guanxi.org.forms import TablerMixin

from .models import Campaign, Channel, Consent, Segment, Suppression


class SegmentForm(TablerMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Segment.Kind.choices)
    base = forms.ChoiceField(label=_("Based on"), choices=Segment.Base.choices)
    query = forms.CharField(
        label=_("Filters"), max_length=4000, required=False,
        help_text=_("Filter the customer or contact list, then paste its address here (or only the part after ?)."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_data(self) -> dict[str, str]:
        return {k: self.cleaned_data[k] for k in ("name", "kind", "base", "query", "description")}


class SuppressionForm(TablerMixin, forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    address = forms.CharField(label=_("Address"), max_length=254, help_text=_("An e-mail, mobile number or WeChat id."))
    reason = forms.ChoiceField(label=_("Reason"), choices=Suppression.Reason.choices, initial="manual")
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    status = forms.ChoiceField(label=_("Consent"), choices=Consent.Status.choices)
    source = forms.ChoiceField(label=_("Source"), choices=Consent.Source.choices, initial="verbal")
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class CampaignForm(TablerMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    goal = forms.CharField(label=_("Goal"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=Segment.objects.order_by("name"), required=False)
    budget = forms.DecimalField(label=_("Budget"), max_digits=14, decimal_places=2, min_value=0, required=False)
    cost = forms.DecimalField(label=_("Actual cost"), max_digits=14, decimal_places=2, min_value=0, required=False)
    starts_on = forms.DateField(label=_("Start date"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("End date"), required=False, widget=DateInput())
    expected_responses = forms.IntegerField(label=_("Expected responses"), min_value=0, max_value=10_000_000,
                                            required=False)  # fmt: skip
    language = forms.ChoiceField(label=_("Language"), choices=Campaign.Language.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Message"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Merge fields: {{ name }}, {{ company }}, {{ title }}, {{ owner }}, {{ custom }}. Links are "
                    "tracked; the unsubscribe link is added at the end."),
    )  # fmt: skip
    custom_text = forms.CharField(label=_("Custom text ({{ custom }})"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_data(self) -> dict[str, object]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["budget"] = data.get("budget") or 0
        data["cost"] = data.get("cost") or 0
        data["expected_responses"] = data.get("expected_responses") or 0
        return data
