"""Web UI for opportunities: the kanban board, the list, one deal, its form and its actions. Thin: parse, call one
selector/service, render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.l10n import unlocalize
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from guanxi.core.custom_fields.forms import custom_fields_attach, custom_form_values
from guanxi.core.errors import ApplicationError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.inputs import id_or_none
from guanxi.core.ports import OPPORTUNITY_ACTIONS
from guanxi.core.registry import registry
from guanxi.core.templatetags.guanxi_money import cny
from guanxi.core.views_util import error_text, form_add_errors, is_stale, service_action
from guanxi.customers.forms import FollowUpForm, TaskForm
from guanxi.org.policies import has_permission, require_permission

from . import selectors, services
from .filters import valid_filters
from .forms import CloseLostForm, OpportunityForm, OpportunityRows
from .models import Opportunity

ROW_FIELDS = ("contacts", "lines")
FORM_FIELDS = (
    "name",
    "amount",
    "expected_close_date",
    "source",
    "next_step",
    "description",
    "collaborators",
    "competitors",
)


def _refused(request: HttpRequest, exc: ApplicationError) -> None:
    """A refused write shows as a message on the page it came from (403/404 still propagate)."""
    if isinstance(exc, PermissionDeniedError | NotFoundError):
        raise exc
    messages.error(request, error_text(exc))


def _act(request: HttpRequest, pk: int, run: Callable[[], Any], done: str) -> HttpResponse:
    """A button on the deal's page (or the board's drag, as JSON): back to the deal unless `next` says otherwise."""
    return service_action(request, run, done, reverse("sales:opportunity_detail", args=[pk]))


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version") or request.headers.get("If-Match", "").strip('"W/') or "")
    except ValueError:
        return None


def _filter_context(request: HttpRequest, user: Any) -> dict[str, Any]:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return {
        "params": request.GET,
        "query": query.urlencode(),
        "owners": selectors.owner_choices(user=user),
        "departments": _departments(),
        "can_create": has_permission(user, "opportunities.create"),
    }


def _departments() -> Any:
    from guanxi.customers.selectors import department_choices

    return department_choices()


# --- the kanban board ---------------------------------------------------------------------------------------------
# A board shows hundreds of cards: what every card repeats (its links, the "Move to…" choices, the labels, the CSRF
# token and the way back) is worked out once per page, not once per card.
def _card_links(cards: list[Opportunity]) -> None:
    """Each board card's links, and the texts its template shows, worked out here once: the template's number
    formatting, money filter and plural tag per card took a third of the cards' rendering (80 cards: 15.6 → 10.3 ms
    of CPU). The texts are those the template gave (no thousands separators: settings.USE_THOUSAND_SEPARATOR)."""
    links = {name: reverse(f"sales:opportunity_{name}", args=[0]) for name in ("detail", "win", "lose", "move")}
    for opp in cards:
        for name, url in links.items():
            setattr(opp, f"{name}_url", url.replace("/0/", f"/{opp.pk}/"))
        days = opp.days_in_stage  # type: ignore[attr-defined]
        opp.card = {  # type: ignore[attr-defined]
            "id": localize(opp.pk),
            "version": localize(opp.version),
            "probability": localize(opp.probability),
            "amount": cny(opp.amount),
            "amount_raw": unlocalize(opp.amount),
            "days": ngettext("%(days)s day in stage", "%(days)s days in stage", days) % {"days": localize(days)},
        }


def _move_options(stages: list[Any], current: int) -> str:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((s.pk, mark_safe(" selected") if s.pk == current else "", str(s)) for s in stages),
    )


def _card_labels() -> dict[str, str]:
    return {
        "more": _("More actions"),
        "won": _("Closed won"),
        "lost": _("Closed lost"),
        "stalled": _("Stalled"),
        "move_to": _("Move to…"),
        "move": _("Move"),
    }


def _more_url(stage_id: int, query: str, last: Opportunity | None) -> str:
    params = QueryDict(query, mutable=True)
    params["stage"] = str(stage_id)
    if last is not None:
        params["after"] = f"{last.stage_entered_at.isoformat()}~{last.pk}"
    return f"{reverse('sales:opportunity_board_cards')}?{params.urlencode()}"


@login_required
def opportunity_board(request: HttpRequest) -> HttpResponse:
    """The kanban: each open stage's first cards (selectors.PER_COLUMN), its count and totals; "load more" brings
    the next cards of a column (opportunity_board_cards)."""
    require_permission(request.user, "opportunities.view")
    filters, errors = valid_filters(request.GET)
    board = selectors.opportunity_board(user=request.user, filters=filters)
    page = _filter_context(request, request.user)
    stages = [col["stage"] for col in board["columns"]]
    for col in board["columns"]:
        _card_links(col["cards"])
        col["move_options"] = _move_options(stages, col["stage"].pk)
        last = col["cards"][-1] if col["cards"] else None
        col["more_url"] = _more_url(col["stage"].pk, page["query"], last)
    context = {
        **board,
        **page,
        "errors": errors,
        "lost_form": _lost_form(),
        "labels": _card_labels(),
        "next_url": request.get_full_path(),
    }
    return render(request, "sales/opportunities/board.html", context)


@login_required
def opportunity_board_cards(request: HttpRequest) -> HttpResponse:
    """A board column's next cards (htmx "load more"): `stage`, `after` (the last card shown: time in stage and
    id) and the board's filters. A bad `after` starts from the column's first card."""
    require_permission(request.user, "opportunities.view")
    filters, _errors = valid_filters(request.GET)
    stage_id = id_or_none(request.GET.get("stage", ""))
    if stage_id is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    chunk = selectors.opportunity_board_cards(
        user=request.user, filters=filters, stage_id=stage_id, after=_after(request.GET.get("after", ""))
    )
    _card_links(chunk["cards"])
    query = request.GET.copy()
    for key in ("stage", "after"):
        query.pop(key, None)
    board_query = query.urlencode()
    last = chunk["cards"][-1] if chunk["cards"] else None
    context = {
        "cards": chunk["cards"],
        "pipeline": chunk["pipeline"],
        "move_options": _move_options(chunk["stages"], stage_id),
        "more_url": _more_url(stage_id, board_query, last) if chunk["more"] else "",
        "labels": _card_labels(),
        "next_url": reverse("sales:opportunity_board") + (f"?{board_query}" if board_query else ""),
    }
    return render(request, "sales/opportunities/board_cards.html", context)


def _after(value: str) -> tuple[dt.datetime, int] | None:
    at, _sep, pk = value.rpartition("~")
    number = id_or_none(pk)
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        return None
    if number is None or timezone.is_naive(moment):
        return None
    return moment, number


def _lost_form(data: Any = None) -> CloseLostForm:
    return CloseLostForm(data, reasons=selectors.lost_reasons(), competitors=selectors.competitors())


@login_required
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    data = selectors.opportunity_detail(user=request.user, pk=pk)
    opp = data["opp"]
    data["lost_form"] = _lost_form()
    data["max_upload_mb"] = settings.GUANXI_ATTACHMENT_MAX_BYTES // 2**20
    if data["can_follow_up"]:
        contacts = [r.contact for r in data["contact_roles"]] or list(opp.customer.contacts.all()[:50])
        data["composer"] = FollowUpForm(
            contacts=contacts, initial={"occurred_at": timezone.localtime().replace(second=0)}
        )
    if data["can_add_task"]:
        due = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
        data["task_form"] = TaskForm(initial={"due_at": due}, auto_id="task_%s")
    data["extra_tabs"] = _record_tabs(request, opp)
    actions = registry.optional_port(OPPORTUNITY_ACTIONS)  # commerce's "new quote / contract"
    data["extra_actions"] = [] if actions is None else actions.actions(request, opp)
    return render(request, "sales/opportunities/detail.html", data)


def _record_tabs(request: HttpRequest, opp: Opportunity) -> list[dict[str, Any]]:
    """The tabs higher apps register for an opportunity (quotes, contracts, …), rendered for this user."""
    tabs = []
    for tab in registry.tabs_for("sales.opportunity"):
        count, html = tab.render(request, opp)
        tabs.append({"key": tab.key, "label": tab.label, "count": count, "html": html})
    return tabs


def _form_data(form: OpportunityForm) -> dict[str, Any]:
    values = {k: form.cleaned_data[k] for k in FORM_FIELDS if k in form.cleaned_data}
    return {**values, "custom": custom_form_values(form)}


def _opp_form(request: HttpRequest, data: Any = None, *, opp: Any = None, **kwargs: Any) -> OpportunityForm:
    form = OpportunityForm(
        data, users=selectors.owner_choices(user=request.user), competitors=selectors.competitors(), **kwargs
    )
    custom_fields_attach(form, user=request.user, target="sales.opportunity", instance=opp)
    return form


def _render_form(
    request: HttpRequest,
    form: OpportunityForm,
    rows: OpportunityRows,
    opp: Opportunity | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "rows": rows, "opp": opp, "roles": OpportunityRows.ROLE_CHOICES}
    return render(request, "sales/opportunities/form.html", context, status=status)


def _save(request: HttpRequest, form: OpportunityForm, rows: OpportunityRows, write: Callable[..., Any]) -> Any:
    """Run the service with the form's values and rows; errors go back on the form and rows (nothing written)."""
    contacts, lines = rows.contacts(), rows.lines()
    if rows.errors:
        form.add_error(None, " ".join(m for msgs in rows.errors.values() for m in msgs))
        return None
    try:
        return write(contacts=contacts, lines=lines)
    except ApplicationError as exc:
        if is_stale(exc):
            form_add_errors(form, exc)
            return None
        rows.add_errors(exc.fields)
        others = {k: v for k, v in exc.fields.items() if k not in ROW_FIELDS}
        for field, msgs in others.items():
            for msg in msgs:
                form.add_error(field if field in form.fields else None, msg)
        if not others:
            form.add_error(None, exc.message)
        return None


@login_required
def opportunity_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "opportunities.create")
    customers = selectors.customer_choices(user=request.user)
    if request.method == "POST":
        form = _opp_form(request, request.POST, customers=customers)
        rows = OpportunityRows(
            request.POST,
            contacts=selectors.customer_contacts(user=request.user, customer_id=request.POST.get("customer")),
        )
        if form.is_valid():
            opp = _save(
                request,
                form,
                rows,
                lambda contacts, lines: services.opportunity_create(
                    actor=request.user,
                    customer=form.cleaned_data["customer"],
                    data=_form_data(form),
                    contacts=contacts,
                    lines=lines,
                ),
            )
            if opp is not None:
                messages.success(request, _("Opportunity created."))
                return redirect("sales:opportunity_detail", opp.pk)
        return _render_form(request, form, rows, status=400)
    initial: dict[str, Any] = {"source": Opportunity.Source.CUSTOMER, "amount": 0}
    customer_id = request.GET.get("customer", "")
    if customer_id.isdigit() and customers.filter(pk=customer_id).exists():
        initial["customer"] = int(customer_id)
    rows = OpportunityRows(contacts=selectors.customer_contacts(user=request.user, customer_id=initial.get("customer")))
    return _render_form(request, _opp_form(request, customers=customers, initial=initial), rows)


@login_required
def opportunity_contact_rows(request: HttpRequest) -> HttpResponse:
    """The contact-role rows for the customer chosen on the new-opportunity form (htmx)."""
    require_permission(request.user, "opportunities.create")
    contacts = selectors.customer_contacts(user=request.user, customer_id=request.GET.get("customer"))
    context = {"rows": OpportunityRows(contacts=contacts), "roles": OpportunityRows.ROLE_CHOICES}
    return render(request, "sales/opportunities/_contact_rows.html", context)


@login_required
def opportunity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    opp = selectors.opportunity_get(user=request.user, pk=pk, action="edit")
    contacts = selectors.customer_contacts(user=request.user, customer_id=opp.customer_id)
    if request.method == "POST":
        form = _opp_form(request, request.POST, opp=opp)
        rows = OpportunityRows(request.POST, contacts=contacts)
        if form.is_valid():
            saved = _save(
                request,
                form,
                rows,
                lambda contacts, lines: services.opportunity_update(
                    actor=request.user,
                    opportunity=opp,
                    data=_form_data(form),
                    contacts=contacts,
                    lines=lines,
                    expected_version=form.cleaned_data.get("version"),
                ),
            )
            if saved is not None:
                messages.success(request, _("Opportunity saved."))
                return redirect("sales:opportunity_detail", opp.pk)
        return _render_form(request, form, rows, opp, status=400)
    initial = {k: getattr(opp, k) for k in FORM_FIELDS} | {
        "version": opp.version,
        "collaborators": list(opp.collaborators.values_list("pk", flat=True)),
        "competitors": list(opp.competitors.values_list("pk", flat=True)),
    }
    rows = OpportunityRows(
        contacts=contacts,
        initial_contacts=[(r.contact_id, r.role) for r in opp.contact_roles.all()],
        initial_lines=[
            {"description": ln.description, "quantity": ln.quantity.normalize(), "unit_price": ln.unit_price}
            for ln in opp.lines.all()
        ],
    )
    return _render_form(request, _opp_form(request, initial=initial, opp=opp), rows, opp)


@login_required
@require_POST
def opportunity_move(request: HttpRequest, pk: int) -> HttpResponse:
    def run() -> Opportunity:
        opp = selectors.opportunity_get(user=request.user, pk=pk, action="edit")
        stage = selectors.stage_get(pk=request.POST.get("stage"))
        if stage is None:
            raise ValidationFailed(_("Choose a stage."), fields={"stage": [_("Choose a stage.")]})
        return services.opportunity_move_stage(
            actor=request.user, opportunity=opp, stage=stage, expected_version=_version(request)
        )

    return _act(request, pk, run, _("Stage changed."))


@login_required
@require_POST
def opportunity_win(request: HttpRequest, pk: int) -> HttpResponse:
    def run() -> Opportunity:
        opp = selectors.opportunity_get(user=request.user, pk=pk, action="edit")
        note = request.POST.get("note", "")
        return services.opportunity_close(actor=request.user, opportunity=opp, won=True, note=note)

    return _act(request, pk, run, _("Marked as won. A manager will confirm the closing."))


@login_required
@require_POST
def opportunity_lose(request: HttpRequest, pk: int) -> HttpResponse:
    form = _lost_form(request.POST)

    def run() -> Opportunity:
        opp = selectors.opportunity_get(user=request.user, pk=pk, action="edit")
        ok = form.is_valid()
        return services.opportunity_close(
            actor=request.user,
            opportunity=opp,
            won=False,
            lost_reason=form.cleaned_data.get("lost_reason") if ok else None,
            lost_to=form.cleaned_data.get("lost_to") if ok else None,
            note=form.cleaned_data.get("note", "") if ok else "",
        )

    return _act(request, pk, run, _("Marked as lost."))


@login_required
@require_POST
def opportunity_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    def run() -> Opportunity:
        opp = selectors.opportunity_get(user=request.user, pk=pk, action="approve")
        return services.opportunity_confirm_close(actor=request.user, opportunity=opp)

    return _act(request, pk, run, _("Closing confirmed."))


@login_required
@require_POST
def opportunity_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    def run() -> Opportunity:
        opp = selectors.opportunity_get(user=request.user, pk=pk, action="approve")
        return services.opportunity_reopen(actor=request.user, opportunity=opp)

    return _act(request, pk, run, _("Opportunity reopened."))


@login_required
@require_POST
def opportunity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    opp = selectors.opportunity_get(user=request.user, pk=pk, action="delete")
    try:
        services.opportunity_delete(actor=request.user, opportunity=opp, expected_version=_version(request))
    except ApplicationError as exc:
        _refused(request, exc)
        return redirect("sales:opportunity_detail", pk)
    messages.success(request, _("Opportunity deleted."))
    return redirect("sales:opportunity_list")


@login_required
@require_POST
def opportunity_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    opp = selectors.opportunity_get(user=request.user, pk=pk)
    contacts = list(opp.customer.contacts.all()[:200])
    form = FollowUpForm(request.POST, request.FILES, contacts=contacts)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "attachments")}
        try:
            services.opportunity_log_follow_up(
                actor=request.user, opportunity=opp, data=data, attachments=form.cleaned_data["attachments"]
            )
        except ApplicationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Follow-up logged."))
    else:
        messages.error(request, " ".join(m for msgs in form.errors.values() for m in msgs))
    return redirect("sales:opportunity_detail", pk)


@login_required
@require_POST
def opportunity_task(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a to-do about the deal (a customer task linked to it)."""
    opp = selectors.opportunity_get(user=request.user, pk=pk)
    form = TaskForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in ("title", "due_at", "description")}
        try:
            services.opportunity_add_task(actor=request.user, opportunity=opp, data=data)
        except ApplicationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Task added."))
    else:
        messages.error(request, " ".join(f"{form[k].label}: {m}" for k, msgs in form.errors.items() for m in msgs))
    return redirect(reverse("sales:opportunity_detail", args=[pk]) + "#tasks")


@login_required
@require_POST
def opportunity_document_add(request: HttpRequest, pk: int) -> HttpResponse:
    def run() -> Any:
        opp = selectors.opportunity_get(user=request.user, pk=pk, action="edit")
        stage = selectors.stage_get(pk=request.POST.get("stage")) if request.POST.get("stage") else None
        return services.opportunity_document_add(
            actor=request.user, opportunity=opp, file=request.FILES.get("file"), stage=stage
        )

    return _act(request, pk, run, _("Document added."))


@login_required
@require_POST
def opportunity_document_delete(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    def run() -> Any:
        doc = selectors.document_get(user=request.user, pk=doc_pk, opportunity_id=pk)
        services.opportunity_document_delete(actor=request.user, document=doc)

    return _act(request, pk, run, _("Document deleted."))


def customer_tab(request: HttpRequest, customer: Any) -> tuple[int, str]:
    """The customer 360 tab: the customer's deals with their stage history."""
    opps = selectors.customer_opportunities(user=request.user, customer=customer)
    can_create = has_permission(request.user, "opportunities.create")
    new_url = reverse("sales:opportunity_create") + f"?customer={customer.pk}" if can_create else ""
    html = render_to_string(
        "sales/opportunities/_customer_tab.html",
        {"opps": opps, "customer": customer, "can_create": can_create, "new_url": new_url},
        request=request,
    )
    return len(opps), html
