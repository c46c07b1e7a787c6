"""Validation of user-supplied provider base URLs (no SSRF into private networks by default)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from spidergate.errors import InvalidRequest


def check_base_url(url: str, *, allow_private: bool, resolve: bool = True) -> str:
    """Return ``url`` normalised, or raise if it is malformed or points at a private address.

    Loopback, link-local (the instance metadata service), private and reserved addresses are
    refused unless the deployment allows them (local runs, self-hosted models in a VPC).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest("base_url must be an absolute http(s) URL", param="base_url")
    if parts.username or parts.password:
        raise InvalidRequest("base_url must not carry credentials", param="base_url")
    if allow_private:
        return url.rstrip("/")
    host = parts.hostname
    addresses: list[str] = []
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        if host == "localhost" or host.endswith((".localhost", ".internal", ".local")):
            addresses = ["127.0.0.1"]
        elif resolve:
            try:
                addresses = [str(info[4][0]) for info in socket.getaddrinfo(host, None)]
            except OSError:
                addresses = []
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if not ip.is_global:
            raise InvalidRequest(
                f"base_url host {host} resolves to a non-public address; this deployment does not "
                "allow private or loopback provider URLs",
                param="base_url",
            )
    return url.rstrip("/")
