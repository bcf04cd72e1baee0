"""The webhook form: name, URL, events (one checkbox each), active."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import TablerForm
from .selectors import event_type_choices


class WebhookForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("E.g. “ERP customer sync”."))
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where Guanxi posts each event. Private and loopback addresses are refused unless allowed."),
    )
    event_types = forms.MultipleChoiceField(label=_("Events"), widget=forms.CheckboxSelectMultiple, choices=())
    reader_role = forms.ChoiceField(
        label=_("Custom fields as seen by"),
        required=False,
        choices=(),
        help_text=_("The body carries the custom fields this role sees; none chosen: only the fields every role sees."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any):
        from ..models import Role

        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = [(e.key, f"{e.label} ({e.key})") for e in event_type_choices()]
        roles = [(r.code, r.name) for r in Role.objects.order_by("name")]
        self.fields["reader_role"].choices = [("", _("No role: fields every role sees")), *roles]
