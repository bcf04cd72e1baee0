"""Who is acting, from where: set once per request (or job) and read by the audit trail."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None = None
    user_agent: str = ""


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("guanxi_request", default=None)


def current() -> RequestContext:
    ctx = _current.get()
    return ctx if ctx is not None else RequestContext(request_id="")


@contextmanager
def bind(*, ip: str | None = None, user_agent: str = "", request_id: str | None = None) -> Iterator[RequestContext]:
    ctx = RequestContext(request_id=request_id or uuid.uuid4().hex, ip=ip, user_agent=user_agent[:300])
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
