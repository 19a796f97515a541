from __future__ import annotations

from collections.abc import Iterator

import pytest

from inbound.render import posts


def _forget() -> None:
    posts._pool.clear()
    with posts._lock:
        posts._html_cache.clear()
        posts._html_cache_chars = 0
        posts._unrenderable.clear()


@pytest.fixture(autouse=True)
def _fresh_html_cache() -> Iterator[None]:
    """Tests here reuse fixed post ids with other content: no cached HTML between them, and no
    renderings left queued for the next test."""
    _forget()
    yield
    _forget()
