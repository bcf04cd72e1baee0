"""Web UI of the knowledge base: the article page and form, "this helped", linking an article to a ticket and
turning a ticket into an article. Thin: parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError
from guanxi.core.inputs import id_or_none
from guanxi.core.views_util import form_add_errors, service_action
from guanxi.org.policies import has_permission, require_permission

from .. import selectors as ticket_selectors
from . import selectors, services
from .forms import ArticleForm
from .models import Article


def _form(request: HttpRequest, article: Article | None) -> ArticleForm:
    from guanxi.commerce.models import Product

    kwargs = {"products": Product.objects.filter(is_active=True).order_by("name"),
              "categories": selectors.category_choices()}  # fmt: skip
    if request.method == "POST":
        return ArticleForm(request.POST, **kwargs)
    initial: dict[str, Any] = {"language": Article.Language.ZH, "status": Article.Status.DRAFT}
    if article is not None:
        initial = {f: getattr(article, f) for f in ("title", "category", "language", "status", "problem", "cause",
                                                     "solution")}  # fmt: skip
        initial.update(tags=", ".join(article.tags), product=article.product_id or "", version=article.version)
    return ArticleForm(initial=initial, **kwargs)


@login_required
def article_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    article = selectors.article_get(user=user, pk=pk) if pk else None
    require_permission(user, "knowledge.edit" if article else "knowledge.create")
    form = _form(request, article)
    if request.method == "POST" and form.is_valid():
        try:
            if article is None:
                article = services.article_create(actor=user, data=form.article_data())
            else:
                article = services.article_update(actor=user, article=article, data=form.article_data(),
                                                  expected_version=form.cleaned_data.get("version"))  # fmt: skip
        except ApplicationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Article saved."))
            return redirect("service:article_detail", article.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "service/knowledge/article_form.html", {"form": form, "article": article}, status=status)


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    article = selectors.article_get(user=user, pk=pk)
    context = {
        "article": article,
        "tickets": selectors.article_tickets(user=user, article=article),
        "can_edit": has_permission(user, "knowledge.edit"),
        "can_delete": has_permission(user, "knowledge.delete"),
    }
    return render(request, "service/knowledge/article_detail.html", context)


@login_required
@require_POST
def article_delete(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get(user=request.user, pk=pk)

    def run() -> None:
        services.article_delete(
            actor=request.user, article=article, expected_version=id_or_none(request.POST.get("version"))
        )

    return service_action(request, run, _("Article deleted."), reverse("service:article_list"))


@login_required
@require_POST
def article_helped(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get(user=request.user, pk=pk)
    back = reverse("service:article_detail", args=[article.pk])
    return service_action(request, lambda: services.article_helped(actor=request.user, article=article),
                          _("Thank you: counted as helpful."), back)  # fmt: skip


def _ticket(request: HttpRequest) -> Any:
    return ticket_selectors.ticket_get(user=request.user, pk=id_or_none(request.POST.get("ticket")), action="edit")


@login_required
@require_POST
def article_link(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get(user=request.user, pk=pk)
    ticket = _ticket(request)
    back = reverse("service:ticket_detail", args=[ticket.pk])
    return service_action(request, lambda: services.article_link(actor=request.user, article=article, ticket=ticket),
                          _("Article linked to the ticket."), back)  # fmt: skip


@login_required
@require_POST
def article_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get(user=request.user, pk=pk)
    ticket = _ticket(request)
    back = reverse("service:ticket_detail", args=[ticket.pk])
    return service_action(request, lambda: services.article_unlink(actor=request.user, article=article, ticket=ticket),
                          _("Article unlinked."), back)  # fmt: skip


@login_required
@require_POST
def article_from_ticket(request: HttpRequest, ticket: int) -> HttpResponse:
    row = ticket_selectors.ticket_get(user=request.user, pk=ticket, action="edit")
    try:
        article = services.article_from_ticket(actor=request.user, ticket=row)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("service:ticket_detail", row.pk)
    messages.success(request, _("Draft article created from the ticket: check it and publish it."))
    return redirect("service:article_edit", article.pk)
