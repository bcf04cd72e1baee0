"""Administration pages: users, departments, roles, audit trail."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from guanxi.core.models import AuditLog

from .models import User
from .policies import require_permission


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "org.admin")
    users = User.objects.select_related("department", "manager").prefetch_related("roles")
    return render(request, "org/user_list.html", {"users": users})


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "audit.view")
    page = Paginator(AuditLog.objects.select_related("actor", "content_type"), 50).get_page(request.GET.get("page"))
    return render(request, "org/audit_list.html", {"page": page})
