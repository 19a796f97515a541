"""The adversarial corpus: for each step that sees sender text, the input that made its old
regex rescan the rest of the text from every position (quadratic: seconds to minutes at the
300 KB body limit). ``tests/webhooks/test_adversarial.py`` checks each is linear and fast;
``bench/adversarial.py`` times them (also against an older tree, so only long-standing APIs
are used here).
"""

from __future__ import annotations

from collections.abc import Callable

from inbound.mentions import find_mentions
from inbound.render import markdown
from inbound.webhooks import message
from inbound.webhooks.payload import WebhookRequest
from inbound.webhooks.slack import (
    ATTACHMENT_LINK,
    Lookups,
    mrkdwn_to_markdown,
    referenced_ids,
    translate,
)
from inbound.webhooks.split import split_text

LIMIT = 300_000  # ServiceSettings.MaximumPayloadSizeBytes' default: text can be almost this long
NONE = Lookups()
Thunk = Callable[[], object]


def _ladder(size: int, unit: str = "`") -> str:
    """Runs of 1, 2, 3, … ticks apart: no run has a partner of its length later on."""
    parts, total, n = [], 0, 1
    while total < size:
        parts.append(unit * n + "a")
        total += n + 1
        n += 1
    return "".join(parts)[:size]


def rep(unit: str, size: int, tail: str = "") -> str:
    return unit * (size // len(unit)) + tail


def _numbered(template: str, size: int) -> str:
    """``template`` filled with 0, 1, 2, … up to ``size`` characters (each one different)."""
    parts, total, n = [], 0, 0
    while total < size:
        parts.append(template.format(n))
        total += len(parts[-1])
        n += 1
    return "".join(parts)


def _md(text: str) -> str:
    return markdown._text_html(text, markdown.Viewer(username="x", team_name="t"))


def _hook(text: str, *, attachment: str = "", slack: bool = False) -> Thunk:
    """The whole pure hook path: translate, pieces (split), mentions."""
    attachments = [{"text": attachment, "fields": []}] if attachment else []
    request = WebhookRequest(text=text or "x", attachments=attachments)

    def run() -> object:
        rendered = message.render(request, NONE, slack_format=slack)
        message.pieces(rendered, message.Identity(), limit=4000)
        return message.mentions_in(rendered)

    return run


CASES: dict[str, Callable[[int], Thunk]] = {
    "user-label-unclosed": lambda n: lambda: translate(rep("<@a|", n), NONE),
    "user-ids-unclosed": lambda n: lambda: referenced_ids(rep("<@a|", n)),
    "channel-label-unclosed": lambda n: lambda: translate(rep("<#a|", n), NONE),
    "announcement-label-unclosed": lambda n: lambda: translate(rep("<!here|", n), NONE),
    "text-link-unclosed": lambda n: lambda: translate(rep("<a|b", n), NONE),
    "attachment-link-unclosed": lambda n: (
        lambda: translate(rep("<a|", n), NONE, link=ATTACHMENT_LINK)
    ),
    "code-tick-run": lambda n: lambda: translate("<" + "`" * n, NONE),
    "code-tick-ladder": lambda n: lambda: translate("<" + _ladder(n), NONE),
    "code-fence-unclosed-lines": lambda n: lambda: translate("<" + rep("```a\n", n), NONE),
    "mrkdwn-tick-run": lambda n: lambda: mrkdwn_to_markdown("`" * n),
    "mrkdwn-bold": lambda n: lambda: mrkdwn_to_markdown(rep("*a ", n)),
    "mrkdwn-strike": lambda n: lambda: mrkdwn_to_markdown(rep("~a ", n)),
    "mentions-fence-unclosed": lambda n: lambda: find_mentions(rep("```a\n", n, "@x")),
    "mentions-fence-4-ticks": lambda n: lambda: find_mentions(rep("````\n", n, "@x")),
    "mentions-tick-run": lambda n: lambda: find_mentions("@x " + "`" * n),
    "mentions-tick-ladder": lambda n: lambda: find_mentions("@x " + _ladder(n)),
    "mentions-many": lambda n: lambda: find_mentions(rep("@a ", n)),
    "split-fence-long-line": lambda n: lambda: split_text("```python\n" + "a" * n, 4000),
    "split-fence-limit-16": lambda n: lambda: split_text(rep("```\n" + "a\n" * 20, n), 16),
    "split-long-marks": lambda n: lambda: split_text("`" * n, 65_535),
    "split-limit-16": lambda n: lambda: split_text(rep("a\n", n), 16),
    "markdown-mention-dots": lambda n: lambda: _md("@" + "." * n),
    "markdown-shortcodes": lambda n: lambda: _md(rep(":a", n)),
    "markdown-unknown-shortcodes": lambda n: lambda: _md(_numbered(":x{}: ", n)),
    "markdown-channels": lambda n: lambda: _md(rep("~a-", n)),
    "hook-user-label": lambda n: _hook(rep("<@a|", n)),
    "hook-attachment-link": lambda n: _hook("x", attachment=rep("<a|", n)),
    "hook-slack-format-code": lambda n: _hook(_ladder(n), slack=True),
}
