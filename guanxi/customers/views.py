"""Web UI for customers, contacts, follow-ups and tasks. Thin: parse, call a selector/service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.customer_list(user=request.user, filters=request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "customers/customer_list.html", {"page": page})


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    data = selectors.customer_360(user=request.user, pk=pk)
    data["timeline"] = selectors.customer_timeline(user=request.user, customer=data["customer"])
    return render(request, "customers/customer_detail.html", data)


@login_required
def my_day(request: HttpRequest) -> HttpResponse:
    return render(request, "customers/my_day.html", selectors.my_day(user=request.user))


@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.contact_list(user=request.user, filters=request.GET), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "customers/contact_list.html", {"page": page})
