"""Every real payload in tests/payloads/ (copied from shared/payloads) replayed through HTTP.

Each must give 200 and the expected posts, or the specific 4xx its source note calls for.
Channels and users the payloads name are created first, as an admin setting up would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import Api, assert_error

PAYLOADS = Path(__file__).parent.parent / "payloads"
BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
FILES = sorted(p for p in PAYLOADS.iterdir() if not p.name.endswith(".source.txt"))

# The 4xx a payload must get, with why. Everything else must be 200.
REJECTED = {
    "mmdocs_form_invalid_json_unquoted_key.form.txt": (
        400,
        "web.incoming_webhook.decode.app_error",
    ),
    "mmweb_form_empty_text.form.txt": (400, "web.incoming_webhook.text.app_error"),
    "zulip_message_changed_event_not_webhook.json": (400, "web.incoming_webhook.text.app_error"),
    "zulip_null_text.json": (400, "web.incoming_webhook.text.app_error"),
    "mmmodel_root_id_reply.json": (400, "api.post.create_post.root_id.app_error"),
    # Slack channel ids and an unset template variable name no channel here; the message
    # itself is fine (checked again below without the override).
    "slackdocs_legacy_attachment_full.json": (404, "web.incoming_webhook.channel.app_error"),
    "zulip_actions_blocks_channel_id.json": (404, "web.incoming_webhook.channel.app_error"),
    "ghaction_blocks_button_image.json": (404, "web.incoming_webhook.channel.app_error"),
    "mmdocs_form_dm_two_user_ids.form.txt": (404, "web.incoming_webhook.channel.app_error"),
}
CHANNELS = ("test-channel-ab1", "test-channel", "prometheus-alerts", "devops")


def content_type(path: Path) -> str:
    if path.name.endswith(".form.txt"):
        return "application/x-www-form-urlencoded"
    if path.name.endswith(".multipart.txt"):
        return f"multipart/form-data; boundary={BOUNDARY}"
    return "application/json"


@pytest.fixture
def setup(api: Api) -> tuple[Api, dict[str, Any]]:
    for name in CHANNELS:
        api.new_channel(name)
    api.new_user("username")
    return api, api.new_hook()


def all_posts(api: Api) -> list[dict[str, Any]]:
    channels = api.get(f"/api/v4/users/me/teams/{api.team['id']}/channels").json()
    return [p for c in channels for p in api.posts(c["id"], per_page=200)]


def test_negative_cases_are_the_ones_the_notes_mark() -> None:
    negative = {
        p.name.replace(".source.txt", "")
        for p in PAYLOADS.glob("*.source.txt")
        if "NEGATIVE" in p.read_text()
    }
    rejected_for_content = {
        n.rsplit(".", 2)[0] if n.endswith(".txt") else n.rsplit(".", 1)[0]
        for n, (s, _) in REJECTED.items()
        if s == 400
    }
    assert negative <= rejected_for_content


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_payload(setup: tuple[Api, dict[str, Any]], path: Path) -> None:
    api, hook = setup
    body = path.read_bytes()
    response = api.send(hook["id"], content=body, content_type=content_type(path))
    if path.name in REJECTED:
        status, error_id = REJECTED[path.name]
        assert_error(response, status, error_id)
        assert all_posts(api) == []
        return
    assert response.status_code == 200, response.text
    assert response.text == "ok"
    posts = all_posts(api)
    assert posts, "a 200 must store at least one post"
    for post in posts:
        assert post["props"]["from_webhook"] == "true"
        assert post["message"] or post["props"].get("attachments"), "no empty posts"


@pytest.mark.parametrize("name", [n for n, (s, _) in REJECTED.items() if s == 404])
def test_unknown_channel_payloads_post_fine_to_the_hook_channel(
    setup: tuple[Api, dict[str, Any]], name: str
) -> None:
    api, hook = setup
    path = PAYLOADS / name
    if name.endswith(".form.txt"):
        payload = orjson.loads(path.read_bytes().strip()[len(b"payload=") :])
    else:
        payload = orjson.loads(path.read_bytes())
    payload.pop("channel")
    assert api.send(hook["id"], payload).status_code == 200
    assert api.posts(api.channel("town-square")["id"])


def _send_file(api: Api, hook: dict[str, Any], name: str) -> list[dict[str, Any]]:
    path = PAYLOADS / name
    response = api.send(hook["id"], content=path.read_bytes(), content_type=content_type(path))
    assert response.status_code == 200, response.text
    return all_posts(api)


def test_markdown_table_is_stored_verbatim(setup: tuple[Api, dict[str, Any]]) -> None:
    api, hook = setup
    [post] = _send_file(api, hook, "mmdocs_test_results_markdown_table.json")
    expected = orjson.loads((PAYLOADS / "mmdocs_test_results_markdown_table.json").read_bytes())[
        "text"
    ]
    assert post["message"] == expected and "| Component" in post["message"]


def test_8200_chars_split_into_three_posts(setup: tuple[Api, dict[str, Any]]) -> None:
    api, hook = setup
    posts = _send_file(api, hook, "mmweb_text_8200_chars.json")
    assert sorted(len(p["message"]) for p in posts) == [200, 4000, 4000]


def test_slack_here_channel_translated(setup: tuple[Api, dict[str, Any]]) -> None:
    api, hook = setup
    [post] = _send_file(api, hook, "mm_e2e_T628_slack_here_channel.json")
    assert post["message"] == "MM-T628: @here @channel"


def test_angle_brackets_and_pipes_unchanged(setup: tuple[Api, dict[str, Any]]) -> None:
    api, hook = setup
    [post] = _send_file(api, hook, "mm_e2e_T632_angle_brackets_pipes.json")
    assert post["message"] == "MM-T632 <>|<>|"


def test_slackistrano_form_plus_is_space_and_channel_hash(
    setup: tuple[Api, dict[str, Any]],
) -> None:
    api, hook = setup
    [post] = _send_file(api, hook, "zulip_urlencoded_slackistrano_form.form.txt")
    assert post["message"] == "chris has started deploying project tag v0.0.2rc10 to staging"
    assert post["channel_id"] == api.channel("devops")["id"]


def test_multipart_fields(setup: tuple[Api, dict[str, Any]]) -> None:
    api, hook = setup
    [post] = _send_file(api, hook, "mmweb_multipart_username_text.multipart.txt")
    assert post["message"] == "this is a test :tada:"


def test_raw_newlines_and_tabs_are_rescued(setup: tuple[Api, dict[str, Any]]) -> None:
    api, hook = setup
    [post] = _send_file(api, hook, "mmweb_json_raw_newline_tab_INVALID.raw.txt")
    assert post["message"] == 'this is a "test"\n\tthat contains a newline and a tab'


def test_short_as_string_and_links_in_fields(setup: tuple[Api, dict[str, Any]]) -> None:
    api, hook = setup
    [post] = _send_file(api, hook, "mm_e2e_T631_short_as_string.json")
    fields = post["props"]["attachments"][0]["fields"]
    assert [f["short"] for f in fields] == [False, True, True, False, False, True, False, True]
    assert fields[-1]["value"] == "[Link](http://example.com)"


def test_null_array_items_dropped(setup: tuple[Api, dict[str, Any]]) -> None:
    api, hook = setup
    [post] = _send_file(api, hook, "mmmodel_null_array_items.json")
    [attachment] = post["props"]["attachments"]
    assert attachment["fields"] == [{"title": "foo", "value": "bar", "short": True}]


def test_dm_to_at_username(setup: tuple[Api, dict[str, Any]]) -> None:
    api, hook = setup
    _send_file(api, hook, "mmdocs_form_dm_at_username.form.txt")
    user = api.get("/api/v4/users/username/username").json()
    dm = api.post("/api/v4/channels/direct", json=[api.admin["id"], user["id"]]).json()
    assert [p["message"] for p in api.posts(dm["id"])] == [
        "Hello, this is some text\nThis is more text. :tada:"
    ]


def test_grafana_blocks_and_attachments_together(setup: tuple[Api, dict[str, Any]]) -> None:
    api, hook = setup
    [post] = _send_file(api, hook, "grafana_slack_attachments_plus_mention_blocks.json")
    assert post["channel_id"] == api.channel("test-channel")["id"]
    assert post["message"].startswith("@here")
    assert post["props"]["attachments"][0]["title"].startswith("Integration Test [FIRING:1]")
