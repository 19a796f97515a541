"""``/api/v4/hooks/incoming``: manage incoming webhooks."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from inbound.services import deliveries, hooks
from inbound.web import wire
from inbound.web.api import hook_bodies
from inbound.web.api.deps import ContextDep, CurrentUser, PagingDep, json_object
from inbound.web.responses import json_response, status_ok

router = APIRouter(prefix="/api/v4/hooks/incoming")


@router.post("")
async def create_hook(request: Request, actor: CurrentUser, ctx: ContextDep) -> Response:
    body = await json_object(request)
    fields = hook_bodies.new_hook(body)
    hook = await hooks.create_hook(ctx, actor, fields, user_id=hook_bodies.owner_id(body))
    return json_response(wire.hook_json(hook), status=201)


@router.get("")
async def list_hooks(
    pages: PagingDep,
    actor: CurrentUser,
    ctx: ContextDep,
    team_id: str = "",
    include_total_count: bool = False,
    include_delivery_counts: bool = False,
) -> Response:
    found = await hooks.list_hooks(
        ctx,
        actor,
        team_id=team_id,
        page=pages.page,
        per_page=pages.per_page,
        include_total_count=include_total_count,
    )
    listed = [wire.hook_json(h) for h in found.hooks]
    if include_delivery_counts:  # the web app's hook list: requests of the last 24 hours
        counts = await deliveries.counts_24h(ctx, found.hooks)
        for hook, shown in zip(found.hooks, listed, strict=True):
            n = counts[hook.id]
            shown["deliveries_24h"] = {
                "succeeded": n.posted,
                "failed": n.failed,
                "ignored": n.ignored,
            }
    if found.total_count is None:
        return json_response(listed)
    return json_response({"incoming_webhooks": listed, "total_count": found.total_count})


@router.get("/{hook_id}")
async def get_hook(hook_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    return json_response(wire.hook_json(await hooks.get_hook(ctx, actor, hook_id)))


@router.put("/{hook_id}")
async def update_hook(
    hook_id: str,
    request: Request,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    patch = hook_bodies.hook_patch(await json_object(request), hook_id)
    hook = await hooks.update_hook(ctx, actor, hook_id, patch)
    return json_response(wire.hook_json(hook), status=201)


@router.delete("/{hook_id}")
async def delete_hook(hook_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    await hooks.delete_hook(ctx, actor, hook_id)
    return status_ok()


@router.post("/{hook_id}/regenerate")
async def regenerate_hook(hook_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    return json_response(wire.hook_json(await hooks.regenerate_hook(ctx, actor, hook_id)))


# The one answer that carries a signing secret: never stored by a cache along the way.
NO_STORE = {"Cache-Control": "no-store"}


@router.post("/{hook_id}/signing_secret")
async def set_signing_secret(hook_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    secret = await hooks.set_signing_secret(ctx, actor, hook_id)
    return json_response({"signing_secret": secret}, headers=NO_STORE)


@router.delete("/{hook_id}/signing_secret")
async def remove_signing_secret(hook_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    await hooks.remove_signing_secret(ctx, actor, hook_id)
    return status_ok()
