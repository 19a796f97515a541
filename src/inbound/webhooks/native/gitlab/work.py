"""GitLab's merge request, comment (note) and pipeline events.

Each takes ``post`` (the source's message builder, which adds the project and the author) so this
module needs nothing from the package that imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inbound.webhooks.native import compose as c
from inbound.webhooks.native import git, shape

Post = Callable[..., dict[str, Any]]
GREEN, RED, PURPLE, GREY, BLUE = "#1f7e4c", "#dd2b0e", "#6f42c1", "#737278", "#1f75cb"
MAX_JOBS = 10

_MR_ACTIONS = {
    "open": ("opened", GREEN),
    "reopen": ("reopened", GREEN),
    "close": ("closed", RED),
    "merge": ("merged", PURPLE),
}


def merge_request(payload: dict[str, Any], *, post: Post) -> dict[str, Any] | None:
    attrs = shape.need(payload, "object_attributes", dict)
    action = _MR_ACTIONS.get(shape.text(attrs, "action"))
    if action is None:
        return None
    verb, color = action
    if verb in ("opened", "reopened") and attrs.get("draft") is True:
        verb, color = f"{verb} as a draft", GREY
    source, target = c.inline(attrs.get("source_branch")), c.inline(attrs.get("target_branch"))
    return post(
        payload,
        color=color,
        title=f"Merge request {verb}: {_titled(attrs, '!')}",
        title_link=c.url(attrs.get("url")),
        text=c.body(attrs.get("description")) if verb == "opened" else "",
        fields=[("Branches", f"{source} → {target}" if source and target else "")],
    )


def note(event: str, payload: dict[str, Any], *, post: Post) -> dict[str, Any] | None:
    attrs = shape.need(payload, "object_attributes", dict)
    if shape.text(attrs, "action") not in ("", "create") or attrs.get("system") is True:
        return None
    secret = event.startswith("Confidential") or payload.get("event_type") == "confidential_note"
    return post(
        payload,
        color=BLUE,
        title=f"New {'confidential ' if secret else ''}comment on {_noted(payload, attrs)}",
        title_link=c.url(attrs.get("url")),
        text="" if secret else c.body(attrs.get("note")),
    )


def _noted(payload: dict[str, Any], attrs: dict[str, Any]) -> str:
    """What a comment is on: ``merge request !1 Title``, ``commit `abc12345` Subject``…"""
    kind = shape.text(attrs, "noteable_type")
    if kind == "Commit":
        commit = shape.get(payload, "commit")
        sha = git.short_sha(commit.get("id"), 8)
        return " ".join(filter(None, ["commit", sha, c.first_line(commit.get("message"), 100)]))
    key, label, mark = {
        "MergeRequest": ("merge_request", "merge request", "!"),
        "Issue": ("issue", "issue", "#"),
        "Snippet": ("snippet", "snippet", "$"),
    }.get(kind, ("", "an item", ""))
    target = shape.get(payload, key) if key else {}
    if kind == "Snippet":
        target = {**target, "iid": target.get("id")}
    return f"{label} {_titled(target, mark)}".strip()


_PIPELINE_STATUS = {
    "success": ("passed", GREEN),
    "failed": ("failed", RED),
    "canceled": ("was canceled", GREY),
}


def pipeline(payload: dict[str, Any], *, post: Post) -> dict[str, Any] | None:
    attrs = shape.need(payload, "object_attributes", dict)
    status = _PIPELINE_STATUS.get(shape.text(attrs, "status"))
    if status is None:
        return None
    verb, color = status
    number = c.number(attrs.get("id"))
    ref = c.inline(attrs.get("ref"), 100)
    commit = shape.get(payload, "commit")
    subject = c.first_line(commit.get("title") or commit.get("message"), 100)
    jobs = _failed_jobs(payload) if verb == "failed" else ""
    return post(
        payload,
        color=color,
        title=f"Pipeline {'#' + number + ' ' if number else ''}{verb}"
        + (f" on {ref}" if ref else ""),
        title_link=c.url(attrs.get("url")),
        fields=[
            ("Commit", subject),
            ("Duration", _duration(attrs.get("duration"))),
            ("Failed jobs", jobs),
        ],
    )


def _failed_jobs(payload: dict[str, Any]) -> str:
    """The jobs that failed the pipeline: not those allowed to fail. Only for a failed pipeline:
    a passed one also lists the failed tries of jobs that were retried and then passed."""
    failed = [
        c.inline(job.get("name"), 60)
        for job in shape.items(payload, "builds")
        if job.get("status") == "failed" and job.get("allow_failure") is not True
    ]
    return ", ".join(failed[:MAX_JOBS]) + (" …" if len(failed) > MAX_JOBS else "")


def _duration(seconds: Any) -> str:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return ""
    if not 0 <= seconds < 10**9:
        return ""
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m {rest}s" if minutes else f"{rest}s"


def _titled(item: dict[str, Any], mark: str) -> str:
    """``!1 Title`` / ``#17 Title``: the item's number (``iid``) when there is one."""
    number = c.number(item.get("iid"))
    title = c.inline(item.get("title"))
    return f"{mark}{number} {title}".strip() if number else title
