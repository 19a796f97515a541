"""Mention scanning: the fast scan must find exactly what the plain definition finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbound.mentions import Mentions, classify, find_mentions, strip_code

# The definition: "@" + name, not preceded by a word character or another "@".
DEFINITION = re.compile(r"(?<![\w@])@([a-z0-9.\-_]+)", re.IGNORECASE)


def by_definition(text: str) -> Mentions:
    return classify(m.group(1) for m in DEFINITION.finditer(strip_code(text)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hi @alice and @Bob.", Mentions(frozenset({"alice", "bob"}))),
        ("mail alice@example.com", Mentions()),
        ("@@alice", Mentions()),
        ("é@alice _@bob", Mentions()),
        ("(@alice)", Mentions(frozenset({"alice"}))),
        ("@channel", Mentions(channel=True)),
        ("@all @here", Mentions(channel=True, here=True)),
        ("`@alice` @bob", Mentions(frozenset({"bob"}))),
        ("```\n@alice\n```\n@carol", Mentions(frozenset({"carol"}))),
        ("x" * 8000 + " ops@example.com " * 20 + "@dave", Mentions(frozenset({"dave"}))),
    ],
)
def test_table(text: str, expected: Mentions) -> None:
    assert find_mentions(text) == expected


@given(st.text(alphabet="@aZ9._- é`\n~x", max_size=60))
def test_same_as_the_definition(text: str) -> None:
    assert find_mentions(text) == by_definition(text)
