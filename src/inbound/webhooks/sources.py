"""Where a request comes from, and whether a hook lets it in (senders.md §5). Pure.

A hook's ``allowed_cidrs`` are IPv4 and IPv6 networks; an empty list lets anyone in. The
client's address is the TCP peer, or — only when the peer is a trusted proxy — the address
the first ``ServiceSettings.TrustedProxyIPHeader`` header present names. In a list
(``X-Forwarded-For: client, proxy1, proxy2``) it is the right-most entry that is not itself a
trusted proxy: the entries to its left were written by the client and prove nothing.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_CIDRS = 100
MAX_CIDR_CHARS = 64
MAX_HOPS = 32  # entries of a forwarding header looked at, from the right


class InvalidCidrError(ValueError):
    """A network that is not one (the message names it)."""


def parse_cidrs(values: Iterable[object]) -> list[str]:
    """``values`` as normalised networks (``203.0.113.7/24`` → ``203.0.113.0/24``, a bare
    address → its ``/32`` or ``/128``), duplicates dropped, order kept."""
    out: list[str] = []
    for index, value in enumerate(values):
        if index >= MAX_CIDRS:
            raise InvalidCidrError(f"at most {MAX_CIDRS} networks")
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_CIDR_CHARS:
            raise InvalidCidrError(
                f"allowed_cidrs[{index}] must be a network such as 203.0.113.0/24"
            )
        try:
            network = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            raise InvalidCidrError(
                f"allowed_cidrs[{index}] ({value[:MAX_CIDR_CHARS]!r}) is not an IPv4 or IPv6 network"
            ) from None
        text = network.with_prefixlen
        if text not in out:
            out.append(text)
    return out


@functools.lru_cache(maxsize=1024)
def networks(cidrs: str) -> tuple[Network, ...]:
    """A hook's stored ``allowed_cidrs`` (space-separated, already valid), parsed once."""
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs.split())


def address(text: str) -> Address | None:
    """``text`` as an address (an IPv4-mapped IPv6 address as its IPv4 one), else None."""
    try:
        parsed = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


def allows(cidrs: str, client: str) -> bool:
    """Whether a hook whose ``allowed_cidrs`` are ``cidrs`` lets ``client`` in."""
    if not cidrs:
        return True
    parsed = address(client)
    return parsed is not None and any(parsed in network for network in networks(cidrs))


def client_address(
    peer: str,
    headers: Mapping[bytes, bytes],
    header_names: Sequence[str],
    trusted: str,
) -> str:
    """The client's address: ``peer``, or what a trusted proxy says it forwarded for."""
    if not header_names or not allows(trusted, peer) or not trusted:
        return peer
    for name in header_names:
        value = headers.get(name.lower().encode("latin-1"))
        if not value:
            continue
        entries = value.decode("latin-1").split(",")[-MAX_HOPS:]
        found = ""
        for entry in reversed(entries):
            parsed = address(entry)
            if parsed is None:
                break  # garbage: trust nothing further left than this
            found = str(parsed)
            if not any(parsed in network for network in networks(trusted)):
                return found
        return found or peer
    return peer


def normalise_trusted(text: str) -> str:
    """``INBOUND_TRUSTED_PROXIES`` (spaces or commas) as ``allowed_cidrs``-style text."""
    return " ".join(parse_cidrs(text.replace(",", " ").split()))
