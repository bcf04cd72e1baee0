"""The list pages: customers (filters, scenes, saved views, bulk actions, export), contacts, the review
queue and the recycle bin."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError, PermissionDeniedError
from guanxi.core.views_util import next_or
from guanxi.org.policies import has_permission, permission_scope, require_permission

from .. import selectors, services
from ..forms import FILTER_CHOICES, FILTER_LABELS, LIST_STATE_KEYS, PROVINCES, SavedViewForm, TransferForm
from ._common import PAGE_SIZES, clean_params, filtered, paginate, query_key, selected_ids
from .inline import rows_editable

# --- customer list ---------------------------------------------------------------------------
_SCENES = (
    ("all", gettext_noop("All")),
    ("mine", gettext_noop("Mine")),
    ("subordinates", gettext_noop("My subordinates'")),
    ("collaborating", gettext_noop("I collaborate on")),
)
# The choice lists of the filter panel: template name → FILTER_CHOICES key.
_CHOICE_LISTS = (
    ("levels", "level"),
    ("statuses", "status"),
    ("sources", "source"),
    ("kinds", "kind"),
    ("sizes", "size"),
    ("reviews", "review_status"),
)
# Buttons of the list, each shown with its customers.<action> permission.
_LIST_ACTIONS = ("create", "export", "assign", "delete", "approve", "import")
# Filters of the folded "more filters" panel: it opens when one of them is set.
_ADVANCED_FILTERS = (
    "department",
    "industry",
    "province",
    "city",
    "source",
    "tag",
    "kind",
    "size",
    "review_status",
    "last_contact_after",
    "last_contact_before",
    "created_after",
    "created_before",
    "next_follow_up_before",
)


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not request.GET:
        default = selectors.saved_views(user=user).filter(is_default=True).first()
        if default is not None and default.query:
            return redirect(f"{reverse('customers:list')}?{default.query}")
    params, warnings = clean_params(request)
    try:
        qs = filtered(selectors.customer_list, params, warnings, user=user)
    except PermissionDeniedError:
        return render(request, "customers/customer_list.html", {"no_permission": True}, status=403)
    page = paginate(qs, params, warnings)
    page.object_list = list(page.object_list)  # evaluated once; rows carry their inline-edit flag to the template
    rows_editable(user, page.object_list)
    users_qs = selectors.assignable_users(user=user)
    users = list(users_qs)
    departments = list(selectors.department_choices())
    tags = list(selectors.tag_choices())
    views = list(selectors.saved_views(user=user))
    current_key = query_key(params)
    active_view = next((v for v in views if query_key(QueryDict(v.query)) == current_key), None)
    state = params.copy()
    state.pop("page", None)
    chips = _filter_chips(params, users=users, departments=departments, tags=tags)
    context = {
        "page": page,
        "params": params,
        "sel": {k: params.getlist(k) for k in ("level", "status", "source", "tag")},
        "query": state.urlencode(),
        "warnings": warnings,
        "chips": chips,
        "scene": params.get("scene", "all"),
        "scenes": [(key, _(label)) for key, label in _SCENES],
        "saved_views": views,
        "active_view": active_view,
        "users": users,
        "departments": departments,
        "tags": tags,
        "industries": selectors.customer_industries(user=user),
        "provinces": PROVINCES,
        **{name: FILTER_CHOICES[key].items() for name, key in _CHOICE_LISTS},
        "show_owner_filter": permission_scope(user, "customers.view") != "self",
        "can": {action: has_permission(user, f"customers.{action}") for action in _LIST_ACTIONS},
        "transfer_form": TransferForm(users=users_qs, use_required_attribute=False, auto_id="bulk_%s"),
        "page_sizes": PAGE_SIZES,
        "per_page": int(params.get("per_page") or 50),
        "keep_pairs": [(k, v) for k, vs in state.lists() if k != "per_page" for v in vs],
        "has_filters": any(k not in LIST_STATE_KEYS for k in params),
        "advanced_open": any(k in params for k in _ADVANCED_FILTERS),
    }
    return render(request, "customers/customer_list.html", context)


def _filter_chips(params: QueryDict, *, users: list, departments: list, tags: list) -> list[dict[str, Any]]:
    """Active filters (and the sort) as removable chips: label, value shown, the query without it."""
    names = {
        "owner": {str(u.pk): str(u) for u in users},
        "department": {str(d.pk): str(d) for d in departments},
        "tag": {str(t.pk): str(t) for t in tags},
    }
    chips = []
    for key, label in FILTER_LABELS.items():
        for value in params.getlist(key):
            shown = FILTER_CHOICES.get(key, {}).get(value) or names.get(key, {}).get(value) or value
            if key == "no_contact_days":
                shown = _("%(days)s+ days") % {"days": value}
            rest = params.copy()
            rest.setlist(key, [v for v in rest.getlist(key) if v != value])
            rest.pop("page", None)
            chips.append({"label": label, "value": shown, "query": rest.urlencode()})
    sort = params.get("sort")
    if sort:
        labels = {
            "name": _("Name"),
            "updated": _("Updated"),
            "created": _("Created"),
            "last_contact": _("Last contact"),
            "next_follow_up": _("Next follow-up"),
            "level": _("Level"),
        }
        rest = params.copy()
        rest.pop("sort")
        rest.pop("page", None)
        arrow = "↓" if sort.startswith("-") else "↑"
        chips.append(
            {"label": _("Sort"), "value": f"{labels.get(sort.lstrip('-'), sort)} {arrow}", "query": rest.urlencode()}
        )
    return chips


@login_required
@require_POST
def saved_view_save(request: HttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the view a name of at most 100 characters."))
        return redirect(next_or(request, reverse("customers:list")))
    query = QueryDict(form.cleaned_data["query"], mutable=True)
    query.pop("page", None)
    try:
        services.saved_view_save(
            actor=request.user,
            name=form.cleaned_data["name"],
            query=query.urlencode(),
            is_default=form.cleaned_data["is_default"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("View “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
    return redirect(f"{reverse('customers:list')}?{query.urlencode() or 'scene=all'}")


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.saved_view_delete(actor=request.user, view_id=pk)
    messages.success(request, _("View deleted."))
    return redirect(f"{reverse('customers:list')}?scene=all")


@login_required
@require_POST
def customer_bulk_transfer(request: HttpRequest) -> HttpResponse:
    back = next_or(request, reverse("customers:list"))
    ids = selected_ids(request)
    form = TransferForm(request.POST, users=selectors.assignable_users(user=request.user))
    if not ids:
        messages.warning(request, _("Tick the customers to transfer first."))
        return redirect(back)
    if not form.is_valid():
        messages.error(request, _("Choose the new owner."))
        return redirect(back)
    moved, skipped = services.customer_transfer(
        actor=request.user,
        customer_ids=ids,
        new_owner=form.cleaned_data["owner"],
        keep_as_collaborator=form.cleaned_data["keep_as_collaborator"],
    )
    messages.success(
        request,
        _("Updated %(moved)s, skipped %(skipped)s (no permission or already theirs).")
        % {"moved": moved, "skipped": skipped},
    )
    return redirect(back)


@login_required
@require_POST
def customer_bulk_delete(request: HttpRequest) -> HttpResponse:
    back = next_or(request, reverse("customers:list"))
    ids = selected_ids(request)
    if not ids:
        messages.warning(request, _("Tick the customers to delete first."))
        return redirect(back)
    deleted, skipped = services.customer_bulk_delete(actor=request.user, customer_ids=ids)
    messages.success(
        request,
        _("Moved %(deleted)s to the recycle bin, skipped %(skipped)s (no permission).")
        % {"deleted": deleted, "skipped": skipped},
    )
    return redirect(back)


@login_required
def customer_export(request: HttpRequest) -> HttpResponse:
    """The current view (GET: its filters) or the ticked rows (POST: ids) as XLSX or CSV."""
    require_permission(request.user, "customers.export")
    if request.method == "POST":
        ids = selected_ids(request)
        if not ids:
            messages.warning(request, _("Tick the customers to export first."))
            return redirect(next_or(request, reverse("customers:list")))
        filters = QueryDict(mutable=True)
        filters.setlist("ids", [str(i) for i in ids])
        fmt = request.POST.get("fmt", "xlsx")
    else:
        filters, _warnings = clean_params(request)
        fmt = filters.pop("fmt", ["xlsx"])[-1]
    content, content_type, filename = services.customer_export(actor=request.user, filters=filters, fmt=fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    params, warnings = clean_params(request, sortable=False)
    try:
        qs = selectors.customer_pending_review(user=request.user).order_by("created_at", "id")
    except PermissionDeniedError:
        return render(request, "customers/review_queue.html", {"no_permission": True}, status=403)
    page = paginate(qs, params, warnings)
    return render(request, "customers/review_queue.html", {"page": page, "warnings": warnings})


@login_required
def recycle_bin(request: HttpRequest) -> HttpResponse:
    params, warnings = clean_params(request, sortable=False)
    try:
        qs = selectors.customer_recycle_bin(user=request.user)
    except PermissionDeniedError:
        return render(request, "customers/recycle_bin.html", {"no_permission": True}, status=403)
    page = paginate(qs, params, warnings)
    return render(request, "customers/recycle_bin.html", {"page": page, "warnings": warnings})


@login_required
@require_POST
def customer_restore(request: HttpRequest, pk: int) -> HttpResponse:
    customer = services.customer_restore(actor=request.user, customer_id=pk)
    messages.success(request, _("“%(name)s” was restored.") % {"name": customer.name})
    return redirect("customers:recycle_bin")


@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    params, warnings = clean_params(request, sortable=False)
    try:
        qs = filtered(selectors.contact_list, params, warnings, user=request.user)
    except PermissionDeniedError:
        return render(request, "customers/contact_list.html", {"no_permission": True}, status=403)
    page = paginate(qs.order_by("name", "id"), params, warnings)
    state = params.copy()
    state.pop("page", None)
    return render(
        request,
        "customers/contact_list.html",
        {
            "page": page,
            "params": params,
            "warnings": warnings,
            "q": params.get("q", ""),
            "query": state.urlencode(),
            "keep_pairs": [(k, v) for k, vs in state.lists() for v in vs],
        },
    )
