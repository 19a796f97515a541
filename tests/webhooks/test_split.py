"""Splitting long messages: within the limit, at line/word boundaries, fences kept valid."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbound.webhooks.split import open_fence, split_text


def test_short_text_is_one_piece() -> None:
    assert split_text("hello", 4000) == ["hello"]
    assert split_text("", 4000) == [""]


def test_8200_chars_without_spaces_hard_cut_into_three() -> None:
    pieces = split_text("a" * 8200, 4000)
    assert [len(p) for p in pieces] == [4000, 4000, 200]


def test_splits_at_last_newline_before_limit() -> None:
    text = "line one\nline two\nline three"
    assert split_text(text, 20) == ["line one\nline two", "line three"]


def test_splits_at_last_space_when_no_newline() -> None:
    assert split_text("alpha beta gamma delta", 12) == ["alpha beta", "gamma delta"]


def test_fence_cut_in_two_is_closed_and_reopened() -> None:
    code = "\n".join(f"print({i})" for i in range(20))
    pieces = split_text(f"intro\n```python\n{code}\n```\nafter", 80)
    assert len(pieces) > 2
    for piece in pieces:
        assert len(piece) <= 80
        assert open_fence(piece) is None, piece
    assert pieces[1].startswith("```python\n")
    assert "".join(pieces).count("print(") == 20


@pytest.mark.parametrize(
    ("text", "opener"),
    [
        ("```\ncode", "```"),
        ("```js\nx\n```", None),
        ("~~~\n```\n", "~~~"),
        ("````\n```\n````", None),
        ("plain", None),
    ],
    ids=["open", "closed", "tilde-holds-backticks", "longer-fence", "none"],
)
def test_open_fence(text: str, opener: str | None) -> None:
    assert open_fence(text) == opener


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("ab \n`x"), max_size=600), limit=st.integers(16, 120))
def test_pieces_fit_and_keep_every_word(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(len(p) <= limit for p in pieces)
    if "`" not in text:
        assert "".join(pieces).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
            " ", ""
        )
