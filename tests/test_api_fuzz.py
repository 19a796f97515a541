"""schemathesis over the API's own OpenAPI document (reliability.md 2): whatever a client sends
to any operation, the answer is never a 5xx. One server per database for the module, the
admin's token on every call, so the fuzzing reaches past authentication.

Every operation gets schemathesis's random cases and its coverage cases on both databases,
except one kind: the per-field matrix (each of the ~30 body fields below with a value of each
JSON type, ~250 requests per POST/PUT) runs on PostgreSQL only, whose column types are the
strict ones; on SQLite it would double the module's time (~80 s) for the same code paths."""

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
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.generation.meta import CoverageScenario
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
) -> Iterator[tuple[str, str, str, requests.Session]]:
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
    session = requests.Session()  # keep-alive: one connection for the module's calls
    try:
        yield request.param, base, login.headers["Token"], session
    finally:
        session.close()
        web.should_exit = True
        thread.join(timeout=15)


_MATRIX = {CoverageScenario.VALID_OBJECT, CoverageScenario.OBJECT_REQUIRED_AND_OPTIONAL}


def _field_matrix(case: schemathesis.Case) -> bool:
    data = case.meta.phase.data if case.meta is not None else None
    return getattr(data, "scenario", None) in _MATRIX


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_answers_5xx(
    case: schemathesis.Case, target: tuple[str, str, str, requests.Session]
) -> None:
    database, url, token, session = target
    if database == "sqlite" and _field_matrix(case):
        return  # run on PostgreSQL (see the module's text)
    response = case.call(
        base_url=url, session=session, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
