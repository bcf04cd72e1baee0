"""The article form (knowledge base)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Article


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.CharField(label=_("Category"), max_length=60, required=False)
    tags = forms.CharField(label=_("Tags"), max_length=400, required=False, help_text=_("Separated by commas."))
    product = forms.ChoiceField(label=_("Product"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=Article.Language.choices)
    status = forms.ChoiceField(label=_("Status"), choices=Article.Status.choices)
    problem = forms.CharField(label=_("Problem"), max_length=20000, required=False, widget=forms.Textarea)
    cause = forms.CharField(label=_("Cause"), max_length=20000, required=False, widget=forms.Textarea)
    solution = forms.CharField(label=_("Solution"), max_length=20000, widget=forms.Textarea)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, products: Any = (), categories: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", "—")] + [(str(p.pk), p.name) for p in products]  # type: ignore[attr-defined]
        for name in ("problem", "cause", "solution"):
            self.fields[name].widget.attrs["rows"] = 4
        self.fields["category"].widget.attrs["list"] = "article-categories"
        self.categories = list(categories)
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def article_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}
