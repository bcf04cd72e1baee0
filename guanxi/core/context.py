"""Who is acting, from where: set once per request (or job) and read by the audit trail."""

from __future__ import annotations

import contextvars
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None = None
    user_agent: str = ""
    # answers asked once per request (`once_per_request`): {key: (monotonic time, value)}
    memo: dict[str, tuple[float, Any]] = field(default_factory=dict, compare=False, repr=False)


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


def once_per_request(key: str, compute: Callable[[], T], *, max_age: float = 1.0) -> T:
    """`compute()`, asked once per request (and again after `max_age` seconds within a long one); outside a request,
    every time. For what a page would otherwise ask hundreds of times: whether another process changed a cached
    dictionary (a shared-cache read per dictionary label: a tenth of a 50-row list page)."""
    ctx = _current.get()
    if ctx is None:
        return compute()
    now = time.monotonic()
    held = ctx.memo.get(key)
    if held is not None and now - held[0] < max_age:
        return held[1]
    value = compute()
    ctx.memo[key] = (now, value)
    return value


def forget_per_request(key: str) -> None:
    """Drop the request's answer for `key` (this request changed what it answers)."""
    ctx = _current.get()
    if ctx is not None:
        ctx.memo.pop(key, None)
