"""The public web form (web-to-lead): the per-IP rate limit and the submission."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.inputs import pick
from guanxi.core.throttle import throttle_per_minute

from ..models import Lead
from .lifecycle import _normalise_lead, lead_create

# --- the public web form (web-to-lead) -------------------------------------------------------
WEB_LEAD_FIELDS = {"company_name", "person_name", "title", "mobile", "phone", "email", "wechat", "province", "city"}
WEB_LEAD_FIELDS |= {"industry", "need", "referral"}


def web_lead_throttle(*, ip: str | None) -> None:
    """At most GUANXI_WEB_LEAD_RATE submissions per client IP per minute (counted in the cache)."""
    throttle_per_minute(
        scope="sales:web-lead",
        ip=ip,
        limit=int(getattr(settings, "GUANXI_WEB_LEAD_RATE", 5)),
        message=_("Too many submissions from your network. Please wait a minute and try again."),
    )


def web_lead_submit(*, data: dict[str, Any]) -> Lead:
    """A visitor's enquiry from the company website: a new lead (source "website registration") with no
    actor; the assignment rules run on it after commit."""
    data = _normalise_lead(pick(data, WEB_LEAD_FIELDS))
    fields: dict[str, list[str]] = {}
    if not data.get("person_name"):
        fields["person_name"] = [_("Please tell us your name.")]
    if not (data.get("mobile") or data.get("email")):
        msg = _("Please give your mobile number or e-mail address so we can reply.")
        fields["mobile"] = [msg]
        fields["email"] = [msg]
    if fields:
        raise ValidationFailed(_("Please correct the errors below."), fields=fields)
    return lead_create(actor=None, data={**data, "source": Lead.Source.WEBSITE}, auto_assign=True)
