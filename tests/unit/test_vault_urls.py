"""Issue 12 #2: the private-address guard on vault base URLs (normalised, fail closed)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from spidergate.errors import InvalidRequest
from spidergate.vault.urls import check_base_url, normalise_host

PUBLIC = "93.184.216.34"


def resolver(table: dict[str, list[str]]) -> object:
    def resolve(host: str) -> Sequence[str]:
        if host not in table:
            raise OSError(f"{host}: Name or service not known")
        return table[host]

    return resolve


RESOLVE = resolver(
    {
        "api.provider.test": [PUBLIC],
        "rebind.test": ["127.0.0.1"],
        "mixed.test": [PUBLIC, "10.0.0.7"],
        "empty.test": [],
        "v6.test": ["2606:4700::1111"],
        "mapped.test": ["::ffff:169.254.169.254"],
    }
)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost.:8290",
        "http://LOCALHOST..:8290/v1",
        "http://%31%32%37.0.0.1:8290",
        "http://127.1:8290",
        "http://2130706433:8290",
        "http://0x7f.0.0.1/v1",
        "http://0177.0.0.1/v1",
        "http://017700000001/v1",
        "http://[::1]/v1",
        "http://[::127.0.0.1]",
        "http://[::ffff:127.0.0.1]",
        "http://[64:ff9b::a9fe:a9fe]",
        "http://[64:ff9b::7f00:1]",
        "http://[2002:7f00:1::]",
        "http://[2002:a9fe:a9fe::1]",
        "http://169.254.169.254/latest",
        "http://100.64.0.1/v1",
        "http://0.0.0.0:8290",
        "http://224.0.0.1/v1",
        "http://metadata.google.internal/v1",
        "http://rebind.test:8290/v1",
        "http://mixed.test/v1",
        "http://mapped.test/v1",
        "http://nowhere.test/v1",  # does not resolve: refused, not waved through
        "http://empty.test/v1",
    ],
)
def test_private_loopback_and_unresolvable_hosts_are_refused(url: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        check_base_url(url, allow_private=False, resolver=RESOLVE)  # type: ignore[arg-type]
    assert caught.value.param == "base_url"


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://API.Provider.test./v1/", "https://api.provider.test/v1"),
        ("https://api.provider.test/aws?region=eu-west-3", "https://api.provider.test/aws?region=eu-west-3"),
        ("https://api.provider.test:8443/openai", "https://api.provider.test:8443/openai"),
        (f"http://{PUBLIC}/v1", f"http://{PUBLIC}/v1"),
        ("https://v6.test/v1", "https://v6.test/v1"),
        ("https://[2606:4700::1111]/v1", "https://[2606:4700::1111]/v1"),
        ("https://[64:ff9b::5db8:d822]/v1", "https://[64:ff9b::5db8:d822]/v1"),  # NAT64 of a public IPv4
    ],
)
def test_public_hosts_pass_normalised(url: str, normalised: str) -> None:
    assert check_base_url(url, allow_private=False, resolver=RESOLVE) == normalised  # type: ignore[arg-type]


def test_private_allowed_still_normalises_and_refuses_credentials() -> None:
    assert check_base_url("http://%6c%6fcalhost.:8290/v1/", allow_private=True) == "http://localhost:8290/v1"
    with pytest.raises(InvalidRequest):
        check_base_url("http://user:pw@api.provider.test/v1", allow_private=True)
    with pytest.raises(InvalidRequest):
        check_base_url("file:///etc/passwd", allow_private=True)
    with pytest.raises(InvalidRequest):
        check_base_url("http://bad host/v1", allow_private=True)


def test_legacy_ipv4_forms_normalise_to_dotted_decimal() -> None:
    assert {normalise_host(h) for h in ("2130706433", "0x7f.1", "0177.0.0.01", "127.0.1")} == {"127.0.0.1"}
    assert normalise_host("1.2.3.4.5") == "1.2.3.4.5"  # five labels: a name, not an address
