"""Settings pages of custom fields (自定义字段): every object's fields, add, edit, retire, restore, move up or
down. Thin: every page checks org.admin first, every write goes through core.custom_fields.services (one
transaction, audited), so a denied request changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.custom_fields import services
from guanxi.core.custom_fields.models import CustomField, FieldType
from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.errors import ApplicationError, NotFoundError
from guanxi.core.registry import registry
from guanxi.core.views_util import form_add_errors

from .forms import CustomFieldForm
from .models import Role
from .policies import require_permission
from .views_admin import _render

TAB = "custom_fields"


def _admin(request: HttpRequest) -> None:
    require_permission(request.user, services.ADMIN_PERMISSION)


def _field(pk: int) -> CustomField:
    found = CustomField.objects.filter(pk=pk, target__in=[t.model for t in registry.custom_field_target_list()]).first()
    if found is None:
        raise NotFoundError(_("No such custom field."))
    return found


def _back(target: str = "") -> str:
    url = reverse("org:custom_field_list")
    return f"{url}?object={target}" if target else url


def _form(request: HttpRequest, **kwargs: Any) -> CustomFieldForm:
    return CustomFieldForm(
        request.POST or None,
        targets=[(t.model, t.label) for t in registry.custom_field_target_list()],
        types=list(FieldType.choices),
        dictionaries=[(d.key, f"{d.label} ({d.key})") for d in dictionaries.admin_dictionaries()],
        roles=[(r.code, str(r)) for r in Role.objects.order_by("name")],
        stage_targets=tuple(t.model for t in registry.custom_field_target_list() if t.by_stage),
        **kwargs,
    )


@login_required
def custom_field_list(request: HttpRequest) -> HttpResponse:
    _admin(request)
    targets = registry.custom_field_target_list()
    chosen = request.GET.get("object", "")
    if not registry.custom_field_target_on(chosen):
        chosen = ""
    rows = list(CustomField.objects.filter(target__in=[t.model for t in targets]).order_by("target", "order", "id"))
    groups = [
        {"target": t, "fields": [r for r in rows if r.target == t.model]}
        for t in targets
        if not chosen or t.model == chosen
    ]
    return _render(
        request, "org/custom_fields/list.html", TAB, {"groups": groups, "targets": targets, "chosen": chosen}
    )


def _data(form: CustomFieldForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    if data.get("required_from_probability") is None:
        data.pop("required_from_probability", None)
    return data


@login_required
def custom_field_create(request: HttpRequest) -> HttpResponse:
    _admin(request)
    chosen = request.GET.get("object", "")
    form = _form(request, initial={"target": chosen, "type": FieldType.TEXT})
    if request.method == "POST" and form.is_valid():
        try:
            row = services.custom_field_create(actor=request.user, data=_data(form))
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": row.label})
            return redirect(_back(row.target))
    context = {"form": form, "title": _("New custom field"), "back_url": _back(chosen)}
    return _render(request, "org/simple_form.html", TAB, context)


def _default_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@login_required
def custom_field_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    row = _field(pk)
    initial = {name: getattr(row, name) for name in services.EDITABLE}
    initial["default"] = _default_text(row.default)
    target = registry.custom_field_targets[row.target]
    form = _form(request, initial=initial, editing=True, by_stage=target.by_stage, fixed_type=row.type)
    if request.method == "POST" and form.is_valid():
        try:
            services.custom_field_update(actor=request.user, field_id=row.pk, data=_data(form))
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Changes to %(name)s were saved.") % {"name": row.label})
            return redirect(_back(row.target))
    context = {
        "form": form,
        "title": f"{target.label} · {row.label}",
        "hint": _("The code “%(code)s” and the type (%(type)s) stay: records hold values under them.")
        % {"code": row.code, "type": row.get_type_display()},
        "back_url": _back(row.target),
    }
    return _render(request, "org/simple_form.html", TAB, context)


ACTIONS = {
    "retire": lambda actor, pk: services.custom_field_retire(actor=actor, field_id=pk),
    "restore": lambda actor, pk: services.custom_field_restore(actor=actor, field_id=pk),
    "up": lambda actor, pk: services.custom_field_move(actor=actor, field_id=pk, step=-1),
    "down": lambda actor, pk: services.custom_field_move(actor=actor, field_id=pk, step=1),
}


@login_required
@require_POST
def custom_field_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Retire, restore, or move one place up or down (buttons on the list)."""
    _admin(request)
    row = _field(pk)
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown action."))
    else:
        try:
            action(request.user, row.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if request.POST.get("action") == "retire":
                messages.success(
                    request,
                    _("%(name)s is retired: records keep their values, forms and pages no longer show it.")
                    % {"name": row.label},
                )
            elif request.POST.get("action") == "restore":
                messages.success(request, _("%(name)s is shown again.") % {"name": row.label})
    return redirect(_back(row.target) + f"#field-{row.pk}")
