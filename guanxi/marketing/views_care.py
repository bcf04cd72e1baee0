"""Web UI of customer care: the greetings (templates per occasion), the coming holidays and what went out."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError, NotFoundError
from guanxi.core.views_util import form_page_status, form_page_submit, service_action
from guanxi.org.policies import has_permission, require_permission, scope_queryset

from . import care
from .forms_care import GreetingForm
from .models_care import CarePlan, Greeting, GreetingSend
from .occasions import next_holidays

RECENT_SHOWN = 50


def _greeting(user: Any, pk: Any) -> Greeting:
    require_permission(user, "marketing.view")
    found = Greeting.objects.select_related("segment", "owner").filter(pk=pk).first()
    if found is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    return found


@login_required
def care_overview(request: HttpRequest) -> HttpResponse:
    """The greetings by occasion, the next holidays (with their date this year) and the latest greetings sent."""
    require_permission(request.user, "marketing.view")
    today = timezone.localdate()
    from guanxi.customers.models import Contact

    # who was greeted: only contacts the reader may see
    visible = scope_queryset(request.user, Contact.objects.all(), "view", module="contacts").values("pk")
    recent = GreetingSend.objects.filter(contact_id__in=visible).select_related("greeting", "contact__customer", "task")
    recent = recent.order_by("-on", "-pk")[:RECENT_SHOWN]
    context = {
        "greetings": Greeting.objects.select_related("segment").order_by("occasion", "name"),
        "holidays": next_holidays(today, 4),
        "today": today,
        "recent": recent,
        "can_edit": has_permission(request.user, "marketing.edit"),
        "can_create": has_permission(request.user, "marketing.create"),
        "plans": CarePlan.objects.order_by("name"),
        "can_admin": has_permission(request.user, "marketing.admin"),
        "may_see_tasks": has_permission(request.user, "tasks.view"),
    }
    return render(request, "marketing/care.html", context)


def _initial(greeting: Greeting) -> dict[str, Any]:
    fields = ("name", "occasion", "channel", "language", "subject", "body", "custom_text", "call_levels", "active",
              "version")  # fmt: skip
    return {**{f: getattr(greeting, f) for f in fields}, "segment": greeting.segment_id}


@login_required
def greeting_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    greeting = _greeting(user, pk) if pk else None
    require_permission(user, "marketing.edit" if greeting else "marketing.create")
    if request.method == "POST":
        form = GreetingForm(request.POST)
    else:
        initial = {"channel": "email", "language": "zh-hans", "active": True, "occasion": request.GET.get("occasion")}
        form = GreetingForm(initial=_initial(greeting) if greeting else initial)

    def save() -> Any:
        if greeting is None:
            return care.greeting_create(actor=user, data=form.service_data())
        return care.greeting_update(actor=user, greeting=greeting, data=form.service_data(),
                                    expected_version=form.cleaned_data.get("version"))  # fmt: skip

    if (answer := form_page_submit(request, form, save, _("Greeting saved."), "marketing:care")) is not None:
        return answer
    context = {"form": form, "greeting": greeting}
    return render(request, "marketing/greeting_form.html", context, status=form_page_status(request))


@login_required
@require_POST
def greeting_delete(request: HttpRequest, pk: int) -> HttpResponse:
    greeting = _greeting(request.user, pk)
    return service_action(request, lambda: care.greeting_delete(actor=request.user, greeting=greeting),
                          _("Greeting deleted."), reverse("marketing:care"))  # fmt: skip


# --- VIP care plans ----------------------------------------------------------------------------------------------
@login_required
def care_plan_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """An administrator's care plan: which levels, and how often a visit, a call, a gift."""
    from . import care_plans
    from .forms_care import CarePlanForm
    from .models_care import CarePlan

    user = request.user
    require_permission(user, "marketing.admin")
    plan = CarePlan.objects.filter(pk=pk).first() if pk else None
    if pk and plan is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    if request.method == "POST":
        form = CarePlanForm(request.POST)
    else:
        form = CarePlanForm(initial=CarePlanForm.initial_of(plan) if plan else {"active": True, "levels": ["A"]})

    def save() -> Any:
        if plan is None:
            return care_plans.care_plan_create(actor=user, data=form.service_data())
        return care_plans.care_plan_update(actor=user, plan=plan, data=form.service_data(),
                                           expected_version=form.cleaned_data.get("version"))  # fmt: skip

    def steps_refused(exc: ApplicationError) -> None:
        if "steps" in exc.fields:
            form.add_error("visit_months", exc.fields["steps"][0])

    answer = form_page_submit(request, form, save, _("Care plan saved."), "marketing:care", refused=steps_refused)
    if answer is not None:
        return answer
    context = {"form": form, "plan": plan}
    return render(request, "marketing/care_plan_form.html", context, status=form_page_status(request))


@login_required
def care_overdue(request: HttpRequest) -> HttpResponse:
    """Overdue care (visits, calls, gifts of the plans) among the tasks the reader may see: a manager's team."""
    from .care_plans import overdue_care

    require_permission(request.user, "tasks.view")
    rows = overdue_care(user=request.user)[:200]
    return render(request, "marketing/care_overdue.html", {"rows": rows, "today": timezone.localdate()})


def customer_care_tab(request: HttpRequest, customer: Any) -> tuple[int | None, str]:
    """The customer 360 page's Care tab: greetings sent and coming up to its contacts, VIP care tasks, and its
    contacts' event registrations and attendance (the contacts the reader may see)."""
    from .selectors_care import UPCOMING_DAYS, customer_care
    from .views import customer_contacts_seen

    user = request.user
    if not has_permission(user, "marketing.view") or not has_permission(user, "contacts.view"):
        return None, render_to_string("customers/_no_permission.html", {}, request=request)
    care = customer_care(user=user, customer=customer, contacts=customer_contacts_seen(request, customer))
    context = {"care": care, "days": UPCOMING_DAYS, "may_see_tasks": has_permission(user, "tasks.view"),
               "can_edit": has_permission(user, "marketing.edit")}  # fmt: skip
    return care.total or None, render_to_string("marketing/tabs/care.html", context, request=request)
