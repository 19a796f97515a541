"""A notification about a group of alerts, Alertmanager's shape → one post. Shared by the
``alertmanager`` and ``grafana`` sources: Grafana's contact-point payload is Alertmanager's
template data (``status``, ``alerts``, ``groupLabels``, ``commonLabels``, ``externalURL``…) plus
a few fields of its own, which the caller adds per alert.

The post is one attachment, coloured by status and titled as Alertmanager's own Slack template
titles it ("[FIRING:2] HighLatency (api prod)": the group labels' values, then the other common
labels' values), linking to the tool's alert list; the common labels are its fields; its text
lists the alerts (at most ``MAX_ALERTS``, then "…and N more") with summary, description, their
own labels and links.

Everything shown comes from whoever writes the alert rules, not from the hook's owner, so it is
made quiet (``quiet``): no label or annotation can mention a user or notify a channel. Strings
are cut to bounds and at most ``MAX_ALERTS`` alerts and ``MAX_LABELS`` labels of a set are
shown, so the post has a bounded size and building it takes time linear in the body.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from inbound.webhooks.native import PayloadError
from inbound.webhooks.native.compose import clip as cut
from inbound.webhooks.native.compose import escape, quiet

FIRING = "firing"
RESOLVED = "resolved"
STATUSES = (FIRING, RESOLVED)
COLOURS = {FIRING: "#D63232", RESOLVED: "#36A64F"}
MAX_ALERTS = 20
MAX_LABELS = 12
MAX_SHORT = 200  # a label value, a summary, a title
MAX_LONG = 1000  # a description, a value string
MAX_URL = 2000
ZERO_TIME = "0001-01-01T00:00:00Z"  # Go's zero time: "not ended yet"

# An "@" not after a word character is where a mention can start (mentions.py): in a link it is
# sent as "%40" (one after a word character, as in "user@host", is left for the link to work).
_MENTION_AT = re.compile(r"(?<!\w)@")
_UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f\s]")  # whitespace would end the Markdown link
_TIME = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)?")

# Per alert: extra links ("Silence", url) and a line of values, which Grafana has and
# Alertmanager has not.
Extras = Callable[[dict[str, Any]], tuple[list[tuple[str, Any]], str]]


def no_extras(alert: dict[str, Any]) -> tuple[list[tuple[str, Any]], str]:
    return [], ""


def one_line(text: str, limit: int = MAX_SHORT) -> str:
    """A short value on one line, cut and quiet (a newline in a label would break the layout)."""
    return quiet(" ".join(cut(text, limit).split()))


def label(text: str, limit: int = MAX_SHORT) -> str:
    """``one_line`` with its Markdown punctuation escaped, for a label, a value or a summary:
    they are names and numbers, not Markdown (``__name__`` must not come out bold)."""
    return escape(one_line(text, limit))


def text(value: Any) -> str:
    """A JSON scalar as text; anything else (an object, an array, null) is no text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and -(2**63) <= value < 2**64:
        return str(value)
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return repr(value)
    return ""


def mapping(value: Any, where: str) -> dict[str, Any]:
    """A set of labels or annotations: an object (missing or ``null`` is empty)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"{where} must be an object.")
    return value


def sorted_pairs(labels: Mapping[str, Any], limit: int = MAX_LABELS) -> list[tuple[str, str]]:
    """The first ``limit`` labels by name (as Alertmanager's ``SortedPairs``), in linear time."""
    first = heapq.nsmallest(limit, labels.items(), key=lambda pair: pair[0])
    return [(name, text(value)) for name, value in first]


def url(value: Any) -> str:
    """An absolute http(s) URL with a host, fit for a Markdown link, or "" (a relative link, or
    Alertmanager's "http://:9093" when it runs without ``--web.external-url``, would not open
    from a chat message)."""
    link = text(value).strip().replace(" ", "%20")
    if len(link) > MAX_URL or _UNSAFE_IN_URL.search(link):
        return ""
    try:
        parts = urlsplit(link)
    except ValueError:  # an unbalanced "[" in the host
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    link = link.replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
    return _MENTION_AT.sub("%40", link)  # ".../@channel" in a link would mention the channel


def links(pairs: list[tuple[str, Any]]) -> str:
    shown = [f"[{label}]({link})" for label, value in pairs if (link := url(value))]
    return " · ".join(shown)


def when(stamp: Any) -> str:
    """An RFC 3339 time as "2020-02-06 00:17 UTC" ("" for none or Go's zero time)."""
    value = text(stamp)
    match = _TIME.match(value)
    if not match or value == ZERO_TIME:
        return ""
    day, minute, zone = match.groups()
    return f"{day} {minute} {'UTC' if zone in (None, 'Z') else zone}"


def alerts_of(payload: dict[str, Any]) -> list[dict[str, Any]]:
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("alerts must be an array.")
    for index, alert in enumerate(alerts):
        if not isinstance(alert, dict):
            raise PayloadError(f"alerts[{index}] must be an object.")
    return alerts


def status_of(payload: dict[str, Any]) -> str:
    status = payload.get("status")
    if status not in STATUSES:
        raise PayloadError("status must be firing or resolved.")
    return str(status)


def title(status: str, firing: int, group: dict[str, Any], common: dict[str, Any]) -> str:
    """Alertmanager's default title, as plain text: ``[FIRING:n]`` or ``[RESOLVED]``, the group
    labels' values, then, in brackets, the values of the common labels that are not group
    labels (without the brackets when no group label has a value: "[FIRING:2] (a b)" reads
    as if something were missing)."""
    head = f"[FIRING:{firing}]" if status == FIRING else f"[{status.upper()}]"
    grouped = [value for _, value in sorted_pairs(group) if value]
    rest = {name: value for name, value in common.items() if name not in group}
    others = " ".join(value for _, value in sorted_pairs(rest) if value)
    if others:
        grouped.append(f"({others})" if grouped else others)
    return one_line(" ".join([head, *grouped]))


def alert_entry(alert: dict[str, Any], index: int, common: dict[str, Any], extras: Extras) -> str:
    """One alert as a Markdown list item: headline, time, description, own labels, links."""
    labels = mapping(alert.get("labels"), f"alerts[{index}].labels")
    notes = mapping(alert.get("annotations"), f"alerts[{index}].annotations")
    summary = text(notes.get("summary")) or text(notes.get("message"))
    headline = summary or text(labels.get("alertname")) or "Alert"
    description = text(notes.get("description"))
    if not description and summary != text(notes.get("message")):
        description = text(notes.get("message"))
    status = text(alert.get("status"))
    since = when(alert.get("endsAt")) if status == RESOLVED else when(alert.get("startsAt"))
    state = f"{status} {'at' if status == RESOLVED else 'since'} {since}" if since else status
    lines = [f"- **{label(headline)}**" + (f" ({one_line(state)})" if state else "")]
    if description:
        lines += ["  " + line for line in quiet(cut(description, MAX_LONG)).splitlines()]
    extra_links, values = extras(alert)
    if values:
        lines.append(f"  Values: {label(values, MAX_LONG)}")
    own = {name: value for name, value in labels.items() if common.get(name) != value}
    if own:
        lines.append("  " + ", ".join(f"{label(n)}={label(v)}" for n, v in sorted_pairs(own)))
    runbook = ("Runbook", notes.get("runbook_url"))
    found = links([("Source", alert.get("generatorURL")), runbook, *extra_links])
    if found:
        lines.append("  " + found)
    return "\n".join(lines)


def post(
    payload: dict[str, Any], *, tool: str, alerts_url: str, extras: Extras = no_extras
) -> dict[str, Any]:
    """The Slack-style message for one notification (raises ``PayloadError`` for a wrong shape)."""
    status = status_of(payload)
    alerts = alerts_of(payload)
    group = mapping(payload.get("groupLabels"), "groupLabels")
    common = mapping(payload.get("commonLabels"), "commonLabels")
    firing = sum(1 for alert in alerts if alert.get("status") == FIRING)
    heading = title(status, firing, group, common)
    entries = [alert_entry(a, i, common, extras) for i, a in enumerate(alerts[:MAX_ALERTS])]
    truncated = payload.get("truncatedAlerts")
    more = len(alerts) - MAX_ALERTS if len(alerts) > MAX_ALERTS else 0
    more += truncated if isinstance(truncated, int) and not isinstance(truncated, bool) else 0
    if more > 0:
        entries.append(f"…and {more} more alert{'s' if more != 1 else ''}.")
    receiver = one_line(text(payload.get("receiver")))
    attachment: dict[str, Any] = {
        "fallback": heading,
        "color": COLOURS[status],
        "title": escape(heading),
        "text": "\n".join(entries),
        "fields": [
            {"title": one_line(name), "value": label(value), "short": True}
            for name, value in sorted_pairs(common)
        ],
        "footer": f"{tool} · {receiver}" if receiver else tool,
    }
    if link := url(alerts_url):
        attachment["title_link"] = link
    return {"username": tool, "attachments": [attachment]}


def base_url(payload: dict[str, Any]) -> str:
    """``externalURL`` without its trailing "/" ("" when it is not an http(s) URL)."""
    return url(payload.get("externalURL")).rstrip("/")


def query(value: str) -> str:
    return quote(value, safe="")
