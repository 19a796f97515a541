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
    where = git.ref_link(shown, f"{repo_url}/tree" if repo_url else "", name)
    if payload.get("deleted") is True:
        return post(payload, color=GREY, title=f"{kind.capitalize()} {shown} deleted")
    if kind == "tag":
        return post(payload, color=GREEN, title=f"Tag {shown} pushed", text=f"Tag {where}")
    commits = shape.items(payload, "commits")
    count = len(commits)
    noun = "commit" if count == 1 else "commits"
    if payload.get("forced") is True:
        title, color = f"Force-pushed {count} {noun} to {shown}", ORANGE
    elif payload.get("created") is True:
        title, color = f"New branch {shown} with {count} {noun}", GREEN
    else:
        title, color = f"{count} new {noun} pushed to {shown}", GREEN
    return post(
        payload,
        color=color,
        title=title,
        title_link=c.url(payload.get("compare")),
        text=git.commit_list(commits, sha_length=7) or f"Branch {where}",
    )
