"""Forms of the duplicate pages: parse and display only; the services check every rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import CustomerKey, DedupeRule


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("joint", _("Joint pursuit (add as collaborator)")), ("dismiss", _("Dismiss"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "maxlength": 300}),
        help_text=_("Required when dismissing."),
    )


class RulesForm(forms.Form):
    """One action per key kind, and the name similarity threshold."""

    def __init__(self, *args: Any, rules: list[DedupeRule], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rules = rules
        for rule in rules:
            self.fields[f"action_{rule.kind}"] = forms.ChoiceField(
                label=CustomerKey.Kind(rule.kind).label,
                choices=DedupeRule.Action.choices,
                initial=rule.action,
                widget=forms.Select(attrs={"class": "form-select"}),
            )
        self.fields["similarity"] = forms.IntegerField(
            label=_("Similar names from (%)"),
            min_value=50,
            max_value=100,
            initial=next((r.similarity for r in rules if r.kind == "name"), 90),
            widget=forms.NumberInput(attrs={"class": "form-control", "min": 50, "max": 100}),
            help_text=_("Names at least this alike are shown as possible duplicates (a warning, never a block)."),
        )

    def rule_data(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "kind": rule.kind,
                "action": data[f"action_{rule.kind}"],
                **({"similarity": data["similarity"]} if rule.kind == "name" else {}),
            }
            for rule in self.rules
        ]
