"""What every native source's tests check, whatever the tool: the pure translation properties.

A source's translation of any payload is a message the ordinary hook path accepts (it passes
``normalise``, ``check`` and ``build``) and that mentions no one, or ``None``, or a
``PayloadError``: never another exception. ``mutations`` makes the payloads that check it from a
real sample: every key removed, every value replaced by one of the wrong type.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from hypothesis import strategies as st

from inbound.webhooks.message import Identity, build, check
from inbound.webhooks.native import PayloadError, Source
from inbound.webhooks.payload import normalise
from inbound.webhooks.slack import NO_LOOKUPS

NATIVE = Path(__file__).parents[3] / "src" / "inbound" / "webhooks" / "native"
WRONG = [None, 1, -1, 1.5, True, [], {}, "x", "", [1], {"x": 1}]
DELETE = object()
HOSTILE = "@channel @all @here @alice <!channel> <!here|here> <@U1|bob> <#C1|town> *b* _i_ [l](u) `"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


def sample(source: str, name: str) -> Any:
    return json.loads((NATIVE / source / "samples" / f"{name}.json").read_text())


def sample_names(source: str) -> list[str]:
    return sorted(p.stem for p in (NATIVE / source / "samples").glob("*.json"))


def posted(message: dict[str, Any]) -> str:
    """Everything a reader sees of a translated message, as one string to search."""
    parts = [message.get("text", ""), message.get("username", "")]
    for attachment in message.get("attachments", []):
        parts += [str(v) for k, v in attachment.items() if k != "fields"]
        parts += [f"{f['title']}: {f['value']}" for f in attachment.get("fields", [])]
    return "\n".join(parts)


def through_pipeline(message: dict[str, Any]) -> None:
    """The message takes the ordinary hook path and notifies no one."""
    request = normalise(orjson.loads(orjson.dumps(message)))
    built = build(check(request), NO_LOOKUPS, identity=Identity(), limit=16383)
    mentions = built.mentions
    assert not mentions.usernames and not mentions.everyone, (mentions, message)


def outcome(source: Source, event: str, payload: Any) -> dict[str, Any] | PayloadError | None:
    """The translation, checked: a message that passes the pipeline, None, or a PayloadError."""
    try:
        message = source.translate(event, payload)
    except PayloadError as error:
        assert error.status == 400 and error.error_id.startswith("web.incoming_webhook.native")
        return error
    if message is not None:
        assert isinstance(message, dict)
        through_pipeline(message)
    return message


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path to every key and list item inside ``value``."""
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, inner in items:
        yield (*prefix, key)
        yield from paths(inner, (*prefix, key))


def changed(payload: Any, path: tuple[Any, ...], replacement: Any) -> Any:
    """A copy of ``payload`` with the value at ``path`` replaced (or removed: ``DELETE``)."""
    copy = orjson.loads(orjson.dumps(payload))
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    if replacement is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return copy


def mutations(payload: Any) -> Iterator[Any]:
    for path in paths(payload):
        for replacement in (DELETE, *WRONG):
            yield changed(payload, path, replacement)


def hostile(value: Any) -> Any:
    """``value`` with every string (keys kept) replaced by text full of mentions and markup."""
    if isinstance(value, dict):
        return {k: hostile(v) for k, v in value.items()}
    if isinstance(value, list):
        return [hostile(v) for v in value]
    return HOSTILE if isinstance(value, str) else value


def with_hostile_text(value: Any) -> Any:
    """``value`` with every string that is not an address or an enum-like word made hostile:
    addresses and actions kept, so the event is still handled and its links still valid."""
    if isinstance(value, dict):
        return {k: v if _kept(k, v) else with_hostile_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_hostile_text(v) for v in value]
    return HOSTILE + value if isinstance(value, str) else value


def _kept(key: str, value: Any) -> bool:
    keep = ("url", "action", "status", "conclusion", "noteable_type", "object_kind", "id")
    return isinstance(value, str) and (key.endswith(keep) or key in ("before", "after", "sha"))
