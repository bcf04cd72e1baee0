"""Forms of the membership pages: they only read what was typed; the services check and refuse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.custom_fields.forms import PREFIX, custom_form_values
from guanxi.core.widgets import DateInput, MoneyInput, SearchSelect
from guanxi.org.forms import TablerMixin

from .models import Coupon, EarningRule, LoyaltyProgramme, Tier


class EnrolForm(TablerMixin, forms.Form):
    customer = forms.CharField(label=_("Customer"), widget=SearchSelect(remote="customers"))
    contact = forms.CharField(label=_("Contact (empty: the customer itself)"), required=False,
                              widget=SearchSelect(remote="contacts"))  # fmt: skip

    def service_data(self) -> dict[str, Any]:
        return member_data(self)


class MemberEditForm(TablerMixin, forms.Form):
    """A member's joining date and custom fields (the view attaches those the editor may set)."""

    joined_on = forms.CharField(label=_("Joined on"), widget=DateInput())
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def service_data(self) -> dict[str, Any]:
        return member_data(self)


def member_data(form: forms.Form) -> dict[str, Any]:
    """The built-in fields typed, and the custom ones (`custom`) when the form carries any."""
    data = {k: v for k, v in form.cleaned_data.items() if k != "version" and not k.startswith(PREFIX)}
    if getattr(form, "custom_field_names", None):
        data["custom"] = custom_form_values(form)
    return data


NUMERIC = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})


class RedeemForm(TablerMixin, forms.Form):
    points = forms.CharField(label=_("Points to redeem"), max_length=12, widget=NUMERIC)
    note = forms.CharField(label=_("For"), max_length=300, required=False)


class AdjustForm(TablerMixin, forms.Form):
    points = forms.CharField(label=_("Points (+ or -)"), max_length=12, widget=NUMERIC)
    note = forms.CharField(label=_("Reason"), max_length=300)


class CouponUseForm(TablerMixin, forms.Form):
    code = forms.CharField(label=_("Coupon code"), max_length=40)
    contract = forms.CharField(label=_("Contract id"), required=False, max_length=20, widget=NUMERIC)
    quote = forms.CharField(label=_("Quote id"), required=False, max_length=20, widget=NUMERIC)


class CouponForm(TablerMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Coupon.Kind.choices)
    value = forms.CharField(label=_("Value (yuan or percent)"), max_length=20, widget=MoneyInput())
    valid_from = forms.CharField(label=_("Valid from"), widget=DateInput())
    valid_until = forms.CharField(label=_("Valid until"), widget=DateInput())
    limit_total = forms.CharField(label=_("Limit in total (empty: no limit)"), required=False, max_length=10)
    limit_per_member = forms.CharField(label=_("Limit per member"), max_length=10, initial="1")
    min_tier = forms.ChoiceField(label=_("For tier and above"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["min_tier"].choices = [("", _("Every member")), *((str(t.pk), t.name) for t in Tier.objects.all())]

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class ProgrammeForm(TablerMixin, forms.Form):
    tier_basis = forms.ChoiceField(label=_("Tiers measured by"), choices=LoyaltyProgramme.Basis.choices)
    tier_period_days = forms.CharField(label=_("Over the last (days)"), max_length=5)
    points_valid_days = forms.CharField(label=_("Points expire after (days)"), max_length=5)


class TierForm(TablerMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    threshold = forms.CharField(label=_("Threshold (yuan or points)"), max_length=20, widget=MoneyInput())
    benefits = forms.CharField(label=_("Benefits"), max_length=300, required=False)


class EarningRuleForm(TablerMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    trigger = forms.ChoiceField(label=_("Earned for"), choices=EarningRule.Trigger.choices)
    points = forms.CharField(label=_("Points"), max_length=10)
    per_amount = forms.CharField(
        label=_("For every (yuan; purchases only)"), max_length=20, required=False, widget=MoneyInput()
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
