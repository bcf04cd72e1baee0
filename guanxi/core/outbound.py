"""Outbound HTTP, SSRF-safe (DESIGN.md: "Outbound HTTP refuses private, loopback and link-local targets after DNS
resolution and after redirects"). Every request Guanxi makes to an address someone typed (webhooks, later URL
fetches) goes through `post` here, never through urllib/requests directly.

- Only http and https; the host is resolved once and EVERY address it resolves to must be public
  (`ipaddress.is_global`: no loopback, private, link-local, shared 100.64/10, multicast, reserved or unspecified
  address, IPv4-mapped IPv6 included), unless it lies in a network the administrator allows in settings
  (`GUANXI_OUTBOUND_ALLOWED_NETWORKS`, e.g. "127.0.0.1/32,10.20.0.0/16"). Cloud metadata addresses
  (169.254.169.254, Alibaba Cloud's 100.100.100.200, fd00:ec2::254) are refused even inside an allowed network.
- The connection goes to the address that was checked (the Host header and TLS name stay the URL's host), so a
  DNS answer that changes between the check and the connect (DNS rebinding) reaches nothing new.
- No redirects are followed: a 3xx answer is reported as a failure (a redirect could point anywhere).
- Connect and read timeouts and an overall deadline; at most `max_bytes` of the answer are read.

Standard library only (http.client, socket, ssl): no extra dependency and nothing that pools or re-resolves.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "100.100.100.200", "fd00:ec2::254", "169.254.170.2")
)
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 64 * 1024
USER_AGENT = "Guanxi-Webhooks/1"


class OutboundRefused(Exception):
    """The request was not sent: the target is not allowed (or unusable). `reason` says why, for the log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class OutboundFailed(Exception):
    """The request was sent (or tried) and failed: connection refused, timeout, TLS error, redirect."""

    def __init__(self, reason: str, *, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    body: bytes  # at most max_bytes
    elapsed_ms: int
    address: str  # the IP address that answered

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def parse_networks(text: str | Iterable[str]) -> tuple[Network, ...]:
    """Networks from "a/b, c/d" (or a list); a bad entry stops start-up rather than silently allowing nothing."""
    items = text.split(",") if isinstance(text, str) else list(text)
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip())


@lru_cache(maxsize=8)
def _allowed(raw: str) -> tuple[Network, ...]:
    return parse_networks(raw)


def allowed_networks() -> tuple[Network, ...]:
    raw = getattr(settings, "GUANXI_OUTBOUND_ALLOWED_NETWORKS", "")
    return _allowed(",".join(raw) if isinstance(raw, list | tuple) else str(raw or ""))


def address_refusal(address: Address, *, allowed: Iterable[Network] = ()) -> str | None:
    """Why `address` may not be contacted, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return f"{address} is a cloud metadata address"
    if any(address.version == net.version and address in net for net in allowed):
        return None
    if address.is_global and not address.is_multicast:
        return None
    kind = next(
        (
            label
            for label, flag in (
                ("loopback", address.is_loopback),
                ("link-local", address.is_link_local),
                ("unspecified", address.is_unspecified),
                ("multicast", address.is_multicast),
                ("reserved", address.is_reserved),
                ("private", address.is_private),
            )
            if flag
        ),
        "not public",
    )
    return f"{address} is a {kind} address (allow its network in GUANXI_OUTBOUND_ALLOWED_NETWORKS to reach it)"


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path + query, as sent
    address: str  # the checked IP address the connection goes to


def target_check(url: str, *, allowed: Iterable[Network] | None = None) -> Target:
    """Resolve the URL's host and check every address; raises OutboundRefused naming the reason."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused(f"not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise OutboundRefused("only http and https URLs are allowed")
    host = parts.hostname or ""
    if not host:
        raise OutboundRefused("the URL has no host")
    port = port or (443 if parts.scheme == "https" else 80)
    networks = tuple(allowed) if allowed is not None else allowed_networks()
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundRefused(f"the host {host} could not be resolved ({exc})") from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))
    if not addresses:
        raise OutboundRefused(f"the host {host} has no address")
    for address in addresses:  # every answer must pass: a mixed answer could be used to reach the inside
        refusal = address_refusal(address, allowed=networks)
        if refusal:
            raise OutboundRefused(refusal)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=parts.scheme, host=host, port=port, path=path, address=str(addresses[0]))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address while the Host header names the URL's host."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address; the certificate is verified against the URL's host name (SNI too)."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(
    url: str,
    *,
    body: bytes,
    headers: Mapping[str, str],
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allowed: Iterable[Network] | None = None,
) -> OutboundResponse:
    """POST `body` to `url` after the checks above. Raises OutboundRefused (nothing was sent) or OutboundFailed."""
    target = target_check(url, allowed=allowed)
    cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = cls(target, timeout)
    started = time.monotonic()
    deadline = started + timeout
    try:
        conn.request("POST", target.path, body=body, headers={"User-Agent": USER_AGENT, **headers})
        response = conn.getresponse()
        chunks: list[bytes] = []
        size = 0
        while size < max_bytes:
            if time.monotonic() > deadline:
                raise OutboundFailed(f"no complete answer within {timeout:g} s", status=response.status)
            chunk = response.read(min(8192, max_bytes - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OutboundFailed:
        raise
    except TimeoutError as exc:
        raise OutboundFailed(f"timed out after {timeout:g} s") from exc
    except ssl.SSLError as exc:
        raise OutboundFailed(f"TLS error: {exc.reason or exc}") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise OutboundFailed(f"{type(exc).__name__}: {exc}"[:300]) from exc
    finally:
        conn.close()
    elapsed_ms = int((time.monotonic() - started) * 1000)
    if 300 <= response.status < 400:  # never followed: the next hop could be anywhere
        raise OutboundFailed(
            f"redirect ({response.status}) refused: redirects are not followed", status=response.status
        )
    return OutboundResponse(
        status=response.status, body=b"".join(chunks), elapsed_ms=elapsed_ms, address=target.address
    )
