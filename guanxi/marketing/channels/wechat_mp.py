"""WeChat through a 服务号 (official account): a template message (模板消息) to the contact's openid, the WeChat id
kept on the contact.

The access token comes from the stable-token endpoint (`/cgi-bin/stable_token`, a POST) and is kept in the cache
until five minutes before it runs out; an answer saying the token is invalid or expired (40001, 40014, 42001)
fetches a new one and tries once more. Settings (guanxi/settings/base.py): GUANXI_WECHAT_MP_APP_ID, _APP_SECRET,
_TEMPLATE_ID (a template whose field GUANXI_WECHAT_MP_FIELD, default "content", carries the message text) and
_ENDPOINT (https://api.weixin.qq.com).

A follower who unsubscribed (43004) or an openid that is not the account's (40003) raises Bounced: the id is
suppressed. Every other refusal raises SendFailed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache

from . import Bounced, Outgoing, SendFailed
from .http import post_json

TOKEN_INVALID = {40001, 40014, 42001}
PERMANENT = {40003, 43004, 43101}


class WechatTemplateProvider:
    name = "WeChat official account"

    def __init__(self) -> None:
        endpoint = getattr(settings, "GUANXI_WECHAT_MP_ENDPOINT", "") or "https://api.weixin.qq.com"
        self.endpoint = str(endpoint).rstrip("/")
        self.app_id = str(getattr(settings, "GUANXI_WECHAT_MP_APP_ID", ""))
        self.app_secret = str(getattr(settings, "GUANXI_WECHAT_MP_APP_SECRET", ""))
        self.template_id = str(getattr(settings, "GUANXI_WECHAT_MP_TEMPLATE_ID", ""))
        self.field = str(getattr(settings, "GUANXI_WECHAT_MP_FIELD", "") or "content")

    def _cache_key(self) -> str:
        return f"marketing:wechat-mp-token:{self.app_id}"

    def access_token(self, *, fresh: bool = False) -> str:
        token = None if fresh else cache.get(self._cache_key())
        if token:
            return str(token)
        payload = {"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret,
                   "force_refresh": fresh}  # fmt: skip
        answer = post_json(f"{self.endpoint}/cgi-bin/stable_token", payload, provider=self.name)
        token = answer.get("access_token")
        if not token:
            raise SendFailed(f"{self.name}: no access token ({answer.get('errcode')} {answer.get('errmsg')})"[:300])
        expires = int(answer.get("expires_in") or 7200)
        cache.set(self._cache_key(), token, max(60, expires - 300))
        return str(token)

    def send(self, message: Outgoing) -> str:
        if not (self.app_id and self.app_secret and self.template_id):
            raise SendFailed(f"{self.name}: not configured (GUANXI_WECHAT_MP_* settings)")
        payload = {"touser": message.to, "template_id": self.template_id,
                   "data": {self.field: {"value": message.text}}}  # fmt: skip
        answer = self._post(payload, token=self.access_token())
        if _code(answer) in TOKEN_INVALID:
            answer = self._post(payload, token=self.access_token(fresh=True))
        code = _code(answer)
        if code == 0:
            return str(answer.get("msgid") or "")
        reason = f"{self.name}: {code} {answer.get('errmsg') or ''}".strip()[:300]
        raise (Bounced if code in PERMANENT else SendFailed)(reason)

    def _post(self, payload: dict[str, Any], *, token: str) -> dict[str, Any]:
        url = f"{self.endpoint}/cgi-bin/message/template/send?access_token={token}"
        return post_json(url, payload, provider=self.name)


def _code(answer: dict[str, Any]) -> int:
    try:
        return int(answer.get("errcode") or 0)
    except (TypeError, ValueError):
        return -1
