"""Pages of real-estate sales (thin: parse, call one selector or service, render). Every page answers 404 on an
installation without real-estate sales (feature.when_enabled)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from guanxi.core.custom_fields.forms import custom_fields_attach
from guanxi.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from guanxi.core.i18n import Message
from guanxi.core.inputs import clean_date
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record
from guanxi.core.views_util import form_page_status, form_page_submit
from guanxi.org.lists.views import list_page
from guanxi.org.policies import has_permission, require_permission

from . import selectors, services
from .feature import when_enabled
from .forms import UnitForm, unit_initial
from .models import Discount, Orientation, PaymentScheme, PriceAdjustment, Rounding, Unit

unit_list = when_enabled(list_page("re_units"))


def _flash_error(request: HttpRequest, exc: ApplicationError) -> None:
    fields = getattr(exc, "fields", None) or {}
    named = "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in fields.items())
    messages.error(request, named or exc.message)


def _run(request: HttpRequest, action: Callable[[], Any], done: str) -> Any:
    """Run one service for a POSTed form: a flash message either way (the refusal names its field)."""
    try:
        result = action()
    except (PermissionDeniedError, NotFoundError):
        raise
    except ApplicationError as exc:
        _flash_error(request, exc)
        return None
    messages.success(request, done)
    return result


@login_required
@when_enabled
def project_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.project_list(user=request.user).order_by("name")
    return render(request, "realestate/project_list.html", {
        "projects": projects, "can_create": has_permission(request.user, "re_properties.create"),
        "can_register": has_permission(request.user, "re_visitors.create"),
        "can_report": has_permission(request.user, "re_sales.view"),
        "can_trades": has_permission(request.user, "re_sales.view"),
        "can_receipts": has_permission(request.user, "re_collections.view"),
        "roundings": Rounding.choices,
    })  # fmt: skip


@login_required
@when_enabled
def project_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    project = selectors.project_get(user=user, pk=pk) if pk else None
    require_permission(user, "re_properties.edit" if project else "re_properties.create")
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in services.PROJECT_FIELDS}
        try:
            if project is None:
                project = services.project_create(actor=user, data=data)
            else:
                project = services.project_update(actor=user, project=project, data=data)
        except (PermissionDeniedError, NotFoundError):
            raise
        except ApplicationError as exc:
            errors = getattr(exc, "fields", None) or {"__all__": [exc.message]}
            return render(request, "realestate/project_form.html",
                          {"project": project, "values": data, "errors": errors, "roundings": Rounding.choices},
                          status=400)  # fmt: skip
        messages.success(request, _("Project saved."))
        return redirect("realestate:project_detail", project.pk)
    values = {k: getattr(project, k) for k in services.PROJECT_FIELDS} if project else {"rounding": Rounding.YUAN}
    return render(request, "realestate/project_form.html",
                  {"project": project, "values": values, "errors": {}, "roundings": Rounding.choices})  # fmt: skip


@login_required
@when_enabled
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = selectors.project_get(user=user, pk=pk)
    buildings = project.buildings.select_related("phase").order_by("name")
    return render(request, "realestate/project_detail.html", {
        "project": project, "buildings": buildings,
        "layouts": project.layouts.all(), "decorations": project.decorations.all(), "phases": project.phases.all(),
        "rules": project.price_rules.select_related("building"), "schemes": project.schemes.all(),
        "discounts": project.discounts.all(), "orientations": Orientation.choices,
        "adjustments": project.adjustments.all()[:20], "adjustment_methods": PriceAdjustment.Method.choices,
        "scheme_kinds": PaymentScheme.Kind.choices, "discount_kinds": Discount.Kind.choices,
        "discount_methods": Discount.Method.choices,
        "can_edit": has_permission(user, "re_properties.edit"),
        "can_price": has_permission(user, "re_pricing.edit"),
    })  # fmt: skip


ADDERS = {
    "layout": (services.layout_add, ("name", "bedrooms", "living_rooms", "bathrooms", "area")),
    "decoration": (services.decoration_add, ("name", "price_per_m2")),
    "phase": (services.phase_add, ("name",)),
    "building": (services.building_create, ("name", "phase", "permit")),
    "rule": (services.price_rule_add, ("building", "floor_from", "floor_to", "orientation", "adjust_per_m2")),
    "scheme": (services.scheme_add, ("name", "kind", "discount_percent", "down_payment_percent", "instalment_percents",
                                     "instalment_interval_days", "loan_years", "commercial_rate", "provident_rate",
                                     "provident_cap")),
    "discount": (services.discount_add, ("name", "kind", "method", "value")),
}  # fmt: skip


@login_required
@when_enabled
@require_POST
def project_add(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """Add a layout, decoration standard, phase, building, price rule, payment scheme or discount to a project."""
    project = selectors.project_get(user=request.user, pk=pk)
    if what not in ADDERS:
        raise NotFoundError(_("Not found."))
    add, fields = ADDERS[what]
    data = {k: request.POST.get(k, "") for k in fields}
    _run(request, lambda: add(actor=request.user, project=project, data=data), _("Saved."))
    return redirect("realestate:project_detail", project.pk)


@login_required
@when_enabled
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The sales-control grid (销控表) of a building, the template to generate its units and its pricing."""
    user = request.user
    building = selectors.building_get(user=user, pk=pk)
    status = request.GET.get("status", "")
    status = status if status in Unit.Status.values else ""
    layout = request.GET.get("layout", "")
    grid = selectors.sales_control(user=user, building=building, status=status,
                                   layout=int(layout) if layout.isdigit() else None)  # fmt: skip
    return render(request, "realestate/building_detail.html", {
        "building": building, "project": building.project, "grid": grid, "statuses": Unit.Status.choices,
        "status": status, "layout": layout, "layouts": building.project.layouts.all(),
        "decorations": building.project.decorations.all(), "orientations": Orientation.choices,
        "bases": Unit.PriceBasis.choices,
        "can_create": has_permission(user, "re_properties.create"),
        "can_price": has_permission(user, "re_pricing.edit"),
        "can_release": has_permission(user, "re_properties.release"),
    })  # fmt: skip


GENERATE_FIELDS = ("floor_from", "floor_to", "units_per_floor", "entrances", "skip_floors", "skip_numbers",
                   "layout", "orientation", "built_area", "usable_area", "decoration")  # fmt: skip


@login_required
@when_enabled
@require_POST
def building_generate(request: HttpRequest, pk: int) -> HttpResponse:
    building = selectors.building_get(user=request.user, pk=pk)
    data = {k: request.POST.get(k, "") for k in GENERATE_FIELDS}
    created = _run(request, lambda: services.units_generate(actor=request.user, building=building, data=data),
                   _("Units generated."))  # fmt: skip
    if created is not None:
        messages.info(request, _("%(count)s units created.") % {"count": len(created)})
    return redirect("realestate:building_detail", building.pk)


def _building_unit_ids(building: Any, post: Any) -> list[int]:
    qs = Unit.objects.filter(building=building)
    low, high, layout = post.get("floor_from", ""), post.get("floor_to", ""), post.get("layout", "")
    if low.lstrip("-").isdigit():
        qs = qs.filter(floor__gte=int(low))
    if high.lstrip("-").isdigit():
        qs = qs.filter(floor__lte=int(high))
    if layout.isdigit():
        qs = qs.filter(layout_id=int(layout))
    return list(qs.values_list("pk", flat=True))


@login_required
@when_enabled
@require_POST
def building_price(request: HttpRequest, pk: int) -> HttpResponse:
    """Price a building's units (all, or a floor range / layout) by a base price per m² or a total."""
    building = selectors.building_get(user=request.user, pk=pk)
    ids = _building_unit_ids(building, request.POST)
    result = _run(request, lambda: services.prices_set_base(
        actor=request.user, unit_ids=ids, basis=request.POST.get("basis", ""),
        base_price=request.POST.get("base_price", ""), reason=request.POST.get("reason", "")),
        _("Prices set."))  # fmt: skip
    if result is not None:
        messages.info(request, _("%(done)s units priced; %(skipped)s reserved units kept their price.")
                      % {"done": result[0], "skipped": result[1]})  # fmt: skip
    return redirect("realestate:building_detail", building.pk)


@login_required
@when_enabled
@require_POST
def building_release(request: HttpRequest, pk: int) -> HttpResponse:
    building = selectors.building_get(user=request.user, pk=pk)
    ids = _building_unit_ids(building, request.POST)
    count = _run(request, lambda: services.units_release(actor=request.user, unit_ids=ids), _("Units released."))
    if count is not None:
        messages.info(request, _("%(count)s units released for sale.") % {"count": count})
    return redirect("realestate:building_detail", building.pk)


@login_required
@when_enabled
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    unit = selectors.unit_get(user=user, pk=pk)
    project = unit.building.project
    can_price = has_permission(user, "re_pricing.view")
    return render(request, "realestate/unit_detail.html", {
        "unit": unit, "project": project,
        "history": list(selectors.price_history(user=user, unit=unit)[:50]) if can_price else [],
        "schemes": project.schemes.filter(is_active=True) if can_price else [],
        "discounts": project.discounts.filter(is_active=True) if can_price else [],
        "can_price": can_price, "can_release": has_permission(user, "re_properties.release"),
        "can_edit": has_permission(user, "re_properties.edit"), "today": timezone.localdate(),
        **_sale_context(user, unit),
    })  # fmt: skip


def _sale_context(user: Any, unit: Unit) -> dict[str, Any]:
    """The unit's sale for its page: its live trade, or the buyer picker to start one (选房)."""
    from .selectors_trades import trade_list, unit_live_trade
    from .views_trades import buyer_choices

    can_sell = has_permission(user, "re_sales.create") and unit.status in (Unit.Status.AVAILABLE, Unit.Status.HELD)
    live = unit_live_trade(unit.pk) if has_permission(user, "re_sales.view") else None
    # a colleague's sale out of the reader's data scope shows its stage, not its buyer or number
    mine = live is not None and trade_list(user=user).filter(pk=live.pk).exists()
    return {
        "live_trade": live if mine else None,
        "other_sale": None if mine else live,
        "can_sell": can_sell and unit.total_price is not None,
        "buyers": buyer_choices(user) if can_sell else [],
    }


@login_required
@when_enabled
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a unit (floor, number, layout, orientation, areas, decoration) and set its custom fields."""
    user = request.user
    unit = selectors.unit_get(user=user, pk=pk)
    require_permission(user, "re_properties.edit")
    if request.method == "POST":
        form = UnitForm(request.POST, unit=unit)
    else:
        form = UnitForm(initial=unit_initial(unit), unit=unit)
    custom_fields_attach(form, user=user, target=services.UNIT_TARGET, instance=unit)

    def save() -> Any:
        return services.unit_update(actor=user, unit=unit, data=form.service_data(),
                                    expected_version=form.cleaned_data.get("version"))  # fmt: skip

    then = reverse("realestate:unit_detail", args=[unit.pk])
    if (answer := form_page_submit(request, form, save, _("Unit saved."), then)) is not None:
        return answer
    status = form_page_status(request)
    return render(request, "realestate/unit_form.html", {"form": form, "unit": unit}, status=status)


@login_required
@when_enabled
@require_POST
def unit_hold(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get(user=request.user, pk=pk)
    if request.POST.get("action") == "unhold":
        _run(request, lambda: services.unit_unhold(actor=request.user, unit=unit), _("The unit is on sale again."))
    else:

        def hold() -> Any:
            until = clean_date(request.POST.get("until"), "until", required=False)
            return services.unit_hold(actor=request.user, unit=unit, reason=request.POST.get("reason", ""), until=until)

        _run(request, hold, _("The unit is held."))
    return redirect("realestate:unit_detail", unit.pk)


def _plan_context(request: HttpRequest, unit: Unit) -> dict[str, Any]:
    project = unit.building.project
    scheme = get_object_or_404(PaymentScheme, project=project, pk=request.GET.get("scheme") or 0)
    ids = [int(i) for i in request.GET.getlist("discount") if i.isdigit()]
    try:
        start = clean_date(request.GET.get("start"), "start", required=False) or timezone.localdate()
    except ApplicationError:
        start = timezone.localdate()
    plan = selectors.purchase_plan(user=request.user, unit=unit, scheme=scheme, discount_ids=ids, start=start)
    return {"unit": unit, "project": project, "scheme": scheme, "plan": plan, "start": start,
            "printed_at": timezone.localtime(), "start_iso": start.isoformat()}  # fmt: skip


@login_required
@when_enabled
def unit_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The purchase plan (置业计划) of a unit under a payment scheme and discounts, ready to print."""
    unit = selectors.unit_get(user=request.user, pk=pk)
    context = _plan_context(request, unit)
    if context["plan"] is None:
        messages.error(request, _("The unit has no price yet."))
        return redirect("realestate:unit_detail", unit.pk)
    return render(request, "realestate/unit_plan.html", context)


@login_required
@when_enabled
def unit_plan_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The purchase plan as a PDF to hand to the visitor; the print is audited."""
    from .pdf import purchase_plan_pdf

    unit = selectors.unit_get(user=request.user, pk=pk)
    context = _plan_context(request, unit)
    if context["plan"] is None:
        messages.error(request, _("The unit has no price yet."))
        return redirect("realestate:unit_detail", unit.pk)
    content = purchase_plan_pdf(unit=unit, scheme=context["scheme"], plan=context["plan"], start=context["start"])
    audit_record(actor=request.user, action=AuditLog.Action.EXPORT, obj=unit,
                 message=Message(gettext_noop("Purchase plan printed (PDF)")))  # fmt: skip
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="plan-{unit.pk}.pdf"'
    return response
