"""Web pages of staged tasks: the administrator's stage templates, starting and advancing stages on a ticket or an
asset (the panel on their pages comes from the `stage_panel` template tag), and the unfinished work of each person
in the reader's reach (oversight: 管理者可查看员工未完成任务)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.dictionaries.selectors import active_choices
from guanxi.core.errors import ApplicationError, NotFoundError
from guanxi.core.inputs import id_or_none
from guanxi.core.views_util import service_action
from guanxi.org.policies import require_permission

from .. import selectors as service_selectors
from . import services
from .models import StageRun, StageTemplate
from .work import unfinished_work


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "org.admin")
    templates = list(StageTemplate.objects.all())
    for t in templates:  # the ticket type's or asset kind's label, not its code
        t.type_label = StageTemplate.audit_text("type_code", t.type_code) or t.type_code  # type: ignore[attr-defined]
    return render(request, "service/stages/template_list.html", {"templates": templates})


def _form_context(template: StageTemplate | None, values: dict[str, Any], error: Any = None) -> dict[str, Any]:
    return {
        "template": template, "values": values, "error": error, "targets": StageTemplate.Target.choices,
        "types": active_choices("ticket_type"), "kinds": active_choices("asset_kind"),
    }  # fmt: skip


@login_required
def template_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_permission(request.user, "org.admin")
    template = get_object_or_404(StageTemplate, pk=pk) if pk else None
    if request.method == "POST":
        post = request.POST
        values = {
            "name": post.get("name", ""), "target": post.get("target", ""), "stages": post.get("stages", ""),
            "type_code": post.get("type_code", ""), "is_active": post.get("is_active") == "on",
            "auto_start": post.get("auto_start") == "on",
        }  # fmt: skip
        try:
            services.stage_template_save(actor=request.user, data=values, template=template)
        except ApplicationError as exc:
            return render(
                request, "service/stages/template_form.html", _form_context(template, values, exc), status=400
            )
        messages.success(request, _("Stage template saved."))
        return redirect("service:stage_template_list")
    values = {
        "name": template.name if template else "", "target": template.target if template else "ticket",
        "type_code": template.type_code if template else "", "is_active": template.is_active if template else True,
        "auto_start": template.auto_start if template else False,
        "stages": services.stages_text(template.stages) if template else "",
    }  # fmt: skip
    return render(request, "service/stages/template_form.html", _form_context(template, values))


@login_required
@require_POST
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "org.admin")
    template = get_object_or_404(StageTemplate, pk=pk)

    def run() -> None:
        services.stage_template_delete(actor=request.user, template=template)

    return service_action(request, run, _("Stage template deleted."), reverse("service:stage_template_list"))


@login_required
@require_POST
def stage_start(request: HttpRequest, target: str, pk: int) -> HttpResponse:
    user = request.user
    if target == "ticket":
        record: Any = service_selectors.ticket_get(user=user, pk=pk)
        back = reverse("service:ticket_detail", args=[pk])
    elif target == "asset":
        record = service_selectors.asset_get(user=user, pk=pk)
        back = reverse("service:asset_detail", args=[pk])
    else:
        raise NotFoundError(_("Not found."))
    template = StageTemplate.objects.filter(pk=id_or_none(request.POST.get("template")), is_active=True).first()

    def run() -> Any:
        if template is None:
            from guanxi.core.inputs import field_error

            raise field_error("template", _("Choose one of the list."))
        return services.stage_start(actor=user, template=template, **{target: record})

    return service_action(request, run, _("Stages started: the first tasks are created."), back)


@login_required
@require_POST
def stage_advance(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    run_row = get_object_or_404(StageRun.objects.select_related("template"), pk=pk)
    # the run is reached through its record: out of the reader's scope it is not found
    if run_row.ticket_id:
        service_selectors.ticket_get(user=user, pk=run_row.ticket_id)
        back = reverse("service:ticket_detail", args=[run_row.ticket_id])
    else:
        service_selectors.asset_get(user=user, pk=run_row.asset_id)
        back = reverse("service:asset_detail", args=[run_row.asset_id])

    def run() -> Any:
        return services.stage_advance(actor=user, run=run_row)

    return service_action(request, run, _("Moved to the next stage."), back)


@login_required
def work(request: HttpRequest) -> HttpResponse:
    """Each person's unfinished work in the reader's reach: open tasks, open tickets, open renewals, overdue first."""
    department = id_or_none(request.GET.get("department"))
    people = unfinished_work(user=request.user, department=department)
    from guanxi.customers.selectors import department_choices

    context = {"people": people, "department": department, "departments": department_choices()}
    return render(request, "service/stages/work.html", context)
