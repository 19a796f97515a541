"""``/api/v4/roles``: the role objects clients load at start-up (Mattermost's ``api4/role.go``).

Every route needs a session, as in Mattermost. The roles and their permission lists are
``services/roles.py``'s; they change only with the config, so no request touches the database.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from inbound.errors import BadRequestError, NotFoundError, invalid_url_param
from inbound.models import is_valid_id
from inbound.services import roles
from inbound.web.api.deps import ContextDep, CurrentUser
from inbound.web.responses import json_response

router = APIRouter(prefix="/api/v4/roles")

MAX_NAMES = 100  # Mattermost's GetRolesByNamesMax
ROLE_NAME = re.compile(r"[a-z0-9_]{1,64}")  # Mattermost's IsValidRoleName


def role_json(role: roles.Role) -> dict[str, Any]:
    return {
        "id": role.id,
        "name": role.name,
        "display_name": role.display_name,
        "description": role.description,
        "create_at": 0,
        "update_at": 0,
        "delete_at": 0,
        "permissions": list(role.permissions),
        "scheme_managed": role.scheme_managed,
        "built_in": role.built_in,
    }


@router.post("/names")
async def get_roles_by_names(request: Request, _actor: CurrentUser, ctx: ContextDep) -> Response:
    names = _role_names(await request.body())
    return json_response([role_json(r) for r in roles.by_names(ctx.config, names)])


@router.get("/name/{role_name}")
async def get_role_by_name(role_name: str, _actor: CurrentUser, ctx: ContextDep) -> Response:
    if not ROLE_NAME.fullmatch(role_name):
        raise invalid_url_param("role_name")
    found = roles.by_names(ctx.config, [role_name])
    if not found:
        raise NotFoundError("app.role.get_by_name.app_error", "Unable to find the role.")
    return json_response(role_json(found[0]))


@router.get("/{role_id}")
async def get_role(role_id: str, _actor: CurrentUser, ctx: ContextDep) -> Response:
    if not is_valid_id(role_id):
        raise invalid_url_param("role_id")
    role = roles.by_id(ctx.config, role_id)
    if role is None:
        raise NotFoundError("app.role.get.app_error", "Unable to find the role.")
    return json_response(role_json(role))


def _role_names(raw: bytes) -> list[str]:
    """Mattermost's rules for the body: a JSON list of strings (else ``api.payload.parse.error``),
    de-duplicated and sorted; none → ``rolenames`` is invalid; more than 100 → too many; blank
    names are skipped and any other name must be a valid role name."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _not_a_list() from None
    if body is not None and not (isinstance(body, list) and all(isinstance(n, str) for n in body)):
        raise _not_a_list()
    names = sorted(set(body or ()))
    if not names:
        raise _invalid_body_param("rolenames")
    if len(names) > MAX_NAMES:
        raise BadRequestError(
            "api.roles.get_multiple_by_name_too_many.request_error",
            f"Unable to get more than {MAX_NAMES} roles by name at once.",
        )
    names = [n for n in names if n.strip()]
    if not all(ROLE_NAME.fullmatch(n) for n in names):
        raise _invalid_body_param("rolename")
    return names


def _not_a_list() -> BadRequestError:
    return BadRequestError(
        "api.payload.parse.error", "The request body must be a JSON list of role names."
    )


def _invalid_body_param(name: str) -> BadRequestError:
    return BadRequestError(
        "api.context.invalid_body_param.app_error", f"Invalid or missing {name} in request body."
    )
