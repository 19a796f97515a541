"""A post's searchable text: what of its attachments and blocks is indexed."""

from __future__ import annotations

from typing import Any

import pytest

from inbound.search.text import MAX_SEARCH_TEXT, search_text

FULL = {
    "author_name": "Grafana",
    "pretext": "pre",
    "title": "High CPU",
    "text": "cpu at 99%",
    "footer": "grafana v10",
    "fallback": "not indexed",
    "title_link": "https://not.indexed/",
    "fields": [{"title": "Host", "value": "web-01", "short": True}, {"value": 5}],
}


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        pytest.param({}, "", id="none"),
        pytest.param({"from_webhook": "true"}, "", id="no-attachments"),
        pytest.param(
            {"attachments": [FULL]},
            "Grafana\npre\nHigh CPU\ncpu at 99%\ngrafana v10\nHost\nweb-01",
            id="attachment",
        ),
        pytest.param({"attachments": [{"text": "a"}, {"text": "b"}]}, "a\nb", id="two"),
        pytest.param({"attachments": "x"}, "", id="not-a-list"),
        pytest.param({"attachments": [1, None, {"text": 3}]}, "", id="junk-items"),
        pytest.param({"attachments": [{"fields": [1, {"title": ["x"]}]}]}, "", id="junk-fields"),
        pytest.param(
            {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]},
            "*hi*",
            id="section",
        ),
        pytest.param(
            {
                "blocks": [
                    {"type": "header", "text": {"type": "plain_text", "text": "Head"}},
                    {
                        "type": "section",
                        "fields": [
                            {"type": "mrkdwn", "text": "f1"},
                            {"type": "mrkdwn", "text": "f2"},
                        ],
                        "accessory": {
                            "type": "button",
                            "text": {"type": "plain_text", "text": "Go"},
                        },
                    },
                    {
                        "type": "rich_text",
                        "elements": [
                            {
                                "type": "rich_text_section",
                                "elements": [{"type": "text", "text": "rich"}],
                            }
                        ],
                    },
                ]
            },
            "Head\nf1\nf2\nGo\nrich",
            id="blocks-in-order",
        ),
        pytest.param(
            {"attachments": [{"text": "a"}], "blocks": [{"text": "b"}]}, "a\nb", id="both"
        ),
    ],
)
def test_search_text(props: dict[str, Any], expected: str) -> None:
    assert search_text(props) == expected


def test_deep_blocks_stop_at_the_depth_bound() -> None:
    node: Any = {"text": "deep"}
    for _ in range(100):
        node = {"elements": [node]}
    assert search_text({"blocks": [node]}) == ""
    assert search_text({"blocks": [{"elements": [{"text": "shallow"}]}]}) == "shallow"


def test_long_text_is_capped() -> None:
    props = {"attachments": [{"text": "x" * 50_000}, {"text": "y" * 50_000}]}
    assert len(search_text(props)) == MAX_SEARCH_TEXT
