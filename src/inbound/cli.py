"""``inbound``: run the server and administer it. Commands other than ``serve`` work on the
configured database directly (like Mattermost's local mode), so they need no login."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
import typer

from inbound.errors import AppError, BadRequest
from inbound.models import IncomingHook, User
from inbound.services import channels, hooks, posts, teams, users
from inbound.services import config as config_service
from inbound.services.bootstrap import bootstrap
from inbound.services.server import Server
from inbound.settings import Settings

T = TypeVar("T")
app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
db_app = typer.Typer(no_args_is_help=True, help="Database maintenance.")
user_app = typer.Typer(no_args_is_help=True, help="Manage users.")
team_app = typer.Typer(no_args_is_help=True, help="Manage teams.")
channel_app = typer.Typer(no_args_is_help=True, help="Manage channels.")
config_app = typer.Typer(no_args_is_help=True, help="Read and change the runtime config.")
post_app = typer.Typer(no_args_is_help=True, help="Create posts.")
hook_app = typer.Typer(
    no_args_is_help=True, help="Manage incoming webhooks and send test payloads."
)
for sub, name in (
    (db_app, "db"),
    (user_app, "user"),
    (team_app, "team"),
    (channel_app, "channel"),
    (config_app, "config"),
    (post_app, "post"),
    (hook_app, "hook"),
):
    app.add_typer(sub, name=name)

DatabaseOption = Annotated[
    str | None, typer.Option("--database-url", help="Overrides INBOUND_DATABASE_URL.")
]


def main() -> None:
    app()


def settings_from(database_url: str | None = None, **overrides: Any) -> Settings:
    return Settings.from_env().with_overrides(database_url=database_url, **overrides)


def run_local(settings: Settings, work: Callable[[Server], Awaitable[T]]) -> T:
    """Run ``work`` against the database in local mode; an ``AppError`` exits with code 1."""

    async def go() -> T:
        server = Server(settings)
        try:
            await server.start(background=False)
            return await work(server)
        finally:
            await server.stop()

    try:
        return asyncio.run(go())
    except AppError as error:
        typer.secho(f"error: {error.message} ({error.error_id})", err=True, fg="red")
        raise typer.Exit(1) from None


def echo_json(value: Any) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


async def user_named(server: Server, username: str) -> User:
    return await users.get_user_by_username(server, username)


def split_channel_ref(ref: str) -> tuple[str, str]:
    team, sep, channel = ref.partition(":")
    if not sep or not team or not channel:
        raise typer.BadParameter(f"{ref!r}: expected TEAM:CHANNEL, e.g. main:town-square")
    return team, channel


async def channel_named(server: Server, ref: str) -> Any:
    team_name, channel_name = split_channel_ref(ref)
    team = await teams.get_team_by_name(server, None, team_name)
    return await channels.get_channel_by_name(server, None, team.id, channel_name)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Overrides INBOUND_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Overrides INBOUND_PORT.")] = None,
    database_url: DatabaseOption = None,
    site_url: Annotated[str | None, typer.Option(help="Overrides INBOUND_SITE_URL.")] = None,
    access_log: Annotated[bool, typer.Option("--access-log", help="Log every request.")] = False,
    proxy_headers: Annotated[
        bool,
        typer.Option(
            "--proxy-headers", help="Trust X-Forwarded-* from 127.0.0.1 (behind a proxy)."
        ),
    ] = False,
) -> None:
    """Apply migrations, create the first admin and team if the database is empty, and serve."""
    import uvicorn

    from inbound.app import create_app

    settings = settings_from(database_url, host=host, port=port, site_url=site_url)
    first = run_local(settings, bootstrap)
    typer.echo(f"inbound is starting on {settings.public_url} (database: {settings.database_url})")
    if first is not None:
        typer.echo(f"  Created team '{first.team_name}' with channels town-square and off-topic.")
        typer.echo(f"  Log in at {settings.public_url}/login as '{first.username}'")
        if first.password:
            typer.secho(f"  Generated admin password (shown once): {first.password}", bold=True)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        log_level="info",
        access_log=access_log,
        proxy_headers=proxy_headers,
    )


@db_app.command("migrate")
def db_migrate(database_url: DatabaseOption = None) -> None:
    """Apply all pending migrations."""

    async def noop(_server: Server) -> None:
        return None

    run_local(settings_from(database_url), noop)
    typer.echo("Database is up to date.")


@user_app.command("create")
def user_create(
    username: str,
    email: Annotated[str, typer.Option(help="The user's email address.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    system_admin: Annotated[bool, typer.Option("--system-admin")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Create a user (optionally a system admin)."""

    async def work(server: Server) -> User:
        return await users.create_user(
            server,
            None,
            username=username,
            email=email,
            password=password,
            system_admin=system_admin,
        )

    user = run_local(settings_from(database_url), work)
    typer.echo(f"Created user {user.username} ({user.id}) with roles '{user.roles}'.")


@user_app.command("list")
def user_list(database_url: DatabaseOption = None) -> None:
    """List users."""

    async def work(server: Server) -> list[User]:
        return await users.list_users(server, page=0, per_page=10_000)

    for user in run_local(settings_from(database_url), work):
        state = "active" if user.is_active else "deactivated"
        typer.echo(f"{user.id}  {user.username:22}  {user.email:32}  {user.roles:28}  {state}")


@user_app.command("deactivate")
def user_deactivate(username: str, database_url: DatabaseOption = None) -> None:
    """Deactivate a user: their sessions end and their webhooks stop posting."""

    async def work(server: Server) -> User:
        user = await user_named(server, username)
        return await users.set_active(server, None, user.id, active=False)

    user = run_local(settings_from(database_url), work)
    typer.echo(f"Deactivated {user.username}.")


@team_app.command("create")
def team_create(
    name: str,
    display_name: Annotated[str | None, typer.Option("--display-name")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Create a team with its town-square and off-topic channels."""

    async def work(server: Server) -> Any:
        return await teams.create_team(
            server, None, name=name, display_name=display_name or name.title()
        )

    team = run_local(settings_from(database_url), work)
    typer.echo(f"Created team {team.name} ({team.id}).")


@team_app.command("add-member")
def team_add_member(
    team: str,
    username: str,
    admin: Annotated[bool, typer.Option("--admin", help="Make them a team admin.")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Add a user to a team (and its default channels)."""

    async def work(server: Server) -> None:
        found = await teams.get_team_by_name(server, None, team)
        user = await user_named(server, username)
        await teams.add_member(server, None, found.id, user.id, admin=admin)

    run_local(settings_from(database_url), work)
    typer.echo(f"Added {username} to {team}{' as team admin' if admin else ''}.")


@channel_app.command("create")
def channel_create(
    ref: Annotated[str, typer.Argument(metavar="TEAM:CHANNEL")],
    display_name: Annotated[str | None, typer.Option("--display-name")] = None,
    private: Annotated[bool, typer.Option("--private")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Create a public (or --private) channel."""
    team_name, channel_name = split_channel_ref(ref)

    async def work(server: Server) -> Any:
        team = await teams.get_team_by_name(server, None, team_name)
        return await channels.create_channel(
            server,
            None,
            team_id=team.id,
            name=channel_name,
            display_name=display_name or channel_name.replace("-", " ").title(),
            channel_type="P" if private else "O",
        )

    channel = run_local(settings_from(database_url), work)
    typer.echo(f"Created channel {ref} ({channel.id}).")


@channel_app.command("add-member")
def channel_add_member(
    ref: Annotated[str, typer.Argument(metavar="TEAM:CHANNEL")],
    username: str,
    database_url: DatabaseOption = None,
) -> None:
    """Add a team member to a channel."""

    async def work(server: Server) -> None:
        channel = await channel_named(server, ref)
        user = await user_named(server, username)
        await channels.add_member(server, None, channel.id, user.id)

    run_local(settings_from(database_url), work)
    typer.echo(f"Added {username} to {ref}.")


@channel_app.command("archive")
def channel_archive(
    ref: Annotated[str, typer.Argument(metavar="TEAM:CHANNEL")],
    database_url: DatabaseOption = None,
) -> None:
    """Archive a channel; its incoming webhooks stop working."""

    async def work(server: Server) -> list[str]:
        channel = await channel_named(server, ref)
        return await channels.archive(server, None, channel.id)

    hooks = run_local(settings_from(database_url), work)
    typer.echo(f"Archived {ref}; disabled {len(hooks)} incoming webhook(s).")


@config_app.command("get")
def config_get(
    name: Annotated[str | None, typer.Argument(help="e.g. ServiceSettings.SiteURL")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Print one setting, or the whole config as JSON."""

    async def work(server: Server) -> Any:
        config = await config_service.get_config(server, None)
        return config.get(name) if name else config.document

    value = run_local(settings_from(database_url), work)
    echo_json(value) if isinstance(value, dict) else typer.echo(orjson.dumps(value).decode())


@config_app.command("set")
def config_set(name: str, value: str, database_url: DatabaseOption = None) -> None:
    """Change one setting; a running server picks it up within a second."""

    async def work(server: Server) -> Any:
        return (await config_service.set_value(server, name, value)).get(name)

    stored = run_local(settings_from(database_url), work)
    typer.echo(f"{name} = {orjson.dumps(stored).decode()}")


@post_app.command("create")
def post_create(
    ref: Annotated[str, typer.Argument(metavar="TEAM:CHANNEL")],
    message: str,
    as_user: Annotated[str, typer.Option("--as", help="Username of the author.")] = "admin",
    database_url: DatabaseOption = None,
) -> None:
    """Post a message to a channel as a user."""

    async def work(server: Server) -> Any:
        channel = await channel_named(server, ref)
        author = await user_named(server, as_user)
        if not message.strip():
            raise BadRequest("api.post.create_post.empty.app_error", "The message is empty.")
        return await posts.create_post(server, author, channel_id=channel.id, message=message)

    post = run_local(settings_from(database_url), work)
    typer.echo(f"Posted {post.id} to {ref}.")


def hook_url(server: Server, hook_id: str) -> str:
    return f"{server.site_url}/hooks/{hook_id}"


def print_hook(server: Server, hook: IncomingHook) -> None:
    typer.echo(f"id:         {hook.id}")
    typer.echo(f"url:        {hook_url(server, hook.id)}")
    typer.echo(f"name:       {hook.display_name}")
    typer.echo(f"channel:    {hook.channel_id} (team {hook.team_id})")
    typer.echo(f"locked:     {str(hook.channel_locked).lower()}  format: {hook.message_format}")
    if hook.username or hook.icon_url:
        typer.echo(f"username:   {hook.username}  icon: {hook.icon_url}")


def _hook_body(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


FormatOption = Annotated[
    str | None, typer.Option("--format", help="markdown (default) or slack (convert *bold* etc.)")
]


@hook_app.command("create")
def hook_create(
    channel: Annotated[str, typer.Option("--channel", metavar="TEAM:CHANNEL")],
    display_name: Annotated[str, typer.Option("--display-name")] = "",
    description: Annotated[str, typer.Option("--description")] = "",
    username: Annotated[str, typer.Option("--username")] = "",
    icon_url: Annotated[str, typer.Option("--icon-url")] = "",
    locked: Annotated[bool, typer.Option("--locked", help="Refuse channel overrides.")] = False,
    message_format: FormatOption = None,
    owner: Annotated[
        str | None, typer.Option("--user", help="Creator (default: the admin).")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Create an incoming webhook and print its URL."""

    async def work(server: Server) -> None:
        target = await channel_named(server, channel)
        creator = await user_named(server, owner or server.settings.admin_username)
        body = _hook_body(
            channel_id=target.id,
            display_name=display_name,
            description=description,
            username=username,
            icon_url=icon_url,
            channel_locked=locked,
            message_format=message_format,
        )
        hook = await hooks.create_hook(server, None, body, user_id=creator.id)
        print_hook(server, hook)
        typer.echo("\nTry it:")
        typer.echo(
            "  curl -i -X POST -H 'Content-Type: application/json' "
            f"""-d '{{"text": "Hello from inbound"}}' {hook_url(server, hook.id)}"""
        )

    run_local(settings_from(database_url), work)


@hook_app.command("list")
def hook_list(
    team: Annotated[str | None, typer.Option("--team", help="Only this team's hooks.")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """List incoming webhooks."""

    async def work(server: Server) -> None:
        team_id = (await teams.get_team_by_name(server, None, team)).id if team else ""
        page = await hooks.list_hooks(server, None, team_id=team_id, per_page=200)
        for hook in page.hooks:
            typer.echo(f"{hook.id}  {hook.display_name or '-':24}  {hook_url(server, hook.id)}")

    run_local(settings_from(database_url), work)


@hook_app.command("show")
def hook_show(hook_id: str, database_url: DatabaseOption = None) -> None:
    """Show one incoming webhook."""

    async def work(server: Server) -> None:
        print_hook(server, await hooks.get_hook(server, None, hook_id))

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
    database_url: DatabaseOption = None,
) -> None:
    """Change an incoming webhook (only the options given)."""

    async def work(server: Server) -> None:
        channel_id = (await channel_named(server, channel)).id if channel else None
        body = _hook_body(
            id=hook_id,
            channel_id=channel_id,
            display_name=display_name,
            description=description,
            username=username,
            icon_url=icon_url,
            channel_locked=locked,
            message_format=message_format,
        )
        print_hook(server, await hooks.update_hook(server, None, hook_id, body))

    run_local(settings_from(database_url), work)


@hook_app.command("delete")
def hook_delete(hook_id: str, database_url: DatabaseOption = None) -> None:
    """Delete an incoming webhook; its URL stops working."""

    async def work(server: Server) -> None:
        await hooks.delete_hook(server, None, hook_id)

    run_local(settings_from(database_url), work)
    typer.echo(f"Deleted hook {hook_id}.")


@hook_app.command("regenerate")
def hook_regenerate(hook_id: str, database_url: DatabaseOption = None) -> None:
    """Give a hook a new URL; the old one keeps working for the grace period."""

    async def work(server: Server) -> None:
        hook = await hooks.regenerate_hook(server, None, hook_id)
        grace = int(server.config.service["IncomingWebhookKeyGracePeriodSeconds"])
        print_hook(server, hook)
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
    url: Annotated[str | None, typer.Option("--url", help="Server URL (default: SiteURL).")] = None,
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
