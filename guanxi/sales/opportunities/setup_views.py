"""Sales set-up pages for administrators (org.admin): pipelines and stages, lost reasons, competitors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import ApplicationError
from guanxi.core.views_util import form_add_errors

from . import services
from . import setup_selectors as selectors
from .models import Stage


class PipelineForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    sort_order = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, max_value=10000, initial=0)
    is_default = forms.BooleanField(label=gettext_lazy("Default pipeline"), required=False)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


class StageForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    sort_order = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, max_value=10000, initial=0)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Stage.Kind.choices)
    probability = forms.IntegerField(label=gettext_lazy("Probability (%)"), min_value=0, max_value=100, initial=10)
    stall_days = forms.IntegerField(
        label=gettext_lazy("Stalled after (days)"), min_value=1, max_value=3650, required=False
    )
    required_fields = forms.MultipleChoiceField(
        label=gettext_lazy("Required fields"),
        choices=services.STAGE_REQUIRED_FIELD_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


class LostReasonForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    sort_order = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, max_value=10000, initial=0)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


class CompetitorForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    website = forms.URLField(label=gettext_lazy("Website"), max_length=200, required=False, assume_scheme="https")
    strengths = forms.CharField(label=gettext_lazy("Strengths"), max_length=5000, required=False, widget=forms.Textarea)
    weaknesses = forms.CharField(
        label=gettext_lazy("Weaknesses"), max_length=5000, required=False, widget=forms.Textarea
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


def _styled(form: forms.Form) -> forms.Form:
    """Tabler classes on the widgets (the checkbox lists are laid out by the template)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.CheckboxSelectMultiple):
            widget.attrs.setdefault("class", "form-control")
    return form


def _initial(obj: Any, form_class: type[forms.Form]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in form_class.base_fields} if obj is not None else {}


def _form_page(
    request: HttpRequest,
    *,
    form_class: type[forms.Form],
    obj: Any,
    save: Callable[[dict[str, Any]], Any],
    title: str,
    back: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """GET shows the form; POST saves through the service and returns to `back`, or shows the errors."""
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                save(form.cleaned_data)
            except ApplicationError as exc:
                form_add_errors(form, exc)
            else:
                return redirect(back)
    else:
        form = form_class(initial=_initial(obj, form_class))
    _styled(form)
    return render(
        request, "sales/admin/form.html", {"form": form, "title": title, "back": back, "obj": obj, **(extra or {})}
    )


@login_required
def pipeline_list(request: HttpRequest) -> HttpResponse:
    pipelines = list(selectors.admin_pipelines(user=request.user))  # type: ignore[arg-type]
    return render(request, "sales/admin/pipelines.html", {"pipelines": pipelines})


@login_required
def pipeline_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    pipeline = selectors.admin_pipeline_get(user=user, pk=pk) if pk else None  # type: ignore[arg-type]
    if pipeline is None:
        selectors.admin_pipelines(user=user)  # type: ignore[arg-type]  # 403 before showing an empty form
    return _form_page(
        request,
        form_class=PipelineForm,
        obj=pipeline,
        save=lambda data: services.pipeline_save(actor=user, pipeline=pipeline, data=data),  # type: ignore[arg-type]
        title=_("Edit pipeline") if pipeline else _("New pipeline"),
        back=reverse("sales:admin_pipeline_list"),
        extra={"stages": list(pipeline.stages.all()) if pipeline else [], "pipeline": pipeline},
    )


@login_required
def stage_edit(request: HttpRequest, pipeline_pk: int, pk: int | None = None) -> HttpResponse:
    user = request.user
    pipeline = selectors.admin_pipeline_get(user=user, pk=pipeline_pk)  # type: ignore[arg-type]
    stage = selectors.admin_stage_get(user=user, pipeline=pipeline, pk=pk) if pk else None  # type: ignore[arg-type]
    return _form_page(
        request,
        form_class=StageForm,
        obj=stage,
        save=lambda data: services.stage_save(actor=user, pipeline=pipeline, stage=stage, data=data),  # type: ignore[arg-type]
        title=(_("Edit stage of “%(pipeline)s”") if stage else _("New stage of “%(pipeline)s”"))
        % {"pipeline": pipeline},
        back=reverse("sales:admin_pipeline_edit", args=[pipeline.pk]),
    )


@login_required
def lost_reason_list(request: HttpRequest) -> HttpResponse:
    reasons = list(selectors.admin_lost_reasons(user=request.user))  # type: ignore[arg-type]
    return render(request, "sales/admin/lost_reasons.html", {"reasons": reasons})


@login_required
def lost_reason_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    reason = selectors.admin_lost_reason_get(user=user, pk=pk) if pk else None  # type: ignore[arg-type]
    if reason is None:
        selectors.admin_lost_reasons(user=user)  # type: ignore[arg-type]
    return _form_page(
        request,
        form_class=LostReasonForm,
        obj=reason,
        save=lambda data: services.lost_reason_save(actor=user, reason=reason, data=data),  # type: ignore[arg-type]
        title=_("Edit lost reason") if reason else _("New lost reason"),
        back=reverse("sales:admin_lost_reason_list"),
    )


@login_required
def competitor_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.competitor_records(list(selectors.admin_competitors(user=request.user)))  # type: ignore[arg-type]
    return render(request, "sales/admin/competitors.html", {"competitors": rows})


@login_required
def competitor_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    competitor = selectors.admin_competitor_get(user=user, pk=pk) if pk else None  # type: ignore[arg-type]
    if competitor is None:
        selectors.admin_competitors(user=user)  # type: ignore[arg-type]
    return _form_page(
        request,
        form_class=CompetitorForm,
        obj=competitor,
        save=lambda data: services.competitor_save(actor=user, competitor=competitor, data=data),  # type: ignore[arg-type]
        title=_("Edit competitor") if competitor else _("New competitor"),
        back=reverse("sales:admin_competitor_list"),
        extra={"record": selectors.competitor_records([competitor])[0] if competitor else None},
    )
