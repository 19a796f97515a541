"""``/api/v4/hooks/incoming/{id}/deliveries``: a hook's delivery history and replay
(senders.md §6)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from inbound.services import deliveries
from inbound.web import wire
from inbound.web.api.deps import ContextDep, CurrentUser, PagingDep
from inbound.web.responses import json_response

router = APIRouter(prefix="/api/v4/hooks/incoming")


@router.get("/{hook_id}/deliveries")
async def list_deliveries(
    hook_id: str, pages: PagingDep, actor: CurrentUser, ctx: ContextDep, status: str = ""
) -> Response:
    found = await deliveries.list_deliveries(
        ctx, actor, hook_id, page=pages.page, per_page=pages.per_page, status=status
    )
    return json_response([wire.delivery_json(d) for d in found])


@router.post("/{hook_id}/deliveries/{delivery_id}/replay")
async def replay_delivery(
    hook_id: str, delivery_id: str, request: Request, actor: CurrentUser, ctx: ContextDep
) -> Response:
    address = request.client.host if request.client else ""
    receipt = await deliveries.replay(ctx, actor, hook_id, delivery_id, address=address)
    return json_response(
        {"ok": True, "channel_id": receipt.channel_id, "post_ids": receipt.post_ids}
    )
