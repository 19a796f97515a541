"""The web app's pages: one HTML shell (the front end is /static/app.js and its modules in /static/js/), Mattermost's URLs.

Every page carries a Content-Security-Policy that allows scripts only from this origin's
/static/ files: no inline script runs, whatever a message contains. Nothing from the request's
headers goes into it. ``redirect_to`` (where the login page sends you) is only ever a path on
this site, read the way a browser reads a URL.
"""

from __future__ import annotations

import unicodedata
from html import escape
from pathlib import Path
from urllib.parse import quote, unquote

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from inbound.errors import AppError
from inbound.models import User
from inbound.render.markdown import code_css
from inbound.services import auth, teams
from inbound.services.context import Context
from inbound.web.api.deps import COOKIE, ContextDep
from inbound.web.origins import configured_site_url, format_origin, parse_origin

STATIC = Path(__file__).parent / "static"
router = APIRouter(include_in_schema=False)


def csp(ctx: Context) -> str:
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' http: https: data:; "
        f"connect-src {connect_sources(ctx)}; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def connect_sources(ctx: Context) -> str:
    """``'self'`` (which covers this origin's ws: and wss: in CSP 3 browsers), plus the
    SiteURL's websocket origin for older ones; never anything the request's headers say."""
    site = parse_origin(configured_site_url(ctx))
    if site is None:
        return "'self'"
    return f"'self' {format_origin(site, scheme='wss' if site[0] == 'https' else 'ws')}"


STYLESHEETS = (  # under /static/, in this order
    "app.css",
    "css/posts.css",
    "css/content.css",
    "css/menus.css",
    "css/reactions.css",
    "css/search.css",
    "css/pages.css",
    "css/hook_history.css",
    "css/console.css",
)


def shell(ctx: Context, *, title: str, page: str, redirect_to: str = "/") -> HTMLResponse:
    stylesheets = "\n".join(f'<link rel="stylesheet" href="/static/{s}">' for s in STYLESHEETS)
    body = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
{stylesheets}
<link rel="stylesheet" href="/web/code.css">
<script type="module" src="/static/app.js"></script>
</head>
<body data-page="{escape(page)}" data-redirect-to="{escape(redirect_to)}">
<div id="app" aria-live="polite"><noscript>inbound needs JavaScript.</noscript></div>
</body>
</html>"""
    headers = {
        "Content-Security-Policy": csp(ctx),
        "Referrer-Policy": "no-referrer",
    }  # X-Content-Type-Options: nosniff is on every answer (app.py)
    return HTMLResponse(body, headers=headers)


async def signed_in(request: Request, ctx: Context) -> User | None:
    token = request.cookies.get(COOKIE, "")
    if not token:
        return None
    try:
        return await auth.user_for_token(ctx, token)
    except AppError:
        return None


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?redirect_to={quote(target)}", status_code=302)


FORBIDDEN_CHARACTERS = frozenset(map(chr, [*range(0x20), 0x7F]))
WHATWG_STRIP = "".join(map(chr, range(0x21)))  # C0 controls and space, stripped at both ends


def safe_redirect(target: str | None) -> str:
    """``target`` when a browser would stay on this site going there, else ``/``.

    Read as a browser reads a URL (WHATWG): outer controls and spaces stripped, tabs and
    newlines dropped, ``\\`` taken as ``/``. Any control character, and any form that starts
    with ``//`` once percent-decoded or Unicode-normalized, falls back to ``/``.
    """
    cleaned = (target or "").strip(WHATWG_STRIP)
    if not cleaned or FORBIDDEN_CHARACTERS.intersection(cleaned):
        return "/"
    forms = {cleaned, unicodedata.normalize("NFKC", cleaned)}
    decoded = cleaned
    for _ in range(4):  # %252F → %2F → /: decode until it stops changing
        decoded, previous = unquote(decoded), decoded
        forms |= {decoded, unicodedata.normalize("NFKC", decoded)}
        if decoded == previous:
            break
    return cleaned if all(_local_path(form) for form in forms) else "/"


def _local_path(form: str) -> bool:
    path = form.replace("\\", "/")
    if FORBIDDEN_CHARACTERS.intersection(path.strip(WHATWG_STRIP)):
        return False
    return path.startswith("/") and not path.startswith("//")


@router.get("/login")
async def login(request: Request, ctx: ContextDep) -> Response:
    target = safe_redirect(request.query_params.get("redirect_to"))
    if await signed_in(request, ctx) is not None:
        return RedirectResponse(target, status_code=302)
    return shell(ctx, title="Log in · inbound", page="login", redirect_to=target)


@router.get("/")
async def root(request: Request, ctx: ContextDep) -> Response:
    user = await signed_in(request, ctx)
    if user is None:
        return to_login(request)
    mine = await teams.list_teams_for_user(ctx, user, user.id)
    if not mine:
        return shell(ctx, title="inbound", page="no-team")
    return RedirectResponse(f"/{mine[0].name}/channels/town-square", status_code=302)


@router.get("/web/code.css")
async def code_styles() -> Response:
    return Response(code_css(), media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.get("/favicon.ico")
async def favicon() -> Response:
    return Response(status_code=204)


APP_ROUTES = (
    "/{team}/channels/{channel}",
    "/{team}/messages/{who}",
    "/{team}/pl/{post_id}",
    "/{team}/integrations/incoming_webhooks",
    "/{team}/integrations/incoming_webhooks/add",
    "/{team}/integrations/incoming_webhooks/edit",
    "/admin_console",
    "/admin_console/{section:path}",
)


async def app_page(request: Request, ctx: ContextDep) -> Response:
    if await signed_in(request, ctx) is None:
        return to_login(request)
    return shell(ctx, title="inbound", page="app")


for route in APP_ROUTES:
    router.add_api_route(route, app_page, methods=["GET"])
