"""Forms of the sign-in and administration pages. They only parse and check input; every write is a
service call in the view."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from guanxi.core.widgets import SearchSelect, SearchSelectMultiple

from . import selectors
from .models import DataScope, Department, PartnerOrganisation, Position, Role, User


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class TablerMixin:
    """Gives widgets Tabler's classes and marks invalid ones, so templates can render `{{ field }}`."""

    fields: dict[str, forms.Field]
    errors: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


class TablerForm(TablerMixin, forms.Form):
    pass


class PasswordChangeStyledForm(TablerMixin, PasswordChangeForm):
    pass


class NotificationSettingsForm(forms.Form):
    """A user's own notification settings: the topics they want (the others are muted) and the daily digest."""

    daily_digest = forms.BooleanField(label=_("Daily digest instead of one e-mail per notification"), required=False)
    receive = forms.MultipleChoiceField(label=_("Notify me about"), required=False)

    def __init__(self, *args: Any, topics: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["receive"].choices = [(t.key, t.label) for t in topics]

    def muted(self, topics: list[Any]) -> list[str]:
        wanted = set(self.cleaned_data["receive"])
        return [t.key for t in topics if t.key not in wanted]


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments in tree order, indented by depth."""

    def label_from_instance(self, obj: Department) -> str:
        return department_label(obj)


def department_label(dept: Department) -> str:
    """A department's name indented by its depth in the tree, for <option> lists."""
    depth = getattr(dept, "tree_depth", dept.depth)
    return ("\u00a0\u00a0\u00a0\u00a0" * depth) + ("└ " if depth else "") + dept.name


def department_options(*, user: User) -> list[tuple[int, str]]:
    return [(d.pk, department_label(d)) for d in selectors.department_choices(user=user)]


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        dept = f" · {obj.department}" if obj.department_id else ""
        return f"{obj} ({obj.username}){dept}"


def _tree_queryset(user: User, exclude_ids: set[int] | None = None) -> tuple[Any, list[Department]]:
    depts = [d for d in selectors.department_choices(user=user) if d.pk not in (exclude_ids or set())]
    return selectors.department_queryset(user=user, ids=[d.pk for d in depts]), depts


def _set_tree_choices(field: DepartmentChoiceField, depts: list[Department]) -> None:
    """Keep the tree order (the queryset alone would sort by path) while validating against the queryset."""
    field.choices = [("", field.empty_label or "")] + [(d.pk, field.label_from_instance(d)) for d in depts]


class _UserFieldsForm(TablerForm):
    name = forms.CharField(label=_("Full name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Mobile"), max_length=30, required=False)
    department = DepartmentChoiceField(
        queryset=Department.objects.none(), label=_("Department"), required=False, empty_label=_("(none)")
    )
    position = forms.ModelChoiceField(
        queryset=Position.objects.none(), label=_("Position"), required=False, empty_label=_("(none)")
    )
    manager = UserChoiceField(
        queryset=User.objects.none(), label=_("Manager"), required=False, empty_label=_("(none)"), widget=SearchSelect()
    )
    partner_org = forms.ModelChoiceField(
        queryset=PartnerOrganisation.objects.none(),
        label=_("Partner organisation"),
        required=False,
        empty_label=_("(none: own staff)"),
        help_text=_("Only for agents and joint ventures: they then see only their organisation's records."),
    )
    roles = forms.ModelMultipleChoiceField(
        queryset=Role.objects.none(), label=_("Roles"), required=False, widget=forms.CheckboxSelectMultiple
    )
    language = forms.ChoiceField(label=_("Language"), choices=User.Language.choices)

    def __init__(self, *args: Any, actor: User, subject: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs, depts = _tree_queryset(actor)
        self.fields["department"].queryset = qs
        _set_tree_choices(self.fields["department"], depts)
        self.fields["position"].queryset = selectors.position_choices(user=actor)
        self.fields["manager"].queryset = selectors.user_choices(user=actor, exclude=subject)
        self.fields["partner_org"].queryset = selectors.partner_org_choices(user=actor)
        self.fields["roles"].queryset = selectors.role_choices(user=actor)


class UserCreateForm(_UserFieldsForm):
    username = forms.RegexField(
        label=_("User name"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("Used to sign in: letters, digits and @ . + - _ only."),
        error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")},
    )
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits. Tell it to the user; they can change it later."),
    )
    field_order = ["username", "name", "email", "phone", "department", "position", "manager", "partner_org"]


class UserEditForm(_UserFieldsForm):
    pass


class PasswordResetForm(TablerForm):
    new_password1 = forms.CharField(
        label=_("New password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label=_("Repeat the new password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords differ."))
        return data


class DeactivateForm(TablerForm):
    successor = UserChoiceField(
        queryset=User.objects.none(),
        empty_label=_("Choose a successor…"),
        widget=SearchSelect(),
        label=_("Hand everything over to"),
        help_text=_(
            "An active user who takes over the customers, open work, pending approvals, staff and departments."
        ),
    )
    confirm = forms.BooleanField(label=_("I understand that this account is closed at once."))

    def __init__(self, *args: Any, actor: User, leaving: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = selectors.user_choices(user=actor, exclude=leaving)


class DepartmentForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Department.Kind.choices)
    parent = DepartmentChoiceField(
        queryset=Department.objects.none(),
        label=_("Parent"),
        required=False,
        empty_label=_("(top level)"),
        help_text=_("Moving a department moves everything under it."),
    )
    manager = UserChoiceField(
        queryset=User.objects.none(), label=_("Manager"), required=False, empty_label=_("(none)"), widget=SearchSelect()
    )
    requires_customer_review = forms.BooleanField(
        label=_("Review new customers"),
        required=False,
        help_text=_("New customers entered by reps stay pending until the manager or assistant approves them."),
    )
    sort_order = forms.IntegerField(
        label=_("Order"), min_value=0, max_value=100000, initial=0, help_text=_("Smaller numbers come first.")
    )

    def __init__(self, *args: Any, actor: User, department: Department | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A department cannot move under itself or its own sub-departments: leave those out of the list.
        exclude = set()
        if department is not None:
            exclude = {d.pk for d in selectors.department_choices(user=actor) if d.path.startswith(department.path)}
        qs, depts = _tree_queryset(actor, exclude)
        self.fields["parent"].queryset = qs
        _set_tree_choices(self.fields["parent"], depts)
        self.fields["manager"].queryset = selectors.user_choices(user=actor)


class RoleForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    data_scope = forms.ChoiceField(
        label=_("Data scope"),
        choices=DataScope.choices,
        help_text=_("Which records the role's permissions reach."),
    )


class RoleCreateForm(RoleForm):
    code = forms.SlugField(
        label=_("Code"),
        max_length=50,
        required=False,
        help_text=_("A short identifier for imports and the API; leave empty to derive it from the name."),
    )
    field_order = ["name", "code", "description", "data_scope"]


class PartnerOrgForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=PartnerOrganisation.Kind.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class PositionForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.SlugField(
        label=_("Code"), max_length=50, required=False, help_text=_("Leave empty to derive it from the name.")
    )


class CompanyProfileForm(TablerForm):
    """The company's details printed as the seller on quotes, invoices and statements."""

    name = forms.CharField(label=_("Company name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=60, required=False)
    tax_id = forms.CharField(
        label=_("Taxpayer ID"),
        max_length=30,
        required=False,
        help_text=_("The unified social credit code or taxpayer identification number"),
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=200, required=False)
    bank_account = forms.CharField(label=_("Bank account"), max_length=60, required=False)


class DictionaryEntryForm(TablerForm):
    """Add or edit a dictionary entry (数据字典): the code only when adding (records hold it)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=50,
        help_text=_("What records store; it never changes. Letters, digits, “_”, “-” or “.”."),
    )
    label_zh = forms.CharField(label=_("Label (Chinese)"), max_length=100)
    label_en = forms.CharField(label=_("Label (English)"), max_length=100, required=False)
    colour = forms.ChoiceField(label=_("Colour"), required=False)
    parent = forms.CharField(
        label=_("Parent code"), max_length=50, required=False, help_text=_("In a tree: the code of the entry above.")
    )

    def __init__(self, *args: Any, colours: Any = (), editing: bool = False, tree: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["colour"].choices = [("", _("Grey (none)")), *[(c, c) for c in colours]]
        if editing:
            del self.fields["code"]
        if not tree:
            del self.fields["parent"]


class CustomFieldForm(TablerForm):
    """Add or edit a custom field (自定义字段): object, code and type only when adding (records hold values under the
    code in the type's form); core.custom_fields.services checks everything again."""

    target = forms.ChoiceField(label=_("Object"))
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("What the API and imports call it; it never changes. Lowercase letters, digits and “_”."),
    )
    type = forms.ChoiceField(label=_("Type"))
    label_zh = forms.CharField(label=_("Label (Chinese)"), max_length=100)
    label_en = forms.CharField(label=_("Label (English)"), max_length=100, required=False)
    help_zh = forms.CharField(label=_("Help text (Chinese)"), max_length=300, required=False)
    help_en = forms.CharField(label=_("Help text (English)"), max_length=300, required=False)
    dictionary = forms.ChoiceField(
        label=_("Dictionary"), required=False, help_text=_("Single and multiple choice: the list to choose from.")
    )
    default = forms.CharField(
        label=_("Default"),
        max_length=200,
        required=False,
        help_text=_("What a new record starts with; several codes of a multiple choice separated by commas."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    required_departments = forms.MultipleChoiceField(
        label=_("Required in departments"),
        required=False,
        widget=SearchSelectMultiple(),
        help_text=_("Required only when a user of these departments (or one beneath them) writes the record."),
    )
    required_from_probability = forms.IntegerField(
        label=_("Required from win probability (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Opportunities: required once the deal reaches a stage of at least this probability; 0: never."),
    )
    unique = forms.BooleanField(label=_("Unique: no two records may have the same value"), required=False)
    filterable = forms.BooleanField(label=_("Filterable in lists (adds a database index)"), required=False)
    view_roles = forms.MultipleChoiceField(
        label=_("Roles who see it"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: everyone who sees the record."),
    )
    edit_roles = forms.MultipleChoiceField(
        label=_("Roles who edit it"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: everyone who may see it and edit the record."),
    )

    def __init__(
        self,
        *args: Any,
        targets: list[tuple[str, Any]],
        types: list[tuple[str, Any]],
        dictionaries: list[tuple[str, str]],
        roles: list[tuple[str, str]],
        editing: bool = False,
        by_stage: bool = True,
        stage_targets: tuple[str, ...] = (),
        fixed_type: str = "",
        **kwargs: Any,
    ) -> None:
        from guanxi.core.custom_fields.models import CHOICE_TYPES, UNIQUE_TYPES

        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets
        self.fields["type"].choices = types
        self.fields["dictionary"].choices = [("", "—"), *dictionaries]
        self.fields["view_roles"].choices = roles
        self.fields["edit_roles"].choices = roles
        self.fields["required_departments"].choices = [
            (str(d.pk), d.name) for d in Department.objects.order_by("path", "name")
        ]
        # Only what applies to the type and the object: a field being edited has both fixed, so the form leaves out
        # the rest; a new one shows them while the chosen type or object takes them (guanxi.js data-gx-applies-*;
        # without JavaScript all show and the service refuses a setting that does not apply, naming it).
        applies = {
            "dictionary": ("type", [str(t) for t in CHOICE_TYPES]),
            "unique": ("type", [str(t) for t in UNIQUE_TYPES]),
            "required_from_probability": ("target", list(stage_targets)),
        }
        if editing:
            for fixed in ("target", "code", "type"):
                del self.fields[fixed]
            for name, (when, values) in applies.items():
                if (when == "type" and fixed_type not in values) or (when == "target" and not by_stage):
                    del self.fields[name]
        else:
            for name, (when, values) in applies.items():
                self.fields[name].widget.attrs.update(
                    {"data-gx-applies-when": when, "data-gx-applies-values": " ".join(values)}
                )
