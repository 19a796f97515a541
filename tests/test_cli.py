"""The ``inbound`` CLI in local mode: it works on the configured database directly."""

from __future__ import annotations

import pytest


def test_user_team_channel_post_round_trip(cli) -> None:  # type: ignore[no-untyped-def]
    code, out = cli(
        "user", "create", "ops", "--email", "ops@example.com", "--password", "password-123"
    )
    assert code == 0, out
    assert "Created user ops" in out
    assert cli("team", "create", "infra")[0] == 0
    assert cli("team", "add-member", "infra", "ops")[0] == 0
    code, out = cli("channel", "create", "infra:alerts", "--private")
    assert code == 0, out
    assert cli("channel", "add-member", "infra:alerts", "ops")[0] == 0
    code, out = cli("post", "create", "infra:alerts", "disk full on db1", "--as", "ops")
    assert code == 0, out
    assert "Posted" in out
    code, out = cli("user", "list")
    assert "ops" in out and "admin" in out


def test_deactivate_and_archive(cli) -> None:  # type: ignore[no-untyped-def]
    cli("user", "create", "temp", "--email", "t@example.com", "--password", "password-123")
    code, out = cli("user", "deactivate", "temp")
    assert code == 0 and "Deactivated temp" in out
    assert "deactivated" in cli("user", "list")[1]
    cli("channel", "create", "main:old")
    code, out = cli("channel", "archive", "main:old")
    assert code == 0 and "Archived main:old" in out


def test_config_get_and_set(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("config", "get", "ServiceSettings.EnablePostUsernameOverride") == (0, "false\n")
    code, out = cli("config", "set", "ServiceSettings.EnablePostUsernameOverride", "true")
    assert code == 0, out
    assert cli("config", "get", "ServiceSettings.EnablePostUsernameOverride") == (0, "true\n")
    assert '"ServiceSettings"' in cli("config", "get")[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("config", "set", "ServiceSettings.Nope", "1"), "Unknown setting"),
        (("config", "set", "ServiceSettings.PostMessageMaxRunes", "lots"), "whole number"),
        (("team", "add-member", "nosuch", "admin"), "Unable to find the team"),
        (("channel", "create", "main:Bad Name"), "Channel name must be"),
        (("post", "create", "main:nowhere", "hi"), "Unable to find the channel"),
        (
            ("user", "create", "x", "--email", "x@example.com", "--password", "password-123"),
            "Username must be",
        ),
    ],
    ids=["unknown-setting", "bad-int", "no-team", "bad-channel", "no-channel", "bad-username"],
)
def test_errors_exit_nonzero_with_a_clear_message(cli, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    code, out = cli(*args)
    assert code == 1
    assert message in out


def test_channel_ref_must_be_team_colon_channel(cli) -> None:  # type: ignore[no-untyped-def]
    code, out = cli("channel", "create", "no-colon")
    assert code == 2
    assert "TEAM:CHANNEL" in out


def _hook_id(output: str) -> str:
    return next(line.split()[1] for line in output.splitlines() if line.startswith("id:"))


def test_hook_lifecycle(cli) -> None:  # type: ignore[no-untyped-def]
    code, out = cli(
        "hook",
        "create",
        "--channel",
        "main:town-square",
        "--display-name",
        "CI",
        "--locked",
        "--format",
        "slack",
    )
    assert code == 0, out
    hook_id = _hook_id(out)
    assert f"http://127.0.0.1:8065/hooks/{hook_id}" in out and "curl -i -X POST" in out
    assert "locked:     true  format: slack" in out
    assert hook_id in cli("hook", "list")[1]
    assert hook_id in cli("hook", "list", "--team", "main")[1]
    code, out = cli(
        "hook",
        "update",
        hook_id,
        "--channel",
        "main:off-topic",
        "--unlocked",
        "--display-name",
        "Renamed",
    )
    assert code == 0, out
    assert "Renamed" in out and "locked:     false" in out
    code, out = cli("hook", "regenerate", hook_id)
    assert code == 0 and "keeps posting for 86400 seconds" in out
    fresh = _hook_id(out)
    assert fresh != hook_id
    assert cli("hook", "delete", fresh)[0] == 0
    code, out = cli("hook", "show", fresh)
    assert code == 1 and "Unable to find the incoming webhook" in out


def test_hook_secret_and_allowed_networks(cli) -> None:  # type: ignore[no-untyped-def]
    code, out = cli(
        "hook",
        "create",
        "--channel",
        "main:town-square",
        "--allowed-cidr",
        "203.0.113.7/24",
        "--allowed-cidr",
        "2001:DB8::/32",
    )
    assert code == 0, out
    hook_id = _hook_id(out)
    assert "allowed:    203.0.113.0/24, 2001:db8::/32" in out and "signed:     no" in out
    code, out = cli("hook", "secret", hook_id)
    assert code == 0, out
    secret = out.splitlines()[0]
    assert len(secret) == 64 and int(secret, 16) >= 0
    assert "shown only once" in out
    for command in (("hook", "show", hook_id), ("hook", "list")):
        code, out = cli(*command)
        assert code == 0 and secret not in out
    assert "signed:     yes" in cli("hook", "show", hook_id)[1]
    assert "signed  allowed: 203.0.113.0/24,2001:db8::/32" in cli("hook", "list")[1]
    code, out = cli("hook", "secret", hook_id)
    assert code == 0 and out.splitlines()[0] != secret  # replaced
    code, out = cli("hook", "secret", hook_id, "--remove")
    assert code == 0 and "Removed the signing secret" in out
    assert "signed:     no" in cli("hook", "show", hook_id)[1]
    code, out = cli("hook", "update", hook_id, "--allowed-cidr", "198.51.100.1")
    assert code == 0 and "allowed:    198.51.100.1/32" in out
    code, out = cli("hook", "update", hook_id, "--display-name", "kept")
    assert code == 0 and "allowed:    198.51.100.1/32" in out
    code, out = cli("hook", "update", hook_id, "--any-address")
    assert code == 0 and "allowed:    any address" in out
    code, out = cli("hook", "update", hook_id, "--allowed-cidr", "nope")
    assert code == 1 and "model.incoming_hook.allowed_cidrs.app_error" in out
    code, out = cli("hook", "update", hook_id, "--allowed-cidr", "10.0.0.0/8", "--any-address")
    assert code == 2 and "--any-address" in out
    code, out = cli("hook", "secret", "nothex!")
    assert code == 1 and "api.context.invalid_url_param.app_error" in out


def test_config_set_a_list_setting(cli) -> None:  # type: ignore[no-untyped-def]
    name = "ServiceSettings.TrustedProxyIPHeader"
    code, out = cli("config", "set", name, "X-Forwarded-For, X-Real-IP")
    assert (code, out.strip()) == (0, f'{name} = ["X-Forwarded-For","X-Real-IP"]')
    assert cli("config", "set", name, '["X-Real-IP"]')[1].strip() == f'{name} = ["X-Real-IP"]'
    assert cli("config", "get", name)[1].strip() == '["X-Real-IP"]'
    assert cli("config", "set", name, "")[1].strip() == f"{name} = []"
    assert cli("config", "set", name, "[1]")[0] == 1
    assert cli("config", "set", name, "[oops")[0] == 1


def test_hook_create_uses_site_url(cli) -> None:  # type: ignore[no-untyped-def]
    cli("config", "set", "ServiceSettings.SiteURL", "https://chat.example.com")
    code, out = cli("hook", "create", "--channel", "main:town-square")
    assert code == 0 and "https://chat.example.com/hooks/" in out


def test_hook_create_errors(cli) -> None:  # type: ignore[no-untyped-def]
    code, out = cli("hook", "create", "--channel", "main:nowhere")
    assert code == 1 and "Unable to find the channel" in out
    code, out = cli("hook", "create", "--channel", "main:town-square", "--user", "ghost")
    assert code == 1 and "Unable to find the user" in out


def test_hook_send_posts_a_payload_file(cli, live_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, out = cli("hook", "create", "--channel", "main:town-square")
    hook_id = _hook_id(out)
    payload = tmp_path / "deploy.json"
    payload.write_text('{"text": "sent from a file"}')
    code, out = cli("hook", "send", hook_id, str(payload), "--url", live_server.url)
    assert (code, out.strip()) == (0, "200 ok")
    form = tmp_path / "deploy.form.txt"
    form.write_text('payload={"text": "form file"}')
    assert cli("hook", "send", f"{live_server.url}/hooks/{hook_id}", str(form))[0] == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"text": ""}')
    code, out = cli("hook", "send", hook_id, str(bad), "--url", live_server.url)
    assert code == 1 and "web.incoming_webhook.text.app_error" in out
