"""GitHub's and GitLab's real samples through HTTP: ``POST /hooks/{key}/{source}`` → the post.

Each sample is sent as the tool sends it (its event header; JSON, or GitHub's form encoding;
signed or not) and the stored post is read back through the API, as is the hook's delivery
history for the events a source ignores.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import Api, assert_error
from tests.webhooks.native.source_checks import NATIVE, sample_names
from tests.webhooks.native.test_github import EVENTS as GITHUB_EVENTS
from tests.webhooks.native.test_gitlab import EVENTS as GITLAB_EVENTS

SIGNATURE = "web.incoming_webhook.signature.app_error"
TITLES = {
    "push": "[Codertocat/Hello-World] New branch master with 1 commit",
    "push_tag_deleted": "[Codertocat/Hello-World] Tag simple-tag deleted",
    "pull_request_opened": "[Codertocat/Hello-World] Pull request opened: #2",
    "pull_request_closed": "[Codertocat/Hello-World] Pull request closed: #2",
    "issues_opened": "[Codertocat/Hello-World] Issue opened: #1",
    "issue_comment_created": "[Codertocat/Hello-World] New comment on issue #1",
    "release_published": "[Codertocat/Hello-World] Release published: 0.0.1",
    "workflow_run_completed": "[octo-org/octo-repo] Workflow test succeeded on master",
    "ping": "Webhook 109948940 is set up for Octocoders/Hello-World",
    "star_created": None,
    "gitlab/push": "[mike/diaspora] 4 new commits pushed to master",
    "tag_push": "[jsmith/example] Tag v1.0.0 pushed",
    "merge_request_opened": "[gitlabhq/gitlab-test] Merge request opened: !1 MS-Viewport",
    "issue_opened": "[gitlabhq/gitlab-test] Issue opened: #23",
    "note_commit": "[gitlabhq/gitlab-test] New comment on commit `cfe32cf6`",
    "note_merge_request": "[gitlab-org/gitlab-test] New comment on merge request !1",
    "note_issue": "[gitlab-org/gitlab-test] New comment on issue #17 test",
    "pipeline_success": "[gitlab-org/gitlab-test] Pipeline #31 passed on master",
    "wiki_page": None,
}
CASES = [("github", n) for n in sample_names("github")] + [
    ("gitlab", n) for n in sample_names("gitlab")
]


def sent_headers(source: str, name: str, content_type: str = "application/json") -> dict[str, str]:
    if source == "github":
        return {"Content-Type": content_type, "X-GitHub-Event": GITHUB_EVENTS[name]}
    return {"Content-Type": content_type, "X-Gitlab-Event": GITLAB_EVENTS[name]}


def raw(source: str, name: str) -> bytes:
    return (NATIVE / source / "samples" / f"{name}.json").read_bytes()


def send(api: Api, hook: dict[str, Any], source: str, name: str, **headers: str) -> Any:
    return api.client.post(
        f"/hooks/{hook['id']}/{source}?wait=true",
        content=raw(source, name),
        headers={**sent_headers(source, name), **headers},
    )


def the_attachment(api: Api, post_ids: list[str]) -> dict[str, Any]:
    (post_id,) = post_ids
    post = api.get(f"/api/v4/posts/{post_id}").json()
    assert post["type"] == "slack_attachment" and post["props"]["from_webhook"] == "true"
    (attachment,) = post["props"]["attachments"]
    return dict(attachment)


@pytest.mark.parametrize(("source", "name"), CASES)
def test_every_sample_makes_its_post(api: Api, source: str, name: str) -> None:
    hook = api.new_hook()
    answer = send(api, hook, source, name)
    assert answer.status_code == 200, answer.text
    title = TITLES.get(f"{source}/{name}", TITLES.get(name))
    if title is None:  # an event the source ignores: nothing posted, recorded as ignored
        assert answer.json()["post_ids"] == []
        api.client.portal.call(api.ctx.deliveries.flush, api.ctx.db)  # type: ignore[union-attr]
        (row,) = api.get(f"/api/v4/hooks/incoming/{hook['id']}/deliveries").json()
        assert row["outcome"] == "ignored" and row["source"] == source
        return
    attachment = the_attachment(api, answer.json()["post_ids"])
    assert attachment["title"].replace("\\", "").startswith(title)
    assert attachment["color"].startswith("#") and attachment["author_name"]


def test_githubs_form_encoding_works_too(api: Api) -> None:
    hook = api.new_hook()
    form = b"payload=" + quote(raw("github", "issues_opened")).encode()
    kind = "application/x-www-form-urlencoded"
    answer = api.client.post(
        f"/hooks/{hook['id']}/github?wait=true",
        content=form,
        headers=sent_headers("github", "issues_opened", kind),
    )
    assert answer.status_code == 200, answer.text
    assert "Issue opened: #1" in the_attachment(api, answer.json()["post_ids"])["title"]


def new_secret(api: Api, hook: dict[str, Any]) -> str:
    answer = api.post(f"/api/v4/hooks/incoming/{hook['id']}/signing_secret")
    assert answer.status_code == 200, answer.text
    secret: str = answer.json()["signing_secret"]
    return secret


def test_a_signed_hook_needs_githubs_signature(api: Api) -> None:
    hook = api.new_hook()
    secret = new_secret(api, hook)
    assert_error(send(api, hook, "github", "ping"), 401, SIGNATURE)
    wrong = "sha256=" + "0" * 64
    assert_error(
        send(api, hook, "github", "ping", **{"X-Hub-Signature-256": wrong}), 401, SIGNATURE
    )
    digest = hmac.new(secret.encode(), raw("github", "ping"), hashlib.sha256).hexdigest()
    answer = send(api, hook, "github", "ping", **{"X-Hub-Signature-256": f"sha256={digest}"})
    assert answer.status_code == 200, answer.text
    assert "is set up for Octocoders" in the_attachment(api, answer.json()["post_ids"])["title"]


def test_a_signed_hook_needs_gitlabs_token(api: Api) -> None:
    hook = api.new_hook()
    secret = new_secret(api, hook)
    assert_error(send(api, hook, "gitlab", "push"), 401, SIGNATURE)
    assert_error(
        send(api, hook, "gitlab", "push", **{"X-Gitlab-Token": secret[:-1]}), 401, SIGNATURE
    )
    answer = send(api, hook, "gitlab", "push", **{"X-Gitlab-Token": secret})
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["post_ids"]) == 1


def test_a_payload_of_the_wrong_shape_is_a_400_naming_the_part(api: Api) -> None:
    hook = api.new_hook()
    answer = api.client.post(
        f"/hooks/{hook['id']}/github",
        content=b'{"action": "opened", "repository": {}}',
        headers=sent_headers("github", "pull_request_opened"),
    )
    error = assert_error(answer, 400, "web.incoming_webhook.native.payload.app_error")
    assert "pull_request" in error["message"]


def test_a_commit_message_pinging_the_channel_notifies_no_one(api: Api) -> None:
    _, token = api.new_user("alice")
    town = api.channel("town-square")
    hook = api.new_hook()
    ping = b"@channel @here @alice <!all> look"
    body = raw("github", "push").replace(b'"Initial commit"', b'"' + ping + b'"')
    answer = api.client.post(
        f"/hooks/{hook['id']}/github?wait=true",
        content=body,
        headers=sent_headers("github", "push"),
    )
    assert answer.status_code == 200, answer.text
    text = the_attachment(api, answer.json()["post_ids"])["text"]
    assert "@\u200dchannel @\u200dhere @\u200dalice \\<\u200d!all\\> look" in text
    unread = api.get(f"/api/v4/users/me/channels/{town['id']}/unread", token).json()
    assert (unread["msg_count"], unread["mention_count"]) == (1, 0)
    # the same words sent as a Slack message do mention: the check above can fail
    assert api.send(hook["id"], {"text": ping.decode()}).status_code == 200
    unread = api.get(f"/api/v4/users/me/channels/{town['id']}/unread", token).json()
    assert (unread["msg_count"], unread["mention_count"]) == (2, 1)
