from __future__ import annotations

from typing import Any

from guanxi.service import services


def make_asset(actor: Any, customer: Any, **data: Any) -> Any:
    values = {"customer": customer.pk, "kind": "vehicle_policy", "name": "交强险 + 商业车险", **data}
    return services.asset_create(actor=actor, data=values)


def make_ticket(actor: Any, customer: Any, now: Any = None, **data: Any) -> Any:
    values = {"customer": customer.pk, "subject": "车辆追尾理赔报案", "type": "claim", **data}
    return services.ticket_create(actor=actor, data=values, now=now)
