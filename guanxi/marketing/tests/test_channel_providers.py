"""The real SMS and WeChat adapters against a real HTTP server on loopback (no mock of the HTTP layer): the provider's
id is recorded on the delivery, a number or follower refused for good is a bounce (suppressed), any other refusal
is a failure, and a provider that does not answer in time is a failure too. The requests go through the SSRF-safe
outbound helper, so loopback is reached only because the test allows it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from guanxi.marketing import campaigns, services
from guanxi.marketing.channels import Bounced, Outgoing, SendFailed, provider_for
from guanxi.marketing.channels.tencent_sms import TencentSmsProvider, phone_e164, tc3_authorization
from guanxi.marketing.channels.wechat_mp import WechatTemplateProvider
from guanxi.marketing.models import Delivery, Suppression

pytestmark = pytest.mark.django_db


@dataclass
class FakeProvider:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    answer: Callable[[dict[str, Any]], Any] = lambda request: {}
    delay: float = 0.0


@pytest.fixture
def http_provider(settings: Any) -> Iterator[FakeProvider]:
    """An HTTP server on 127.0.0.1 answering JSON from `answer(request)`; the outbound helper may reach it."""
    state = FakeProvider(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            request = {"path": self.path, "headers": dict(self.headers.items()), "body": body,
                       "json": json.loads(body or b"{}")}  # fmt: skip
            state.requests.append(request)
            if state.delay:
                time.sleep(state.delay)
            answer = state.answer(request)
            raw = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.GUANXI_OUTBOUND_ALLOWED_NETWORKS = "127.0.0.1/32"
    settings.GUANXI_MARKETING_PROVIDER_TIMEOUT_SECONDS = 2.0
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def tencent(http_provider: FakeProvider, settings: Any) -> FakeProvider:
    settings.GUANXI_SMS_TENCENT_ENDPOINT = http_provider.url + "/"
    settings.GUANXI_SMS_TENCENT_SECRET_ID = "AKIDtest"
    settings.GUANXI_SMS_TENCENT_SECRET_KEY = "secret-key"
    settings.GUANXI_SMS_TENCENT_APP_ID = "1400006666"
    settings.GUANXI_SMS_TENCENT_SIGN_NAME = "关系科技"
    settings.GUANXI_SMS_TENCENT_TEMPLATE_ID = "1110"
    settings.GUANXI_MARKETING_PROVIDERS = {"sms": "guanxi.marketing.channels.tencent_sms.TencentSmsProvider"}
    return http_provider


@pytest.fixture
def wechat(http_provider: FakeProvider, settings: Any) -> FakeProvider:
    from django.core.cache import cache

    cache.delete("marketing:wechat-mp-token:wx-app")
    settings.GUANXI_WECHAT_MP_ENDPOINT = http_provider.url
    settings.GUANXI_WECHAT_MP_APP_ID = "wx-app"
    settings.GUANXI_WECHAT_MP_APP_SECRET = "wx-secret"
    settings.GUANXI_WECHAT_MP_TEMPLATE_ID = "tpl-1"
    settings.GUANXI_MARKETING_PROVIDERS = {"wechat": "guanxi.marketing.channels.wechat_mp.WechatTemplateProvider"}
    return http_provider


def _sms_answer(codes: dict[str, str]) -> Callable[[dict[str, Any]], Any]:
    def answer(request: dict[str, Any]) -> Any:
        number = request["json"]["PhoneNumberSet"][0]
        code = codes.get(number, "Ok")
        return {"Response": {"RequestId": "req-1", "SendStatusSet": [
            {"SerialNo": f"serial-{number[-4:]}", "PhoneNumber": number, "Code": code, "Message": code}]}}  # fmt: skip

    return answer


# --- Tencent Cloud SMS -------------------------------------------------------------------------------------------
def test_an_sms_campaign_goes_out_through_tencent_with_a_verifiable_signature(people, book, tencent):
    tencent.answer = _sms_answer({"+8613700137000": "InvalidParameterValue.IncorrectPhoneNumber"})
    segment = services.segment_create(actor=people["marketer"], data={"name": "全部", "query": ""})
    campaign = campaigns.campaign_create(actor=people["marketer"], data={
        "name": "短信", "channel": "sms", "segment": segment.pk, "body": "{{ name }}，您好"})  # fmt: skip
    assert campaigns.campaign_start(actor=people["marketer"], campaign=campaign) == 3
    assert campaigns.campaign_send_batch(campaign_id=campaign.pk) == 2
    sent = {d.address: d for d in Delivery.objects.filter(campaign=campaign)}
    assert sent["13900139000"].status == "sent" and sent["13900139000"].provider_id == "serial-9000"
    bounced = sent["13700137000"]
    assert bounced.status == "bounced" and "IncorrectPhoneNumber" in bounced.error
    assert Suppression.objects.filter(channel="sms", address="13700137000", reason="bounced").exists()
    first = tencent.requests[0]
    payload = first["json"]
    assert payload["SmsSdkAppId"] == "1400006666" and payload["SignName"] == "关系科技"
    assert payload["TemplateId"] == "1110" and payload["TemplateParamSet"][0].startswith(("李明", "赵强", "陈静"))
    headers = first["headers"]
    assert headers["X-TC-Action"] == "SendSms" and headers["X-TC-Version"] == "2021-01-11"
    # the signature is recomputed from what arrived, as Tencent's server does
    expected = tc3_authorization(secret_id="AKIDtest", secret_key="secret-key", host=headers["Host"],
                                 body=first["body"], timestamp=int(headers["X-TC-Timestamp"]))  # fmt: skip
    assert headers["Authorization"] == expected


def test_a_temporary_sms_refusal_is_a_failure_and_an_account_error_names_itself(tencent):
    tencent.answer = _sms_answer({"+8613800138000": "LimitExceeded.PhoneNumberDailyLimit"})
    with pytest.raises(SendFailed) as refused:
        TencentSmsProvider().send(Outgoing(to="138 0013 8000", subject="", text="您好"))
    assert not isinstance(refused.value, Bounced) and "DailyLimit" in str(refused.value)
    tencent.answer = lambda request: {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                                                             "Message": "签名错误"}, "RequestId": "r"}}  # fmt: skip
    with pytest.raises(SendFailed, match="AuthFailure.SignatureFailure"):
        TencentSmsProvider().send(Outgoing(to="13800138000", subject="", text="您好"))


def test_a_provider_that_does_not_answer_in_time_is_a_failure(tencent, settings):
    settings.GUANXI_MARKETING_PROVIDER_TIMEOUT_SECONDS = 0.3
    tencent.delay = 1.0
    tencent.answer = _sms_answer({})
    with pytest.raises(SendFailed, match="timed out|within"):
        provider_for("sms").send(Outgoing(to="13800138000", subject="", text="您好"))


def test_a_loopback_provider_is_refused_unless_the_network_is_allowed(tencent, settings):
    settings.GUANXI_OUTBOUND_ALLOWED_NETWORKS = ""
    tencent.answer = _sms_answer({})
    with pytest.raises(SendFailed, match="loopback"):
        TencentSmsProvider().send(Outgoing(to="13800138000", subject="", text="您好"))
    assert tencent.requests == []


def test_an_answer_that_is_not_json_is_a_failure(tencent):
    tencent.answer = lambda request: b"<html>gateway error</html>"
    with pytest.raises(SendFailed, match="not JSON"):
        TencentSmsProvider().send(Outgoing(to="13800138000", subject="", text="您好"))


def test_phone_numbers_are_sent_in_e164():
    assert phone_e164("138 0013 8000") == "+8613800138000"
    assert phone_e164("+852 9123 4567") == "+85291234567"
    assert phone_e164("8613800138000") == "+8613800138000"


# --- WeChat official account ---------------------------------------------------------------------------------------
def _wechat_answer(*, errcodes: dict[str, int], tokens: list[str]) -> Callable[[dict[str, Any]], Any]:
    def answer(request: dict[str, Any]) -> Any:
        if request["path"].startswith("/cgi-bin/stable_token"):
            tokens.append(f"token-{len(tokens) + 1}")
            return {"access_token": tokens[-1], "expires_in": 7200}
        token = request["path"].split("access_token=", 1)[1]
        if token != tokens[-1]:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        code = errcodes.get(request["json"]["touser"], 0)
        return {"errcode": code, "errmsg": "ok" if not code else "refused", "msgid": 200228332}

    return answer


def test_a_wechat_template_message_records_its_msgid_and_reuses_the_token(wechat):
    tokens: list[str] = []
    wechat.answer = _wechat_answer(errcodes={}, tokens=tokens)
    provider = WechatTemplateProvider()
    assert provider.send(Outgoing(to="o-openid-1", subject="", text="中秋快乐")) == "200228332"
    assert provider_for("wechat").send(Outgoing(to="o-openid-2", subject="", text="国庆快乐")) == "200228332"
    paths = [r["path"].split("?")[0] for r in wechat.requests]
    assert paths == ["/cgi-bin/stable_token", "/cgi-bin/message/template/send", "/cgi-bin/message/template/send"]
    sent = wechat.requests[1]["json"]
    assert sent == {"touser": "o-openid-1", "template_id": "tpl-1", "data": {"content": {"value": "中秋快乐"}}}
    assert wechat.requests[0]["json"]["appid"] == "wx-app"


def test_an_expired_wechat_token_is_renewed_once(wechat):
    tokens = ["stale"]
    wechat.answer = _wechat_answer(errcodes={}, tokens=tokens)
    from django.core.cache import cache

    cache.set("marketing:wechat-mp-token:wx-app", "old-token", 600)
    assert WechatTemplateProvider().send(Outgoing(to="o-1", subject="", text="您好")) == "200228332"
    assert [r["path"].split("?")[0] for r in wechat.requests] == [
        "/cgi-bin/message/template/send", "/cgi-bin/stable_token", "/cgi-bin/message/template/send"]  # fmt: skip
    assert wechat.requests[1]["json"]["force_refresh"] is True


def test_an_unsubscribed_follower_bounces_and_other_refusals_fail(wechat):
    wechat.answer = _wechat_answer(errcodes={"o-gone": 43004, "o-busy": 45009}, tokens=[])
    with pytest.raises(Bounced, match="43004"):
        WechatTemplateProvider().send(Outgoing(to="o-gone", subject="", text="您好"))
    with pytest.raises(SendFailed) as failed:
        WechatTemplateProvider().send(Outgoing(to="o-busy", subject="", text="您好"))
    assert not isinstance(failed.value, Bounced) and "45009" in str(failed.value)


def test_an_unconfigured_provider_says_so(settings):
    settings.GUANXI_WECHAT_MP_APP_ID = ""
    with pytest.raises(SendFailed, match="not configured"):
        WechatTemplateProvider().send(Outgoing(to="o-1", subject="", text="您好"))
