"""The demo company's customer voice and knowledge base (a demo step after the tickets'): the resolved tickets'
surveys answered (one low score, so the managers' warning and the Low scores tab show), and a few published
articles of the insurance and equipment kind, one linked to a ticket."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from guanxi.core.errors import ApplicationError

ANSWERS = [(5, "处理很及时，工作人员很专业。"), (2, "等了太久才有人联系我。"), (4, "")]
ARTICLES = [
    {"title": "车险报案与理赔流程", "category": "车险理赔", "tags": "理赔, 报案, 车险",
     "problem": "客户出险后不知道如何报案、需要准备哪些材料。",
     "cause": "首次出险的客户不熟悉保险公司的报案渠道。",
     "solution": "1. 拨打承保公司客服电话或在微信公众号报案；\n2. 保留现场照片、行驶证、驾驶证；\n"
                 "3. 查勘定损后提交维修发票，理赔款 5-10 个工作日到账。"},
    {"title": "服务器风扇异响的排查", "category": "设备维修", "tags": "服务器, 风扇, 异响",
     "problem": "服务器运行时风扇异响、转速忽高忽低。",
     "cause": "风扇积灰或轴承磨损；BIOS 风扇策略设置为性能模式。",
     "solution": "清理风扇与散热片灰尘；在 BIOS 中把风扇策略改为均衡；仍有异响时更换风扇模组（备件号 HX-FAN-02）。"},
    {"title": "续保优惠与险种调整说明", "category": "续保", "tags": "续保, 优惠, 险种",
     "problem": "客户咨询续保时的优惠和如何调整险种。",
     "solution": "上年无出险可享 NCD 折扣；续保时可增减车损险、三者险保额，在到期前 30 天内办理。"},
]  # fmt: skip


def _safely(run: Any) -> Any:
    try:
        with transaction.atomic():
            return run()
    except ApplicationError:
        return None


def voice_demo_build(*, result: Any, gen: Any, now: dt.datetime, progress: Any) -> None:
    from .knowledge import services as knowledge
    from .models import Ticket
    from .surveys.models import Survey
    from .surveys.services import survey_answer, survey_token

    admin = result.users.get("admin")
    agent = result.users.get("huangmin") or admin
    if admin is None:
        return
    progress("Satisfaction surveys and the knowledge base…")
    for survey, (score, comment) in zip(Survey.objects.order_by("id"), ANSWERS, strict=False):
        if _safely(lambda s=survey, v=score, c=comment: survey_answer(token=survey_token(s), score=v, comment=c)):
            result.counts["surveys"] += 1
    made = []
    for data in ARTICLES:
        article = _safely(lambda d=data: knowledge.article_create(actor=agent, data={**d, "status": "published"}))
        if article is not None:
            made.append(article)
            result.counts["articles"] += 1
    ticket = Ticket.objects.filter(subject__contains="风扇").first()
    if ticket is not None and len(made) > 1:
        _safely(lambda: knowledge.article_link(actor=agent, article=made[1], ticket=ticket))
