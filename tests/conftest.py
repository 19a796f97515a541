"""Fixtures: a fresh database per test, on SQLite and PostgreSQL.

The PostgreSQL variants use ``INBOUND_TEST_DATABASE_URL`` when it is set (set empty, it turns
them off); else a throwaway database that the session creates on the local server
(``postgresql://postgres@127.0.0.1:5432``, as on the project's machines) and drops at its end.
Each pytest-xdist worker is a session of its own and gets a throwaway database of its own, beside
``INBOUND_TEST_DATABASE_URL``'s when that is set: workers must not truncate each other's data.
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import orjson
import pytest
import uvicorn
from sqlalchemy.engine import make_url

from inbound.app import create_app
from inbound.runtime import Runtime
from inbound.services.bootstrap import bootstrap
from inbound.services.context import Context
from inbound.settings import Settings
from inbound.store.db import Database
from inbound.store.migrate import migrate
from inbound.store.tables import metadata
from tests.asgi_client import QuickTestClient as TestClient

T = TypeVar("T")
ADMIN_PASSWORD = "admin-password-1"
PG_ENV = "INBOUND_TEST_DATABASE_URL"
LOCAL_PG = "postgresql://postgres@127.0.0.1:5432"
# argon2 at its cheapest for the suite: at the production cost (~40 ms of CPU a hash or
# verify) a test's users and logins were ~40 % of its setup. Tests marked
# ``production_password_hash`` (and tests/test_password_cost.py) keep the real cost.
CHEAP_PASSWORD_HASH = {"password_hash_time_cost": 1, "password_hash_memory_kib": 8}
PRODUCTION_MARK = "production_password_hash"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{PRODUCTION_MARK}: the settings fixture keeps the production argon2 cost"
    )
    # the same for every server this session starts from the environment (CLI, subprocesses)
    for name, value in CHEAP_PASSWORD_HASH.items():
        os.environ.setdefault(f"INBOUND_{name.upper()}", str(value))
    _share_default_ssl_context()


def _share_default_ssl_context() -> None:
    """httpx builds a new SSL context for every client, loading certifi's CA bundle (~50 ms
    of CPU), and ``httpx.post(...)`` makes a client per call: the suite's thousands of plain
    HTTP calls to 127.0.0.1 spent minutes of CPU on it. Every client with the default TLS
    settings shares one default context instead (SSLContext is meant to be shared)."""
    from httpx._transports import default

    real = default.create_ssl_context
    shared = real()

    def create_ssl_context(verify: Any = True, cert: Any = None, trust_env: bool = True) -> Any:
        if verify is True and cert is None and trust_env:
            return shared
        return real(verify=verify, cert=cert, trust_env=trust_env)

    default.create_ssl_context = create_ssl_context


def run_async(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion on a fresh loop in its own thread (safe even when this
    thread already runs a loop, as Playwright's sync API does)."""
    result: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(work()))
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def _migrate(url: str) -> None:
    async def go() -> None:
        db = Database(url)
        try:
            await migrate(db)
        finally:
            await db.dispose()

    run_async(go)


class _Emptier:
    """One connection to a PostgreSQL test database, kept for the session on an event loop of
    its own, that deletes every row before each test. ``DELETE`` rather than ``TRUNCATE``: the
    tables hold a few rows, and TRUNCATE's new files and fsyncs made it ~100x slower (0.3 s a
    test on a busy machine, against 3 ms); the schema has no sequences for it to reset."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sql = "; ".join(f"DELETE FROM {t.name}" for t in reversed(metadata.sorted_tables))
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.conn: asyncpg.Connection = self._run(asyncpg.connect(dsn, timeout=10))

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=60)

    def empty(self) -> None:
        self._run(self.conn.execute(self.sql))  # one implicit transaction

    def close(self) -> None:
        try:
            self._run(self.conn.close())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            self.loop.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "inbound.db"
    _migrate(f"sqlite:///{path}")
    return path


def _on_server(url: str, sql: str) -> None:
    """Run one statement (CREATE or DROP DATABASE) on the server at ``url``."""

    async def go() -> None:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    run_async(go)


def _throwaway_database(server: str, where: str) -> str:
    """A new empty database beside ``server``'s, named so that no other run (or xdist worker)
    can share it; a run killed before its teardown leaves one behind, which nothing reuses."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"inbound_test_{worker}_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        _on_server(server, f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        pytest.skip(f"PostgreSQL variants: cannot create a throwaway database {where} ({error})")
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _session_database() -> tuple[str, str]:
    """The PostgreSQL database this session (or xdist worker) tests on and, when it is a
    throwaway one, the server URL to drop it from at the end ('' otherwise). Workers never
    share a database: each truncates its own before every test."""
    configured = os.environ.get(PG_ENV)
    if configured == "":
        pytest.skip(f"PostgreSQL variants turned off: {PG_ENV} is set empty")
    if configured and "PYTEST_XDIST_WORKER" not in os.environ:
        return configured, ""
    if configured:
        where = f"beside {PG_ENV} for this xdist worker (-n 0 uses it as it is)"
        return _throwaway_database(configured, where), configured
    server = f"{LOCAL_PG}/postgres"
    where = f"at {LOCAL_PG} (start PostgreSQL there or set {PG_ENV}=postgresql://…)"
    return _throwaway_database(server, where), server


@pytest.fixture(scope="session")
def pg_migrated() -> Iterator[str]:
    url, server = _session_database()
    try:
        _migrate(url)
        yield url
    finally:
        if server:
            _on_server(server, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_emptier(pg_migrated: str) -> Iterator[_Emptier]:
    emptier = _Emptier(pg_migrated)
    try:
        yield emptier
    finally:
        emptier.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    return fresh_database(request, sqlite_template, tmp_path)


@pytest.fixture
def settings(request: pytest.FixtureRequest, database_url: str) -> Settings:
    return server_settings(request, database_url)


def server_settings(request: pytest.FixtureRequest, database_url: str) -> Settings:
    """The start-up settings of a test's server: cheap password hashing unless the test is
    marked ``production_password_hash``."""
    cost = {} if request.node.get_closest_marker(PRODUCTION_MARK) else CHEAP_PASSWORD_HASH
    return Settings(database_url=database_url, admin_password=ADMIN_PASSWORD, **cost)


class Api:
    """A TestClient with the admin signed in and helpers to make users, teams and channels."""

    def __init__(self, client: TestClient, runtime: Runtime) -> None:
        self.client = client
        self.runtime = runtime
        self.ctx = runtime.context
        self.admin_token = self.login("admin", ADMIN_PASSWORD)
        self._n = 0

    @functools.cached_property
    def admin(self) -> dict[str, Any]:
        """The admin's user (fetched when a test first asks: most never do)."""
        return self.get("/api/v4/users/me").json()

    @functools.cached_property
    def team(self) -> dict[str, Any]:
        """The "main" team."""
        return self.get("/api/v4/teams/name/main").json()

    def request(self, method: str, path: str, token: str | None = "", **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", {}) or {})
        bearer = self.admin_token if token == "" else token
        if bearer:
            headers.setdefault("Authorization", f"Bearer {bearer}")
        return self.client.request(method, path, headers=headers, **kw)

    def get(self, path: str, token: str | None = "", **kw: Any) -> httpx.Response:
        return self.request("GET", path, token, **kw)

    def post(self, path: str, token: str | None = "", **kw: Any) -> httpx.Response:
        return self.request("POST", path, token, **kw)

    def put(self, path: str, token: str | None = "", **kw: Any) -> httpx.Response:
        return self.request("PUT", path, token, **kw)

    def delete(self, path: str, token: str | None = "", **kw: Any) -> httpx.Response:
        return self.request("DELETE", path, token, **kw)

    def login(self, username: str, password: str) -> str:
        response = self.client.post(
            "/api/v4/users/login", json={"login_id": username, "password": password}
        )
        assert response.status_code == 200, response.text
        self.client.cookies.clear()  # tests choose their credentials explicitly
        return response.headers["Token"]

    def new_user(self, name: str = "", *, team: bool = True) -> tuple[dict[str, Any], str]:
        """A fresh user (member of team ``main`` unless ``team=False``) and their token."""
        self._n += 1
        name = name or f"user{self._n}"
        body = {"username": name, "email": f"{name}@example.com", "password": "password-123"}
        created = self.post("/api/v4/users", json=body)
        assert created.status_code == 201, created.text
        user = created.json()
        if team:
            joined = self.post(
                f"/api/v4/teams/{self.team['id']}/members",
                json={"team_id": self.team["id"], "user_id": user["id"]},
            )
            assert joined.status_code == 201, joined.text
        return user, self.login(name, "password-123")

    def channel(self, name: str) -> dict[str, Any]:
        response = self.get(f"/api/v4/teams/{self.team['id']}/channels/name/{name}")
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def new_channel(self, name: str, *, private: bool = False, token: str = "") -> dict[str, Any]:
        body = {
            "team_id": self.team["id"],
            "name": name,
            "display_name": name.title(),
            "type": "P" if private else "O",
        }
        response = self.post("/api/v4/channels", token, json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    def new_hook(
        self, channel: str = "town-square", token: str = "", **fields: Any
    ) -> dict[str, Any]:
        body = {"channel_id": self.channel(channel)["id"], "display_name": "CI", **fields}
        response = self.post("/api/v4/hooks/incoming", token, json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    def send(
        self,
        key: str,
        body: Any = None,
        *,
        content: bytes | None = None,
        content_type: str = "application/json",
    ) -> httpx.Response:
        """POST to a hook as an integration would: no session, just the key in the URL."""
        raw = content if content is not None else orjson.dumps(body)
        return self.client.post(
            f"/hooks/{key}",
            content=raw,
            headers={"Content-Type": content_type} if content_type else {},
        )

    def posts(self, channel_id: str, per_page: int = 60) -> list[dict[str, Any]]:
        """The channel's posts, newest first."""
        page = self.get(
            f"/api/v4/channels/{channel_id}/posts", params={"per_page": per_page}
        ).json()
        return [page["posts"][pid] for pid in page["order"]]

    def patch_config(self, section: str, **values: Any) -> None:
        response = self.put("/api/v4/config/patch", json={section: values})
        assert response.status_code == 200, response.text


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    runtime = Runtime(settings)
    with TestClient(create_app(settings, runtime=runtime)) as client:
        client.portal.call(bootstrap, runtime.context)  # type: ignore[union-attr]
        yield Api(client, runtime)


def assert_error(response: httpx.Response, status: int, error_id: str) -> dict[str, Any]:
    """The response is a Mattermost-shaped error with this status and id."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["id"] == error_id, body
    assert body["status_code"] == status
    assert body["message"]
    assert set(body) >= {"id", "message", "detailed_error", "request_id", "status_code"}
    return body


class LiveServer:
    def __init__(self, url: str, ctx: Context, loop: asyncio.AbstractEventLoop) -> None:
        self.url = url
        self.ctx = ctx
        self.loop = loop


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """inbound on a real socket (uvicorn in a thread), bootstrapped, for real HTTP clients."""
    runtime = Runtime(settings)
    config = uvicorn.Config(
        create_app(settings, runtime=runtime), host="127.0.0.1", port=0, log_level="warning"
    )
    web = uvicorn.Server(config)
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not web.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    port = web.servers[0].sockets[0].getsockname()[1]
    loop = web.servers[0].get_loop()
    asyncio.run_coroutine_threadsafe(bootstrap(runtime.context), loop).result(timeout=15)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", runtime.context, loop)
    finally:
        web.should_exit = True
        thread.join(timeout=15)


CliInvoke = Callable[..., tuple[int, str]]


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliInvoke:
    """``inbound …`` in local mode on a bootstrapped database: ``cli("hook", "list")`` gives
    (exit code, output)."""
    from typer.testing import CliRunner

    from inbound.cli import app as cli_app

    monkeypatch.setenv("INBOUND_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("INBOUND_ADMIN_PASSWORD", ADMIN_PASSWORD)

    async def first_start() -> None:
        runtime = Runtime(Settings.from_env())
        await runtime.start(serving=False)
        await bootstrap(runtime.context)
        await runtime.stop()

    run_async(first_start)
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli_app, list(args))
        return result.exit_code, result.output

    return invoke


def fresh_database(request: pytest.FixtureRequest, sqlite_template: Path, folder: Path) -> str:
    """A fresh database for a fixture parametrised ``["sqlite", "postgresql"]``: per test
    (``database_url``) or per module (the API fuzz, the permission matrix)."""
    if request.param == "sqlite":
        path = folder / "inbound.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    emptier: _Emptier = request.getfixturevalue("pg_emptier")
    emptier.empty()
    url: str = request.getfixturevalue("pg_migrated")
    return url
