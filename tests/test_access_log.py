"""The access log: one line per request with its id, route, status and latency, and never a
hook key or a query string (reliability.md 2b and 7)."""

from __future__ import annotations

import pytest

from inbound.web.access_log import route_of


@pytest.mark.parametrize(
    ("path", "route", "shown"),
    [
        ("/hooks/abcdefghijklmnopqrstuvwxyz", "/hooks/{key}", "abcd…"),
        (
            "/api/v4/hooks/incoming/abcdefghijklmnopqrstuvwxyz",
            "/api/v4/hooks/incoming/{key}",
            "abcd…",
        ),
        (
            "/api/v4/hooks/incoming/abcdefghijklmnopqrstuvwxyz/regenerate",
            "/api/v4/hooks/incoming/{key}/regenerate",
            "abcd…",
        ),
        ("/api/v4/system/ping", "/api/v4/system/ping", ""),
        ("/api/v4/hooks/incoming", "/api/v4/hooks/incoming", ""),
    ],
)
def test_routes_hide_keys(path: str, route: str, shown: str) -> None:
    assert route_of(path) == (route, shown)
