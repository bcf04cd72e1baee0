"""Web forms for leads and assignment rules. They parse and display input only: fields come from the
models (labels, choices, lengths) and every business rule is checked by the services, whose errors
the views put back on the form (core.views_util.form_add_errors)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.forms import DateField, MoneyField
from guanxi.core.widgets import SearchSelect
from guanxi.customers.forms import PROVINCES
from guanxi.org.forms import TablerMixin

from .models import Lead, LeadAssignmentRule

__all__ = [
    "PROVINCES",
    "AssignForm",
    "ConvertForm",
    "LeadForm",
    "LoseForm",
    "PublicLeadForm",
    "RuleForm",
    "ScreenForm",
]

HONEYPOT = "website"  # the spam trap: hidden from people, filled in by bots


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        dept = f" · {obj.department}" if getattr(obj, "department_id", None) else ""
        return f"{obj}{dept}"


def _style(widget: forms.Widget) -> None:
    """Tabler's class for a widget (the same choice as org.forms.TablerMixin)."""
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.HiddenInput):
        return
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class _ModelFieldsForm(TablerMixin, forms.Form):
    """A plain form with fields built from model fields, so the model is validated once, in the service."""

    model: type[Any]
    model_fields: list[str] = []
    widgets: dict[str, Any] = {}
    field_classes: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)  # styles the declared fields
        built = forms.fields_for_model(
            self.model, fields=self.model_fields, widgets=self.widgets, field_classes=self.field_classes
        )
        declared = dict(self.fields)
        self.fields = {name: built[name] for name in self.model_fields if name in built}
        for field in self.fields.values():
            _style(field.widget)
        self.fields.update(declared)

    def model_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in self.model_fields if k in self.cleaned_data}


LEAD_WIDGETS = {
    "need": forms.Textarea(attrs={"rows": 4, "maxlength": 5000}),
    "province": forms.TextInput(attrs={"list": "province-options", "autocomplete": "off"}),
    "mobile": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    "phone": forms.TextInput(attrs={"inputmode": "tel"}),
    "email": forms.EmailInput(attrs={"autocomplete": "email"}),
}


class LeadForm(_ModelFieldsForm):
    model = Lead
    model_fields = [
        "company_name",
        "person_name",
        "title",
        "mobile",
        "phone",
        "email",
        "wechat",
        "source",
        "province",
        "city",
        "industry",
        "size",
        "need",
    ]
    widgets = LEAD_WIDGETS
    owner = UserChoiceField(
        queryset=None,
        widget=SearchSelect(),
        label=_("Assign to"),
        required=False,
        help_text=_("Leave empty to put the lead in the screening queue."),
    )

    def __init__(self, *args: Any, assignees: list[Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["person_name"].label = _("Contact's full name")  # a person's name: 姓名, not 名称
        if assignees is None:
            del self.fields["owner"]
        else:
            from guanxi.org.models import User

            self.fields["owner"].queryset = User.objects.filter(pk__in=[u.pk for u in assignees]).select_related(
                "department"
            )


class ScreenForm(TablerMixin, forms.Form):
    valid = forms.TypedChoiceField(
        choices=[("1", _("Valid")), ("0", _("Invalid"))], coerce=lambda v: v == "1", label=_("Result")
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


class AssignForm(TablerMixin, forms.Form):
    assignee = UserChoiceField(
        queryset=None, label=_("Assign to"), empty_label=_("Choose a person…"), widget=SearchSelect()
    )

    def __init__(self, *args: Any, assignees: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        from guanxi.org.models import User

        self.fields["assignee"].queryset = User.objects.filter(pk__in=[u.pk for u in assignees]).select_related(
            "department"
        )


class LoseForm(TablerMixin, forms.Form):
    reason = forms.CharField(label=_("Why was it lost?"), max_length=300)


class ConvertForm(TablerMixin, forms.Form):
    """Conversion: the customer's name (prefilled from the lead) and an optional opportunity.

    The customer fields keep the customer model's names so the duplicate check's field errors land here."""

    name = forms.CharField(label=_("Customer name"), max_length=200)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False)
    create_opportunity = forms.BooleanField(label=_("Also create an opportunity"), required=False, initial=True)
    opportunity_name = forms.CharField(label=_("Opportunity name"), max_length=200, required=False)
    amount = MoneyField(label=_("Expected amount (CNY)"), max_digits=14, min_value=0, required=False)
    expected_close_date = DateField(label=_("Expected close date"), required=False)


class PublicLeadForm(TablerMixin, forms.Form):
    """The public enquiry form on the company website (field names match the lead's)."""

    person_name = forms.CharField(label=_("Your name"), max_length=100)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    mobile = forms.CharField(
        label=_("Mobile"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    province = forms.CharField(
        label=_("Province"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"list": "province-options", "autocomplete": "off"}),
    )
    city = forms.CharField(label=_("City"), max_length=30, required=False)
    need = forms.CharField(
        label=_("How can we help?"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 5000}),
    )
    # Where the visitor came from (?ref= on the form's address, e.g. a campaign's link): kept on the lead.
    referral = forms.CharField(
        max_length=100, required=False, widget=forms.HiddenInput,
        validators=[RegexValidator(r"^[A-Za-z0-9:_\-]*$", _("Not a valid reference."))],
    )  # fmt: skip
    # The spam trap: hidden with CSS and from screen readers; people leave it empty.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def lead_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != HONEYPOT}


class _ListField(forms.CharField):
    """A comma-separated list typed into one box (、 and ， work too); the service splits and checks it."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value


class RuleForm(_ModelFieldsForm):
    model = LeadAssignmentRule
    model_fields = [
        "name",
        "priority",
        "is_active",
        "target_user",
        "target_department",
        "distribution",
        "max_open_leads",
    ]
    field_classes = {"target_user": UserChoiceField}
    provinces = _ListField(
        label=_("Provinces"),
        required=False,
        max_length=2000,
        help_text=_("Separate several with commas. Empty: any province."),
        widget=forms.TextInput(attrs={"list": "province-options", "autocomplete": "off"}),
    )
    industries = _ListField(
        label=_("Industries"),
        required=False,
        max_length=2000,
        help_text=_("Separate several with commas (codes or names of the industry list). Empty: any industry."),
    )
    sizes = forms.MultipleChoiceField(
        label=_("Sizes"),
        choices=partial(dictionaries.active_choices, "company_size"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("None ticked: any size."),
    )
    sources = forms.MultipleChoiceField(
        label=_("Sources"),
        choices=partial(dictionaries.active_choices, "customer_source"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("None ticked: any source."),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        from guanxi.org.models import Department, User

        self.fields["target_user"].queryset = User.objects.filter(is_active=True).select_related("department")
        self.fields["target_department"].queryset = Department.objects.filter(is_active=True)
        self.fields["priority"].required = False

    def rule_data(self) -> dict[str, Any]:
        data = self.model_data()
        for key in ("provinces", "industries", "sizes", "sources"):
            data[key] = self.cleaned_data.get(key) or []
        return data


# --- opportunities (销售机会) ------------------------------------------------------------------------
