"""``inbound``: run the server and administer it. Commands other than ``serve`` work on the
configured database directly (like Mattermost's local mode), so they need no login."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import orjson
import typer

from inbound.errors import AppError
from inbound.models import User
from inbound.runtime import Runtime
from inbound.services import channels, teams, users
from inbound.services.context import Context
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


def settings_from(database_url: str | None = None, **overrides: Any) -> Settings:
    return Settings.from_env().with_overrides(database_url=database_url, **overrides)


def run_local(settings: Settings, work: Callable[[Context], Awaitable[T]]) -> T:
    """Run ``work`` against the database in local mode; an ``AppError`` exits with code 1."""

    async def go() -> T:
        runtime = Runtime(settings)
        try:
            await runtime.start(serving=False)
            return await work(runtime.context)
        finally:
            await runtime.stop()

    try:
        return asyncio.run(go())
    except AppError as error:
        typer.secho(f"error: {error.message} ({error.error_id})", err=True, fg="red")
        raise typer.Exit(1) from None


def echo_json(value: Any) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


async def user_named(ctx: Context, username: str) -> User:
    return await users.get_user_by_username(ctx, username)


def split_channel_ref(ref: str) -> tuple[str, str]:
    team, sep, channel = ref.partition(":")
    if not sep or not team or not channel:
        raise typer.BadParameter(f"{ref!r}: expected TEAM:CHANNEL, e.g. main:town-square")
    return team, channel


async def channel_named(ctx: Context, ref: str) -> Any:
    team_name, channel_name = split_channel_ref(ref)
    team = await teams.get_team_by_name(ctx, None, team_name)
    return await channels.get_channel_by_name(ctx, None, team.id, channel_name)
