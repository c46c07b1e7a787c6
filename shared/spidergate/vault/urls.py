"""Validation of user-supplied provider base URLs (no SSRF into private networks by default).

The host is normalised before it is judged (case, trailing dots, percent-encoding, the legacy
decimal/octal/hex IPv4 forms such as ``2130706433`` or ``0x7f.1``), IPv6 forms that embed an IPv4
address (IPv4-mapped and -compatible, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``) are judged by
the IPv4 rules, and a name that does not resolve is refused (fail closed). Names can be re-pointed
after this check (DNS rebinding), so deployed runtimes also check the address actually connected
to (``spidergate.vault.connect_guard``), with the same ``is_public_address`` rule.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from urllib.parse import unquote, urlsplit, urlunsplit

from spidergate.errors import InvalidRequest

Resolver = Callable[[str], Sequence[str]]  # host -> its IP addresses (raises OSError when it cannot)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_HOSTNAME = re.compile(
    r"(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*"
)
_LEGACY_PART = re.compile(r"0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*")
_PRIVATE_SUFFIXES = (".localhost", ".internal", ".local", ".localdomain", ".home.arpa", ".lan", ".intranet")


def system_resolver(host: str) -> list[str]:
    """Every address ``host`` resolves to (A and AAAA)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)]


def is_public_address(ip: IPAddress) -> bool:
    """Whether ``ip`` is a public unicast address, judging IPv4 embedded in IPv6 as IPv4."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
    return ip.is_global and not ip.is_multicast


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if int(ip) >> 32 == 0 and int(ip) > 1:  # IPv4-compatible ::a.b.c.d (deprecated, still routed)
        return ipaddress.IPv4Address(int(ip))
    return None


def normalise_host(raw: str) -> str:
    """The host as connected to: percent-decoded, lower case, without trailing dots, and an IPv4
    address in any legacy form written as dotted decimal. Raises ``ValueError`` if it is not a host."""
    host = unquote(raw).strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        return str(ipaddress.IPv6Address(host.split("%", 1)[0]))
    legacy = _legacy_ipv4(host)
    if legacy is not None:
        return str(legacy)
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"invalid host name {raw!r}") from exc
    if not _HOSTNAME.fullmatch(host):
        raise ValueError(f"invalid host name {raw!r}")
    return host


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """``inet_aton`` forms: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x)."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_LEGACY_PART.fullmatch(p) for p in parts):
        return None
    numbers = [_part_value(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    *head, last = [n for n in numbers if n is not None]
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = 0
    for n in head:
        value = value << 8 | n
    return ipaddress.IPv4Address(value << 8 * (4 - len(head)) | last)


def _part_value(part: str) -> int | None:
    if part.startswith("0x"):
        return int(part, 16) if len(part) > 2 else None
    return int(part, 8) if part.startswith("0") else int(part)


def host_addresses(host: str, resolver: Resolver) -> list[IPAddress]:
    """The addresses a normalised ``host`` stands for; raises ``OSError`` if it resolves to none."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    if host == "localhost" or host.endswith(_PRIVATE_SUFFIXES):
        return [ipaddress.IPv4Address("127.0.0.1")]
    found = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolver(host)]
    if not found:
        raise OSError(f"{host} has no addresses")
    return found


def check_base_url(url: str, *, allow_private: bool, resolver: Resolver | None = None) -> str:
    """Return ``url`` normalised, or raise if it is malformed or points at a private address.

    Loopback, link-local (the instance metadata service), private and reserved addresses are
    refused unless the deployment allows them (local runs, self-hosted models in a VPC); so is a
    host that does not resolve.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest("base_url must be an absolute http(s) URL", param="base_url")
    if parts.username or parts.password:
        raise InvalidRequest("base_url must not carry credentials", param="base_url")
    if parts.fragment:
        raise InvalidRequest("base_url must not carry a fragment", param="base_url")
    try:
        host = normalise_host(parts.hostname)
        port = parts.port
    except ValueError as exc:
        raise InvalidRequest(f"base_url host is not valid: {exc}", param="base_url") from None
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    # The query stays: Bedrock keys carry a ``?region=`` hint there.
    normalised = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), parts.query, ""))
    if allow_private:
        return normalised
    try:
        addresses = host_addresses(host, resolver or system_resolver)
    except (OSError, ValueError):
        raise InvalidRequest(
            f"base_url host {host} does not resolve; only resolvable public hosts are allowed",
            param="base_url",
        ) from None
    if not all(is_public_address(ip) for ip in addresses):
        raise InvalidRequest(
            f"base_url host {host} resolves to a non-public address; this deployment does not "
            "allow private or loopback provider URLs",
            param="base_url",
        )
    return normalised
