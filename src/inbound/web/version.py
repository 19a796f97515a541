"""The server's version as Mattermost states it: ``X-Version-Id`` on every answer and the
websocket ``hello``'s ``server_version``.

Mattermost's format is ``<version>.<build number>.<client config hash>.<licensed>``
(``server/channels/web/handlers.go``). Clients read the first three fields as the Mattermost
version they talk to (mmctl's ``CheckVersionMatch``, the mobile app's ``semverFromServerVersion``,
mattermost-redux's ``isMinimumServerVersion``) and compare the whole string to notice a server
upgrade or a client config change (the web app reloads). README.md, *Compatibility*, says why
``MATTERMOST_VERSION`` is the level we claim.

The string depends on the config only through its client subset's hash, so it is computed once
per config document (a ``Config`` is never changed in place: a change is a new object) and each
request pays one identity check.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson

from inbound import __version__
from inbound.config import MATTERMOST_VERSION, Config
from inbound.services.context import Context

BUILD_NUMBER = __version__
HEADER_NAME = b"x-version-id"


@dataclass(frozen=True, slots=True)
class Stamp:
    config: Config
    value: str
    header: tuple[bytes, bytes]


def _stamp(config: Config) -> Stamp:
    client = orjson.dumps(config.client_subset(), option=orjson.OPT_SORT_KEYS)
    digest = hashlib.md5(client, usedforsecurity=False).hexdigest()  # Mattermost's: md5 hex
    value = f"{MATTERMOST_VERSION}.{BUILD_NUMBER}.{digest}.false"  # no license, ever
    return Stamp(config, value, (HEADER_NAME, value.encode("ascii")))


_last: Stamp | None = None


def stamp(config: Config) -> Stamp:
    """The version for this config document, computed on its first use."""
    global _last
    last = _last
    if last is None or last.config is not config:
        _last = last = _stamp(config)
    return last


def server_version(ctx: Context) -> str:
    """``X-Version-Id``'s value for the config the server runs now."""
    return stamp(ctx.config).value


def version_header(ctx: Context) -> tuple[bytes, bytes]:
    """The ``X-Version-Id`` header, ready for an ASGI ``http.response.start``."""
    return stamp(ctx.config).header
