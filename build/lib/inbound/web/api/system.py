"""``/api/v4/system`` and ``/api/v4/config``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from inbound.errors import BadRequestError
from inbound.services import config as config_service
from inbound.web.api.deps import ContextDep, CurrentUser, json_body
from inbound.web.responses import json_response

router = APIRouter(prefix="/api/v4")


@router.get("/system/ping")
async def ping() -> Response:
    return json_response({"status": "OK", "ActiveSearchBackend": "database"})


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
