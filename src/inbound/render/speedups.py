"""Exact shortcuts for markdown-it-py's slowest steps on ordinary posts (same output, less CPU).

A 4,000-character log took ~8 ms to parse; most of it went to two things that find nothing:

- **linkify's pretest** (``LinkifyIt.pretest``): one regex searched from every position of each
  paragraph, trying the schemas (behind a Unicode punctuation class) and the fuzzy hosts (a
  TLD alternation) at each: ~4 ms on that log. ``quick_pretest`` answers the same question by
  looking only where a match can start — where a schema's name starts, at ``localhost`` or
  ``www.``, at each ``.`` — and running linkify-it's own regexes there.
- **rules that cannot match**: with ``html: False`` the raw-HTML rules only return False (the
  block one tried at every line).
- **the inline tokenizer stopping at characters no enabled rule reacts to** (``-``, ``:`` …
  by default: every ``-`` of a timestamp ran a dozen rules). ``terminators`` is the set our
  rules do react to; the text between stops is gathered into the same tokens either way.

Both are checked against the library's own answers: ``tests/render/test_speedups.py``
(hypothesis) and the render test tables. If markdown-it-py or linkify-it-py change shape, the
shortcuts are not installed (``install`` returns what it installed).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt

# markdown-it-py 4.3's inline rules, in order, and the character each one starts at (``text``
# takes everything else; ``html_inline`` is off with ``html: False`` but starts at "<" too).
# "]" ends a link label: parseLinkLabel steps through the label with the rules, so text must
# stop there.
INLINE_RULES = {
    "text": "",
    "linkify": ":",
    "newline": "\n",
    "escape": "\\",
    "backticks": "`",
    "strikethrough": "~",
    "emphasis": "_*",
    "link": "[",
    "image": "!",
    "autolink": "<",
    "html_inline": "<",
    "entity": "&",
}
TERMINATORS = "".join(sorted(set("".join(INLINE_RULES.values())) | {"]"}))
# linkify-it-py 2.2's fuzzy host test: two words, then alternatives that all begin with "."
HOST_FUZZY_START = "localhost|www\\.|\\.\\d{1,3}\\.|(?:\\.(?:"


def quick_pretest(linkify: object) -> Callable[[str], bool] | None:
    """``linkify.pretest`` (a ``LinkifyIt``), answered from the positions a match can start at;
    ``None`` when this linkify-it is not the one it was written for."""
    patterns = getattr(linkify, "re", None)
    compiled = getattr(linkify, "_compiled", None)
    if not isinstance(patterns, dict) or not isinstance(compiled, dict):
        return None
    names = [name for name, rule in compiled.items() if name and rule]
    schema_test = str(patterns.get("schema_test", ""))
    host_test = str(patterns.get("host_fuzzy_test", ""))
    pretest = str(patterns.get("pretest", ""))
    schemas = ")(" + "|".join(names) + ")"  # the names are letters, ":" and "/"
    if (
        not names
        or pretest != f"({schema_test})|({host_test})|@"
        or not schema_test.endswith(schemas)
        or not host_test.startswith(HOST_FUZZY_START)
    ):
        return None
    # every schema name ends with ":" (http:, mailto: …) or is "//"; none of the first ends
    # another, so their matches never overlap and one search finds every place they start
    colon_names = [n for n in names if n[-1] == ":"]
    if any(n[-1] != ":" and n != "//" for n in names) or any(
        a != b and a.endswith(b) for a in colon_names for b in colon_names
    ):
        return None
    named = re.compile("|".join(re.escape(n) for n in colon_names), re.IGNORECASE)
    schema = re.compile(schema_test, re.IGNORECASE)
    host = re.compile(host_test, re.IGNORECASE)
    words = re.compile("localhost|www\\.", re.IGNORECASE)

    def schema_at(text: str, at: int) -> bool:
        """Whether the schema test matches with its name at ``at``: a boundary character
        before it (``(?!_)``, ``[><｜]`` or Unicode punctuation, space, control), or the
        text's start."""
        return schema.match(text, at - 1 if at else 0) is not None

    def test(text: str) -> bool:
        if "@" in text:
            return True
        for name in named.finditer(text):
            if schema_at(text, name.start()):
                return True
        if "//" in text:
            slash = text.find("/")
            while slash >= 0:  # (str.find of "//" from an index is slow on long texts)
                if text.startswith("/", slash + 1) and schema_at(text, slash):
                    return True
                slash = text.find("/", slash + 1)
        if words.search(text):
            return True
        dot = text.find(".")
        while dot >= 0:
            if host.match(text, dot):
                return True
            dot = text.find(".", dot + 1)
        return False

    return test


def install(md: MarkdownIt) -> list[str]:
    """Install the shortcuts on ``md`` (configured as ``markdown._parser`` does); the names of
    those installed."""
    installed = []
    if not md.options.get("html"):  # both rules return False at once then (after a log call)
        md.disable(["html_block", "html_inline"])
        installed.append("no html rules")
    rules = [rule.name for rule in md.inline.ruler.__rules__]
    if rules == list(INLINE_RULES):
        md.inline.terminator_re = re.compile("[" + re.escape(TERMINATORS) + "]")
        installed.append("terminators")
    linkify = md.linkify
    test = quick_pretest(linkify) if linkify is not None else None
    if test is not None:
        linkify.pretest = test  # type: ignore[union-attr]
        installed.append("pretest")
    return installed
