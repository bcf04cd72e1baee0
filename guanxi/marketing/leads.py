"""A campaign's leads (活动线索): the web enquiry form's address with the campaign's reference (?ref=…) goes into
the campaign's messages, landing pages and QR codes; every enquiry sent through it becomes a lead tagged with
that reference (sales' Lead.referral), which is how the campaign counts its responses, their conversions and
opens the lead list behind each figure. The reference is signed, so one campaign's cannot be guessed from
another's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.signing import Signer
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from .models import Campaign

SALT = "guanxi.marketing.lead-ref"


def campaign_lead_ref(campaign: Campaign) -> str:
    return Signer(salt=SALT).sign(f"c{campaign.pk}")


def campaign_form_url(campaign: Campaign) -> str:
    """The public enquiry form's absolute address for this campaign."""
    query = urlencode({"ref": campaign_lead_ref(campaign)})
    return f"{settings.GUANXI_BASE_URL.rstrip('/')}{reverse('sales:public_lead_form')}?{query}"


@dataclass(frozen=True)
class CampaignLeads:
    total: int
    converted: int
    url: str  # the lead list behind the figures
    converted_url: str


def campaign_leads(campaign: Campaign, *, leads: QuerySet[Any] | None) -> CampaignLeads | None:
    """The campaign's leads among `leads` (the reader's lead scope; None: the reader may not see leads)."""
    if leads is None:
        return None
    ref = campaign_lead_ref(campaign)
    counts = leads.filter(referral=ref).aggregate(
        total=Count("pk"), converted=Count("pk", filter=Q(status="converted"))
    )
    base = reverse("sales:lead_list")
    return CampaignLeads(
        total=counts["total"],
        converted=counts["converted"],
        url=f"{base}?{urlencode({'scene': 'all', 'referral': ref})}",
        converted_url=f"{base}?{urlencode({'scene': 'all', 'referral': ref, 'status': 'converted'})}",
    )


def lead_ref_target(ref: str) -> tuple[str, int] | None:
    """What a lead's signed reference names: ("c", campaign id) or ("e", event id); None when it is not ours."""
    from django.core.signing import BadSignature

    try:
        value = Signer(salt=SALT).unsign(ref or "")
    except BadSignature:
        return None
    if len(value) < 2 or value[0] not in "ce" or not value[1:].isdigit():
        return None
    return value[0], int(value[1:])
