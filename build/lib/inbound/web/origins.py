"""The site's own origin, the origins it trusts, and whether a request came over https.

The site's origin is ``ServiceSettings.SiteURL`` (or ``INBOUND_SITE_URL``) when set, else the
request's own scheme and ``Host``. With ``inbound serve --proxy-headers`` the scheme a request
carries is the one the trusted proxy forwarded (uvicorn rewrites it before we see it).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.types import Scope

from inbound.services.context import Context

DEFAULT_PORTS = {"http": 80, "https": 443}
SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}
HOSTNAME = re.compile(r"[a-z0-9.-]+")
IPV6 = re.compile(r"[0-9a-f:.]+")

Origin = tuple[str, str, int]


def configured_site_url(ctx: Context) -> str:
    """SiteURL from the config, else from the start-up settings; empty when neither is set."""
    return ctx.config.service.site_url or ctx.settings.site_url


def parse_origin(url: str) -> Origin | None:
    """``scheme://host[:port]`` as (scheme, host, port), default ports filled in; None when it is
    not an http(s) origin a browser could send (``null``, other schemes, odd hosts)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not (HOSTNAME.fullmatch(host) or IPV6.fullmatch(host)):
        return None
    if ":" in host:
        host = f"[{host}]"  # urlsplit drops the brackets of an IPv6 literal
    return scheme, host, port or DEFAULT_PORTS[scheme]


def format_origin(origin: Origin, *, scheme: str = "") -> str:
    """The origin as a browser writes it (default port left out); ``scheme`` swaps the scheme."""
    own, host, port = origin
    shown = "" if port == DEFAULT_PORTS[own] else f":{port}"
    return f"{scheme or own}://{host}{shown}"


def request_scheme(scope: Scope) -> str:
    return SCHEMES.get(str(scope.get("scheme", "http")), "http")


def own_origin(ctx: Context, scope: Scope) -> Origin | None:
    site = configured_site_url(ctx)
    if site:
        return parse_origin(site)
    host = dict(scope.get("headers", ())).get(b"host", b"").decode("latin-1")
    return parse_origin(f"{request_scheme(scope)}://{host}") if host else None


def origin_allowed(ctx: Context, scope: Scope, origin: str) -> bool:
    """The site's own origin, or one listed in ``ServiceSettings.AllowCorsFrom`` (``*``: any)."""
    listed = ctx.config.service.allow_cors_from.split()
    if "*" in listed:
        return True
    theirs = parse_origin(origin)
    if theirs is None:
        return False
    return theirs == own_origin(ctx, scope) or theirs in {parse_origin(o) for o in listed}


def is_https(ctx: Context, scope: Scope) -> bool:
    """The site is https: SiteURL says so, or the request (or the trusted proxy) came over it."""
    return configured_site_url(ctx).lower().startswith("https:") or (
        request_scheme(scope) == "https"
    )
