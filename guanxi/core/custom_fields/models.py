"""The custom field definitions (自定义字段) an administrator adds to an object; the values live in the object's
own JSON column `custom` (CustomFieldsModel), never in an entity-attribute-value table."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..dictionaries.labels import pick_label


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    MONEY = "money", _("Amount (money)")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    BOOLEAN = "boolean", _("Yes/no")
    CHOICE = "choice", _("Single choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    USER = "user", _("User")
    CUSTOMER = "customer", _("Link to a customer")
    CONTACT = "contact", _("Link to a contact")


CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTI_CHOICE)  # the types that take a dictionary
# The types whose values can be unique among an object's records (the settings form offers "unique" for these only).
UNIQUE_TYPES = (FieldType.TEXT, FieldType.NUMBER, FieldType.MONEY, FieldType.DATE, FieldType.USER)


class CustomFieldsModel(models.Model):
    """A model whose records carry custom field values: `custom` holds {code: value} (guanxi.core.custom_fields)."""

    custom = models.JSONField(_("custom fields"), default=dict, blank=True, editable=False)

    class Meta:
        abstract = True


class CustomField(models.Model):
    """One field an administrator added to an object (`target`: a registered CustomFieldTarget, "customers.customer").

    The code never changes once created (records hold values under it); retiring a field (is_active false) takes it
    off forms, pages and the API and keeps the values on the records."""

    target = models.CharField(_("object"), max_length=60)
    code = models.SlugField(_("code"), max_length=40)
    label_zh = models.CharField(_("label (Chinese)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)
    help_zh = models.CharField(_("help text (Chinese)"), max_length=300, blank=True)
    help_en = models.CharField(_("help text (English)"), max_length=300, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    dictionary = models.CharField(_("dictionary"), max_length=50, blank=True)
    required = models.BooleanField(_("required"), default=False)
    # Required only for users of these departments (ids; their sub-departments too); empty: as `required` says.
    required_departments = models.JSONField(_("required in departments"), default=list, blank=True)
    # Opportunities: required once the deal reaches a stage of at least this win probability (0: not by stage).
    required_from_probability = models.PositiveSmallIntegerField(_("required from win probability"), default=0)
    default = models.JSONField(_("default"), null=True, blank=True)
    unique = models.BooleanField(_("unique"), default=False)
    filterable = models.BooleanField(_("filterable"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    # Role codes (org roles) who see / edit the field; empty: everyone who sees / edits the record.
    view_roles = models.JSONField(_("roles who see it"), default=list, blank=True)
    edit_roles = models.JSONField(_("roles who edit it"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["target", "order", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [
            models.UniqueConstraint(fields=["target", "code"], name="custom_field_code_unique"),
            models.CheckConstraint(condition=~models.Q(code=""), name="custom_field_code_not_blank"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return pick_label(self.label_zh, self.label_en) or self.code

    @property
    def help(self) -> str:
        return pick_label(self.help_zh, self.help_en)

    def snapshot(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in AUDITED}


AUDITED = (
    "label_zh",
    "label_en",
    "help_zh",
    "help_en",
    "type",
    "dictionary",
    "required",
    "required_departments",
    "required_from_probability",
    "default",
    "unique",
    "filterable",
    "is_active",
    "order",
    "view_roles",
    "edit_roles",
)
