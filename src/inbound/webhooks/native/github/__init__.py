"""GitHub's repository and organisation webhooks → posts (senders.md §8).

Handled (``X-GitHub-Event``): ``push`` (commits, new and deleted branches and tags, force
pushes), ``pull_request`` (opened, reopened, ready_for_review, closed: merged or not),
``issues`` (opened, closed, reopened), ``issue_comment`` (created), ``release`` (published),
``workflow_run`` (completed, coloured by its conclusion) and ``ping``. Every other event or
action (labels, edits, assignments, a workflow that was merely requested…) is noise in a channel
and gives ``None``: answered 200, nothing posted. ``release`` posts only ``published`` because
GitHub also sends ``created`` and ``released`` for the same release.

``verify`` checks ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from inbound.webhooks.native import Headers, shape
from inbound.webhooks.native import compose as c
from inbound.webhooks.native.github.push import push

TOOL = "GitHub"
GREEN, PURPLE, RED, GREY, BLUE = "#2da44e", "#8250df", "#cf222e", "#6e7781", "#0969da"


def event(headers: Headers, payload: Any) -> str:
    return headers.get(b"x-github-event", b"").decode("latin-1").strip()


def verify(secret: str, headers: Headers, body: bytes) -> bool:
    given = headers.get(b"x-hub-signature-256", b"")
    if not secret or not given.startswith(b"sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(given[7:].lower(), expected)


def translate(event: str, payload: Any) -> dict[str, Any] | None:
    handler = _HANDLERS.get(event)
    if handler is None:
        return None
    return handler(shape.body(payload, f"GitHub {event}"))


def repository(payload: dict[str, Any]) -> tuple[str, str]:
    """The repository's name (owner/name, escaped) and address."""
    repo = shape.need(payload, "repository", dict)
    name = c.inline(shape.text(repo, "full_name") or shape.text(repo, "name")) or "repository"
    return name, c.url(repo.get("html_url"))


def sender(payload: dict[str, Any]) -> tuple[str, str, str]:
    """(login, profile address, avatar address) of whoever caused the event."""
    user = shape.get(payload, "sender")
    return c.inline(user.get("login")), c.url(user.get("html_url")), c.url(user.get("avatar_url"))


def post(payload: dict[str, Any], *, title: str, **parts: Any) -> dict[str, Any]:
    """``compose.message`` with GitHub's name, the sender as author and the repository before
    the title (``[owner/name] Issue opened: #1 …``). The footer names the tool, not the
    repository again: with username overrides off (Mattermost's default) the post is the hook
    owner's, and nothing else says where it came from."""
    repo, _ = repository(payload)
    return c.message(
        tool=TOOL,
        title=f"\\[{repo}\\] {title}",
        author=sender(payload),
        footer=TOOL,
        **parts,
    )


def pull_request(payload: dict[str, Any]) -> dict[str, Any] | None:
    action = shape.need(payload, "action", str)
    pr = shape.need(payload, "pull_request", dict)
    if action == "closed":
        merged = pr.get("merged") is True or bool(shape.text(pr, "merged_at"))
        verb, color = ("merged", PURPLE) if merged else ("closed", RED)
    elif action in ("opened", "reopened", "ready_for_review"):
        draft = pr.get("draft") is True
        verb = "ready for review" if action == "ready_for_review" else action
        verb, color = (f"{verb} as a draft", GREY) if draft else (verb, GREEN)
    else:
        return None
    head, base = (
        c.inline(shape.get(pr, "head").get("ref")),
        c.inline(shape.get(pr, "base").get("ref")),
    )
    branches = f"{head} → {base}" if head and base else ""
    return post(
        payload,
        color=color,
        title=f"Pull request {verb}: {_numbered(pr)}",
        title_link=c.url(pr.get("html_url")),
        text=c.body(pr.get("body")) if action == "opened" else "",
        fields=[("Branches", branches)],
    )


def issues(payload: dict[str, Any]) -> dict[str, Any] | None:
    action = shape.need(payload, "action", str)
    issue = shape.need(payload, "issue", dict)
    if action not in ("opened", "closed", "reopened"):
        return None
    color = GREEN
    if action == "closed":
        color = GREY if issue.get("state_reason") == "not_planned" else PURPLE
    return post(
        payload,
        color=color,
        title=f"Issue {action}: {_numbered(issue)}",
        title_link=c.url(issue.get("html_url")),
        text=c.body(issue.get("body")) if action == "opened" else "",
    )


def issue_comment(payload: dict[str, Any]) -> dict[str, Any] | None:
    action = shape.need(payload, "action", str)
    issue = shape.need(payload, "issue", dict)
    comment = shape.need(payload, "comment", dict)
    if action != "created":
        return None
    kind = "pull request" if "pull_request" in issue else "issue"
    return post(
        payload,
        color=BLUE,
        title=f"New comment on {kind} {_numbered(issue)}",
        title_link=c.url(comment.get("html_url")) or c.url(issue.get("html_url")),
        text=c.body(comment.get("body")),
    )


def release(payload: dict[str, Any]) -> dict[str, Any] | None:
    action = shape.need(payload, "action", str)
    rel = shape.need(payload, "release", dict)
    if action != "published":
        return None
    tag = c.inline(rel.get("tag_name"))
    name = c.inline(rel.get("name")) or tag or "untitled"
    kind = "Pre-release" if rel.get("prerelease") is True else "Release"
    return post(
        payload,
        color=GREEN,
        title=f"{kind} published: {name}",
        title_link=c.url(rel.get("html_url")),
        text=c.body(rel.get("body")),
        fields=[("Tag", tag)] if tag != name else None,
    )


_CONCLUSIONS = {
    "success": ("succeeded", GREEN),
    "failure": ("failed", RED),
    "timed_out": ("timed out", RED),
    "startup_failure": ("failed to start", RED),
    "cancelled": ("was cancelled", GREY),
    "action_required": ("needs approval", GREY),
}


def workflow_run(payload: dict[str, Any]) -> dict[str, Any] | None:
    action = shape.need(payload, "action", str)
    run = shape.need(payload, "workflow_run", dict)
    if action != "completed":
        return None
    conclusion = shape.text(run, "conclusion")
    verb, color = _CONCLUSIONS.get(conclusion, (f"completed ({c.inline(conclusion, 40)})", GREY))
    name = c.inline(run.get("name")) or c.inline(shape.get(payload, "workflow").get("name"))
    branch = c.inline(run.get("head_branch"))
    commit = c.first_line(shape.get(run, "head_commit").get("message"), 100)
    return post(
        payload,
        color=color,
        title=f"Workflow {name or 'run'} {verb}" + (f" on {branch}" if branch else ""),
        title_link=c.url(run.get("html_url")),
        fields=[("Commit", commit), ("Triggered by", c.inline(run.get("event"), 60))],
    )


def ping(payload: dict[str, Any]) -> dict[str, Any]:
    hook = c.number(payload.get("hook_id"))
    where = shape.get(payload, "repository") or shape.get(payload, "organization")
    name = c.inline(where.get("full_name") or where.get("login")) or "GitHub"
    zen = c.inline(payload.get("zen"))
    return c.message(
        tool=TOOL,
        color=GREEN,
        title=f"Webhook {hook} is set up for {name}" if hook else f"Webhook set up for {name}",
        text=f"*{zen}*" if zen else "",
        author=sender(payload),
        footer=TOOL,
    )


def _numbered(item: dict[str, Any]) -> str:
    number = c.number(item.get("number"))
    title = c.inline(item.get("title"))
    return f"#{number} {title}".strip() if number else title


_HANDLERS: dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]] = {
    "push": lambda p: push(p, post=post, repo_url=repository(p)[1]),
    "pull_request": pull_request,
    "issues": issues,
    "issue_comment": issue_comment,
    "release": release,
    "workflow_run": workflow_run,
    "ping": ping,
}
