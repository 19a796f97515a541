"""Profile pictures. inbound stores no uploaded pictures: every user's picture is the default
one Mattermost would draw (``render/avatars.py``), whoever asks and whichever endpoint.

Who may see it is who may see the user (``users.view_user``): themselves, anyone sharing a team
or a channel with them, system admins. A picture depends only on the username's first letter
and the id's colour, so drawn pictures are kept by that pair (at most ``CACHE_SIZE``); drawing
runs off the event loop (the first one loads the font: ~70 ms).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from functools import partial

from inbound.models import User
from inbound.render.avatars import colour_for, draw_avatar, initial_for
from inbound.services import users
from inbound.services.context import Context

CACHE_SIZE = 512  # 40 letters × 9 colours fit: about 1 MB of PNGs


@dataclass(frozen=True)
class Picture:
    png: bytes
    etag: str  # a strong validator of the bytes, quoted
    last_modified: int  # ms: when the user (hence possibly their initial) last changed


_Key = tuple[str, tuple[int, int, int]]
_drawn: OrderedDict[_Key, tuple[bytes, str]] = OrderedDict()


async def profile_picture(ctx: Context, viewer: User, user_id: str) -> Picture:
    """``GET /users/{id}/image`` and ``/image/default``: 403 for a user the viewer may not see,
    404 (``app.user.missing_account.const``) for an unknown one to those who see everyone."""
    user = await users.view_user(ctx, viewer, user_id)
    png, etag = await _picture(ctx, (initial_for(user.username), colour_for(user.id)))
    return Picture(png, etag, user.update_at or user.create_at)


async def _picture(ctx: Context, key: _Key) -> tuple[bytes, str]:
    found = _drawn.get(key)
    if found is not None:
        _drawn.move_to_end(key)
        return found
    png = await ctx.off_loop(partial(draw_avatar, *key))
    found = png, '"' + hashlib.blake2b(png, digest_size=12).hexdigest() + '"'
    _drawn[key] = found
    while len(_drawn) > CACHE_SIZE:
        _drawn.popitem(last=False)
    return found
