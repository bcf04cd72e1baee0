"""What the lead services share: field lists, allowed states, the reason check (other input checks: core.inputs)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from guanxi.core.inputs import SHORT_TEXT_MAX, field_error

from ..models import Lead

LEAD_FIELDS = {
    "company_name",
    "person_name",
    "title",
    "mobile",
    "phone",
    "email",
    "wechat",
    "source",
    "province",
    "city",
    "industry",
    "size",
    "need",
    "referral",
}
# Where each action is allowed to start from.
SCREENABLE = (Lead.Status.NEW, Lead.Status.VALID, Lead.Status.INVALID)
ASSIGNABLE = (Lead.Status.NEW, Lead.Status.VALID, Lead.Status.ASSIGNED, Lead.Status.FOLLOWING)
LOSABLE = (Lead.Status.VALID, Lead.Status.ASSIGNED, Lead.Status.FOLLOWING)
CONVERTIBLE = (Lead.Status.VALID, Lead.Status.ASSIGNED, Lead.Status.FOLLOWING)
REASON_MAX = SHORT_TEXT_MAX
NEED_MAX = 5000


def _clean_reason(reason: str | None, field: str = "reason") -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise field_error(field, _("Give a reason."))
    if len(reason) > REASON_MAX:
        raise field_error(field, _("Ensure this value has at most %(max)s characters.") % {"max": REASON_MAX})
    return reason
