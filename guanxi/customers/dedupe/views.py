"""Web pages of duplicate protection: duplicate groups (scan), the merge tool, recent merges with
undo, the registration-conflict inbox, the rules, and the as-you-type check fragment for the
customer form. Thin: parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.custom_fields.definitions import editable_fields
from guanxi.core.custom_fields.values import display_value, linked_names
from guanxi.core.errors import ApplicationError
from guanxi.core.views_util import form_add_errors
from guanxi.org.policies import has_permission, require_permission

from ..models import CustomerKey, RegistrationConflict
from . import selectors, services
from .forms import DecideForm, RulesForm

PAGE_SIZE = 30
ENTRY_PATHS = {
    "ui": gettext_lazy("web form"),
    "api": gettext_lazy("API"),
    "lead": gettext_lazy("lead conversion"),
    "import": gettext_lazy("import"),
    "edit": gettext_lazy("edit"),
}

# (key, label, url name, icon, test of the user)
TABS = [
    (
        "groups",
        gettext_lazy("Duplicate groups"),
        "dedupe:scan",
        "ti-copy",
        lambda u: has_permission(u, "customers.edit"),
    ),
    ("merges", gettext_lazy("Merges"), "dedupe:merges", "ti-git-merge", lambda u: has_permission(u, "customers.edit")),
    (
        "conflicts",
        gettext_lazy("Registration conflicts"),
        "dedupe:conflicts",
        "ti-gavel",
        lambda u: has_permission(u, "customers.assign") or has_permission(u, "customers.approve"),
    ),
    ("rules", gettext_lazy("Rules"), "dedupe:rules", "ti-adjustments", lambda u: has_permission(u, "org.admin")),
]


def _render(request: HttpRequest, template: str, tab: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    tabs = [
        {"key": key, "label": label, "url": reverse(url_name), "icon": icon, "active": key == tab}
        for key, label, url_name, icon, allowed in TABS
        if allowed(request.user)
    ]
    return render(request, template, {"dedupe_tabs": tabs, "tab": tab, **context}, status=status)


# --- duplicate groups ------------------------------------------------------------------------
@login_required
@require_GET
def scan(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or None
    groups = selectors.dedupe_scan(actor=request.user, kind=kind)
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "kind": kind or "", "kinds": CustomerKey.Kind.choices, "total": len(groups)}
    return _render(request, "customers/dedupe/scan.html", "groups", context)


# --- merge -----------------------------------------------------------------------------------


def _merge_custom_fields(user: Any) -> list[Any]:
    """The custom fields whose value a merge may take from another record: the active ones the user may edit."""
    return editable_fields(user, services.merge.CUSTOM_TARGET)


def _merge_rows(customers: list[Any], chosen: dict[str, Any], user: Any) -> list[dict[str, Any]]:
    """One row per mergeable field (built-in, then custom): its label and each customer's value, with the chosen
    source."""
    from ..models import Customer

    table: list[tuple[str, Any, list[Any]]] = []
    for name in services.MERGE_FIELDS:
        field = Customer._meta.get_field(name)
        shown = [getattr(c, f"get_{name}_display")() if field.choices else getattr(c, name) for c in customers]
        table.append((name, field.verbose_name, shown))
    custom = _merge_custom_fields(user)
    names = linked_names(custom, [c.custom or {} for c in customers])
    for f in custom:
        shown = [display_value(f, (c.custom or {}).get(f.code), names=names) for c in customers]
        table.append((f"{services.merge.CUSTOM_PREFIX}{f.code}", f.label, shown))
    return _choice_rows(customers, table, chosen)


def _choice_rows(records: list[Any], table: list[tuple[str, Any, list[Any]]], chosen: dict[str, Any]) -> list[Any]:
    """The merge table's rows (_merge_table.html): per field (name, label, each record's value shown) that some record
    fills, each record's value, whether they differ and which record the merger chose."""
    rows = []
    for name, label, shown in table:
        pairs = zip(records, shown, strict=True)
        values = [{"record": r, "value": v if v not in (None, "") else ""} for r, v in pairs]
        if all(v["value"] == "" for v in values):
            continue  # nothing to choose
        differ = len({str(v["value"]) for v in values}) > 1
        rows.append({"name": name, "label": label, "values": values, "differ": differ, "chosen": chosen.get(name)})
    return rows


@login_required
def merge(request: HttpRequest) -> HttpResponse:
    """GET ?ids=1&ids=2: choose the surviving record and, per field, whose value to keep. POST merges."""
    source = request.POST if request.method == "POST" else request.GET
    ids = source.getlist("ids")
    customers = selectors.merge_candidates(user=request.user, ids=ids)
    survivor = source.get("survivor") or str(customers[0].pk)
    mergeable = [*services.MERGE_FIELDS, *(f"custom.{f.code}" for f in _merge_custom_fields(request.user))]
    chosen = {name: source.get(f"field_{name}") for name in mergeable if source.get(f"field_{name}")}
    error = None
    status = 200
    if request.method == "POST":
        try:
            done = services.customer_merge(
                actor=request.user,
                survivor_id=survivor,
                merged_ids=[c.pk for c in customers],
                field_sources={k: v for k, v in chosen.items() if v != survivor},
            )
        except ApplicationError as exc:
            error, status = exc, exc.http_status
        else:
            messages.success(
                request,
                _("%(n)s customer(s) were merged into %(name)s. You can undo this under Duplicates → Merges.")
                % {"n": len(done.merged_ids), "name": done.survivor.name},
            )
            return redirect("customers:detail", pk=done.survivor_id)
    context = {
        "customers": customers,
        "survivor": survivor,
        "rows": _merge_rows(customers, chosen, request.user),
        "error": error,
    }
    return _render(request, "customers/dedupe/merge.html", "groups", context, status=status)


def _contact_merge_rows(contacts: list[Any], chosen: dict[str, Any], user: Any) -> list[dict[str, Any]]:
    """One row per mergeable contact field (built-in, then custom) that some contact fills: each contact's value."""
    from ..models import Contact

    table: list[tuple[str, Any, list[Any]]] = []
    for name in services.CONTACT_MERGE_FIELDS:
        field = Contact._meta.get_field(name)
        shown = [getattr(c, name) for c in contacts]
        if isinstance(shown[0], bool):
            shown = [_("Yes") if v else _("No") for v in shown]
        table.append((name, field.verbose_name, shown))
    custom = editable_fields(user, services.CONTACT_TARGET)
    names = linked_names(custom, [c.custom or {} for c in contacts])
    for f in custom:
        shown = [display_value(f, (c.custom or {}).get(f.code), names=names) for c in contacts]
        table.append((f"custom.{f.code}", f.label, shown))
    return _choice_rows(contacts, table, chosen)


@login_required
def contact_merge(request: HttpRequest, customer_id: int) -> HttpResponse:
    """GET: the customer's contacts to pick from, or (?ids=…) the picked ones side by side: which one survives and,
    per field, whose value to keep. POST merges."""
    require_permission(request.user, "contacts.edit")
    source = request.POST if request.method == "POST" else request.GET
    ids = source.getlist("ids")
    contacts = selectors.contact_merge_candidates(user=request.user, customer_id=customer_id, ids=ids)
    error, status = None, 200
    if len(ids) < 2:  # pick the duplicates first
        context = {"contacts": contacts, "customer_id": customer_id, "picking": True, "few": bool(ids)}
        return _render(request, "customers/dedupe/contact_merge.html", "groups", context)
    survivor = source.get("survivor") or str(contacts[0].pk)
    chosen = {k[len("field_") :]: v for k, v in source.items() if k.startswith("field_") and v}
    if request.method == "POST":
        try:
            done = services.contact_merge(
                actor=request.user,
                survivor_id=survivor,
                merged_ids=[c.pk for c in contacts],
                field_sources={k: v for k, v in chosen.items() if v != survivor},
            )
        except ApplicationError as exc:
            error, status = exc, exc.http_status
        else:
            messages.success(request, _("The contacts were merged into %(name)s.") % {"name": done.name})
            return redirect("customers:detail", pk=done.customer_id)
    context = {
        "contacts": contacts,
        "customer_id": customer_id,
        "survivor": survivor,
        "rows": _contact_merge_rows(contacts, chosen, request.user),
        "error": error,
    }
    return _render(request, "customers/dedupe/contact_merge.html", "groups", context, status=status)


@login_required
@require_GET
def merges(request: HttpRequest) -> HttpResponse:
    items = list(selectors.merge_list(user=request.user))
    for m in items:
        m.names = selectors.merge_customer_names(m)  # type: ignore[attr-defined]
    return _render(request, "customers/dedupe/merges.html", "merges", {"merges": items})


@login_required
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        done = services.customer_merge_undo(actor=request.user, merge_id=pk)
    except ApplicationError as exc:
        if exc.http_status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The merge into %(name)s was undone.") % {"name": done.survivor.name})
    return redirect("dedupe:merges")


# --- registration conflicts ------------------------------------------------------------------
@login_required
def conflicts(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or RegistrationConflict.Status.OPEN
    qs = selectors.conflict_list(user=request.user, status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    forms = {c.pk: DecideForm(prefix=f"c{c.pk}") for c in page}
    http_status = 200
    if request.method == "POST":
        conflict_id = request.POST.get("conflict", "")
        form = DecideForm(request.POST, prefix=f"c{conflict_id}")
        if form.is_valid():
            try:
                decided = services.registration_conflict_decide(
                    actor=request.user, conflict_id=conflict_id, decision=form.cleaned_data["decision"],
                    note=form.cleaned_data["note"],
                )  # fmt: skip
            except ApplicationError as exc:
                if exc.http_status in (403, 404):
                    raise
                form_add_errors(form, exc)
            else:
                text = (
                    _("%(user)s now pursues %(name)s jointly.")
                    if decided.status == RegistrationConflict.Status.JOINT
                    else _("The conflict about %(name)s was dismissed.")
                ) % {"user": decided.claimant, "name": decided.customer.name}
                messages.success(request, text)
                return redirect(f"{reverse('dedupe:conflicts')}?status={status}")
        if conflict_id.isdigit():
            forms[int(conflict_id)] = form
        http_status = 400
    for c in page:
        c.form = forms.get(c.pk)  # type: ignore[attr-defined]
        c.entry_label = ENTRY_PATHS.get(c.entry_path, c.entry_path)  # type: ignore[attr-defined]
    context = {"page": page, "status": status, "statuses": RegistrationConflict.Status.choices}
    return _render(request, "customers/dedupe/conflicts.html", "conflicts", context, status=http_status)


# --- rules -----------------------------------------------------------------------------------
@login_required
def rules(request: HttpRequest) -> HttpResponse:
    rule_list = selectors.dedupe_rule_list(user=request.user)
    can_edit = has_permission(request.user, "org.admin")
    form = RulesForm(request.POST or None, rules=rule_list)
    status = 200
    if request.method == "POST":
        require_permission(request.user, "org.admin")
        if form.is_valid():
            try:
                services.dedupe_rules_update(actor=request.user, rules=form.rule_data())
            except ApplicationError as exc:
                form_add_errors(form, exc)
            else:
                messages.success(request, _("The duplicate rules were saved."))
                return redirect("dedupe:rules")
        status = 400
    return _render(request, "customers/dedupe/rules.html", "rules", {"form": form, "can_edit": can_edit}, status)


# --- as you type -----------------------------------------------------------------------------
@login_required
@require_GET
def check(request: HttpRequest) -> HttpResponse:
    """The customer form's as-you-type check, an htmx fragment.

    GET field=name|credit_code|phone|email, value=… (or the value under the field's own name, so
    `hx-include="this"` works), kind=company|individual, exclude=<customer id being edited>.
    """
    field = request.GET.get("field", "")
    value = request.GET.get("value")
    if value is None:
        value = request.GET.get(field, "")
    try:
        result = selectors.dedupe_check_field(
            user=request.user,
            field=field,
            value=value,
            kind=request.GET.get("kind", "company"),
            exclude_customer_id=request.GET.get("exclude"),
        )
    except ApplicationError as exc:
        if exc.http_status == 403:
            raise
        return render(request, "customers/dedupe/_check.html", {"error": exc.message}, status=exc.http_status)
    context = {"matches": [m.public() for m in result.matches], "field": field}
    return render(request, "customers/dedupe/_check.html", context)
