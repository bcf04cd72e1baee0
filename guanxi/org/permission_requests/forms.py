"""The request form: roles to grant (those the user lacks) and to take away (those they hold), and why."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Role


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} · {obj.get_data_scope_display()}"


class PermissionChangeRequestForm(forms.Form):
    add_roles = RoleChoiceField(
        label=_("Roles to grant"),
        queryset=Role.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    remove_roles = RoleChoiceField(
        label=_("Roles to take away"),
        queryset=Role.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("Why the change is needed; the approver reads it."),
    )

    def __init__(self, *args: Any, held: Any, lacking: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["add_roles"].queryset = lacking  # type: ignore[attr-defined]
        self.fields["remove_roles"].queryset = held  # type: ignore[attr-defined]
