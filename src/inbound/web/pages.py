"""The web app's pages: one HTML shell (the front end is /static/app.js), Mattermost's URLs.

Every page carries a Content-Security-Policy that allows scripts only from this origin's
/static/ files: no inline script runs, whatever a message contains.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from inbound.errors import AppError
from inbound.models import User
from inbound.render.markdown import code_css
from inbound.services import auth, teams
from inbound.services.server import Server
from inbound.web.api.deps import COOKIE, get_server

STATIC = Path(__file__).parent / "static"
router = APIRouter(include_in_schema=False)


def csp(request: Request) -> str:
    host = request.headers.get("host", "")
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' http: https: data:; "
        f"connect-src 'self' ws://{host} wss://{host}; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def shell(request: Request, *, title: str, page: str) -> HTMLResponse:
    body = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="stylesheet" href="/static/app.css">
<link rel="stylesheet" href="/web/code.css">
<script type="module" src="/static/app.js"></script>
</head>
<body data-page="{escape(page)}">
<div id="app" aria-live="polite"><noscript>inbound needs JavaScript.</noscript></div>
</body>
</html>"""
    headers = {
        "Content-Security-Policy": csp(request),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    return HTMLResponse(body, headers=headers)


async def signed_in(request: Request, server: Server) -> User | None:
    token = request.cookies.get(COOKIE, "")
    if not token:
        return None
    try:
        return await auth.user_for_token(server, token)
    except AppError:
        return None


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?redirect_to={quote(target)}", status_code=302)


@router.get("/login")
async def login(request: Request) -> Response:
    return shell(request, title="Log in · inbound", page="login")


@router.get("/")
async def root(request: Request, server: Server = Depends(get_server)) -> Response:
    user = await signed_in(request, server)
    if user is None:
        return to_login(request)
    mine = await teams.list_teams_for_user(server, user, user.id)
    if not mine:
        return shell(request, title="inbound", page="no-team")
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


async def app_page(request: Request, server: Server = Depends(get_server)) -> Response:
    if await signed_in(request, server) is None:
        return to_login(request)
    return shell(request, title="inbound", page="app")


for route in APP_ROUTES:
    router.add_api_route(route, app_page, methods=["GET"])
