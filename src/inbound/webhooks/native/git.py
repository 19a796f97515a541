"""What GitHub's and GitLab's push payloads have in common: refs and lists of commits.

Both send ``ref`` as ``refs/heads/<branch>`` or ``refs/tags/<tag>``, a 40-zero sha for the side of
a push that does not exist (a new or a deleted branch), and commits as objects with ``id``,
``message``, ``url`` and ``author``. A post lists at most ``MAX_COMMITS`` of them.
"""

from __future__ import annotations

from typing import Any

from inbound.webhooks.native import compose as c
from inbound.webhooks.native import shape

MAX_COMMITS = 20
SUBJECT_CHARS = 100
NO_COMMIT = "0" * 40
MAX_REF_LINK = 255  # longer names are shown (cut) but not linked: the address would be as long
HEX = frozenset("0123456789abcdef")


def ref_name(ref: str) -> tuple[str, str]:
    """("branch" | "tag", short name) of a full ref such as ``refs/heads/main``."""
    for prefix, kind in (("refs/heads/", "branch"), ("refs/tags/", "tag")):
        if ref.startswith(prefix):
            return kind, ref[len(prefix) :]
    return "branch", ref


def ref_url(base: str, name: str) -> str:
    """``base`` + the ref's name, when there is a base and the name is short; else ""."""
    if not base or len(name) > MAX_REF_LINK:
        return ""
    return f"{base}/{c.path(name)}"


def without_commits(kind: str, shown: str, *, created: bool, forced: bool = False) -> str:
    """The title of a push that brings no commit: a tag, a branch made from an existing commit
    (not "New branch x with 0 commits"), a branch moved back."""
    if kind == "tag":
        return f"Tag {shown} pushed"
    return f"Branch {shown} " + ("created" if created else "force-pushed" if forced else "updated")


def is_sha(value: Any) -> bool:
    return isinstance(value, str) and 7 <= len(value) <= 64 and set(value) <= HEX


def short_sha(value: Any, length: int) -> str:
    """The sha cut to ``length``, as inline code; "" when it is not a hex sha."""
    return f"`{value[:length]}`" if is_sha(value) else ""


def commit_list(commits: list[dict[str, Any]], *, sha_length: int, total: int = 0) -> str:
    """One line per commit (at most ``MAX_COMMITS``) and how many more there were."""
    lines = [commit_line(commit, sha_length) for commit in commits[:MAX_COMMITS]]
    more = max(total, len(commits)) - len(lines)
    if more > 0:
        lines.append(f"… and {more} more")
    return "\n".join(f"- {line}" for line in lines)


def commit_line(commit: dict[str, Any], sha_length: int) -> str:
    """``[`abc1234`](url) Subject — author``."""
    label = short_sha(commit.get("id"), sha_length) or "commit"
    author = shape.get(commit, "author")
    who = c.inline(author.get("username") or author.get("name"), 60)
    subject = c.first_line(commit.get("title") or commit.get("message"), SUBJECT_CHARS)
    line = f"{c.link(label, c.url(commit.get('url')))} {subject or '(no message)'}"
    return f"{line} — {who}" if who else line
