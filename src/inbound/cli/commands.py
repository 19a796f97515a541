"""`inbound serve`, and local-mode administration: db, user, team, channel, config, post."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from inbound.cli.common import (
    DatabaseOption,
    app,
    channel_app,
    channel_named,
    config_app,
    db_app,
    echo_json,
    post_app,
    run_local,
    settings_from,
    split_channel_ref,
    team_app,
    user_app,
    user_named,
)
from inbound.config import DEFAULTS, invalid
from inbound.errors import AppError, BadRequestError
from inbound.models import User
from inbound.services import auth, backup, channels, cluster, posts, teams, users
from inbound.services import config as config_service
from inbound.services.bootstrap import bootstrap
from inbound.services.context import Context


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Overrides INBOUND_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Overrides INBOUND_PORT.")] = None,
    database_url: DatabaseOption = None,
    site_url: Annotated[str | None, typer.Option(help="Overrides INBOUND_SITE_URL.")] = None,
    redis_url: Annotated[
        str | None,
        typer.Option(help="Overrides INBOUND_REDIS_URL (several processes on one database)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Overrides INBOUND_WORKERS: processes serving the port.", min=1),
    ] = None,
    access_log: Annotated[bool, typer.Option("--access-log", help="Log every request.")] = False,
    proxy_headers: Annotated[
        bool,
        typer.Option(
            "--proxy-headers", help="Trust X-Forwarded-* from 127.0.0.1 (behind a proxy)."
        ),
    ] = False,
) -> None:
    """Apply migrations, create the first admin and team if the database is empty, and serve."""
    from inbound.serve import run

    settings = settings_from(
        database_url, host=host, port=port, site_url=site_url, redis_url=redis_url, workers=workers
    )
    try:
        run_local(settings, cluster.check_can_join)
    except cluster.ClusterRefusedError as error:
        typer.secho(f"error: {error}", err=True, fg="red")
        raise typer.Exit(1) from None
    first = run_local(settings, bootstrap)
    typer.echo(f"inbound is starting on {settings.public_url} (database: {settings.database_url})")
    if first is not None:
        typer.echo(f"  Created team '{first.team_name}' with channels town-square and off-topic.")
        typer.echo(f"  Log in at {settings.public_url}/login as '{first.username}'")
        if first.password:
            typer.secho(f"  Generated admin password (shown once): {first.password}", bold=True)
    run(
        settings,
        workers=settings.workers,
        log_level="info",
        access_log=access_log,
        proxy_headers=proxy_headers,
    )


@db_app.command("migrate")
def db_migrate(database_url: DatabaseOption = None) -> None:
    """Apply all pending migrations."""

    async def noop(_ctx: Context) -> None:
        return None

    run_local(settings_from(database_url), noop)
    typer.echo("Database is up to date.")


@db_app.command("backup")
def db_backup(
    target: Annotated[Path, typer.Argument(help="Where to write the copy (must not exist).")],
    database_url: DatabaseOption = None,
) -> None:
    """Copy the SQLite database to TARGET while the server keeps serving (PostgreSQL: pg_dump)."""
    url = settings_from(database_url).database_url
    try:
        size = asyncio.run(backup.backup_database(url, target))
    except AppError as error:
        typer.secho(f"error: {error.message} ({error.error_id})", err=True, fg="red")
        raise typer.Exit(1) from None
    typer.echo(f"backed up {url} to {target} ({size} bytes)")


@user_app.command("create")
def user_create(
    username: str,
    email: Annotated[str, typer.Option(help="The user's email address.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    system_admin: Annotated[bool, typer.Option("--system-admin")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Create a user (optionally a system admin)."""

    async def work(ctx: Context) -> User:
        return await users.create_user(
            ctx,
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

    async def work(ctx: Context) -> list[User]:
        return await users.list_users(ctx, page=0, per_page=10_000)

    for user in run_local(settings_from(database_url), work):
        state = "active" if user.is_active else "deactivated"
        typer.echo(f"{user.id}  {user.username:22}  {user.email:32}  {user.roles:28}  {state}")


@user_app.command("deactivate")
def user_deactivate(username: str, database_url: DatabaseOption = None) -> None:
    """Deactivate a user: their sessions end and their webhooks stop posting."""

    async def work(ctx: Context) -> User:
        user = await user_named(ctx, username)
        return await users.set_active(ctx, None, user.id, active=False)

    user = run_local(settings_from(database_url), work)
    typer.echo(f"Deactivated {user.username}.")


@user_app.command("unlock")
def user_unlock(username: str, database_url: DatabaseOption = None) -> None:
    """Unlock an account locked by failed logins (ServiceSettings.MaximumLoginAttempts)."""

    async def work(ctx: Context) -> User:
        user = await user_named(ctx, username)
        await auth.unlock(ctx, None, user.id)
        return user

    user = run_local(settings_from(database_url), work)
    typer.echo(f"Unlocked {user.username}: failed logins set back to 0.")


@team_app.command("create")
def team_create(
    name: str,
    display_name: Annotated[str | None, typer.Option("--display-name")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Create a team with its town-square and off-topic channels."""

    async def work(ctx: Context) -> Any:
        return await teams.create_team(
            ctx, None, name=name, display_name=display_name or name.title()
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

    async def work(ctx: Context) -> None:
        found = await teams.get_team_by_name(ctx, None, team)
        user = await user_named(ctx, username)
        await teams.add_member(ctx, None, found.id, user.id, admin=admin)

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

    async def work(ctx: Context) -> Any:
        team = await teams.get_team_by_name(ctx, None, team_name)
        return await channels.create_channel(
            ctx,
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

    async def work(ctx: Context) -> None:
        channel = await channel_named(ctx, ref)
        user = await user_named(ctx, username)
        await channels.add_member(ctx, None, channel.id, user.id)

    run_local(settings_from(database_url), work)
    typer.echo(f"Added {username} to {ref}.")


@channel_app.command("archive")
def channel_archive(
    ref: Annotated[str, typer.Argument(metavar="TEAM:CHANNEL")],
    database_url: DatabaseOption = None,
) -> None:
    """Archive a channel; its incoming webhooks stop working."""

    async def work(ctx: Context) -> list[str]:
        channel = await channel_named(ctx, ref)
        return await channels.archive(ctx, None, channel.id)

    hooks = run_local(settings_from(database_url), work)
    typer.echo(f"Archived {ref}; disabled {len(hooks)} incoming webhook(s).")


@config_app.command("get")
def config_get(
    name: Annotated[str | None, typer.Argument(help="e.g. ServiceSettings.SiteURL")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Print one setting, or the whole config as JSON."""

    async def work(ctx: Context) -> Any:
        config = await config_service.get_config(ctx, None)
        return config.get(name) if name else config.document

    value = run_local(settings_from(database_url), work)
    echo_json(value) if isinstance(value, dict) else typer.echo(orjson.dumps(value).decode())


@config_app.command("set")
def config_set(name: str, value: str, database_url: DatabaseOption = None) -> None:
    """Change one setting; a running server picks it up within a second."""

    async def work(ctx: Context) -> Any:
        typed = setting_value(name, value)
        return (await config_service.set_value(ctx, name, typed)).get(name)

    stored = run_local(settings_from(database_url), work)
    typer.echo(f"{name} = {orjson.dumps(stored).decode()}")


def setting_value(name: str, raw: str) -> Any:
    """Turn the command line's text (``true``, ``4000``, ``https://x``, ``X-Forwarded-For,X-Real-IP``)
    into the setting's type."""
    section, _, key = name.partition(".")
    if key not in DEFAULTS.get(section, {}):
        raise invalid(f"Unknown setting {name}.")
    default = DEFAULTS[section][key]
    if isinstance(default, list):  # a list of strings: a JSON array, or comma-separated
        if raw.lstrip().startswith("["):
            try:
                return orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise invalid(f"{name} must be a JSON array of strings.") from None
        return [item.strip() for item in raw.split(",") if item.strip()]
    if isinstance(default, bool):
        if raw.lower() not in ("true", "false"):
            raise invalid(f"{name} must be true or false.")
        return raw.lower() == "true"
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise invalid(f"{name} must be a whole number.") from None
    return raw


@post_app.command("create")
def post_create(
    ref: Annotated[str, typer.Argument(metavar="TEAM:CHANNEL")],
    message: str,
    as_user: Annotated[str, typer.Option("--as", help="Username of the author.")] = "admin",
    database_url: DatabaseOption = None,
) -> None:
    """Post a message to a channel as a user."""

    async def work(ctx: Context) -> Any:
        channel = await channel_named(ctx, ref)
        author = await user_named(ctx, as_user)
        if not message.strip():
            raise BadRequestError("api.post.create_post.empty.app_error", "The message is empty.")
        return await posts.create_post(ctx, author, channel_id=channel.id, message=message)

    post = run_local(settings_from(database_url), work)
    typer.echo(f"Posted {post.id} to {ref}.")
