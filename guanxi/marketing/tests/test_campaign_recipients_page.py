"""The campaign page's recipients table pages through every recipient (a call list longer than a page can still be
worked to its end) and filters them: waiting, opened, clicked, not delivered."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.customers.tests.factories import ContactFactory
from guanxi.marketing import campaigns, services
from guanxi.marketing.models import Delivery

pytestmark = pytest.mark.django_db


def _names_on(client, campaign, **params):
    page = client.get(reverse("marketing:campaign_detail", args=[campaign.pk]), params).content.decode()
    return {f"收件人{i:02d}" for i in range(55) if f"收件人{i:02d}<" in page}, page


def test_recipients_page_through_and_filter(client, people, book):
    for i in range(55):
        ContactFactory(customer=book["a1"], name=f"收件人{i:02d}", email=f"r{i}@hengxin.example")
    segment = services.segment_create(actor=people["marketer"], data={"name": "A", "query": "level=A"})
    data = {"name": "秋季展会", "channel": "email", "segment": segment.pk, "subject": "邀请", "body": "{{ name }} 您好"}
    campaign = campaigns.campaign_create(actor=people["marketer"], data=data)
    assert campaigns.campaign_start(actor=people["marketer"], campaign=campaign) == 57  # + 李明, 王芳
    mine = Delivery.objects.filter(campaign=campaign, contact__name__startswith="收件人").order_by("pk")
    opened = [d.pk for d in mine[:3]]
    Delivery.objects.filter(pk__in=opened).update(status="sent", opened_at=timezone.now())
    Delivery.objects.filter(pk=mine[3].pk).update(status="bounced")
    client.force_login(people["marketer"])

    first, page = _names_on(client, campaign)
    second, _ = _names_on(client, campaign, page=2)
    assert "?page=2" in page and len(first) + 2 >= 50 and not first & second
    assert first | second == {f"收件人{i:02d}" for i in range(55)}  # nobody is out of reach
    assert _names_on(client, campaign, show="opened")[0] == {"收件人00", "收件人01", "收件人02"}
    assert _names_on(client, campaign, show="problems")[0] == {"收件人03"}
    waiting, _ = _names_on(client, campaign, show="waiting")
    assert "收件人00" not in waiting and "收件人03" not in waiting and "收件人04" in waiting
    # an unknown filter or page shows the first page of everyone, not an error
    assert (
        client.get(reverse("marketing:campaign_detail", args=[campaign.pk]), {"show": "x", "page": "x"}).status_code
        == 200
    )
