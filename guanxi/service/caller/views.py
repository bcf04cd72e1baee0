"""The caller view page (来电弹屏): /service/caller/?phone=… (a call centre opens it with the caller's number) or
?q=… (a phone, plate, policy or serial number typed by the agent)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from guanxi.org.policies import has_permission, require_permission

from .selectors import caller_lookup, may_use


@login_required
def caller(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may_use(user):
        require_permission(user, "tickets.view")  # refused, in the reader's language
    query = (request.GET.get("phone") or request.GET.get("q") or "").strip()[:100]
    cards = caller_lookup(user=user, query=query) if query else []
    context = {
        "query": query, "cards": cards, "can_ticket": has_permission(user, "tickets.create"),
        "can_customer": has_permission(user, "customers.create"),
    }  # fmt: skip
    return render(request, "service/caller/caller.html", context)
