from __future__ import annotations

from collections.abc import Iterator

import pytest

from inbound.render import posts


@pytest.fixture(autouse=True)
def _fresh_html_cache() -> Iterator[None]:
    """Tests here reuse fixed post ids with other content: no cached HTML between them."""
    posts._html_cache.clear()
    posts._html_cache_chars = 0
    yield
    posts._html_cache.clear()
    posts._html_cache_chars = 0
