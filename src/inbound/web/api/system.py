"""``/api/v4/system``, ``/api/v4/config`` and ``/api/v4/license/client``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from inbound.errors import BadRequestError
from inbound.services import cluster
from inbound.services import config as config_service
from inbound.web.api.deps import ContextDep, CurrentUser, json_body
from inbound.web.responses import json_response
from inbound.web.version import MATTERMOST_VERSION

router = APIRouter(prefix="/api/v4")


PING = {
    "status": "OK",
    "version": MATTERMOST_VERSION,
    "ActiveSearchBackend": "database",
    # Mattermost's ClientRequirements, empty by default: no app version is required
    "AndroidLatestVersion": "",
    "AndroidMinVersion": "",
    "IosLatestVersion": "",
    "IosMinVersion": "",
}


@router.get("/system/ping")
async def ping(ctx: ContextDep, get_server_status: bool = False) -> Response:
    """Mattermost's ping; ``get_server_status=true`` adds what this process can reach and its
    node id (``cluster.md``)."""
    if not get_server_status:
        return json_response(PING)
    return json_response({**PING, **await cluster.server_status(ctx)})


@router.get("/license/client")
async def client_license(format: str = "") -> Response:
    """Mattermost's answer for a server without a license (no session needed, as there)."""
    if not format:
        raise BadRequestError(
            "api.license.client.old_format.app_error",
            "New format for the client license is not supported yet. "
            "Please specify format=old in the query string.",
        )
    if format != "old":
        raise BadRequestError(
            "api.context.invalid_body_param.app_error", "Invalid or missing format in request body."
        )
    return json_response({"IsLicensed": "false"})


@router.get("/config")
async def get_config(actor: CurrentUser, ctx: ContextDep) -> Response:
    return json_response((await config_service.get_config(ctx, actor)).document)


@router.put("/config")
async def replace_config(request: Request, actor: CurrentUser, ctx: ContextDep) -> Response:
    config = await config_service.replace_config(ctx, actor, await json_body(request))
    return json_response(config.document)


@router.put("/config/patch")
async def patch_config(request: Request, actor: CurrentUser, ctx: ContextDep) -> Response:
    config = await config_service.patch_config(ctx, actor, await json_body(request))
    return json_response(config.document)


@router.get("/config/client")
async def client_config(ctx: ContextDep, format: str = "") -> Response:
    if format != "old":
        raise BadRequestError(
            "api.config.client.old_format.app_error",
            "New format for the client configuration is not supported yet.",
        )
    return json_response(ctx.config.client_subset())
