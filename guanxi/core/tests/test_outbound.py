"""SSRF-safe outbound HTTP: which addresses are refused (after DNS resolution), the administrator's allowed networks,
no redirects, the connection pinned to the checked address, and the answer's size cap."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from guanxi.core import outbound

LOOPBACK = outbound.parse_networks("127.0.0.0/8")


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("100.64.0.1", "not public"),  # carrier-grade NAT, shared address space
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6
        ("fc00::1", "private"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_inside_addresses_are_refused(address, kind):
    reason = outbound.address_refusal(ipaddress.ip_address(address))
    assert reason is not None and kind in reason


@pytest.mark.parametrize("address", ["169.254.169.254", "100.100.100.200", "fd00:ec2::254"])
def test_cloud_metadata_is_refused_even_inside_an_allowed_network(address):
    allowed = outbound.parse_networks("0.0.0.0/0,::/0")
    assert "metadata" in (outbound.address_refusal(ipaddress.ip_address(address), allowed=allowed) or "")


def test_public_addresses_pass_and_allowed_networks_open_inside_ones():
    assert outbound.address_refusal(ipaddress.ip_address("1.1.1.1")) is None
    assert outbound.address_refusal(ipaddress.ip_address("2606:4700::1111")) is None
    assert outbound.address_refusal(ipaddress.ip_address("127.0.0.1"), allowed=LOOPBACK) is None
    assert outbound.address_refusal(ipaddress.ip_address("10.0.0.1"), allowed=LOOPBACK) is not None


def test_a_host_name_is_checked_after_resolution():
    # "localhost" is a name, not an address: it is refused for what it resolves to
    with pytest.raises(outbound.OutboundRefused, match="loopback"):
        outbound.target_check("http://localhost:8080/x", allowed=())


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("http:///nohost", "no host"),
        ("http://example.com:99999/", "not a valid URL"),
        ("http://[::1]/", "loopback"),
        ("http://2130706433/", "loopback"),  # 127.0.0.1 as one number
        ("http://0x7f.1/", None),  # resolved or refused, never reached unchecked
    ],
)
def test_unusable_or_inside_urls_are_refused(url, reason):
    with pytest.raises(outbound.OutboundRefused, match=reason):
        outbound.target_check(url, allowed=())


def test_the_allowed_networks_come_from_settings(settings):
    settings.GUANXI_OUTBOUND_ALLOWED_NETWORKS = "127.0.0.0/8, 10.20.0.0/16"
    assert outbound.allowed_networks() == outbound.parse_networks("127.0.0.0/8,10.20.0.0/16")
    target = outbound.target_check("http://127.0.0.1:9/x?y=1")
    assert (target.address, target.port, target.path) == ("127.0.0.1", 9, "/x?y=1")


class _Server:
    def __init__(self, handler: Any):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/redirect":
                self.send_response(307)
                self.send_header("Location", "http://169.254.169.254/")
                self.end_headers()
                return
            body = b"x" * 200_000 if self.path == "/big" else self.headers.get("Host", "").encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    s = _Server(Handler)
    yield s
    s.close()


def test_a_post_reaches_an_allowed_receiver_with_the_host_header_kept(server):
    response = outbound.post(server.url + "/ok", body=b"{}", headers={}, allowed=LOOPBACK)
    assert response.ok and response.address == "127.0.0.1"
    assert response.body == server.url.removeprefix("http://").encode()


def test_a_redirect_is_a_failure_and_is_not_followed(server):
    with pytest.raises(outbound.OutboundFailed, match="redirect") as exc:
        outbound.post(server.url + "/redirect", body=b"{}", headers={}, allowed=LOOPBACK)
    assert exc.value.status == 307


def test_the_answer_is_read_up_to_the_cap(server):
    response = outbound.post(server.url + "/big", body=b"{}", headers={}, allowed=LOOPBACK, max_bytes=1000)
    assert len(response.body) == 1000


def test_a_closed_port_is_a_failure_not_a_crash():
    with pytest.raises(outbound.OutboundFailed):
        outbound.post("http://127.0.0.1:1/", body=b"", headers={}, allowed=LOOPBACK, timeout=2)


def test_without_the_allowed_network_nothing_is_sent(server):
    with pytest.raises(outbound.OutboundRefused, match="loopback"):
        outbound.post(server.url + "/ok", body=b"{}", headers={}, allowed=())
