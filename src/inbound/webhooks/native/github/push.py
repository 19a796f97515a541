"""GitHub's ``push`` event: commits to a branch, a branch or tag created or deleted, a force push.

The post lists the commits (``git.commit_list``: short sha linked to the commit, subject,
author); its title links to GitHub's compare view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inbound.webhooks.native import compose as c
from inbound.webhooks.native import git, shape

GREEN, ORANGE, GREY = "#2da44e", "#bf8700", "#6e7781"


def push(
    payload: dict[str, Any],
    *,
    post: Callable[..., dict[str, Any]],
    repo_url: str,
) -> dict[str, Any]:
    ref = shape.need(payload, "ref", str)
    kind, name = git.ref_name(ref)
    shown = c.inline(name, 100)
    if payload.get("deleted") is True:
        return post(payload, color=GREY, title=f"{kind.capitalize()} {shown} deleted")
    commits = shape.items(payload, "commits")
    count = len(commits)
    created, forced = payload.get("created") is True, payload.get("forced") is True
    compare = c.url(payload.get("compare"))
    color = ORANGE if forced else GREEN
    if kind == "tag" or not count:
        where = git.ref_url(f"{repo_url}/tree" if repo_url else "", name)
        title = git.without_commits(kind, shown, created=created, forced=forced)
        link = where if kind == "tag" else compare or where
        return post(payload, color=GREEN if kind == "tag" else color, title=title, title_link=link)
    noun = "commit" if count == 1 else "commits"
    if forced:
        title = f"Force-pushed {count} {noun} to {shown}"
    elif created:
        title = f"New branch {shown} with {count} {noun}"
    else:
        title = f"{count} new {noun} pushed to {shown}"
    return post(
        payload,
        color=color,
        title=title,
        title_link=compare,
        text=git.commit_list(commits, sha_length=7),
    )
