"""What every alert source's output must satisfy, shared by test_alertmanager and test_grafana:
the samples, the ordinary hook path (``normalise`` → ``check`` → ``build``) and the mutations
(each key the translators read removed or of a wrong type) the property tests draw from."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from inbound.webhooks.message import Built, Identity, build, check
from inbound.webhooks.native import PayloadError, Source
from inbound.webhooks.payload import normalise
from inbound.webhooks.slack import NO_LOOKUPS

NATIVE = Path(__file__).parents[3] / "src" / "inbound" / "webhooks" / "native"
WRONG = [None, 1, -1.5, True, [], {}, "x", [1, "x"], {"x": 1}]
LIMIT = 16383
HOOK = Identity(display_name="alerts", username="hook", username_override=True)


def samples(source: str) -> dict[str, Any]:
    """``<case>`` → the decoded body of ``native/<source>/samples/<case>.json``."""
    folder = NATIVE / source / "samples"
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def through_pipeline(message: dict[str, Any]) -> Built:
    """The message as the hook path takes it: it must normalise, pass ``check`` and build."""
    request = normalise(message)
    return build(check(request), NO_LOOKUPS, identity=HOOK, limit=LIMIT)


def outcome(source: Source, payload: Any) -> dict[str, Any] | PayloadError | None:
    """``translate``'s answer, or the ``PayloadError`` it raised (any other exception fails)."""
    try:
        message = source.translate(source.event({}, payload), payload)
    except PayloadError as error:
        return error
    if message is not None:
        built = through_pipeline(message)
        assert not built.mentions.everyone and not built.mentions.usernames
    return message


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key and index path into a decoded body (at most three items of a list)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            yield (*prefix, index)
            yield from paths(item, (*prefix, index))


_DELETE = object()


def mutated(payload: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of ``payload`` whose item at ``path`` is ``value`` (``DELETE``: removed)."""
    out = copy.deepcopy(payload)
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    if value is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return out


DELETE = _DELETE


def mutations(payload: Any) -> Iterator[tuple[str, Any]]:
    """(id, body) for every path removed or replaced by each ``WRONG`` value."""
    for path in paths(payload):
        name = "/".join(map(str, path))
        yield f"{name}:deleted", mutated(payload, path, DELETE)
        for index, value in enumerate(WRONG):
            yield f"{name}:wrong{index}", mutated(payload, path, value)


KEYS = [
    "version", "status", "alerts", "labels", "annotations", "groupLabels", "commonLabels",
    "commonAnnotations", "externalURL", "receiver", "truncatedAlerts", "generatorURL",
    "startsAt", "endsAt", "summary", "description", "message", "runbook_url", "silenceURL",
    "dashboardURL", "panelURL", "imageURL", "values", "valueString", "ruleName", "state",
    "evalMatches", "ruleUrl", "imageUrl", "title", "metric", "value", "alertname",
]  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["4", "1", "firing", "resolved", "alerting", "ok", "@channel", "http://x/"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=6)
    ),
    max_leaves=25,
)


def loud(value: str) -> dict[str, Any]:
    """Labels and annotations that would ping a channel or a user if they were posted as is."""
    return {
        "alertname": f"{value} down",
        "team": "@all",
        "summary": f"{value} <!channel> <!here|here> <@U12345> ping",
        "description": "cc @here and @bob, @@channel, mail oncall@example.com",
        "runbook_url": "https://runbooks.example.com/@channel",
    }
