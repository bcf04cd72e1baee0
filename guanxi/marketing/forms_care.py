"""Web forms of customer care and events: they parse and display input; every rule is the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.widgets import DateTimeInput
from guanxi.org.forms import TablerMixin

from .models import Campaign, Segment
from .models_care import Greeting
from .models_events import Event
from .occasions import Occasion


class GreetingForm(TablerMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    occasion = forms.ChoiceField(label=_("Occasion"), choices=Occasion.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Greeting.Channel.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Greeting.Language.choices)
    segment = forms.ModelChoiceField(
        label=_("Segment"), queryset=Segment.objects.order_by("name"), required=False,
        help_text=_("Empty: every contact who may be contacted on the channel."),
    )  # fmt: skip
    call_levels = forms.MultipleChoiceField(
        label=_("Call key accounts instead"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Contacts of customers at these levels get no message: their owner gets a task to call."),
    )  # fmt: skip
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Message"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Merge fields: {{ name }}, {{ company }}, {{ title }}, {{ owner }}, {{ custom }}. The "
                    "unsubscribe link is added at the end."),
    )  # fmt: skip
    custom_text = forms.CharField(label=_("Custom text ({{ custom }})"), max_length=500, required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        from guanxi.customers.models import Customer

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["call_levels"].choices = Customer.Level.choices  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, object]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class EventForm(TablerMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Event.Kind.choices)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.order_by("-created_at"), required=False,
        help_text=_("Attendees become leads tagged with this campaign."),
    )  # fmt: skip
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, max_value=1_000_000, required=False,
                                  help_text=_("0: no limit."))  # fmt: skip
    registration_open = forms.BooleanField(label=_("Registration open"), required=False, initial=True)
    description = forms.CharField(
        label=_("Description"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_data(self) -> dict[str, object]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["capacity"] = data.get("capacity") or 0
        return data


HONEYPOT = "website"  # the spam trap, as on the public ticket and lead forms: hidden from people, filled by bots


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=100)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False,
                             help_text=_("Your check-in code is sent here."))  # fmt: skip
    website = forms.CharField(label=_("Website"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields[HONEYPOT].widget.attrs.update(tabindex="-1", autocomplete="off")
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def registration_data(self) -> dict[str, object]:
        return {k: v for k, v in self.cleaned_data.items() if k != HONEYPOT}


class CarePlanForm(TablerMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    levels = forms.MultipleChoiceField(
        label=_("Customer levels"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Customers at these levels follow the plan; others can be added by hand."),
    )  # fmt: skip
    visit_months = forms.IntegerField(label=_("A visit every … months"), min_value=0, max_value=24, required=False,
                                      help_text=_("0 or empty: no visits."))  # fmt: skip
    call_months = forms.IntegerField(label=_("A call every … months"), min_value=0, max_value=24, required=False)
    gift_months = forms.IntegerField(label=_("A gift every … months"), min_value=0, max_value=24, required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        from guanxi.customers.models import Customer

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["levels"].choices = Customer.Level.choices  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, object]:
        data = self.cleaned_data
        steps = [{"kind": kind, "every_months": data[f"{kind}_months"]} for kind in ("visit", "call", "gift")
                 if data.get(f"{kind}_months")]  # fmt: skip
        return {"name": data["name"], "levels": data["levels"], "steps": steps, "active": data["active"]}

    @staticmethod
    def initial_of(plan: Any) -> dict[str, object]:
        every = {step["kind"]: step["every_months"] for step in plan.steps}
        return {"name": plan.name, "levels": plan.levels, "active": plan.active, "version": plan.version,
                **{f"{kind}_months": every.get(kind) for kind in ("visit", "call", "gift")}}  # fmt: skip
