"""GitLab: every real sample → the post it makes; shapes, mentions, sizes and the token."""

from __future__ import annotations

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

gitlab = SOURCES["gitlab"]
GREEN, RED, PURPLE, GREY, BLUE = "#1f7e4c", "#dd2b0e", "#6f42c1", "#737278", "#1f75cb"
EVENTS = {
    "push": "Push Hook",
    "tag_push": "Tag Push Hook",
    "merge_request_opened": "Merge Request Hook",
    "issue_opened": "Issue Hook",
    "note_commit": "Note Hook",
    "note_merge_request": "Note Hook",
    "note_issue": "Note Hook",
    "pipeline_success": "Pipeline Hook",
    "wiki_page": "Wiki Page Hook",
}
HANDLED = [name for name in EVENTS if name != "wiki_page"]


def translated(name: str, event: str = "", **changes: Any) -> dict[str, Any]:
    payload = sample("gitlab", name)
    for dotted, value in changes.items():
        payload = changed(payload, tuple(dotted.split("__")), value)
    message = gitlab.translate(event or EVENTS[name], payload)
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
            "mike/diaspora",
            "4 new commits pushed to master",
            "http://example.com/mike/diaspora/-/compare/95790bf891e76fee5e1747ab589903a6a1f80f22...da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
            "[`b6568db1`](http://example.com/mike/diaspora/commit/b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327) Update Catalan translation to e38cb41. — Jordi Mallach",
            "fixed readme — GitLab dev user",
            "… and 2 more",
            "John Smith",
        ],
        GREEN,
        id="push",
    ),
    pytest.param(
        "tag_push",
        [
            "jsmith/example",
            "Tag v1.0.0 pushed",
            "http://example.com/jsmith/example/-/tags/v1.0.0",
        ],
        GREEN,
        id="tag",
    ),
    pytest.param(
        "merge_request_opened",
        [
            "gitlabhq/gitlab-test",
            "Merge request opened: !1 MS-Viewport",
            "http://example.com/diaspora/merge_requests/1",
            "ms-viewport → master",
            "Administrator",
        ],
        GREEN,
        id="mr-opened",
    ),
    pytest.param(
        "issue_opened",
        [
            "Issue opened: #23 New API: create/update/delete file",
            "http://example.com/diaspora/issues/23",
            "Create new API for manipulations with repository",
        ],
        GREEN,
        id="issue-opened",
    ),
    pytest.param(
        "note_commit",
        [
            "New comment on commit `cfe32cf6` Add submodule",
            "This is a commit comment.",
            "http://example.com/gitlab-org/gitlab-test/commit/cfe32cf61b73a0d5e9f13e774abde7ff789b1660#note_1243",
        ],
        BLUE,
        id="note-commit",
    ),
    pytest.param(
        "note_merge_request",
        [
            "gitlab-org/gitlab-test",
            "New comment on merge request !1 Tempora et eos debitis quae laborum et.",
            "This MR needs work.",
        ],
        BLUE,
        id="note-mr",
    ),
    pytest.param(
        "note_issue", ["New comment on issue #17 test", "Hello world"], BLUE, id="note-issue"
    ),
    pytest.param(
        "pipeline_success",
        [
            "gitlab-org/gitlab-test",
            "Pipeline #31 passed on master",
            "http://example.com/gitlab-org/gitlab-test/-/pipelines/31",
            "Commit: test",
            "Duration: 1m 3s",
        ],
        GREEN,
        id="pipeline-success",
    ),
]


@pytest.mark.parametrize(("name", "expected", "color"), CASES)
def test_sample_makes_its_post(name: str, expected: list[str], color: str) -> None:
    message = translated(name)
    assert message["username"] == "GitLab"
    assert attachment(message)["color"] == color
    text = posted(message)
    for part in expected:
        assert part in text


def test_every_sample_is_covered_by_a_case() -> None:
    assert sorted(EVENTS) == sample_names("gitlab")
    assert {case.values[0] for case in CASES} == set(HANDLED)


VARIANTS = [
    pytest.param(
        "merge_request_opened",
        {"object_attributes__action": "merge"},
        "Merge request merged: !1",
        PURPLE,
        id="mr-merged",
    ),
    pytest.param(
        "merge_request_opened",
        {"object_attributes__action": "close"},
        "Merge request closed",
        RED,
        id="mr-closed",
    ),
    pytest.param(
        "merge_request_opened",
        {"object_attributes__action": "reopen"},
        "Merge request reopened",
        GREEN,
        id="mr-reopened",
    ),
    pytest.param(
        "merge_request_opened",
        {"object_attributes__draft": True},
        "opened as a draft",
        GREY,
        id="mr-draft",
    ),
    pytest.param(
        "issue_opened",
        {"object_attributes__action": "close"},
        "Issue closed: #23",
        GREY,
        id="issue-closed",
    ),
    pytest.param(
        "issue_opened",
        {"object_attributes__action": "reopen"},
        "Issue reopened",
        GREEN,
        id="issue-reopened",
    ),
    pytest.param(
        "pipeline_success",
        {"object_attributes__status": "failed"},
        "Pipeline #31 failed on master",
        RED,
        id="pipeline-failed",
    ),
    pytest.param(
        "pipeline_success",
        {"object_attributes__status": "canceled"},
        "Pipeline #31 was canceled",
        GREY,
        id="pipeline-canceled",
    ),
    pytest.param(
        "push", {"before": "0" * 40}, "New branch master with 4 commits", GREEN, id="new-branch"
    ),
    pytest.param(
        "push",
        {"after": "0" * 40, "commits": []},
        "Branch master deleted",
        GREY,
        id="branch-deleted",
    ),
    pytest.param("tag_push", {"after": "0" * 40}, "Tag v1.0.0 deleted", GREY, id="tag-deleted"),
]


@pytest.mark.parametrize(("name", "changes", "title", "color"), VARIANTS)
def test_variant(name: str, changes: dict[str, Any], title: str, color: str) -> None:
    message = translated(name, **changes)
    assert title in attachment(message)["title"]
    assert attachment(message)["color"] == color


def test_a_confidential_issue_is_announced_without_its_description() -> None:
    for message in (
        translated("issue_opened", "Confidential Issue Hook"),
        translated("issue_opened", object_attributes__confidential=True),
    ):
        assert "Confidential issue opened: #23" in attachment(message)["title"]
        assert "Create new API" not in posted(message)


def test_a_confidential_comment_is_announced_without_its_text() -> None:
    for message in (
        translated("note_issue", "Confidential Note Hook"),
        translated("note_issue", event_type="confidential_note"),
    ):
        assert "New confidential comment on issue #17" in attachment(message)["title"]
        assert "Hello world" not in posted(message)


def test_a_comment_on_a_snippet_names_the_snippet() -> None:
    snippet = {"id": 53, "title": "test", "url": "http://example.com/s/53"}
    message = translated("note_issue", object_attributes__noteable_type="Snippet", snippet=snippet)
    assert "New comment on snippet $53 test" in attachment(message)["title"]


NOISE = [
    ("wiki_page", {}),
    ("merge_request_opened", {"object_attributes__action": "update"}),
    ("merge_request_opened", {"object_attributes__action": "approved"}),
    ("issue_opened", {"object_attributes__action": "update"}),
    ("note_issue", {"object_attributes__action": "update"}),
    ("note_issue", {"object_attributes__system": True}),
    ("pipeline_success", {"object_attributes__status": "running"}),
    ("pipeline_success", {"object_attributes__status": "pending"}),
]


@pytest.mark.parametrize(("name", "changes"), NOISE)
def test_unhandled_events_and_actions_give_none(name: str, changes: dict[str, Any]) -> None:
    payload = sample("gitlab", name)
    for dotted, value in changes.items():
        payload = changed(payload, tuple(dotted.split("__")), value)
    assert gitlab.translate(EVENTS[name], payload) is None


@pytest.mark.parametrize(
    "event", ["", "Job Hook", "System Hook", "push", "Push hook", "Deployment Hook"]
)
def test_unknown_event_names_give_none_whatever_the_body(event: str) -> None:
    assert gitlab.translate(event, None) is None


@pytest.mark.parametrize("name", HANDLED)
def test_a_body_that_is_not_an_object_is_a_payload_error(name: str) -> None:
    for body in (None, [], "x", 1):
        with pytest.raises(PayloadError):
            gitlab.translate(EVENTS[name], body)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("push", "ref"),
        ("push", "project"),
        ("tag_push", "ref"),
        ("merge_request_opened", "object_attributes"),
        ("issue_opened", "object_attributes"),
        ("note_commit", "object_attributes"),
        ("pipeline_success", "object_attributes"),
        ("pipeline_success", "project"),
    ],
)
def test_missing_essentials_are_payload_errors_naming_them(name: str, key: str) -> None:
    payload = sample("gitlab", name)
    for value in WRONG:
        if isinstance(value, type(payload[key])):
            continue  # the right type: not a shape error
        with pytest.raises(PayloadError) as caught:
            gitlab.translate(EVENTS[name], changed(payload, (key,), value))
        assert key in caught.value.message
    without = {k: v for k, v in payload.items() if k != key}
    with pytest.raises(PayloadError):
        gitlab.translate(EVENTS[name], without)


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_every_mutation_of_a_sample_is_a_post_none_or_a_payload_error(name: str) -> None:
    for payload in mutations(sample("gitlab", name)):
        outcome(gitlab, EVENTS[name], payload)


@settings(max_examples=300, deadline=None)
@given(
    event=st.sampled_from(
        sorted(set(EVENTS.values()) | {"Confidential Issue Hook", "Confidential Note Hook"})
    ),
    payload=json_values,
)
def test_any_json_is_a_post_none_or_a_payload_error(event: str, payload: Any) -> None:
    outcome(gitlab, event, payload)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(HANDLED), data=st.data())
def test_random_mutations_of_samples(name: str, data: st.DataObject) -> None:
    payload = sample("gitlab", name)
    for _ in range(data.draw(st.integers(1, 4))):
        options = list(paths(payload))
        if not options:
            break
        payload = changed(payload, data.draw(st.sampled_from(options)), data.draw(json_values))
    outcome(gitlab, EVENTS[name], payload)


@pytest.mark.parametrize("name", HANDLED)
def test_payload_text_mentions_no_one(name: str) -> None:
    for payload in (with_hostile_text(sample("gitlab", name)), hostile(sample("gitlab", name))):
        result = outcome(gitlab, EVENTS[name], payload)
        assert not isinstance(result, PayloadError)


def test_mentions_are_shown_but_inert() -> None:
    message = translated(
        "note_issue", object_attributes__note="cc @all @alice <!here>", user__name="@channel"
    )
    text = posted(message)
    assert "@\u200dall @\u200dalice <\u200d!here>" in text and "@\u200dchannel" in text


def test_a_megabyte_payload_makes_a_small_post_quickly() -> None:
    commit = sample("gitlab", "push")["commits"][0]
    commits = [{**commit, "title": "t_" * 5000, "message": "m" * 5000} for _ in range(100)]
    payload = changed(sample("gitlab", "push"), ("commits",), commits)
    payload = changed(payload, ("total_commits_count",), 100_000)
    assert len(orjson.dumps(payload)) > 1_000_000
    started = time.perf_counter()
    message = gitlab.translate("Push Hook", payload)
    assert time.perf_counter() - started < 0.5
    assert message is not None
    assert len(orjson.dumps(message)) < 20_000
    assert "100000 new commits" in posted(message) and "… and 99980 more" in posted(message)
    through_pipeline(message)


def test_a_megabyte_branch_name_is_cut_and_not_linked() -> None:
    message = translated(
        "push", ref="refs/heads/" + "b" * 1_000_000, commits=[], total_commits_count=0
    )
    assert len(orjson.dumps(message)) < 2_000
    assert "Branch bbb" in attachment(message)["title"]
    assert "title_link" not in attachment(message) and "text" not in attachment(message)


def test_many_failed_jobs_are_cut_to_ten() -> None:
    jobs = [{"name": f"job{i}", "status": "failed"} for i in range(50)]
    failed_pipeline = translated(
        "pipeline_success", builds=jobs, object_attributes__status="failed"
    )
    fields = attachment(failed_pipeline)["fields"]
    failed = next(f["value"] for f in fields if f["title"] == "Failed jobs")
    assert failed == ", ".join(f"job{i}" for i in range(10)) + " …"


def test_failed_jobs_are_those_that_failed_the_pipeline() -> None:
    """A passed pipeline lists no failed job (its sample has the failed try of a retried job);
    a failed one leaves out the jobs allowed to fail."""
    assert "Failed jobs" not in posted(translated("pipeline_success"))
    jobs = [
        {"name": "lint", "status": "failed", "allow_failure": True},
        {"name": "test", "status": "failed", "allow_failure": False},
        {"name": "build", "status": "success"},
    ]
    fields = attachment(
        translated("pipeline_success", builds=jobs, object_attributes__status="failed")
    )["fields"]
    assert {"title": "Failed jobs", "value": "test", "short": True} in fields


def test_event_comes_from_the_header_then_the_object_kind() -> None:
    assert (
        gitlab.event({b"x-gitlab-event": b"Merge Request Hook"}, {"object_kind": "push"})
        == "Merge Request Hook"
    )
    for name, event in EVENTS.items():
        assert gitlab.event({}, sample("gitlab", name)) == event
    assert gitlab.event({}, {"object_kind": "deployment"}) == "deployment"
    assert gitlab.event({}, None) == gitlab.event({}, {"object_kind": 5}) == ""


TOKEN = "s3cret-token"


def test_verify_accepts_the_token_as_sent() -> None:
    assert gitlab.verify(TOKEN, {b"x-gitlab-token": TOKEN.encode()}, b"{}")
    assert gitlab.verify("é-token", {b"x-gitlab-token": "é-token".encode()}, b"{}")


@pytest.mark.parametrize(
    "header", [None, b"", b"s3cret-toke", b"s3cret-token ", b"S3CRET-TOKEN", b"\xff"]
)
def test_verify_refuses_wrong_missing_and_malformed_tokens(header: bytes | None) -> None:
    headers = {} if header is None else {b"x-gitlab-token": header}
    assert not gitlab.verify(TOKEN, headers, b"{}")


def test_verify_refuses_everything_without_a_secret() -> None:
    assert not gitlab.verify("", {b"x-gitlab-token": b""}, b"{}")


def test_the_fallback_is_plain_text() -> None:
    """Notifications show the fallback as it is: no backslash, no backtick of the sha's code."""
    fallback = attachment(translated("note_commit"))["fallback"]
    assert fallback == "[gitlabhq/gitlab-test] New comment on commit cfe32cf6 Add submodule"
