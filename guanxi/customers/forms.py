"""Web forms for customers, contacts, follow-ups and tasks.

They parse and display input only: fields come from the models (labels, choices, lengths), and every
business rule is checked by the services, whose errors the views put back on the form.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from guanxi.core.custom_fields.forms import custom_fields_attach
from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.widgets import DATETIME_FORMATS, DateInput, DateTimeInput, SearchSelect, SearchSelectMultiple

from .models import Contact, Customer, FollowUp, Task

__all__ = ["DATETIME_FORMATS", "DateInput", "DateTimeInput"]  # imported from here by older forms


class _Provinces(Sequence[str]):
    """The provincial-level divisions offered as suggestions (the field stays free text): the active top-level
    entries of core's region dictionary, by their Chinese names (what the province column holds, decision 0010)."""

    def _names(self) -> list[str]:
        return [e.label_zh for e in dictionaries.entries("region", active_only=True, parent="")]

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: Any) -> Any:
        return self._names()[index]

    def __len__(self) -> int:
        return len(self._names())

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())


PROVINCES: Sequence[str] = _Provinces()


def cities_of(province: str) -> list[str]:
    """The active cities of a province (by its Chinese name), for the city suggestions."""
    top = next((e for e in dictionaries.entries("region", parent="") if e.label_zh == province), None)
    return [e.label_zh for e in dictionaries.entries("region", active_only=True, parent=top.code)] if top else []


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (follow-up attachments)."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        dept = f" · {obj.department}" if getattr(obj, "department_id", None) else ""
        return f"{obj}{dept}"


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        dept = f" · {obj.department}" if getattr(obj, "department_id", None) else ""
        return f"{obj}{dept}"


def _formfield(field: Any, **kwargs: Any) -> Any:
    if field.get_internal_type() == "URLField":
        kwargs.setdefault("assume_scheme", "https")  # "example.com" means https://example.com
    return field.formfield(**kwargs)


class _ModelFieldsForm(forms.Form):
    """A plain form whose fields are built from model fields (labels, choices, max lengths), so the
    model's own validation happens once, in the service."""

    model: type[Any]
    model_fields: list[str] = []
    widgets: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        built = forms.fields_for_model(
            self.model, fields=self.model_fields, widgets=self.widgets, formfield_callback=_formfield
        )
        for name, field in built.items():
            # Format checks declared on the model field (e.g. the credit-code checksum) run here too, so
            # every field error shows at once; the service validates the whole row again.
            field.validators.extend(self.model._meta.get_field(name)._validators)
        declared = dict(self.fields)
        self.fields = {name: built[name] for name in self.model_fields if name in built}
        self.fields.update(declared)
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                field.choices = [("", "—") if value == "" else (value, label) for value, label in field.choices]
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            if isinstance(field.widget, forms.Select | forms.SelectMultiple) and not isinstance(
                field.widget, forms.CheckboxSelectMultiple
            ):
                css = "form-select"
            if isinstance(field.widget, forms.HiddenInput | forms.CheckboxSelectMultiple):
                continue
            field.widget.attrs.setdefault("class", css)

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                css = widget.attrs.get("class", "")
                if "is-invalid" not in css:
                    widget.attrs["class"] = f"{css} is-invalid".strip()

    def model_data(self) -> dict[str, Any]:
        """The cleaned values that belong to the model (what the service takes as `data`)."""
        return {k: self.cleaned_data[k] for k in self.model_fields if k in self.cleaned_data}


class CustomerForm(_ModelFieldsForm):
    model = Customer
    model_fields = [
        "kind",
        "name",
        "credit_code",
        "industry",
        "province",
        "city",
        "size",
        "source",
        "level",
        "status",
        "phone",
        "email",
        "website",
        "address",
        "next_follow_up_on",
        "remarks",
    ]
    widgets = {
        "next_follow_up_on": DateInput(),
        "remarks": forms.Textarea(attrs={"rows": 3}),
        "province": forms.TextInput(attrs={"list": "province-options", "autocomplete": "off"}),
    }

    owner = UserChoiceField(queryset=None, label=_("Owner"), required=False, widget=SearchSelect())
    tags = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Tags"), required=False, widget=forms.CheckboxSelectMultiple
    )
    new_tags = forms.CharField(
        label=_("New tags"),
        required=False,
        max_length=300,
        help_text=_("Separate several tags with commas."),
    )
    collaborators = UserMultipleChoiceField(
        queryset=None,
        label=_("Collaborators"),
        required=False,
        help_text=_("Colleagues who may see and work on this customer."),
        widget=SearchSelectMultiple(),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_duplicates = forms.BooleanField(
        label=_("I checked the possible duplicates: save anyway"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(
        self, *args: Any, users: QuerySet, tags: QuerySet, can_assign: bool, customer: Customer | None = None, **kw: Any
    ):
        super().__init__(*args, **kw)
        self.customer = customer
        self.fields["tags"].queryset = tags
        self.fields["collaborators"].queryset = users
        if can_assign:
            self.fields["owner"].queryset = users
            self.fields["owner"].empty_label = _("Me")
        else:
            del self.fields["owner"]
        self.fields["name"].widget.attrs.update({"autocomplete": "off", "autofocus": customer is None})
        self.fields["credit_code"].widget.attrs.update(
            {"autocomplete": "off", "placeholder": "91110000XXXXXXXXXX", "style": "text-transform:uppercase"}
        )
        self.fields["email"].widget.attrs.setdefault("placeholder", "name@example.com")
        self.fields["website"].widget.attrs.setdefault("placeholder", "https://")

    def new_tag_names(self) -> list[str]:
        raw = (self.cleaned_data.get("new_tags") or "").replace("，", ",").replace("、", ",")
        return list(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))


def customer_initial(customer: Customer) -> dict[str, Any]:
    """The edit form's starting values."""
    data = {name: getattr(customer, name) for name in CustomerForm.model_fields}
    data.update(
        {
            "owner": customer.owner_id,
            "tags": [t.pk for t in customer.tags.all()],
            "collaborators": [u.pk for u in customer.collaborators.all()],
            "version": customer.version,
        }
    )
    return data


class ContactForm(_ModelFieldsForm):
    model = Contact
    model_fields = [
        "name",
        "title",
        "mobile",
        "phone",
        "email",
        "wechat",
        "birthday",
        "is_decision_maker",
        "is_primary",
        "remarks",
    ]
    widgets = {"birthday": DateInput(), "remarks": forms.Textarea(attrs={"rows": 2})}
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        self.fields["name"].label = _("Full name")  # a person's name: 姓名, not a company's 名称


class FollowUpForm(_ModelFieldsForm):
    model = FollowUp
    model_fields = ["method", "contact", "occurred_at", "content", "result", "next_step", "next_follow_up_on"]
    widgets = {
        "occurred_at": DateTimeInput(),
        "next_follow_up_on": DateInput(),
        "content": forms.Textarea(attrs={"rows": 3}),
    }
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, contacts: list[Contact] | QuerySet, with_files: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Only this customer's contacts are offered (and the service re-checks it).
        self._contacts = {str(c.pk): c for c in contacts}
        self.fields["contact"] = forms.ChoiceField(
            label=self.fields["contact"].label,
            required=False,
            choices=[("", "—")] + [(str(c.pk), str(c)) for c in contacts],
            widget=forms.Select(attrs={"class": "form-select"}),
        )
        self.fields["content"].widget.attrs["placeholder"] = _("What was discussed?")
        self.fields["occurred_at"].input_formats = DATETIME_FORMATS
        if not with_files:
            del self.fields["attachments"]

    def clean_contact(self) -> Contact | None:
        value = self.cleaned_data.get("contact")
        return self._contacts.get(value) if value else None


class TaskForm(_ModelFieldsForm):
    model = Task
    model_fields = ["title", "due_at", "customer", "description"]
    widgets = {
        "due_at": DateTimeInput(),
        "customer": SearchSelect(remote="customers"),
        "description": forms.Textarea(attrs={"rows": 2}),
    }
    assignee = UserChoiceField(queryset=None, label=_("Assignee"), required=False, widget=SearchSelect())

    def __init__(
        self,
        *args: Any,
        customers: QuerySet | None = None,
        customer_options: QuerySet | list | None = None,
        users: QuerySet | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["due_at"].input_formats = DATETIME_FORMATS
        if customers is None:
            del self.fields["customer"]
        else:
            # Any visible customer is accepted: the menu offers the user's own and finds the others as one types.
            self.fields["customer"].queryset = customers
            self.fields["customer"].required = False
            if customer_options is not None:
                self.fields["customer"].widget.choices = [("", "—")] + [(c.pk, c.name) for c in customer_options]
        if users is None:
            del self.fields["assignee"]
        else:
            self.fields["assignee"].queryset = users
            self.fields["assignee"].empty_label = _("Me")


class TransferForm(forms.Form):
    owner = UserChoiceField(queryset=None, label=_("New owner"), widget=SearchSelect(attrs={"class": "form-select"}))
    keep_as_collaborator = forms.BooleanField(
        label=_("Keep the previous owner as a collaborator"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, users: QuerySet, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = users


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


# --- the customer list's filters --------------------------------------------------------------
FILTER_LABELS = {
    "q": _("Search"),
    "owner": _("Owner"),
    "department": _("Department"),
    "level": _("Level"),
    "status": _("Status"),
    "source": _("Source"),
    "kind": _("Type"),
    "size": _("Size"),
    "review_status": _("Review"),
    "industry": _("Industry"),
    "province": _("Province"),
    "city": _("City"),
    "tag": _("Tag"),
    "last_contact_after": _("Last contact from"),
    "last_contact_before": _("Last contact to"),
    "no_contact_days": _("No contact for"),
    "created_after": _("Created from"),
    "created_before": _("Created to"),
    "next_follow_up_before": _("Next follow-up by"),
}
# The filter's dictionary fields (every entry, retired ones marked) and its fixed choices.
FILTER_DICTIONARIES = {
    "level": "customer_level",
    "status": "customer_status",
    "source": "customer_source",
    "size": "company_size",
    "industry": "industry",
}


class _FilterChoices(Mapping[str, dict[str, Any]]):
    """filter key -> {value: label}, read when used: dictionaries change, and labels follow the reader's language."""

    fixed = {"kind": Customer.Kind.choices, "review_status": Customer.Review.choices}

    def __getitem__(self, key: str) -> dict[str, Any]:
        if key in FILTER_DICTIONARIES:
            return dict(dictionaries.filter_choices(FILTER_DICTIONARIES[key]))
        return dict(self.fixed[key])

    def __iter__(self) -> Iterator[str]:
        return iter([*FILTER_DICTIONARIES, *self.fixed])

    def __len__(self) -> int:
        return len(FILTER_DICTIONARIES) + len(self.fixed)


FILTER_CHOICES: Mapping[str, dict[str, Any]] = _FilterChoices()


def contact_form(user: Any, data: Any = None, *, contact: Any = None, **kwargs: Any) -> ContactForm:
    """A contact's form with the custom fields `user` may edit (core.custom_fields)."""
    form = ContactForm(data, **kwargs)
    custom_fields_attach(form, user=user, target="customers.contact", instance=contact)
    return form
