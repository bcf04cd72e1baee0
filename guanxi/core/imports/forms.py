"""Forms of the import pages: upload, column mapping, start. Parsing only; the services decide."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import ImportJob

from .base import Importer
from .reading import ENCODINGS


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to import"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("Excel (.xlsx) or CSV (UTF-8 or GBK). The first row names the columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt,text/csv"}),
    )
    encoding = forms.ChoiceField(
        label=_("Text encoding (CSV)"),
        choices=list(ENCODINGS.items()),
        required=False,
        help_text=_("Leave on automatic unless Chinese text comes out garbled."),
    )
    mode = forms.ChoiceField(
        label=_("When rows have errors"),
        choices=[
            (ImportJob.Mode.ALL_OR_NOTHING, _("Import nothing until every row is right (all or nothing)")),
            (ImportJob.Mode.SKIP_BAD_ROWS, _("Import the good rows and report the bad ones (skip bad rows)")),
        ],
        initial=ImportJob.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    # A fresh key per rendered form: submitting the same form twice returns the first import.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)

    def __init__(self, *args: Any, importers: list[Importer], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(imp.kind, imp.label) for imp in importers]  # type: ignore[attr-defined]
        self.fields["kind"].widget.attrs["class"] = "form-select"
        self.fields["encoding"].widget.attrs["class"] = "form-select"
        self.fields["file"].widget.attrs["class"] = "form-control"
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)


class MappingForm(forms.Form):
    """One select per spreadsheet column: the field it fills, or "ignore"."""

    remember = forms.BooleanField(
        label=_("Remember this mapping for my next file"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, headers: list[str], importer: Importer, mapping: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("", _("— ignore this column —"))] + [
            (f.key, f"{f.label} *" if f.required else str(f.label)) for f in importer.columns()
        ]
        self.columns: list[tuple[int, str]] = []
        for col, header in enumerate(headers):
            name = f"col_{col}"
            self.fields[name] = forms.ChoiceField(
                label=header or _("Column %(n)s") % {"n": col + 1},
                choices=choices,
                required=False,
                initial=mapping.get(str(col), ""),
                widget=forms.Select(attrs={"class": "form-select"}),
            )
            self.columns.append((col, name))

    def mapping(self) -> dict[str, str]:
        return {str(col): self.cleaned_data.get(name) or "" for col, name in self.columns}


class StartForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("When rows have errors"),
        choices=UploadForm.base_fields["mode"].choices,  # type: ignore[attr-defined]
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
