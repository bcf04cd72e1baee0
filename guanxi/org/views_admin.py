"""Administration pages: users, departments, roles, partner organisations, positions, the audit trail,
login history and backups. Thin: parse, call one selector or service, render. Every page checks its
permission first (through the selector), so a denied request never reaches a write."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core import export
from guanxi.core.backup import selectors as backup_selectors
from guanxi.core.backup import services as backup_services
from guanxi.core.errors import ApplicationError, InvalidStateError, ValidationFailed
from guanxi.core.models import AccessLog
from guanxi.core.views_util import form_add_errors

from . import access_selectors, selectors, services
from .forms import (
    CompanyProfileForm,
    DeactivateForm,
    DepartmentForm,
    PartnerOrgForm,
    PasswordResetForm,
    PositionForm,
    RoleCreateForm,
    RoleForm,
    UserCreateForm,
    UserEditForm,
)
from .models import DataScope, Department
from .policies import has_permission, hidden_modules, require_permission

PAGE_SIZE = 50

# The shared sub-navigation of the organisation pages: (key, label, url name, icon, permission).
ADMIN_TABS = [
    ("users", gettext_lazy("Users"), "org:user_list", "ti-users", "org.admin"),
    ("departments", gettext_lazy("Departments"), "org:department_list", "ti-sitemap", "org.admin"),
    ("roles", gettext_lazy("Roles"), "org:role_list", "ti-shield-lock", "org.admin"),
    ("partners", gettext_lazy("Partners"), "org:partner_list", "ti-building-store", "org.admin"),
    ("positions", gettext_lazy("Positions"), "org:position_list", "ti-id-badge-2", "org.admin"),
    ("audit", gettext_lazy("Audit trail"), "org:audit_list", "ti-history", "audit.view"),
    ("access", gettext_lazy("Access log"), "org:access_log", "ti-eye", "access_log.view"),
    ("logins", gettext_lazy("Login history"), "org:login_list", "ti-login", "org.admin"),
    ("backups", gettext_lazy("Backups"), "org:backup_list", "ti-database-export", "org.admin"),
    ("company", gettext_lazy("Company"), "org:company_settings", "ti-building-bank", "org.admin"),
    ("webhooks", gettext_lazy("Webhooks"), "org:webhook_list", "ti-webhook", "org.admin"),
    ("mailboxes", gettext_lazy("Mailboxes"), "org:mailbox_list", "ti-mail", "org.admin"),
    ("dictionaries", gettext_lazy("Dictionaries"), "org:dictionary_list", "ti-list-details", "org.admin"),
    ("custom_fields", gettext_lazy("Custom fields"), "org:custom_field_list", "ti-forms", "org.admin"),
]


def admin_tabs(user: Any, active: str) -> list[dict[str, Any]]:
    """The organisation pages' sub-navigation: the pages the user may open, `active` marked."""
    return [
        {"key": key, "label": label, "url": reverse(url_name), "icon": icon, "active": key == active}
        for key, label, url_name, icon, perm in ADMIN_TABS
        if has_permission(user, perm)
    ]


def _render(request: HttpRequest, template: str, tab: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context = {"admin_tabs": admin_tabs(request.user, tab), "admin_tab": tab, **context}
    return render(request, template, context, status=status)


def _page(request: HttpRequest, qs: QuerySet | list) -> Page:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _filtered_page(request: HttpRequest, list_selector: Any, **kwargs: Any) -> tuple[Page, dict[str, list[str]]]:
    """A page of a filtered list; bad filter values give an empty page and their messages (status 400)."""
    try:
        qs = list_selector(user=request.user, filters=request.GET, **kwargs)
    except ValidationFailed as exc:
        return Paginator([], PAGE_SIZE).get_page(1), exc.fields
    return _page(request, qs), {}


# --- users (the list is `users`: admin_lists.py) ---------------------------------------------
def _user_data(cleaned: dict[str, Any]) -> dict[str, Any]:
    data = dict(cleaned)
    data["roles"] = list(data.get("roles") or [])
    return data


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(actor=request.user, **_user_data(form.cleaned_data))
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("The account %(name)s was opened.") % {"name": user})
            return redirect("org:user_edit", pk=user.pk)
    return _render(request, "org/user_form.html", "users", {"form": form, "subject": None})


@login_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    subject = selectors.user_get(user=request.user, pk=pk)
    initial = {
        "name": subject.name,
        "email": subject.email,
        "phone": subject.phone,
        "department": subject.department_id,
        "position": subject.position_id,
        "manager": subject.manager_id,
        "partner_org": subject.partner_org_id,
        "roles": list(subject.roles.all()),
        "language": subject.language,
    }
    form = UserEditForm(request.POST or None, actor=request.user, subject=subject, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=subject, data=_user_data(form.cleaned_data))
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Changes to %(name)s were saved.") % {"name": subject})
            return redirect("org:user_edit", pk=subject.pk)
    context = {
        "form": form,
        "subject": subject,
        "logins": selectors.user_recent_logins(user=request.user, subject=subject),
    }
    return _render(request, "org/user_form.html", "users", context)


@login_required
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    subject = selectors.user_get(user=request.user, pk=pk)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(actor=request.user, user=subject, password=form.cleaned_data["new_password1"])
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("The password of %(name)s was reset.") % {"name": subject})
            return redirect("org:user_edit", pk=subject.pk)
    return _render(request, "org/user_password.html", "users", {"form": form, "subject": subject})


@login_required
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    subject = selectors.user_get(user=request.user, pk=pk)
    if not subject.is_active:
        messages.info(request, _("This account is already closed."))
        return redirect("org:user_edit", pk=subject.pk)
    form = DeactivateForm(request.POST or None, actor=request.user, leaving=subject)
    if request.method == "POST" and form.is_valid():
        successor = form.cleaned_data["successor"]
        try:
            handed = services.user_deactivate(actor=request.user, user=subject, successor=successor)
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            labels = selectors.handover_labels()
            moved = ", ".join(f"{labels.get(key, key)}: {count}" for key, count in handed.items())
            messages.success(
                request,
                _("The account of %(name)s is closed; %(successor)s took over (%(moved)s).")
                % {"name": subject, "successor": successor, "moved": moved or "—"},
            )
            return redirect("org:user_edit", pk=subject.pk)
    preview = selectors.handover_preview(user=request.user, leaving=subject)
    return _render(request, "org/user_deactivate.html", "users", {"form": form, "subject": subject, "preview": preview})


@login_required
def user_data_export(request: HttpRequest, pk: int) -> HttpResponse:
    """A leaver's data as a ZIP of one spreadsheet per kind, streamed (administrators; audited as an export)."""
    subject = selectors.user_get(user=request.user, pk=pk)
    try:
        archive, filename = services.user_data_export(
            actor=request.user, user=subject, fmt=request.GET.get("fmt", "xlsx")
        )
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("org:user_deactivate" if subject.is_active else "org:user_edit", pk=subject.pk)
    return FileResponse(archive, as_attachment=True, filename=filename, content_type="application/zip")


# --- departments ------------------------------------------------------------------------------
@login_required
def department_list(request: HttpRequest) -> HttpResponse:
    tree = selectors.department_tree(user=request.user)
    return _render(request, "org/department_list.html", "departments", {"tree": tree})


@login_required
def department_create(request: HttpRequest) -> HttpResponse:
    parent = request.GET.get("parent", "")
    initial = {"parent": parent if parent.isdigit() else None, "kind": Department.Kind.DEPARTMENT, "sort_order": 0}
    form = DepartmentForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            dept = services.department_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("The department %(name)s was created.") % {"name": dept})
            return redirect("org:department_list")
    return _render(request, "org/department_form.html", "departments", {"form": form, "department": None})


@login_required
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    dept = selectors.department_get(user=request.user, pk=pk)
    initial = {
        "name": dept.name,
        "kind": dept.kind,
        "parent": dept.parent_id,
        "manager": dept.manager_id,
        "requires_customer_review": dept.requires_customer_review,
        "sort_order": dept.sort_order,
    }
    form = DepartmentForm(request.POST or None, actor=request.user, department=dept, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.department_update(actor=request.user, department=dept, data=form.cleaned_data)
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Changes to %(name)s were saved.") % {"name": dept})
            return redirect("org:department_list")
    members = selectors.department_members(user=request.user, department=dept)
    return _render(
        request, "org/department_form.html", "departments", {"form": form, "department": dept, "members": members}
    )


# --- roles ------------------------------------------------------------------------------------
@login_required
def role_list(request: HttpRequest) -> HttpResponse:
    roles = selectors.role_list(user=request.user)
    upgrades = selectors.role_upgrades(user=request.user)
    context = {"roles": roles, "scopes": dict(DataScope.choices), "upgrades": upgrades}
    return _render(request, "org/role_list.html", "roles", context)


@login_required
@require_POST
def roles_upgrade(request: HttpRequest) -> HttpResponse:
    """The roles page's "add them" button: the same upgrade as `guanxi roles upgrade --yes`."""
    upgraded = services.roles_upgrade(actor=request.user)
    messages.success(
        request,
        _("Added %(count)s permissions of newly added modules to %(roles)s default roles.")
        % {"count": sum(len(u.missing) for u in upgraded), "roles": len(upgraded)},
    )
    return redirect("org:role_list")


def _role_errors(form: Any, exc: ApplicationError) -> None:
    # The permission matrix is not a form field: show the service's own message (it names the permissions).
    if "permissions" in exc.fields:
        form.add_error(None, exc.message)
    else:
        form_add_errors(form, exc)


def _posted_permissions(request: HttpRequest) -> list[str]:
    return [p[:100] for p in request.POST.getlist("perm")][:1000]


@login_required
def role_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "org.admin")
    form = RoleCreateForm(request.POST or None, initial={"data_scope": DataScope.SELF})
    granted = _posted_permissions(request) if request.method == "POST" else []
    if request.method == "POST" and form.is_valid():
        try:
            role = services.role_create(actor=request.user, permissions=granted, **form.cleaned_data)
        except ApplicationError as exc:
            _role_errors(form, exc)
        else:
            messages.success(request, _("The role %(name)s was created.") % {"name": role})
            return redirect("org:role_edit", pk=role.pk)
    context = {"form": form, "role": None, "matrix": selectors.permission_matrix(granted=granted)}
    return _render(request, "org/role_form.html", "roles", context)


@login_required
def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    role = selectors.role_get(user=request.user, pk=pk)
    initial = {"name": role.name, "description": role.description, "data_scope": role.data_scope}
    form = RoleForm(request.POST or None, initial=initial)
    granted = _posted_permissions(request) if request.method == "POST" else list(role.permissions or [])
    if request.method == "POST":  # the grid leaves out the modules of apps switched off: their grants stay
        hidden = hidden_modules()
        granted += [p for p in role.permissions or [] if p.partition(".")[0] in hidden and p not in granted]
    if request.method == "POST" and form.is_valid():
        try:
            services.role_update(actor=request.user, role=role, data={**form.cleaned_data, "permissions": granted})
        except ApplicationError as exc:
            _role_errors(form, exc)
        else:
            messages.success(request, _("Changes to the role %(name)s were saved.") % {"name": role})
            return redirect("org:role_edit", pk=role.pk)
    context = {
        "form": form,
        "role": role,
        "matrix": selectors.permission_matrix(granted=granted),
        "holders": selectors.role_holders(user=request.user, role=role),
    }
    return _render(request, "org/role_form.html", "roles", context)


# --- partner organisations and positions ------------------------------------------------------
@login_required
def partner_list(request: HttpRequest) -> HttpResponse:
    partners = selectors.partner_org_list(user=request.user)
    return _render(request, "org/partner_list.html", "partners", {"partners": partners})


@login_required
def partner_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "org.admin")
    form = PartnerOrgForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.partner_org_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": partner})
            return redirect("org:partner_list")
    return _render(request, "org/simple_form.html", "partners", _simple(form, _("New partner organisation")))


@login_required
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_org_get(user=request.user, pk=pk)
    initial = {"name": partner.name, "kind": partner.kind, "is_active": partner.is_active}
    form = PartnerOrgForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_org_update(actor=request.user, partner_org=partner, data=form.cleaned_data)
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Changes to %(name)s were saved.") % {"name": partner})
            return redirect("org:partner_list")
    return _render(request, "org/simple_form.html", "partners", _simple(form, partner.name, "org:partner_list"))


@login_required
def position_list(request: HttpRequest) -> HttpResponse:
    positions = selectors.position_list(user=request.user)
    return _render(request, "org/position_list.html", "positions", {"positions": positions})


@login_required
def position_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "org.admin")
    form = PositionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            position = services.position_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": position})
            return redirect("org:position_list")
    return _render(request, "org/simple_form.html", "positions", _simple(form, _("New position"), "org:position_list"))


@login_required
def position_edit(request: HttpRequest, pk: int) -> HttpResponse:
    position = selectors.position_get(user=request.user, pk=pk)
    form = PositionForm(request.POST or None, initial={"name": position.name, "code": position.code})
    if request.method == "POST" and form.is_valid():
        try:
            services.position_update(actor=request.user, position=position, data=form.cleaned_data)
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Changes to %(name)s were saved.") % {"name": position})
            return redirect("org:position_list")
    return _render(request, "org/simple_form.html", "positions", _simple(form, position.name, "org:position_list"))


@login_required
def company_settings(request: HttpRequest) -> HttpResponse:
    """The company's details printed as the seller on quotes, invoices and statements (org.admin)."""
    require_permission(request.user, "org.admin")
    profile = selectors.company_profile()
    initial = {f: getattr(profile, f) for f in services.COMPANY_FIELDS}
    form = CompanyProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.company_profile_update(actor=request.user, data=form.cleaned_data)
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Company settings saved: new quotes, invoices and statements print them."))
            return redirect("org:company_settings")
    context = _simple(form, str(_("Company settings")), "org:company_settings")
    context["hint"] = _(
        "The seller's name, address, phone, taxpayer ID and bank printed on quote PDFs, invoices and statements."
    )
    return _render(request, "org/simple_form.html", "company", context)


def _simple(form: Any, title: str, back: str = "org:partner_list") -> dict[str, Any]:
    return {"form": form, "title": title, "back_url": reverse(back)}


# --- audit trail (the list is `audit`: admin_lists.py) and login history -------------------
@login_required
def audit_export(request: HttpRequest) -> HttpResponse:
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    filters = {k: request.GET.get(k, "")[:100] for k in selectors.AUDIT_FILTER_KEYS}
    try:
        headers, rows = selectors.audit_export_rows(user=request.user, filters=filters)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        query = request.GET.copy()
        query.pop("format", None)
        return redirect(f"{reverse('org:audit_list')}?{query.urlencode()}")
    services.audit_export_record(actor=request.user, row_count=len(rows), file_format=file_format, filters=filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if file_format == "xlsx":
        body = export.to_xlsx(headers, rows, sheet=_("Audit trail"))
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = export.to_csv(headers, rows)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.{file_format}"'
    return response


@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    page, filter_errors = _filtered_page(request, access_selectors.access_log_list)
    page.object_list = access_selectors.access_log_describe(page.object_list)
    context = {
        "page": page,
        "filter_errors": filter_errors,
        "actors": access_selectors.access_log_actor_choices(user=request.user),
        "kinds": AccessLog.Kind.choices,
        "f": request.GET,
    }
    return _render(request, "org/access_log.html", "access", context, status=400 if filter_errors else 200)


# --- backups (restoring is a command-line action: docs/admin-guide.md) ------------------------
@login_required
def backup_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, backup_selectors.backup_list(user=request.user))
    context = {
        "page": page,
        "backup_dir": settings.GUANXI_BACKUP_DIR,
        "keep_daily": settings.GUANXI_BACKUP_KEEP_DAILY,
        "keep_monthly": settings.GUANXI_BACKUP_KEEP_MONTHLY,
    }
    return _render(request, "org/backup_list.html", "backups", context)


@login_required
@require_POST
def backup_create(request: HttpRequest) -> HttpResponse:
    try:
        backup_services.backup_request(actor=request.user)
    except InvalidStateError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("A backup was queued; the worker writes it in a moment. Reload to see how it went.")
        )
    return redirect("org:backup_list")


@login_required
def backup_download(request: HttpRequest, pk: int) -> HttpResponse:
    backup = backup_selectors.backup_file_get(user=request.user, pk=pk)
    backup_services.backup_download_record(actor=request.user, backup=backup)
    # Streamed from disk in blocks; the archive never passes through memory whole.
    return FileResponse(open(backup.path, "rb"), as_attachment=True, filename=backup.file_name)  # noqa: SIM115
