"""What the marketing app's API modules (api.py, api_care.py) share: reading one row behind marketing.view, and a
create endpoint's answer (the payload's `<fk>_id` handed to the service as `<fk>`, the ETag, 201)."""

# No `from __future__ import annotations`: django-ninja reads the endpoint annotations at import time.
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema, Status

from guanxi.core.api import set_etag
from guanxi.core.errors import NotFoundError
from guanxi.org.current import current_user
from guanxi.org.policies import require_permission


def marketing_get(request: HttpRequest, rows: QuerySet[Any], pk: int) -> Any:
    """One row of a marketing model for a reader with marketing.view: 403 without it, 404 when there is none."""
    require_permission(current_user(request), "marketing.view")
    found = rows.filter(pk=pk).first()
    if found is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    return found


def marketing_created(
    request: HttpRequest, response: HttpResponse, payload: Schema, create: Callable[..., Any], *, fk: str
) -> Status:
    """Run a create service with the payload (its `<fk>_id` passed as `<fk>`), set the ETag, answer 201."""
    data = payload.dict()
    data[fk] = data.pop(f"{fk}_id")
    created = create(actor=current_user(request), data=data)
    set_etag(response, created)
    return Status(201, created)
