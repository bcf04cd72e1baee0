"""The survey page the customer opens from the e-mail link (no sign-in): the score and comment, once."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from guanxi.core.errors import ApplicationError, InvalidStateError, NotFoundError

from . import services

SCORES = (
    (5, gettext_lazy("Very satisfied")),
    (4, gettext_lazy("Satisfied")),
    (3, gettext_lazy("Neutral")),
    (2, gettext_lazy("Dissatisfied")),
    (1, gettext_lazy("Very dissatisfied")),
)
TEMPLATE = "service/public/survey.html"


@never_cache
def survey_public(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the question (?score=N preselects a score); POST answers it."""
    try:
        survey = services.survey_from_token(token)
    except NotFoundError as exc:
        return render(request, TEMPLATE, {"invalid": exc.message}, status=404)
    raw = request.POST.get("score") if request.method == "POST" else request.GET.get("score")
    chosen = int(raw) if raw in {"1", "2", "3", "4", "5"} else None
    context: dict[str, Any] = {"survey": survey, "scores": SCORES, "chosen": chosen,
                               "comment": request.POST.get("comment", "")[:2000]}  # fmt: skip
    if not survey.is_answered and timezone.now() > survey.expires_at:
        context["closed"] = _("This survey closed on %(date)s.") % {
            "date": timezone.localtime(survey.expires_at).strftime("%Y-%m-%d")}  # fmt: skip
    if request.method != "POST" or survey.is_answered or "closed" in context:
        return render(request, TEMPLATE, context)
    try:
        survey = services.survey_answer(token=token, score=request.POST.get("score"),
                                        comment=request.POST.get("comment", ""))  # fmt: skip
    except InvalidStateError as exc:
        return render(request, TEMPLATE, {**context, "closed": exc.message}, status=409)
    except ApplicationError as exc:
        return render(request, TEMPLATE, {**context, "error": exc.message}, status=400)
    return render(request, TEMPLATE, {**context, "survey": survey})
