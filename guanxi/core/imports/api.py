"""REST endpoints of spreadsheet import: upload (with a dry run or straight to the import), status
and progress, the row-by-row report, starting the import, and the templates.

Mounted on the single NinjaAPI: `api.add_router("", imports_router)` in guanxi/api/main.py.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from guanxi.core.api import (
    IDEMPOTENCY_HEADER,
    REPLAYED_HEADER,
    CountIsExact,
    InputSchema,
    PageParams,
    api_user,
    error_responses,
    paginate,
)
from guanxi.core.errors import InvalidStateError, ValidationFailed

from . import selectors, services
from .spreadsheets import XLSX_TYPE, report_xlsx, template_xlsx

router = Router()
TAGS = ["Imports"]


class ImportRowOut(Schema):
    row: int = Field(..., description="Row number in the spreadsheet.")
    action: str = Field(..., description="create, update, unchanged or reject.")
    label: str = Field(..., description="The record's name.")
    reasons: str = Field(..., description="Why a row is rejected, or warnings; `; ` between them.")
    record_id: int | None = Field(None, alias="target_id", description="The created or updated record.")


class ImportJobSummaryOut(Schema):
    id: int
    kind: str
    file_name: str
    status: str = Field(..., description="uploaded, checking, checked, queued, running, done or failed.")
    mode: str = Field(..., description="all_or_nothing or skip_bad_rows.")
    total_rows: int
    processed_rows: int
    progress: float = Field(..., description="Percent of rows processed (0-100).")
    created_count: int
    updated_count: int
    rejected_count: int
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_progress(obj: Any) -> float:
        return round(100 * obj.processed_rows / obj.total_rows, 1) if obj.total_rows else 0.0


class ImportJobOut(ImportJobSummaryOut):
    encoding: str
    headers: list[str] = Field(..., description="The file's column headers, in order.")
    mapping: dict[str, str] = Field(..., description='Column index → field: {"0": "name", "3": "phone"}.')
    dry_run: bool | None = Field(None, description="Whether `counts` and `rows` come from a dry run.")
    counts: dict[str, int] = Field(
        ...,
        description="Rows per action: create, update, unchanged, reject. After an import, what was committed: a "
        "failed import wrote nothing, so its create and update are 0.",
    )
    verdicts: dict[str, int] | None = Field(
        None, description="A failed import's rows as they were checked (create, update, unchanged, reject)."
    )
    rows: list[ImportRowOut] = Field(..., description="The first 200 rows of the report (all in /report).")

    @staticmethod
    def resolve_headers(obj: Any) -> list[str]:
        return obj.report.get("headers", [])

    @staticmethod
    def resolve_dry_run(obj: Any) -> bool | None:
        return obj.report.get("dry_run")

    @staticmethod
    def resolve_counts(obj: Any) -> dict[str, int]:
        return obj.report.get("counts", {})

    @staticmethod
    def resolve_verdicts(obj: Any) -> dict[str, int] | None:
        return obj.report.get("verdicts")

    @staticmethod
    def resolve_rows(obj: Any) -> list[dict[str, Any]]:
        return selectors.report_rows(obj, limit=200)


class ImportJobPage(Schema):
    count: int
    count_is_exact: CountIsExact = True
    items: list[ImportJobSummaryOut]
    limit: int
    offset: int


class ImportRunIn(InputSchema):
    mode: str | None = Field(None, description="Change the mode before starting: all_or_nothing or skip_bad_rows.")


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _mapping(raw: str) -> dict[str, Any] | None:
    if not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        msg = _('Send the mapping as a JSON object of column index → field, e.g. {"0": "name"}.')
        raise ValidationFailed(msg, fields={"mapping": [msg]})
    return value


@router.post(
    "/imports",
    response={200: ImportJobOut, 201: ImportJobOut, **error_responses(400, 401, 403, 409, 422)},
    tags=TAGS,
    summary="Upload a spreadsheet to import",
    openapi_extra={
        "parameters": [
            {
                "in": "header",
                "name": IDEMPOTENCY_HEADER,
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
                "description": "Optional. The same key again returns the first import (200) instead of a new one.",
            }
        ]
    },
)
def import_create(
    request: HttpRequest,
    response: HttpResponse,
    kind: Form[str],
    file: File[UploadedFile],
    mode: Form[str] = "",
    encoding: Form[str] = "",
    mapping: Form[str] = "",
    dry_run: Form[bool] = True,
) -> Any:
    """Multipart upload of an .xlsx or .csv file (`kind`: customers, contacts…). The file is checked at
    once (a bad one gets 400 and nothing is stored); then a dry run (default) or, with
    `dry_run=false`, the import itself runs in the background: poll `GET /imports/{id}`. `mapping` is
    optional JSON (column index → field); without it columns are matched by their headers."""
    job, created = services.import_job_submit(
        actor=api_user(request),
        kind=kind,
        file=file,
        file_name=file.name or "",
        mode=mode,
        encoding=encoding,
        mapping=_mapping(mapping),
        idempotency_key=request.headers.get(IDEMPOTENCY_HEADER, ""),
        dry_run=dry_run,
    )
    if not created:
        response[REPLAYED_HEADER] = "true"
    return Status(201 if created else 200, job)


@router.get("/imports", response={200: ImportJobPage, **error_responses(401, 422)}, tags=TAGS, summary="My imports")
def import_list(request: HttpRequest, page: Query[PageParams]) -> Any:
    return paginate(selectors.import_job_list(user=api_user(request)), page)


@router.get(
    "/imports/{int:job_id}", response={200: ImportJobOut, **error_responses(401, 404)}, tags=TAGS, summary="An import"
)
def import_get(request: HttpRequest, job_id: int) -> Any:
    """Status, progress (`processed_rows` of `total_rows`), counts and the first rows of the report."""
    return selectors.import_job_get(user=api_user(request), pk=job_id)


@router.get(
    "/imports/{int:job_id}/report",
    response={200: None, **error_responses(401, 404, 409)},
    tags=TAGS,
    summary="The row-by-row report (XLSX)",
)
def import_report(request: HttpRequest, job_id: int) -> HttpResponse:
    """Every row with its result and reasons beside the original cells."""
    job = selectors.import_job_get(user=api_user(request), pk=job_id)
    if not job.report.get("rows"):
        raise InvalidStateError(_("There is no report yet: wait for the dry run to finish."))
    return _xlsx(report_xlsx(job), f"import-{job.pk}-report.xlsx")


@router.post(
    "/imports/{int:job_id}/run",
    response={202: ImportJobOut, **error_responses(400, 401, 403, 404, 409, 422)},
    tags=TAGS,
    summary="Start the import",
)
def import_run(request: HttpRequest, job_id: int, payload: ImportRunIn | None = None) -> Any:
    """Queue the import after a dry run, or run a failed one again (its `error` says why it failed: bad rows, or
    the worker stopped while running it). Starting an import that is already queued, running or done changes
    nothing and answers with its state."""
    job = services.import_job_start(
        actor=api_user(request),
        job_id=job_id,
        mode=(payload.mode if payload else None) or "",
    )
    return Status(202, job)


@router.get(
    "/imports/templates/{kind}",
    response={200: None, **error_responses(400, 401, 403)},
    tags=TAGS,
    summary="An importer's template (XLSX)",
)
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    importer = services.get_importer(kind)
    importer.require_permission(api_user(request))
    return _xlsx(template_xlsx(importer), f"guanxi-{importer.kind}-template.xlsx")
