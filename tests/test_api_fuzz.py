"""schemathesis over the API's own OpenAPI document (reliability.md 2): whatever a client sends
to any operation, the answer is never a 5xx. One server for the module (SQLite), the admin's
token on every call, so the fuzzing reaches past authentication."""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from starlette.testclient import TestClient

from inbound.app import create_app
from inbound.runtime import Runtime
from inbound.services.bootstrap import bootstrap
from inbound.settings import Settings
from tests.conftest import ADMIN_PASSWORD, fresh_database

# The routes read their JSON bodies themselves, so the document has no body schemas: give every
# POST/PUT one that names the fields the API reads (any JSON type each), so fuzzing reaches the
# body rules with wrong types, odd values and missing fields, and sometimes any JSON at all.
FIELDS = [
    "login_id",
    "password",
    "username",
    "email",
    "first_name",
    "last_name",
    "nickname",
    "roles",
    "active",
    "name",
    "display_name",
    "type",
    "team_id",
    "channel_id",
    "user_id",
    "user_ids",
    "purpose",
    "header",
    "message",
    "root_id",
    "props",
    "file_ids",
    "description",
    "icon_url",
    "channel_locked",
    "message_format",
    "rate_limit_per_sec",
    "rate_limit_burst",
    "ServiceSettings",
    "TeamSettings",
    "RateLimitSettings",
]
BODY = {
    "anyOf": [
        {"type": "object", "properties": {name: {} for name in FIELDS}},
        {"type": "array", "items": {"type": "string"}},
        {},
    ]
}


def _with_bodies(document: dict[str, Any]) -> dict[str, Any]:
    for operations in document["paths"].values():
        for method, operation in operations.items():
            if method in ("post", "put") and "requestBody" not in operation:
                operation["requestBody"] = {"content": {"application/json": {"schema": BODY}}}
    return document


_UNUSED_DB = f"sqlite:///{tempfile.gettempdir()}/inbound-openapi-unused.db"  # never opened
SCHEMA = _with_bodies(
    TestClient(create_app(Settings(database_url=_UNUSED_DB))).get("/api/openapi.json").json()
)
schema = schemathesis.openapi.from_dict(SCHEMA)
# Logging out would end the session the rest of the run uses; the websocket is not HTTP.
schema = schema.exclude(path="/api/v4/users/logout").exclude(path="/api/v4/websocket")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def target(
    request: pytest.FixtureRequest,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str]]:
    url = fresh_database(request, sqlite_template, tmp_path_factory.mktemp("fuzz"))
    settings_ = Settings(database_url=url, admin_password=ADMIN_PASSWORD)
    runtime = Runtime(settings_)
    web = uvicorn.Server(
        uvicorn.Config(
            create_app(settings_, runtime=runtime), host="127.0.0.1", port=0, log_level="warning"
        )
    )
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not web.started:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    base = f"http://127.0.0.1:{web.servers[0].sockets[0].getsockname()[1]}"
    asyncio.run_coroutine_threadsafe(bootstrap(runtime.context), web.servers[0].get_loop()).result(
        15
    )
    login = httpx.post(
        f"{base}/api/v4/users/login", json={"login_id": "admin", "password": ADMIN_PASSWORD}
    )
    try:
        yield base, login.headers["Token"]
    finally:
        web.should_exit = True
        thread.join(timeout=15)


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_answers_5xx(case: schemathesis.Case, target: tuple[str, str]) -> None:
    url, token = target
    response = case.call(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
