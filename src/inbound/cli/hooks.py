"""`inbound hook …`: manage incoming webhooks and send payload files to them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from inbound.cli.common import (
    DatabaseOption,
    channel_named,
    hook_app,
    run_local,
    settings_from,
    user_named,
)
from inbound.models import IncomingHook
from inbound.services import hook_fields, hooks, teams
from inbound.services.context import Context
from inbound.settings import Settings


def hook_url(ctx: Context, hook_id: str) -> str:
    return f"{ctx.site_url}/hooks/{hook_id}"


def print_hook(ctx: Context, hook: IncomingHook) -> None:
    typer.echo(f"id:         {hook.id}")
    typer.echo(f"url:        {hook_url(ctx, hook.id)}")
    typer.echo(f"name:       {hook.display_name}")
    typer.echo(f"channel:    {hook.channel_id} (team {hook.team_id})")
    typer.echo(f"locked:     {str(hook.channel_locked).lower()}  format: {hook.message_format}")
    if hook.username or hook.icon_url:
        typer.echo(f"username:   {hook.username}  icon: {hook.icon_url}")
    if hook.rate_limit_per_sec or hook.rate_limit_burst:
        per_sec, burst = hook.rate_limit_per_sec or "default", hook.rate_limit_burst or "default"
        typer.echo(f"rate limit: {per_sec}/s  burst: {burst}")
    # whether it has a signing secret, never the secret
    typer.echo(
        f"signed:     {'yes (requests need X-Slack-Signature)' if hook.signing_secret else 'no'}"
    )
    typer.echo(f"allowed:    {', '.join(hook.cidrs) or 'any address'}")


FormatOption = Annotated[
    str | None, typer.Option("--format", help="markdown (default) or slack (convert *bold* etc.)")
]
PerSecOption = Annotated[
    int | None,
    typer.Option(
        "--rate-limit-per-sec",
        help="Requests a second this hook accepts (0: RateLimitSettings.IncomingWebhookPerSec).",
    ),
]
CidrOption = Annotated[
    list[str] | None,
    typer.Option(
        "--allowed-cidr",
        metavar="NETWORK",
        help="Accept requests only from this network (e.g. 203.0.113.0/24, 2001:db8::/32); "
        "repeat for several.",
    ),
]
BurstOption = Annotated[
    int | None,
    typer.Option(
        "--rate-limit-burst",
        help="Burst above the rate this hook accepts (0: RateLimitSettings.IncomingWebhookMaxBurst).",
    ),
]


@hook_app.command("create")
def hook_create(
    channel: Annotated[str, typer.Option("--channel", metavar="TEAM:CHANNEL")],
    display_name: Annotated[str, typer.Option("--display-name")] = "",
    description: Annotated[str, typer.Option("--description")] = "",
    username: Annotated[str, typer.Option("--username")] = "",
    icon_url: Annotated[str, typer.Option("--icon-url")] = "",
    locked: Annotated[
        bool,
        typer.Option(
            "--locked/--unlocked",
            help="Locked (the default) refuses the payload's channel override; --unlocked lets "
            "it post wherever the creator is a member, and to public channels.",
        ),
    ] = True,
    message_format: FormatOption = None,
    rate_limit_per_sec: PerSecOption = None,
    rate_limit_burst: BurstOption = None,
    allowed_cidr: CidrOption = None,
    owner: Annotated[
        str | None, typer.Option("--user", help="Creator (default: the admin).")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Create an incoming webhook and print its URL."""

    async def work(ctx: Context) -> None:
        target = await channel_named(ctx, channel)
        creator = await user_named(ctx, owner or ctx.settings.admin_username)
        fields = hook_fields.HookFields(
            channel_id=target.id,
            display_name=display_name,
            description=description,
            username=username,
            icon_url=icon_url,
            channel_locked=locked,
            message_format=message_format or "markdown",
            rate_limit_per_sec=rate_limit_per_sec or 0,
            rate_limit_burst=rate_limit_burst or 0,
            allowed_cidrs=hook_fields.allowed_cidrs_text(allowed_cidr or []),
        )
        hook = await hooks.create_hook(ctx, None, fields, user_id=creator.id)
        print_hook(ctx, hook)
        typer.echo("\nTry it:")
        typer.echo(
            "  curl -i -X POST -H 'Content-Type: application/json' "
            f"""-d '{{"text": "Hello from inbound"}}' {hook_url(ctx, hook.id)}"""
        )

    run_local(settings_from(database_url), work)


@hook_app.command("list")
def hook_list(
    team: Annotated[str | None, typer.Option("--team", help="Only this team's hooks.")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """List incoming webhooks."""

    async def work(ctx: Context) -> None:
        team_id = (await teams.get_team_by_name(ctx, None, team)).id if team else ""
        page = await hooks.list_hooks(ctx, None, team_id=team_id, per_page=200)
        for hook in page.hooks:
            marks = "  signed" * bool(hook.signing_secret)
            marks += f"  allowed: {','.join(hook.cidrs)}" if hook.cidrs else ""
            typer.echo(f"{hook.id}  {hook.display_name or '-':24}  {hook_url(ctx, hook.id)}{marks}")

    run_local(settings_from(database_url), work)


@hook_app.command("show")
def hook_show(hook_id: str, database_url: DatabaseOption = None) -> None:
    """Show one incoming webhook."""

    async def work(ctx: Context) -> None:
        print_hook(ctx, await hooks.get_hook(ctx, None, hook_id))

    run_local(settings_from(database_url), work)


@hook_app.command("update")
def hook_update(
    hook_id: str,
    channel: Annotated[str | None, typer.Option("--channel", metavar="TEAM:CHANNEL")] = None,
    display_name: Annotated[str | None, typer.Option("--display-name")] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    username: Annotated[str | None, typer.Option("--username")] = None,
    icon_url: Annotated[str | None, typer.Option("--icon-url")] = None,
    locked: Annotated[bool | None, typer.Option("--locked/--unlocked")] = None,
    message_format: FormatOption = None,
    rate_limit_per_sec: PerSecOption = None,
    rate_limit_burst: BurstOption = None,
    allowed_cidr: CidrOption = None,
    any_address: Annotated[
        bool,
        typer.Option("--any-address", help="Clear the allowed networks: accept any address."),
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Change an incoming webhook (only the options given; --allowed-cidr replaces the list)."""
    if any_address and allowed_cidr:
        raise typer.BadParameter("--any-address clears the networks: give no --allowed-cidr too")

    async def work(ctx: Context) -> None:
        channel_id = (await channel_named(ctx, channel)).id if channel else None
        patch = hook_fields.HookPatch(
            channel_id=channel_id,
            display_name=display_name,
            description=description,
            username=username,
            icon_url=icon_url,
            channel_locked=locked,
            message_format=message_format or None,  # --format "": keep the format
            rate_limit_per_sec=rate_limit_per_sec,
            rate_limit_burst=rate_limit_burst,
            allowed_cidrs=_cidrs_patch(allowed_cidr, any_address=any_address),
        )
        print_hook(ctx, await hooks.update_hook(ctx, None, hook_id, patch))

    run_local(settings_from(database_url), work)


def _cidrs_patch(given: list[str] | None, *, any_address: bool) -> str | None:
    """``allowed_cidrs`` for a patch: None keeps them, "" clears them."""
    return "" if any_address else hook_fields.allowed_cidrs_text(given) if given else None


@hook_app.command("secret")
def hook_secret(
    hook_id: Annotated[str, typer.Argument(metavar="KEY|ID", help="The hook's id (its key).")],
    remove: Annotated[
        bool, typer.Option("--remove", help="Remove the secret: unsigned requests work again.")
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Give a hook a new signing secret (replacing any) and print it, once; --remove removes it."""

    async def work(ctx: Context) -> str:
        if remove:
            await hooks.remove_signing_secret(ctx, None, hook_id)
            return ""
        return await hooks.set_signing_secret(ctx, None, hook_id)

    secret = run_local(settings_from(database_url), work)
    if not secret:
        typer.echo(f"Removed the signing secret of hook {hook_id}: unsigned requests work again.")
        return
    typer.echo(secret)  # alone on stdout, for SECRET=$(inbound hook secret ID)
    typer.echo(
        "This is shown only once. Requests to the hook must now be signed with it "
        "(X-Slack-Signature, X-Slack-Request-Timestamp: see docs/webhooks.md).",
        err=True,
    )


@hook_app.command("delete")
def hook_delete(hook_id: str, database_url: DatabaseOption = None) -> None:
    """Delete an incoming webhook; its URL stops working."""

    async def work(ctx: Context) -> None:
        await hooks.delete_hook(ctx, None, hook_id)

    run_local(settings_from(database_url), work)
    typer.echo(f"Deleted hook {hook_id}.")


@hook_app.command("regenerate")
def hook_regenerate(hook_id: str, database_url: DatabaseOption = None) -> None:
    """Give a hook a new URL; the old one keeps working for the grace period."""

    async def work(ctx: Context) -> None:
        hook = await hooks.regenerate_hook(ctx, None, hook_id)
        grace = ctx.config.service.incoming_webhook_key_grace_period_seconds
        print_hook(ctx, hook)
        typer.echo(f"The old URL keeps posting for {grace} seconds.")

    run_local(settings_from(database_url), work)


CONTENT_TYPES = (
    (".form.txt", "application/x-www-form-urlencoded"),
    (".multipart.txt", "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"),
)


@hook_app.command("send")
def hook_send(
    key: Annotated[str, typer.Argument(help="The hook's key, or its full URL.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    content_type: Annotated[str | None, typer.Option("--content-type")] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="Context URL (default: SiteURL).")
    ] = None,
) -> None:
    """POST a payload file to a hook, as an integration would, and print the answer.

    The Content-Type follows the file name: NAME.form.txt is form-encoded, NAME.multipart.txt is
    multipart with the WebKit boundary, anything else is JSON.
    """
    import httpx

    target = (
        key
        if key.startswith(("http://", "https://"))
        else f"{(url or Settings.from_env().public_url).rstrip('/')}/hooks/{key}"
    )
    kind = content_type or next(
        (t for end, t in CONTENT_TYPES if file.name.endswith(end)), "application/json"
    )
    try:
        response = httpx.post(
            target, content=file.read_bytes(), headers={"Content-Type": kind}, timeout=30
        )
    except httpx.HTTPError as error:
        typer.secho(f"error: could not reach {target}: {error}", err=True, fg="red")
        raise typer.Exit(1) from None
    typer.echo(f"{response.status_code} {response.text}")
    if response.status_code != 200:
        raise typer.Exit(1)
