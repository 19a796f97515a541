"""GitHub: every real sample → the post it makes; shapes, mentions, sizes and signatures."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbound.webhooks.native import SOURCES, PayloadError
from tests.webhooks.native.source_checks import (
    WRONG,
    changed,
    hostile,
    json_values,
    mutations,
    outcome,
    paths,
    posted,
    sample,
    sample_names,
    through_pipeline,
    with_hostile_text,
)

github = SOURCES["github"]
GREEN, PURPLE, RED, GREY, ORANGE = "#2da44e", "#8250df", "#cf222e", "#6e7781", "#bf8700"
EVENTS = {
    "push": "push",
    "push_tag_deleted": "push",
    "pull_request_opened": "pull_request",
    "pull_request_closed": "pull_request",
    "issues_opened": "issues",
    "issue_comment_created": "issue_comment",
    "release_published": "release",
    "workflow_run_completed": "workflow_run",
    "ping": "ping",
    "star_created": "star",
}
HANDLED = [name for name in EVENTS if name != "star_created"]


def translated(name: str, **changes: Any) -> dict[str, Any]:
    payload = sample("github", name)
    for dotted, value in changes.items():
        payload = changed(payload, tuple(dotted.split("__")), value)
    message = github.translate(EVENTS[name], payload)
    assert message is not None
    through_pipeline(message)
    return message


def attachment(message: dict[str, Any]) -> dict[str, Any]:
    (only,) = message["attachments"]
    return dict(only)


CASES = [
    pytest.param(
        "push",
        [
            "Codertocat/Hello-World",
            "New branch master with 1 commit",
            "Initial commit",
            "[`6113728`](https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246)",
            "— Codertocat",
        ],
        GREEN,
        id="push-new-branch",
    ),
    pytest.param(
        "push_tag_deleted",
        ["Codertocat/Hello-World", "Tag simple-tag deleted"],
        GREY,
        id="tag-deleted",
    ),
    pytest.param(
        "pull_request_opened",
        [
            "Pull request opened: #2 Update the README with new information.",
            "https://github.com/Codertocat/Hello-World/pull/2",
            "changes → master",
            "This is a pretty simple change",
            "Codertocat",
        ],
        GREEN,
        id="pr-opened",
    ),
    pytest.param(
        "pull_request_closed", ["Pull request closed: #2", "changes → master"], RED, id="pr-closed"
    ),
    pytest.param(
        "issues_opened",
        [
            "Issue opened: #1 Spelling error in the README file",
            "https://github.com/Codertocat/Hello-World/issues/1",
            "accidently spelled",
        ],
        GREEN,
        id="issue-opened",
    ),
    pytest.param(
        "issue_comment_created",
        [
            "New comment on issue #1 Spelling error in the README file",
            "https://github.com/Codertocat/Hello-World/issues/1#issuecomment-492700400",
            "You are totally right!",
        ],
        "#0969da",
        id="comment",
    ),
    pytest.param(
        "release_published",
        [
            "Release published: 0.0.1",
            "https://github.com/Codertocat/Hello-World/releases/tag/0.0.1",
        ],
        GREEN,
        id="release",
    ),
    pytest.param(
        "workflow_run_completed",
        [
            "octo-org/octo-repo",
            "Workflow test succeeded on master",
            "https://github.com/octo-org/octo-repo/actions/runs/289782451",
            "build(test): check workflow run event payload",
            "repository\\_dispatch",
        ],
        GREEN,
        id="workflow-success",
    ),
    pytest.param(
        "ping",
        [
            "Webhook 109948940 is set up for Octocoders/Hello-World",
            "Anything added dilutes everything else.",
        ],
        GREEN,
        id="ping",
    ),
]


@pytest.mark.parametrize(("name", "expected", "color"), CASES)
def test_sample_makes_its_post(name: str, expected: list[str], color: str) -> None:
    message = translated(name)
    assert message["username"] == "GitHub"
    assert attachment(message)["color"] == color
    text = posted(message)
    for part in expected:
        assert part in text


def test_every_sample_is_covered_by_a_case() -> None:
    assert sorted(EVENTS) == sample_names("github")
    assert {case.values[0] for case in CASES} == set(HANDLED)


VARIANTS = [
    pytest.param(
        "pull_request_closed",
        {"pull_request__merged": True},
        "Pull request merged: #2",
        PURPLE,
        id="pr-merged",
    ),
    pytest.param(
        "pull_request_closed",
        {"pull_request__merged_at": "2019-05-15T15:21:18Z"},
        "Pull request merged",
        PURPLE,
        id="pr-merged-at",
    ),
    pytest.param(
        "pull_request_opened",
        {"pull_request__draft": True},
        "opened as a draft",
        GREY,
        id="pr-draft",
    ),
    pytest.param(
        "pull_request_opened",
        {"action": "reopened"},
        "Pull request reopened",
        GREEN,
        id="pr-reopened",
    ),
    pytest.param(
        "pull_request_opened",
        {"action": "ready_for_review"},
        "Pull request ready for review",
        GREEN,
        id="pr-ready",
    ),
    pytest.param(
        "issues_opened", {"action": "closed"}, "Issue closed: #1", PURPLE, id="issue-closed"
    ),
    pytest.param(
        "issues_opened",
        {"action": "closed", "issue__state_reason": "not_planned"},
        "Issue closed",
        GREY,
        id="issue-not-planned",
    ),
    pytest.param(
        "issues_opened", {"action": "reopened"}, "Issue reopened", GREEN, id="issue-reopened"
    ),
    pytest.param(
        "workflow_run_completed",
        {"workflow_run__conclusion": "failure"},
        "Workflow test failed on master",
        RED,
        id="workflow-failure",
    ),
    pytest.param(
        "workflow_run_completed",
        {"workflow_run__conclusion": "cancelled"},
        "was cancelled",
        GREY,
        id="workflow-cancelled",
    ),
    pytest.param(
        "workflow_run_completed",
        {"workflow_run__conclusion": "neutral"},
        "completed (neutral)",
        GREY,
        id="workflow-neutral",
    ),
    pytest.param(
        "push",
        {"forced": True, "created": False},
        "Force-pushed 1 commit to master",
        ORANGE,
        id="force-push",
    ),
    pytest.param(
        "push",
        {"created": False, "compare": "https://github.com/Codertocat/Hello-World/compare/a...b"},
        "1 new commit pushed to master",
        GREEN,
        id="push-plain",
    ),
    pytest.param(
        "push_tag_deleted",
        {"ref": "refs/heads/feature"},
        "Branch feature deleted",
        GREY,
        id="branch-deleted",
    ),
    pytest.param(
        "push_tag_deleted",
        {"deleted": False, "created": True},
        "Tag simple-tag pushed",
        GREEN,
        id="tag-pushed",
    ),
    pytest.param(
        "release_published",
        {"release__prerelease": True, "release__name": "Beta"},
        "Pre-release published: Beta",
        GREEN,
        id="prerelease",
    ),
]


@pytest.mark.parametrize(("name", "changes", "title", "color"), VARIANTS)
def test_variant(name: str, changes: dict[str, Any], title: str, color: str) -> None:
    message = translated(name, **changes)
    assert title in attachment(message)["title"]
    assert attachment(message)["color"] == color


def test_push_links_the_compare_view_and_the_branch() -> None:
    message = translated(
        "push", created=False, compare="https://github.com/o/r/compare/a...b", commits=[]
    )
    assert attachment(message)["title_link"] == "https://github.com/o/r/compare/a...b"
    assert attachment(message)["title"].endswith("Branch master updated")
    assert "text" not in attachment(message)
    branch = translated("push", compare="", commits=[])
    assert attachment(branch)["title"].endswith("Branch master created")
    assert (
        attachment(branch)["title_link"] == "https://github.com/Codertocat/Hello-World/tree/master"
    )


NOISE = [
    ("star_created", {}),
    ("pull_request_opened", {"action": "labeled"}),
    ("pull_request_opened", {"action": "synchronize"}),
    ("issues_opened", {"action": "edited"}),
    ("issue_comment_created", {"action": "deleted"}),
    ("release_published", {"action": "created"}),
    ("workflow_run_completed", {"action": "requested"}),
]


@pytest.mark.parametrize(("name", "changes"), NOISE)
def test_unhandled_events_and_actions_give_none(name: str, changes: dict[str, Any]) -> None:
    payload = sample("github", name)
    for key, value in changes.items():
        payload = changed(payload, (key,), value)
    assert github.translate(EVENTS[name], payload) is None


@pytest.mark.parametrize("event", ["", "star", "check_run", "PUSH", "push "])
def test_unknown_event_names_give_none_whatever_the_body(event: str) -> None:
    assert github.translate(event, None) is None


@pytest.mark.parametrize("name", HANDLED)
def test_a_body_that_is_not_an_object_is_a_payload_error(name: str) -> None:
    for body in (None, [], "x", 1):
        with pytest.raises(PayloadError):
            github.translate(EVENTS[name], body)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("push", "ref"),
        ("push", "repository"),
        ("pull_request_opened", "pull_request"),
        ("pull_request_opened", "action"),
        ("issues_opened", "issue"),
        ("issue_comment_created", "comment"),
        ("release_published", "release"),
        ("workflow_run_completed", "workflow_run"),
    ],
)
def test_missing_essentials_are_payload_errors_naming_them(name: str, key: str) -> None:
    payload = sample("github", name)
    for value in WRONG:
        if isinstance(value, type(payload[key])):
            continue  # the right type: not a shape error
        with pytest.raises(PayloadError) as caught:
            github.translate(EVENTS[name], changed(payload, (key,), value))
        assert key in caught.value.message
    without = {k: v for k, v in payload.items() if k != key}
    with pytest.raises(PayloadError):
        github.translate(EVENTS[name], without)


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_every_mutation_of_a_sample_is_a_post_none_or_a_payload_error(name: str) -> None:
    for payload in mutations(sample("github", name)):
        outcome(github, EVENTS[name], payload)


@settings(max_examples=300, deadline=None)
@given(event=st.sampled_from(sorted(set(EVENTS.values()))), payload=json_values)
def test_any_json_is_a_post_none_or_a_payload_error(event: str, payload: Any) -> None:
    outcome(github, event, payload)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(HANDLED), data=st.data())
def test_random_mutations_of_samples(name: str, data: st.DataObject) -> None:
    payload = sample("github", name)
    for _ in range(data.draw(st.integers(1, 4))):
        options = list(paths(payload))
        if not options:
            break
        payload = changed(payload, data.draw(st.sampled_from(options)), data.draw(json_values))
    outcome(github, EVENTS[name], payload)


@pytest.mark.parametrize("name", HANDLED)
def test_payload_text_mentions_no_one(name: str) -> None:
    for payload in (with_hostile_text(sample("github", name)), hostile(sample("github", name))):
        result = outcome(github, EVENTS[name], payload)
        assert not isinstance(result, PayloadError)


def test_mentions_are_shown_but_inert() -> None:
    message = translated(
        "issues_opened", issue__title="@channel look", issue__body="hi @here and <!all>"
    )
    text = posted(message)
    assert "@\u200dchannel look" in text and "@\u200dhere" in text and "<\u200d!all>" in text
    assert "@channel" not in text and "@here" not in text


def test_markdown_in_titles_is_escaped_and_links_are_encoded() -> None:
    message = translated(
        "pull_request_opened",
        pull_request__title="*bold* _it_ [x](http://evil) `code",
        pull_request__html_url="https://github.com/o/r/pull/2?(a)@b",
    )
    title = attachment(message)["title"]
    assert "\\*bold\\* \\_it\\_ \\[x\\](http://evil) \\`code" in title
    assert attachment(message)["title_link"] == "https://github.com/o/r/pull/2?%28a%29%40b"
    assert "[x](http://evil)" in attachment(message)["fallback"]


@pytest.mark.parametrize("address", ["javascript:alert(1)", "ftp://x", "//x", "https://a\nb", 5])
def test_addresses_that_are_not_http_are_dropped(address: Any) -> None:
    message = translated("issues_opened", issue__html_url=address)
    assert "title_link" not in attachment(message)


def test_a_megabyte_payload_makes_a_small_post_quickly() -> None:
    commit = sample("github", "push")["commits"][0]
    commits = [{**commit, "message": "m@" * 5000} for _ in range(100)]
    payload = changed(sample("github", "push"), ("commits",), commits)
    payload = changed(payload, ("ref",), "refs/heads/" + "b" * 100_000)
    assert len(orjson.dumps(payload)) > 1_000_000
    started = time.perf_counter()
    message = github.translate("push", payload)
    assert time.perf_counter() - started < 0.5
    assert message is not None
    assert len(orjson.dumps(message)) < 20_000
    assert "… and 80 more" in posted(message)
    through_pipeline(message)


def test_a_megabyte_tag_name_is_cut_and_not_linked() -> None:
    message = translated("push_tag_deleted", deleted=False, ref="refs/tags/" + "t" * 1_000_000)
    assert len(orjson.dumps(message)) < 2_000
    assert "title_link" not in attachment(message)
    assert attachment(message)["title"].endswith("… pushed")


def test_a_long_body_is_cut_with_an_ellipsis() -> None:
    text = attachment(translated("issues_opened", issue__body="word " * 100_000))["text"]
    assert len(text) <= 600 and text.endswith("…")


def test_event_comes_from_the_header() -> None:
    assert github.event({b"x-github-event": b"pull_request"}, {}) == "pull_request"
    assert github.event({b"x-github-event": b" push\r"}, {}) == "push"
    assert github.event({}, {"action": "opened"}) == ""


SECRET = "It's a Secret to Everybody"
BODY = b"Hello, World!"
# GitHub's own example: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
GITHUB_EXAMPLE = b"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_verify_accepts_githubs_documented_example() -> None:
    assert github.verify(SECRET, {b"x-hub-signature-256": GITHUB_EXAMPLE}, BODY)
    upper = b"sha256=" + GITHUB_EXAMPLE[7:].upper()
    assert github.verify(SECRET, {b"x-hub-signature-256": upper}, BODY)


@pytest.mark.parametrize(
    "header",
    [
        None,
        b"",
        b"sha256=",
        b"sha1=" + GITHUB_EXAMPLE[7:],
        GITHUB_EXAMPLE[7:],
        GITHUB_EXAMPLE[:-1] + b"0",
        GITHUB_EXAMPLE + b"00",
        b"sha256=\xff\xfe",
        b"SHA256=" + GITHUB_EXAMPLE[7:],
    ],
)
def test_verify_refuses_wrong_missing_and_malformed_signatures(header: bytes | None) -> None:
    headers = {} if header is None else {b"x-hub-signature-256": header}
    assert not github.verify(SECRET, headers, BODY)


def test_verify_refuses_another_body_or_secret() -> None:
    headers = {b"x-hub-signature-256": GITHUB_EXAMPLE}
    assert not github.verify(SECRET, headers, BODY + b" ")
    assert not github.verify(SECRET + "x", headers, BODY)
    assert not github.verify("", headers, BODY)


@given(secret=st.text(min_size=1, max_size=40), body=st.binary(max_size=200))
def test_verify_accepts_exactly_the_hmac_it_computes(secret: str, body: bytes) -> None:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert github.verify(secret, {b"x-hub-signature-256": f"sha256={digest}".encode()}, body)
    assert (
        not github.verify(secret, {b"x-hub-signature-256": f"sha256={digest[::-1]}".encode()}, body)
        or digest == digest[::-1]
    )
