"""Demo stage templates of an insurance agency (../shared/seeds/003): a claim (报案 → 查勘 → 定损 → 理赔 → 结案) on
claim tickets and a policy (投保 → 核保 → 出单 → 续保) on vehicle policies, started on a demo claim and a policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from guanxi.core.errors import ApplicationError

CLAIM = """报案
- 登记报案信息，核对保单 | 0
查勘
- 联系客户约定查勘时间 | 1
- 现场查勘拍照 | 2
定损
- 出具定损单 | 3
理赔
- 收集理赔材料（发票、驾驶证、行驶证） | 5
- 提交保险公司理算 | 7
结案
- 回访客户，确认赔款到账 | 10"""
POLICY = """投保
- 收集投保资料（身份证、行驶证） | 0
- 出具报价方案 | 1
核保
- 提交保险公司核保 | 2
出单
- 出具保单并送达客户 | 3
续保
- 到期前 60 天电话提醒续保 | 300"""


def stages_demo_build(*, result: Any, gen: Any, now: dt.datetime, progress: Any) -> None:
    from ..models import Asset, Ticket
    from . import services

    admin = result.users.get("admin")
    if admin is None:
        return
    progress("Stage templates…")
    try:
        claim = services.stage_template_save(
            actor=admin,
            data={
                "name": "车险理赔流程",
                "target": "ticket",
                "type_code": "claim",
                "stages": CLAIM,
                "auto_start": True,
            },
        )
        policy = services.stage_template_save(
            actor=admin,
            data={"name": "车险投保流程", "target": "asset", "type_code": "vehicle_policy", "stages": POLICY},
        )
        ticket = Ticket.objects.filter(type="claim", status__in=["assigned", "in_progress"]).order_by("id").first()
        if ticket is not None:
            run = services.stage_start(actor=admin, template=claim, ticket=ticket, now=now)
            services.stage_advance(actor=admin, run=run, now=now)
        asset = Asset.objects.filter(kind="vehicle_policy", status="active").order_by("-ends_on").first()
        if asset is not None:
            services.stage_start(actor=admin, template=policy, asset=asset, now=now - dt.timedelta(days=5))
    except ApplicationError as exc:
        progress(f"  skipped: {exc.message}")
    result.counts["stage templates"] += 2
