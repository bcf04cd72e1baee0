"""SMS through Tencent Cloud SMS (腾讯云短信, API 3.0 `SendSms`, version 2021-01-11), signed with TC3-HMAC-SHA256.

Chinese carriers only deliver SMS from an approved signature (签名) and template (模板): the template set in
GUANXI_SMS_TENCENT_TEMPLATE_ID must have one parameter, {1}, which carries the message text (the campaign's or
greeting's merged text, the event confirmation). Settings (guanxi/settings/base.py): GUANXI_SMS_TENCENT_SECRET_ID,
_SECRET_KEY, _APP_ID (SmsSdkAppId), _SIGN_NAME, _TEMPLATE_ID, _REGION (ap-guangzhou) and _ENDPOINT
(https://sms.tencentcloudapi.com/).

The answer names each number's result: "Ok" gives the provider id (SerialNo); a number the carrier or Tencent
refuses for good (wrong number, blacklisted, unsubscribed, …) raises Bounced, so the number is suppressed; any
other refusal (rate limits, balance, signature) and a failed request raise SendFailed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from . import Bounced, Outgoing, SendFailed
from .http import post_json

SERVICE = "sms"
VERSION = "2021-01-11"
# per-number codes that mean the number can never receive: suppressed like a hard e-mail bounce
PERMANENT = (
    "InvalidParameterValue.IncorrectPhoneNumber",
    "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.PhoneNumberOnBlacklist",
    "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
    "UnsupportedOperation.UnsupportedRegion",
    "FailedOperation.ContainSensitiveWord",
)


def phone_e164(number: str) -> str:
    """+86 for a mainland mobile written without a country code; digits and a leading + otherwise kept."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if number.strip().startswith("+"):
        return "+" + digits
    if digits.startswith("86") and len(digits) == 13:
        return "+" + digits
    return "+86" + digits


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tc3_authorization(*, secret_id: str, secret_key: str, host: str, body: bytes, timestamp: int) -> str:
    """The Authorization header of a POST of `body` (application/json) to `host` (Tencent Cloud's TC3 scheme)."""
    day = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    canonical = "\n".join([
        "POST", "/", "", f"content-type:application/json; charset=utf-8\nhost:{host}\n", "content-type;host",
        hashlib.sha256(body).hexdigest(),
    ])  # fmt: skip
    scope = f"{day}/{SERVICE}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), day), SERVICE), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


class TencentSmsProvider:
    name = "Tencent Cloud SMS"

    def __init__(self) -> None:
        self.endpoint = str(getattr(settings, "GUANXI_SMS_TENCENT_ENDPOINT", "") or "https://sms.tencentcloudapi.com/")
        self.secret_id = str(getattr(settings, "GUANXI_SMS_TENCENT_SECRET_ID", ""))
        self.secret_key = str(getattr(settings, "GUANXI_SMS_TENCENT_SECRET_KEY", ""))
        self.app_id = str(getattr(settings, "GUANXI_SMS_TENCENT_APP_ID", ""))
        self.sign_name = str(getattr(settings, "GUANXI_SMS_TENCENT_SIGN_NAME", ""))
        self.template_id = str(getattr(settings, "GUANXI_SMS_TENCENT_TEMPLATE_ID", ""))
        self.region = str(getattr(settings, "GUANXI_SMS_TENCENT_REGION", "") or "ap-guangzhou")

    def send(self, message: Outgoing) -> str:
        if not (self.secret_id and self.secret_key and self.app_id and self.template_id):
            raise SendFailed(f"{self.name}: not configured (GUANXI_SMS_TENCENT_* settings)")
        number = phone_e164(message.to)
        payload = {"PhoneNumberSet": [number], "SmsSdkAppId": self.app_id, "SignName": self.sign_name,
                   "TemplateId": self.template_id, "TemplateParamSet": [message.text]}  # fmt: skip
        body = json.dumps(payload, ensure_ascii=False).encode()
        host = urlsplit(self.endpoint).netloc
        timestamp = int(time.time())
        headers = {
            "Host": host, "X-TC-Action": "SendSms", "X-TC-Version": VERSION, "X-TC-Region": self.region,
            "X-TC-Timestamp": str(timestamp),
            "Authorization": tc3_authorization(secret_id=self.secret_id, secret_key=self.secret_key, host=host,
                                               body=body, timestamp=timestamp),
        }  # fmt: skip
        answer = post_json(self.endpoint, payload, headers=headers, body=body, provider=self.name)
        return self._result(answer, number)

    def _result(self, answer: dict[str, Any], number: str) -> str:
        response = answer.get("Response") or {}
        error = response.get("Error")
        if error:
            raise SendFailed(f"{self.name}: {error.get('Code')} {error.get('Message')}"[:300])
        status = next((s for s in response.get("SendStatusSet") or [] if s.get("PhoneNumber") == number), None)
        if status is None:
            raise SendFailed(f"{self.name}: the answer names no result for {number}")
        code = str(status.get("Code") or "")
        if code == "Ok":
            return str(status.get("SerialNo") or response.get("RequestId") or "")
        reason = f"{self.name}: {code} {status.get('Message') or ''}".strip()[:300]
        raise (Bounced if code in PERMANENT else SendFailed)(reason)
