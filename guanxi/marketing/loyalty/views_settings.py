"""The programme's settings page: how tiers are measured, the tiers and the earning rules, edited by whoever holds
loyalty.admin (everyone with loyalty.view reads them). Thin: each form posts to one service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.core.errors import ApplicationError
from guanxi.core.views_util import form_add_errors
from guanxi.org.policies import has_permission, require_permission

from . import services
from .forms import EarningRuleForm, ProgrammeForm, TierForm
from .models import EarningRule, LoyaltyProgramme, Tier

FORMS = {"programme": ProgrammeForm, "tier": TierForm, "rule": EarningRuleForm}


def _editing(model: Any, raw: str | None) -> Any:
    return model.objects.filter(pk=int(raw)).first() if raw and raw.isdigit() else None


def _initial(programme: LoyaltyProgramme, tier: Tier | None, rule: EarningRule | None) -> dict[str, dict[str, Any]]:
    return {
        "programme": {"tier_basis": programme.tier_basis, "tier_period_days": programme.tier_period_days,
                      "points_valid_days": programme.points_valid_days},
        "tier": {"name": tier.name, "threshold": tier.threshold, "benefits": tier.benefits} if tier else {},
        "rule": {"name": rule.name, "trigger": rule.trigger, "points": rule.points, "per_amount": rule.per_amount,
                 "is_active": rule.is_active} if rule else {"is_active": True},
    }  # fmt: skip


def _save(actor: Any, what: str, data: dict[str, Any], tier: Tier | None, rule: EarningRule | None) -> None:
    if what == "programme":
        services.programme_update(actor=actor, data=data)
    elif what == "tier":
        if tier is None:
            services.tier_create(actor=actor, data=data)
        else:
            services.tier_update(actor=actor, tier=tier, data=data)
    elif rule is None:
        services.earning_rule_create(actor=actor, data=data)
    else:
        services.earning_rule_update(actor=actor, rule=rule, data=data)


@login_required
def loyalty_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_permission(user, "loyalty.view")
    programme = LoyaltyProgramme.current()
    tier = _editing(Tier, request.POST.get("tier_pk") or request.GET.get("tier"))
    rule = _editing(EarningRule, request.POST.get("rule_pk") or request.GET.get("rule"))
    initial = _initial(programme, tier, rule)
    forms = {key: cls(initial=initial[key], prefix=key) for key, cls in FORMS.items()}
    status = 200
    what = request.POST.get("what", "")
    if request.method == "POST" and what in FORMS:
        require_permission(user, "loyalty.admin")
        form = forms[what] = FORMS[what](request.POST, prefix=what)
        if form.is_valid():
            try:
                _save(user, what, dict(form.cleaned_data), tier, rule)
            except ApplicationError as exc:
                form_add_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(reverse("marketing:loyalty_settings"))
        status = 400
    elif request.method == "POST":
        status = 400
    context = {
        "forms": forms, "programme": programme, "tier": tier, "rule": rule, "may_admin": has_permission(
            user, "loyalty.admin"), "tiers": Tier.objects.order_by("threshold", "id"),
        "rules": EarningRule.objects.order_by("-is_active", "trigger", "id"),
    }  # fmt: skip
    return render(request, "marketing/loyalty/settings.html", context, status=status)
