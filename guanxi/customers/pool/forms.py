"""Web forms of the public pool. They parse input only; the services check every rule and the views put
the services' errors back on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from guanxi.core.dictionaries import selectors as dictionaries

from ..models import PoolRule
from .policies import CLAIM_CAP_MAX, DAYS_MAX

RULE_FIELDS = [
    "name",
    "is_active",
    "first_warning_days",
    "second_warning_days",
    "reclaim_days",
    "levels",
    "statuses",
    "reclaim_with_open_opportunity",
    "reclaim_with_active_contract",
    "daily_claim_cap",
    "reclaim_cooldown_days",
]


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control", "maxlength": 300}),
        help_text=_("Colleagues who find the customer in the pool will see it."),
    )


class PoolRuleForm(forms.Form):
    """All fields of a pool rule; labels come from the model."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # The active entries, plus the retired ones this rule already names (kept until someone unticks them).
        held = {name: self.initial.get(name) or [] for name in ("levels", "statuses")}
        built = forms.fields_for_model(PoolRule, fields=[f for f in RULE_FIELDS if f not in ("levels", "statuses")])
        for name in RULE_FIELDS:
            if name == "levels":
                self.fields[name] = forms.MultipleChoiceField(
                    label=capfirst(PoolRule._meta.get_field("levels").verbose_name),
                    choices=dictionaries.active_choices("customer_level", keep=held["levels"]),
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    help_text=_("None ticked: all levels."),
                )
            elif name == "statuses":
                self.fields[name] = forms.MultipleChoiceField(
                    label=capfirst(PoolRule._meta.get_field("statuses").verbose_name),
                    choices=dictionaries.active_choices("customer_status", keep=held["statuses"]),
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    help_text=_("None ticked: every status except deal made."),
                )
            else:
                self.fields[name] = built[name]
        for name in ("first_warning_days", "second_warning_days", "reclaim_days", "reclaim_cooldown_days"):
            self.fields[name].validators.append(MaxValueValidator(DAYS_MAX))
            self.fields[name].widget.attrs["max"] = DAYS_MAX
        self.fields["first_warning_days"].validators.append(MinValueValidator(1))
        self.fields["first_warning_days"].widget.attrs["min"] = 1
        self.fields["daily_claim_cap"].validators.append(MaxValueValidator(CLAIM_CAP_MAX))
        self.fields["daily_claim_cap"].help_text = _("0: no limit.")
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault("class", "form-control")

    @classmethod
    def initial_from(cls, rule: PoolRule | None) -> dict[str, Any]:
        if rule is None:
            return {}
        return {name: getattr(rule, name) for name in RULE_FIELDS}
