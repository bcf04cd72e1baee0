"""REST endpoints for customers, contacts, follow-ups, tasks and global search.

Each endpoint parses its schema, calls selectors/services (which check permission and data scope)
and serialises the result; errors become the shared envelope (guanxi.core.api).
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from guanxi.core.accesslog import access_log_record
from guanxi.core.api import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    IfMatch,
    PageParams,
    clean_query_text,
    error_responses,
    expected_version,
    idempotent,
    paginate,
    set_etag,
)
from guanxi.core.errors import NotFoundError, ValidationFailed
from guanxi.core.models import AccessLog
from guanxi.core.schema_columns import schema_columns
from guanxi.core.selectors import global_search
from guanxi.org.current import current_user
from guanxi.org.lists.custom import filter_by_custom
from guanxi.org.selectors import users_by_ids

from . import selectors, services
from .models import Customer
from .schemas import (
    ContactFilters,
    ContactIn,
    ContactOut,
    ContactPage,
    ContactPatch,
    Customer360Out,
    CustomerDetailOut,
    CustomerFilters,
    CustomerIn,
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    ExportParams,
    FollowUpFilters,
    FollowUpIn,
    FollowUpOut,
    FollowUpPage,
    FollowUpPatch,
    ReviewIn,
    SearchOut,
    SearchParams,
    TaskDoneIn,
    TaskFilters,
    TaskIn,
    TaskOut,
    TaskPage,
    TaskPatch,
    TransferIn,
    TransferOut,
)

router = Router()

CUSTOMERS = ["Customers"]
CONTACTS = ["Contacts"]
FOLLOW_UPS = ["Follow-ups"]
TASKS = ["Tasks"]
SEARCH = ["Search"]


def _filters(schema: Any) -> dict[str, Any]:
    return schema.dict(exclude_none=True)


def _ref(load: Any, field: str, **kwargs: Any) -> Any:
    """An object named by id in a request body: one the user cannot see is a 400 on that field."""
    try:
        return load(**kwargs)
    except NotFoundError as exc:
        raise ValidationFailed(exc.message, fields={field: [exc.message]})


def _customer_ref(request: HttpRequest, pk: int, field: str = "customer_id") -> Any:
    return _ref(selectors.customer_get, field, user=current_user(request), pk=pk)


def _contact_ref(request: HttpRequest, pk: int | None, field: str = "contact_id") -> Any:
    if pk is None:
        return None
    return _ref(selectors.contact_get, field, user=current_user(request), pk=pk)


def _m2m_data(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """collaborator_ids/tag_ids in a body → the user and tag rows the service expects."""
    if data.get("collaborator_ids") is not None:
        data["collaborators"] = users_by_ids(
            user=current_user(request), ids=data["collaborator_ids"], field="collaborator_ids"
        )
    if data.get("tag_ids") is not None:
        data["tags"] = selectors.tags_by_ids(ids=data["tag_ids"])
    data.pop("collaborator_ids", None)
    data.pop("tag_ids", None)
    return data


# --- customers -------------------------------------------------------------------------------
@router.get("/customers", response={200: CustomerPage, **LIST_ERRORS}, tags=CUSTOMERS, summary="List customers")
def customer_list(request: HttpRequest, filters: Query[CustomerFilters], page: Query[PageParams]) -> object:
    """The customers you may see, with every filter of the web list (repeat `level`, `status`, `source`
    and `tag` for several values) and `sort` (name, updated, created, last_contact, next_follow_up,
    level; prefix `-` for descending)."""
    user = current_user(request)
    qs = selectors.customer_list(user=user, filters=_filters(filters)).prefetch_related(None)
    qs = qs.only(*schema_columns(CustomerOut, Customer))
    qs = filter_by_custom(qs, user=user, model_label="customers.customer", pairs=filters.custom or [])
    found = paginate(qs, page)
    selectors.tags_attach(found["items"])
    return found


@router.get(
    "/customers/export",
    response=error_responses(400, 401, 403, 422),
    tags=CUSTOMERS,
    summary="Export customers",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file (formulas neutralised).",
                "content": {
                    "text/csv": {"schema": {"type": "string", "format": "binary"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}
                    },
                },
            }
        }
    },
)
def customer_export(request: HttpRequest, filters: Query[CustomerFilters], export: Query[ExportParams]) -> HttpResponse:
    """The filtered list as CSV or XLSX. Needs the customers.export permission; every export is audited."""
    content, content_type, filename = services.customer_export(
        actor=current_user(request),
        filters=_filters(filters),
        fmt=export.format,
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.post(
    "/customers", response={201: CustomerDetailOut, **WRITE_ERRORS}, tags=CUSTOMERS, summary="Create a customer"
)
@idempotent
def customer_create(request: HttpRequest, payload: CustomerIn, response: HttpResponse) -> object:
    """Register a customer (owner: you, unless `owner_id` is given and you may assign). In departments
    that review new customers it starts as `pending`."""
    data = _m2m_data(request, payload.dict(exclude_unset=True))
    collaborators, tags = data.pop("collaborators", []), data.pop("tags", [])
    confirm_warnings = data.pop("confirm_warnings", False)
    owner_id = data.pop("owner_id", None)
    owner = users_by_ids(user=current_user(request), ids=[owner_id], field="owner_id")[0] if owner_id else None
    customer = services.customer_create(
        actor=current_user(request),
        data=data,
        owner=owner,
        collaborators=collaborators,
        tags=tags,
        entry_path="api",
        confirm_warnings=confirm_warnings,
    )
    set_etag(response, customer)
    return Status(201, customer)


@router.get(
    "/customers/{int:customer_id}",
    response={200: CustomerDetailOut, **READ_ERRORS},
    tags=CUSTOMERS,
    summary="Get a customer",
)
def customer_get(request: HttpRequest, customer_id: int, response: HttpResponse) -> object:
    """One customer; the ETag header carries its version for If-Match."""
    customer = selectors.customer_get(user=current_user(request), pk=customer_id)
    set_etag(response, customer)
    return customer


@router.patch(
    "/customers/{int:customer_id}",
    response={200: CustomerDetailOut, **WRITE_ERRORS},
    tags=CUSTOMERS,
    summary="Update a customer",
)
def customer_update(
    request: HttpRequest,
    customer_id: int,
    payload: CustomerPatch,
    response: HttpResponse,
    if_match: str | None = IfMatch,
) -> object:
    """Change the fields sent. Send `If-Match: "<version>"` (or `version`) to refuse overwriting
    someone else's newer change (412)."""
    data = _m2m_data(request, payload.dict(exclude_unset=True))
    version = expected_version(if_match, data.pop("version", None))
    confirm_warnings = data.pop("confirm_warnings", False)
    customer = selectors.customer_get(user=current_user(request), pk=customer_id)
    customer = services.customer_update(
        actor=current_user(request),
        customer=customer,
        data=data,
        expected_version=version,
        confirm_warnings=confirm_warnings,
    )
    set_etag(response, customer)
    return customer


@router.delete(
    "/customers/{int:customer_id}",
    response={204: None, **WRITE_ERRORS},
    tags=CUSTOMERS,
    summary="Delete a customer",
)
def customer_delete(request: HttpRequest, customer_id: int, if_match: str | None = IfMatch) -> object:
    """Move the customer to the recycle bin (restorable)."""
    customer = selectors.customer_get(user=current_user(request), pk=customer_id, action="delete")
    services.customer_delete(
        actor=current_user(request), customer=customer, expected_version=expected_version(if_match)
    )
    return Status(204, None)


@router.post(
    "/customers/{int:customer_id}/restore",
    response={200: CustomerDetailOut, **WRITE_ERRORS},
    tags=CUSTOMERS,
    summary="Restore a deleted customer",
)
def customer_restore(request: HttpRequest, customer_id: int, response: HttpResponse) -> object:
    customer = services.customer_restore(actor=current_user(request), customer_id=customer_id)
    set_etag(response, customer)
    return customer


@router.post(
    "/customers/transfer",
    response={200: TransferOut, **WRITE_ERRORS},
    tags=CUSTOMERS,
    summary="Hand customers to another owner",
)
def customer_transfer(request: HttpRequest, payload: TransferIn) -> object:
    """Needs customers.assign. Customers out of your reach are skipped (and counted)."""
    owner = users_by_ids(user=current_user(request), ids=[payload.owner_id], field="owner_id")[0]
    moved, skipped = services.customer_transfer(
        actor=current_user(request),
        customer_ids=payload.ids,
        new_owner=owner,
        keep_as_collaborator=payload.keep_as_collaborator,
    )
    return {"moved": moved, "skipped": skipped}


@router.post(
    "/customers/{int:customer_id}/review",
    response={200: CustomerDetailOut, **WRITE_ERRORS},
    tags=CUSTOMERS,
    summary="Approve or reject a pending customer",
)
def customer_review(request: HttpRequest, customer_id: int, payload: ReviewIn, response: HttpResponse) -> object:
    """An approver of the customer's review request decides through the approval engine; anyone else needs
    customers.approve. A rejection needs a reason."""
    customer = selectors.customer_get(user=current_user(request), pk=customer_id)
    customer = services.customer_review(
        actor=current_user(request),
        customer=customer,
        approve=payload.approve,
        reason=payload.reason,
    )
    set_etag(response, customer)
    return customer


@router.post(
    "/customers/{int:customer_id}/review/resubmit",
    response={200: CustomerDetailOut, **WRITE_ERRORS},
    tags=CUSTOMERS,
    summary="Resubmit a customer returned for changes to review",
)
def customer_review_resubmit(request: HttpRequest, customer_id: int, response: HttpResponse) -> object:
    """The owner or the person who entered it, after an approver returned it (or they withdrew it)."""
    customer = selectors.customer_get(user=current_user(request), pk=customer_id)
    services.customer_review_resubmit(actor=current_user(request), customer=customer)
    customer = selectors.customer_get(user=current_user(request), pk=customer_id)
    set_etag(response, customer)
    return customer


@router.get(
    "/customers/{int:customer_id}/360",
    response={200: Customer360Out, **READ_ERRORS},
    tags=CUSTOMERS,
    summary="Customer 360: customer, contacts and timeline",
)
def customer_overview(request: HttpRequest, customer_id: int, response: HttpResponse) -> object:
    """The customer with its contacts and timeline (follow-ups, tasks and recorded changes, newest first)."""
    data = selectors.customer_overview(user=current_user(request), pk=customer_id)
    access_log_record(actor=current_user(request), kind=AccessLog.Kind.VIEW, obj=data["customer"])
    set_etag(response, data["customer"])
    return data


# --- contacts --------------------------------------------------------------------------------
@router.get("/contacts", response={200: ContactPage, **LIST_ERRORS}, tags=CONTACTS, summary="List contacts")
def contact_list(request: HttpRequest, filters: Query[ContactFilters], page: Query[PageParams]) -> object:
    user = current_user(request)
    qs = selectors.contact_list(user=user, filters=_filters(filters))
    return paginate(filter_by_custom(qs, user=user, model_label="customers.contact", pairs=filters.custom or []), page)


@router.post("/contacts", response={201: ContactOut, **WRITE_ERRORS}, tags=CONTACTS, summary="Create a contact")
@idempotent
def contact_create(request: HttpRequest, payload: ContactIn, response: HttpResponse) -> object:
    data = payload.dict(exclude_unset=True)
    customer = _customer_ref(request, data.pop("customer_id"))
    contact = services.contact_create(actor=current_user(request), customer=customer, data=data)
    set_etag(response, contact)
    return Status(201, contact)


@router.get(
    "/contacts/{int:contact_id}", response={200: ContactOut, **READ_ERRORS}, tags=CONTACTS, summary="Get a contact"
)
def contact_get(request: HttpRequest, contact_id: int, response: HttpResponse) -> object:
    contact = selectors.contact_get(user=current_user(request), pk=contact_id)
    set_etag(response, contact)
    return contact


@router.patch(
    "/contacts/{int:contact_id}", response={200: ContactOut, **WRITE_ERRORS}, tags=CONTACTS, summary="Update a contact"
)
def contact_update(
    request: HttpRequest, contact_id: int, payload: ContactPatch, response: HttpResponse, if_match: str | None = IfMatch
) -> object:
    data = payload.dict(exclude_unset=True)
    version = expected_version(if_match, data.pop("version", None))
    contact = selectors.contact_get(user=current_user(request), pk=contact_id)
    contact = services.contact_update(actor=current_user(request), contact=contact, data=data, expected_version=version)
    set_etag(response, contact)
    return contact


@router.delete(
    "/contacts/{int:contact_id}", response={204: None, **WRITE_ERRORS}, tags=CONTACTS, summary="Delete a contact"
)
def contact_delete(request: HttpRequest, contact_id: int, if_match: str | None = IfMatch) -> object:
    contact = selectors.contact_get(user=current_user(request), pk=contact_id, action="delete")
    services.contact_delete(actor=current_user(request), contact=contact, expected_version=expected_version(if_match))
    return Status(204, None)


# --- follow-ups ------------------------------------------------------------------------------
@router.get(
    "/follow-ups", response={200: FollowUpPage, **LIST_ERRORS}, tags=FOLLOW_UPS, summary="List follow-up records"
)
def follow_up_list(request: HttpRequest, filters: Query[FollowUpFilters], page: Query[PageParams]) -> object:
    return paginate(selectors.follow_up_list(user=current_user(request), filters=_filters(filters)), page)


@router.post("/follow-ups", response={201: FollowUpOut, **WRITE_ERRORS}, tags=FOLLOW_UPS, summary="Log a follow-up")
@idempotent
def follow_up_create(request: HttpRequest, payload: FollowUpIn, response: HttpResponse) -> object:
    """Record a call, visit, meeting…; the customer's last contact time moves to it."""
    data = payload.dict(exclude_unset=True)
    customer = _customer_ref(request, data.pop("customer_id"))
    if "contact_id" in data:
        data["contact"] = _contact_ref(request, data.pop("contact_id"))
    if data.get("occurred_at") is None:
        data.pop("occurred_at", None)
    follow_up = services.follow_up_create(actor=current_user(request), customer=customer, data=data)
    set_etag(response, follow_up)
    return Status(201, follow_up)


@router.get(
    "/follow-ups/{int:follow_up_id}",
    response={200: FollowUpOut, **READ_ERRORS},
    tags=FOLLOW_UPS,
    summary="Get a follow-up record",
)
def follow_up_get(request: HttpRequest, follow_up_id: int, response: HttpResponse) -> object:
    follow_up = selectors.follow_up_get(user=current_user(request), pk=follow_up_id)
    set_etag(response, follow_up)
    return follow_up


@router.patch(
    "/follow-ups/{int:follow_up_id}",
    response={200: FollowUpOut, **WRITE_ERRORS},
    tags=FOLLOW_UPS,
    summary="Correct a follow-up record",
)
def follow_up_update(
    request: HttpRequest,
    follow_up_id: int,
    payload: FollowUpPatch,
    response: HttpResponse,
    if_match: str | None = IfMatch,
) -> object:
    """Only the author may change a follow-up record (others get 403)."""
    data = payload.dict(exclude_unset=True)
    version = expected_version(if_match, data.pop("version", None))
    if "contact_id" in data:
        data["contact"] = _contact_ref(request, data.pop("contact_id"))
    follow_up = selectors.follow_up_get(user=current_user(request), pk=follow_up_id)
    follow_up = services.follow_up_update(
        actor=current_user(request),
        follow_up=follow_up,
        data=data,
        expected_version=version,
    )
    set_etag(response, follow_up)
    return follow_up


@router.delete(
    "/follow-ups/{int:follow_up_id}",
    response={204: None, **WRITE_ERRORS},
    tags=FOLLOW_UPS,
    summary="Delete a follow-up record",
)
def follow_up_delete(request: HttpRequest, follow_up_id: int, if_match: str | None = IfMatch) -> object:
    """Only the author may delete a follow-up record (others get 403)."""
    follow_up = selectors.follow_up_get(user=current_user(request), pk=follow_up_id, action="delete")
    services.follow_up_delete(
        actor=current_user(request), follow_up=follow_up, expected_version=expected_version(if_match)
    )
    return Status(204, None)


# --- tasks -----------------------------------------------------------------------------------
@router.get("/tasks", response={200: TaskPage, **LIST_ERRORS}, tags=TASKS, summary="List tasks")
def task_list(request: HttpRequest, filters: Query[TaskFilters], page: Query[PageParams]) -> object:
    return paginate(selectors.task_list(user=current_user(request), filters=_filters(filters)), page)


@router.post("/tasks", response={201: TaskOut, **WRITE_ERRORS}, tags=TASKS, summary="Create a task")
@idempotent
def task_create(request: HttpRequest, payload: TaskIn, response: HttpResponse) -> object:
    """A to-do for you, or for `assignee_id` if you may assign tasks."""
    data = payload.dict(exclude_unset=True)
    assignee_id = data.pop("assignee_id", None)
    assignee = (
        users_by_ids(user=current_user(request), ids=[assignee_id], field="assignee_id")[0] if assignee_id else None
    )
    if "customer_id" in data:
        customer_id = data.pop("customer_id")
        data["customer"] = _customer_ref(request, customer_id) if customer_id is not None else None
    task = services.task_create(actor=current_user(request), data=data, assignee=assignee)
    set_etag(response, task)
    return Status(201, task)


@router.get("/tasks/{int:task_id}", response={200: TaskOut, **READ_ERRORS}, tags=TASKS, summary="Get a task")
def task_get(request: HttpRequest, task_id: int, response: HttpResponse) -> object:
    task = selectors.task_get(user=current_user(request), pk=task_id)
    set_etag(response, task)
    return task


@router.patch("/tasks/{int:task_id}", response={200: TaskOut, **WRITE_ERRORS}, tags=TASKS, summary="Update a task")
def task_update(
    request: HttpRequest, task_id: int, payload: TaskPatch, response: HttpResponse, if_match: str | None = IfMatch
) -> object:
    data = payload.dict(exclude_unset=True)
    version = expected_version(if_match, data.pop("version", None))
    if "customer_id" in data:
        customer_id = data.pop("customer_id")
        data["customer"] = _customer_ref(request, customer_id) if customer_id is not None else None
    task = selectors.task_get(user=current_user(request), pk=task_id)
    task = services.task_update(actor=current_user(request), task=task, data=data, expected_version=version)
    set_etag(response, task)
    return task


@router.post(
    "/tasks/{int:task_id}/done", response={200: TaskOut, **WRITE_ERRORS}, tags=TASKS, summary="Mark a task done"
)
def task_done(
    request: HttpRequest,
    task_id: int,
    response: HttpResponse,
    payload: TaskDoneIn | None = None,
    if_match: str | None = IfMatch,
) -> object:
    """Tick a task off (send `{"done": false}` to reopen it)."""
    payload = payload or TaskDoneIn()
    version = expected_version(if_match, payload.version)
    task = selectors.task_get(user=current_user(request), pk=task_id)
    task = services.task_update(
        actor=current_user(request),
        task=task,
        data={"done": payload.done},
        expected_version=version,
    )
    set_etag(response, task)
    return task


@router.delete("/tasks/{int:task_id}", response={204: None, **WRITE_ERRORS}, tags=TASKS, summary="Delete a task")
def task_delete(request: HttpRequest, task_id: int, if_match: str | None = IfMatch) -> object:
    task = selectors.task_get(user=current_user(request), pk=task_id, action="delete")
    services.task_delete(actor=current_user(request), task=task, expected_version=expected_version(if_match))
    return Status(204, None)


# --- search ----------------------------------------------------------------------------------
@router.get("/search", response={200: SearchOut, **error_responses(401, 422)}, tags=SEARCH, summary="Search everything")
def search(request: HttpRequest, params: Query[SearchParams]) -> object:
    """Customers, contacts (and whatever other modules register), grouped by kind; only what you may see."""
    query = clean_query_text(params.q, max_length=100)
    groups = global_search(user=current_user(request), query=query, limit=params.limit)
    return {"query": query, "groups": groups}
