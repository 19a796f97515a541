"""GitLab's project and group webhooks → posts (senders.md §8).

Handled (``X-Gitlab-Event``, or the body's ``object_kind`` when the header is missing):
``Push Hook`` (commits, new and deleted branches), ``Tag Push Hook``, ``Merge Request Hook``
(open, reopen, close, merge), ``Issue Hook`` and ``Confidential Issue Hook`` (open, close,
reopen), ``Note Hook`` and ``Confidential Note Hook`` (new comments on commits, merge requests,
issues and snippets) and ``Pipeline Hook`` (success, failed, canceled). Everything else (updates,
approvals, a pipeline that is merely running, wiki pages, jobs…) gives ``None``: answered 200,
nothing posted. A confidential issue or comment is announced by its title only: its text stays in
GitLab.

``verify`` compares ``X-Gitlab-Token`` with the secret: GitLab sends the token as it is.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from inbound.webhooks.native import Headers, git, shape
from inbound.webhooks.native import compose as c
from inbound.webhooks.native.gitlab.work import merge_request, note, pipeline

TOOL = "GitLab"
GREEN, GREY = "#1f7e4c", "#737278"
KINDS = {
    "push": "Push Hook",
    "tag_push": "Tag Push Hook",
    "merge_request": "Merge Request Hook",
    "issue": "Issue Hook",
    "note": "Note Hook",
    "pipeline": "Pipeline Hook",
    "wiki_page": "Wiki Page Hook",
    "build": "Job Hook",
}


def event(headers: Headers, payload: Any) -> str:
    named = headers.get(b"x-gitlab-event", b"").decode("latin-1").strip()
    if named:
        return named
    kind = shape.text(payload, "object_kind")
    return KINDS.get(kind, kind)


def verify(secret: str, headers: Headers, body: bytes) -> bool:
    token = headers.get(b"x-gitlab-token")
    return bool(secret) and token is not None and hmac.compare_digest(token, secret.encode())


def translate(event: str, payload: Any) -> dict[str, Any] | None:
    handler = _HANDLERS.get(event)
    if handler is None:
        return None
    return handler(event, shape.body(payload, f"GitLab {event}"))


def project(payload: dict[str, Any]) -> tuple[str, str]:
    """The project's path (``group/name``, escaped) and address."""
    proj = shape.need(payload, "project", dict)
    name = c.inline(shape.text(proj, "path_with_namespace") or shape.text(proj, "name"))
    return name or "project", c.url(proj.get("web_url"))


def author(payload: dict[str, Any]) -> tuple[str, str, str]:
    """(name, "", avatar) of whoever caused the event: ``user`` or a push's ``user_*`` keys."""
    user = shape.get(payload, "user")
    if user:
        return (
            c.inline(user.get("name") or user.get("username"), 80),
            "",
            c.url(user.get("avatar_url")),
        )
    name = payload.get("user_name") or payload.get("user_username")
    return c.inline(name, 80), "", c.url(payload.get("user_avatar"))


def post(payload: dict[str, Any], *, title: str, **parts: Any) -> dict[str, Any]:
    """``compose.message`` with GitLab's name, the author, and the project before the title
    (``[group/name] Merge request opened: !1 …``); the footer names the tool (as GitHub's)."""
    name, _ = project(payload)
    return c.message(
        tool=TOOL,
        title=f"\\[{name}\\] {title}",
        author=author(payload),
        footer=TOOL,
        **parts,
    )


def push(event: str, payload: dict[str, Any]) -> dict[str, Any]:
    ref = shape.need(payload, "ref", str)
    web_url = project(payload)[1]
    kind, name = git.ref_name(ref)
    shown = c.inline(name, 100)
    before, after = payload.get("before"), payload.get("after")
    if after == git.NO_COMMIT:
        return post(payload, color=GREY, title=f"{kind.capitalize()} {shown} deleted")
    commits = shape.items(payload, "commits")
    total = payload.get("total_commits_count")  # GitLab lists the newest 20 commits only
    count = max(int(c.number(total) or 0), len(commits))
    created = before == git.NO_COMMIT
    if kind == "tag" or not count:
        place = "tags" if kind == "tag" else "tree"
        where = git.ref_url(f"{web_url}/-/{place}" if web_url else "", name)
        title = git.without_commits(kind, shown, created=created)
        return post(payload, color=GREEN, title=title, title_link=where)
    noun = "commit" if count == 1 else "commits"
    compare = ""
    if created:
        title = f"New branch {shown} with {count} {noun}"
    else:
        title = f"{count} new {noun} pushed to {shown}"
        if web_url and git.is_sha(before) and git.is_sha(after):
            compare = f"{web_url}/-/compare/{before}...{after}"
    return post(
        payload,
        color=GREEN,
        title=title,
        title_link=compare,
        text=git.commit_list(commits, sha_length=8, total=count),
    )


_ISSUE_ACTIONS = {
    "open": ("opened", GREEN),
    "reopen": ("reopened", GREEN),
    "close": ("closed", GREY),
}


def issue(event: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    attrs = shape.need(payload, "object_attributes", dict)
    action = _ISSUE_ACTIONS.get(shape.text(attrs, "action"))
    if action is None:
        return None
    verb, color = action
    secret = event.startswith("Confidential") or attrs.get("confidential") is True
    number = c.number(attrs.get("iid"))
    kind = "Confidential issue" if secret else "Issue"
    return post(
        payload,
        color=color,
        title=f"{kind} {verb}: " + (f"#{number} " if number else "") + c.inline(attrs.get("title")),
        title_link=c.url(attrs.get("url")),
        text=c.body(attrs.get("description")) if verb == "opened" and not secret else "",
    )


_HANDLERS: dict[str, Callable[[str, dict[str, Any]], dict[str, Any] | None]] = {
    "Push Hook": push,
    "Tag Push Hook": push,
    "Merge Request Hook": lambda e, p: merge_request(p, post=post),
    "Issue Hook": issue,
    "Confidential Issue Hook": issue,
    "Note Hook": lambda e, p: note(e, p, post=post),
    "Confidential Note Hook": lambda e, p: note(e, p, post=post),
    "Pipeline Hook": lambda e, p: pipeline(p, post=post),
}
