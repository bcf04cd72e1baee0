"""Import pages: upload → column mapping → dry run → import with progress → result and report.

Thin views: parse the form, call one service or selector, render. A job is only ever shown to the
user who uploaded it (anyone else gets 404).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import ApplicationError, PermissionDeniedError
from guanxi.core.models import ImportJob
from guanxi.core.views_util import form_add_errors

from . import selectors, services
from .base import Action
from .forms import MappingForm, StartForm, UploadForm
from .spreadsheets import XLSX_TYPE, report_xlsx, template_xlsx

Status = ImportJob.Status
PREVIEW_LIMIT = 200


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@login_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.import_job_list(user=request.user), 30).get_page(request.GET.get("page"))
    importers = selectors.importers_for(user=request.user)
    labels = selectors.importer_labels()
    for job in page:
        job.kind_label = labels.get(job.kind, job.kind)  # type: ignore[attr-defined]
    return render(request, "core/imports/list.html", {"page": page, "importers": importers})


@login_required
def import_new(request: HttpRequest) -> HttpResponse:
    importers = selectors.importers_for(user=request.user)
    if not importers:
        raise PermissionDeniedError(_("You do not have permission to import data."))
    kinds = {imp.kind for imp in importers}
    wanted = request.GET.get("kind", "")
    initial = {"kind": wanted if wanted in kinds else importers[0].kind}
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, importers=importers)
        if form.is_valid():
            try:
                job, created = services.import_job_create(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    file=form.cleaned_data["file"],
                    mode=form.cleaned_data["mode"],
                    encoding=form.cleaned_data["encoding"] or "",
                    idempotency_key=form.cleaned_data["idempotency_key"] or "",
                )
            except ApplicationError as exc:
                form_add_errors(form, exc)
            else:
                if not created:
                    messages.info(request, _("This file was already uploaded; here is that import."))
                return redirect("imports:detail", pk=job.pk)
        status = 400
    else:
        form = UploadForm(initial=initial, importers=importers)
    return render(
        request,
        "core/imports/new.html",
        {"form": form, "importers": importers, "selected": form["kind"].value() or initial["kind"]},
        status=status,
    )


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    importer = services.get_importer(kind)
    importer.require_permission(request.user)
    return _xlsx(template_xlsx(importer), f"guanxi-{importer.kind}-template.xlsx")


def _detail_context(request: HttpRequest, job: ImportJob, **extra: Any) -> dict[str, Any]:
    importer = services.get_importer(job.kind)
    headers = job.report.get("headers", [])
    ctx: dict[str, Any] = {"job": job, "importer": importer, "Status": Status, "headers": headers}
    if job.status in (Status.UPLOADED, Status.CHECKED, Status.FAILED):
        form = extra.pop("mapping_form", None) or MappingForm(headers=headers, importer=importer, mapping=job.mapping)
        preview = job.report.get("preview", [])
        ctx["mapping_form"] = form
        ctx["mapping_rows"] = [
            (form[name], [row[col] for row in preview if col < len(row)][:3]) for col, name in form.columns
        ]
        ctx["required_fields"] = [f for f in importer.columns() if f.required]
    if job.report.get("counts"):
        ctx["counts"] = job.report["counts"]
        ctx["verdicts"] = job.report.get("verdicts")  # what a failed run's rows were judged (nothing was written)
        shown = request.GET.get("show", "")
        ctx["show"] = shown if shown in Action.LABELS else ""
        ctx["rows"] = selectors.report_rows(job, limit=PREVIEW_LIMIT, action=ctx["show"])
    if job.status in (Status.CHECKED, Status.FAILED):
        ctx["start_form"] = extra.pop("start_form", None) or StartForm(initial={"mode": job.mode})
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get(user=request.user, pk=pk)
    return render(request, "core/imports/detail.html", _detail_context(request, job))


@login_required
@require_POST
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get(user=request.user, pk=pk)
    importer = services.get_importer(job.kind)
    form = MappingForm(request.POST, headers=job.report.get("headers", []), importer=importer, mapping=job.mapping)
    if form.is_valid():
        try:
            services.import_job_check(
                actor=request.user, job_id=job.pk, mapping=form.mapping(), remember=form.cleaned_data["remember"]
            )
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            return redirect("imports:detail", pk=job.pk)
    ctx = _detail_context(request, job, mapping_form=form)
    return render(request, "core/imports/detail.html", ctx, status=400)


@login_required
@require_POST
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get(user=request.user, pk=pk)
    form = StartForm(request.POST)
    if form.is_valid():
        try:
            services.import_job_start(actor=request.user, job_id=job.pk, mode=form.cleaned_data["mode"])
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            return redirect("imports:detail", pk=job.pk)
    ctx = _detail_context(request, job, start_form=form)
    return render(request, "core/imports/detail.html", ctx, status=400)


@login_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar (htmx polls it); once the job has finished, the page reloads to show the result."""
    job = selectors.import_job_get(user=request.user, pk=pk, with_report=False)
    response = render(request, "core/imports/_progress.html", {"job": job, "Status": Status})
    if request.htmx and job.status not in (Status.CHECKING, Status.QUEUED, Status.RUNNING):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get(user=request.user, pk=pk)
    if not job.report.get("rows"):
        messages.warning(request, _("There is no report yet: run the check first."))
        return redirect("imports:detail", pk=job.pk)
    stem = job.file_name.rsplit(".", 1)[0][:80] or "import"
    return _xlsx(report_xlsx(job), f"{stem}-report.xlsx")
