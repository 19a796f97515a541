"""Where a request comes from (``webhooks/sources.py``), as tables: a hook's ``allowed_cidrs`` as
stored, whether they let an address in, and the client's address behind trusted proxies."""

from __future__ import annotations

import pytest

from inbound.webhooks import sources

TRUSTED = "127.0.0.0/8 ::1/128"  # INBOUND_TRUSTED_PROXIES' default
XFF = ["X-Forwarded-For"]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        pytest.param([], [], id="empty"),
        pytest.param(["203.0.113.0/24"], ["203.0.113.0/24"], id="ipv4"),
        pytest.param(["203.0.113.7/24"], ["203.0.113.0/24"], id="host-bits-dropped"),
        pytest.param(["203.0.113.7"], ["203.0.113.7/32"], id="bare-ipv4"),
        pytest.param(["2001:DB8::/32"], ["2001:db8::/32"], id="ipv6-lowercased"),
        pytest.param(["2001:db8:0:0::1"], ["2001:db8::1/128"], id="bare-ipv6-compressed"),
        pytest.param([" 10.0.0.0/8 "], ["10.0.0.0/8"], id="spaces-trimmed"),
        pytest.param(["10.0.0.0/8", "10.1.2.3/8"], ["10.0.0.0/8"], id="duplicates-dropped"),
        pytest.param(
            ["2001:db8::/32", "0.0.0.0/0"], ["2001:db8::/32", "0.0.0.0/0"], id="order-kept"
        ),
        pytest.param(["::/0"], ["::/0"], id="all-ipv6"),
        pytest.param(["fe80::1%eth0/64"], ["fe80::/64"], id="zone-id-dropped"),
        pytest.param([f"10.0.{i}.0/24" for i in range(100)], None, id="100-networks"),
    ],
)
def test_parse_cidrs(given: list[str], stored: list[str] | None) -> None:
    assert sources.parse_cidrs(given) == (stored if stored is not None else given)


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(["nope"], id="word"),
        pytest.param([""], id="empty-string"),
        pytest.param(["   "], id="blank"),
        pytest.param(["203.0.113.0/33"], id="prefix-too-long"),
        pytest.param(["2001:db8::/129"], id="ipv6-prefix-too-long"),
        pytest.param(["256.0.0.0/8"], id="octet-too-big"),
        pytest.param(["10.0.0.0/8 192.168.0.0/16"], id="two-in-one-string"),
        pytest.param(["10.0.0.0/8,192.168.0.0/16"], id="comma-separated"),
        pytest.param(["10.0.0.0/-1"], id="negative-prefix"),
        pytest.param(["1" * 65], id="too-long"),
        pytest.param([None], id="null"),
        pytest.param([24], id="number"),
        pytest.param([True], id="bool"),
        pytest.param([["10.0.0.0/8"]], id="nested-list"),
        pytest.param([f"10.0.{i}.0/24" for i in range(101)], id="101-networks"),
    ],
)
def test_parse_cidrs_refuses(given: list[object]) -> None:
    with pytest.raises(sources.InvalidCidrError):
        sources.parse_cidrs(given)


@pytest.mark.parametrize(
    ("cidrs", "client", "allowed"),
    [
        pytest.param("", "198.51.100.1", True, id="no-list-anyone"),
        pytest.param("", "", True, id="no-list-no-address"),
        pytest.param("203.0.113.0/24", "203.0.113.5", True, id="inside"),
        pytest.param("203.0.113.0/24", "203.0.114.5", False, id="outside"),
        pytest.param("203.0.113.0/24", "", False, id="no-address"),
        pytest.param("203.0.113.0/24", "testclient", False, id="not-an-address"),
        pytest.param("203.0.113.0/24", "::ffff:203.0.113.5", True, id="ipv4-mapped"),
        pytest.param("203.0.113.0/24", "2001:db8::5", False, id="ipv6-vs-ipv4-list"),
        pytest.param("2001:db8::/32", "2001:db8:1::5", True, id="ipv6-inside"),
        pytest.param("2001:db8::/32", "[2001:db8::5]", True, id="ipv6-bracketed"),
        pytest.param("2001:db8::/32", "2001:db9::5", False, id="ipv6-outside"),
        pytest.param("2001:db8::/32 203.0.113.0/24", "203.0.113.9", True, id="mixed-list"),
        pytest.param("127.0.0.0/8", "127.0.0.1", True, id="loopback"),
        pytest.param("0.0.0.0/0", "198.51.100.1", True, id="everyone-ipv4"),
    ],
)
def test_allows(cidrs: str, client: str, allowed: bool) -> None:
    assert sources.allows(cidrs, client) is allowed


@pytest.mark.parametrize(
    ("peer", "headers", "names", "client"),
    [
        pytest.param(
            "127.0.0.1",
            {b"x-forwarded-for": b"203.0.113.5"},
            XFF,
            "203.0.113.5",
            id="trusted-proxy",
        ),
        pytest.param(
            "::1", {b"x-forwarded-for": b"2001:db8::5"}, XFF, "2001:db8::5", id="trusted-ipv6-proxy"
        ),
        pytest.param(
            "127.0.0.1", {b"x-forwarded-for": b"203.0.113.5"}, [], "127.0.0.1", id="setting-empty"
        ),
        pytest.param(
            "198.51.100.1",
            {b"x-forwarded-for": b"203.0.113.5"},
            XFF,
            "198.51.100.1",
            id="untrusted-peer",
        ),
        pytest.param("127.0.0.1", {}, XFF, "127.0.0.1", id="no-header"),
        pytest.param("127.0.0.1", {b"x-forwarded-for": b""}, XFF, "127.0.0.1", id="empty-header"),
        pytest.param(
            "127.0.0.1",
            {b"x-forwarded-for": b"203.0.113.5, 198.51.100.7"},
            XFF,
            "198.51.100.7",
            id="rightmost-untrusted-wins",
        ),
        pytest.param(
            "127.0.0.1",
            {b"x-forwarded-for": b"203.0.113.5, 127.0.0.2"},
            XFF,
            "203.0.113.5",
            id="trusted-hops-skipped",
        ),
        pytest.param(
            "127.0.0.1",
            {b"x-forwarded-for": b"203.0.113.5, garbage"},
            XFF,
            "127.0.0.1",
            id="garbage-stops",
        ),
        pytest.param("127.0.0.1", {b"x-forwarded-for": b"\xff\xfe"}, XFF, "127.0.0.1", id="binary"),
        pytest.param(
            "127.0.0.1",
            {b"x-real-ip": b"203.0.113.5"},
            ["X-Forwarded-For", "X-Real-IP"],
            "203.0.113.5",
            id="second-header-name",
        ),
        pytest.param(
            "127.0.0.1",
            {b"x-forwarded-for": b"::ffff:203.0.113.5"},
            XFF,
            "203.0.113.5",
            id="ipv4-mapped",
        ),
    ],
)
def test_client_address(peer: str, headers: dict, names: list[str], client: str) -> None:
    assert sources.client_address(peer, headers, names, TRUSTED) == client


def test_no_trusted_proxies_means_the_peer() -> None:
    assert sources.client_address("127.0.0.1", {b"x-forwarded-for": b"203.0.113.5"}, XFF, "") == (
        "127.0.0.1"
    )


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("127.0.0.0/8 ::1/128", "127.0.0.0/8 ::1/128"),
        ("10.0.0.1,10.0.0.2", "10.0.0.1/32 10.0.0.2/32"),
        ("10.0.0.0/8, 192.168.0.0/16", "10.0.0.0/8 192.168.0.0/16"),
        ("", ""),
    ],
)
def test_normalise_trusted(text: str, stored: str) -> None:
    assert sources.normalise_trusted(text) == stored
