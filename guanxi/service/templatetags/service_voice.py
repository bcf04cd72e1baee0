"""Template tags that put the customer's voice and the knowledge base on the ticket page and the 360 page, so
those pages' views need not know about surveys and articles."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("service/surveys/_ticket_survey.html", takes_context=True)
def ticket_survey_card(context: Any, ticket: Any, can_edit: bool = False) -> dict[str, Any]:
    from ..surveys.selectors import ticket_survey
    from ..surveys.services import survey_url

    survey = ticket_survey(ticket=ticket)
    link = survey_url(survey) if survey is not None and can_edit and not survey.is_answered else ""
    return {"survey": survey, "link": link, "request": context.get("request")}


@register.inclusion_tag("service/surveys/_customer_csat.html", takes_context=True)
def customer_csat_card(context: Any, customer: Any) -> dict[str, Any]:
    from ..surveys.selectors import customer_csat

    request = context.get("request")
    if request is None or customer is None:
        return {"csat": None}
    return {"csat": customer_csat(user=request.user, customer=customer), "request": request}


@register.inclusion_tag("service/knowledge/_ticket_articles.html", takes_context=True)
def ticket_articles_card(context: Any, ticket: Any, can_edit: bool = False) -> dict[str, Any]:
    """The ticket's linked articles, the published ones that may answer it, and “turn the resolution into an
    article” for a resolved ticket."""
    from guanxi.org.policies import has_permission

    from ..knowledge.selectors import suggested_articles, ticket_articles

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not has_permission(user, "knowledge.view"):
        return {"show": False}
    return {
        "show": True,
        "ticket": ticket,
        "can_edit": can_edit,
        "linked": ticket_articles(ticket=ticket),
        "suggested": suggested_articles(user=user, ticket=ticket),
        "can_turn": can_edit and bool(ticket.resolution) and has_permission(user, "knowledge.create"),
        "request": request,
    }
