"""What one client may cost the server (reliability.md 2b "Limits on connections"), against a
real ``inbound serve`` over raw sockets: header limits, read and idle timeouts, shedding idle
connections at the file limit, and a shutdown no stalled client can hold up."""

from __future__ import annotations

import select
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from inbound.web.connections import ConnectionTable, connection_cap
from tests.serve_process import (
    ServeProcess,
    body_of,
    file_limit,
    headers,
    prepare,
    read_all,
    status_of,
)

pytestmark = pytest.mark.slow
PING = b"GET /api/v4/system/ping HTTP/1.1\r\nHost: t\r\n"
MARGIN = 2.0  # seconds a shared, noisy machine may add to a timeout


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServeProcess, str]]:
    """A server with one-second read and idle timeouts, and a hook key."""
    path = tmp_path_factory.mktemp("limits")
    url = f"sqlite:///{path / 'inbound.db'}"
    key = prepare(url, {"ServiceSettings.ReadTimeout": 1, "ServiceSettings.IdleTimeout": 1})
    serving = ServeProcess(url, path / "serve.log")
    yield serving, key
    assert serving.stop() == 0


@pytest.fixture
def patient(tmp_path: Path) -> Iterator[tuple[ServeProcess, str]]:
    """Default read timeout (30 s), a 2 s shutdown budget, and at most 256 open files."""
    url = f"sqlite:///{tmp_path / 'inbound.db'}"
    key = prepare(url, {"ServiceSettings.GracefulShutdownSeconds": 2})
    serving = ServeProcess(url, tmp_path / "serve.log", preexec=file_limit(256))
    yield serving, key
    serving.stop(signal.SIGKILL)


def ask(serving: ServeProcess, head: bytes, timeout: float = 10.0) -> bytes:
    with serving.connect(timeout) as sock:
        sock.sendall(head + b"Connection: close\r\n\r\n")
        return read_all(sock)


def assert_refused(answer: bytes, status: int, error_id: str) -> None:
    assert status_of(answer) == status, answer[:300]
    assert b"connection: close" in answer.lower()
    body = body_of(answer)
    assert body["id"] == error_id and body["status_code"] == status and body["message"]


@pytest.mark.parametrize(("count", "status"), [(99, 200), (100, 431)])
def test_at_most_100_headers(quick: tuple[ServeProcess, str], count: int, status: int) -> None:
    # ``ask`` adds Connection: close, so this sends count + 1 headers.
    answer = ask(quick[0], b"GET /api/v4/system/ping HTTP/1.1\r\n" + b"".join(headers(count)))
    if status == 200:
        assert status_of(answer) == 200, answer[:300]
    else:
        assert_refused(answer, 431, "api.context.request_headers_too_large.app_error")


@pytest.mark.parametrize(
    ("count", "size", "status"),
    [(1, 60 * 1024, 200), (1, 65 * 1024, 431), (20, 3072, 200), (20, 3328, 431)],
)
def test_at_most_64_kib_of_headers(
    quick: tuple[ServeProcess, str], count: int, size: int, status: int
) -> None:
    answer = ask(quick[0], PING + b"".join(headers(count, size)))
    if status == 200:
        assert status_of(answer) == 200, answer[:300]
    else:
        assert_refused(answer, 431, "api.context.request_headers_too_large.app_error")


def test_unfinished_header_is_cut_short(quick: tuple[ServeProcess, str]) -> None:
    """A header that never ends is refused once it passes 64 KiB, not buffered for ever."""
    with quick[0].connect() as sock:
        sock.sendall(PING + b"X-Endless: ")
        sent, answer = 0, b""
        while sent < 5 * 1024 * 1024 and not answer:
            try:
                sock.sendall(b"a" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 65536
            if select.select([sock], [], [], 0.05)[0]:
                answer = read_all(sock)
    assert_refused(answer, 431, "api.context.request_headers_too_large.app_error")
    assert sent < 2 * 1024 * 1024


def test_header_flood_keeps_memory_bounded(quick: tuple[ServeProcess, str]) -> None:
    """20 clients each sending 5 MB of one unfinished header (+111 MB before the limit)."""
    serving = quick[0]
    before = rss_mib(serving)
    flooders = [serving.connect(timeout=2) for _ in range(20)]
    for sock in flooders:
        sock.sendall(PING + b"X-Flood: ")
        try:
            for _ in range(80):
                sock.sendall(b"a" * 65536)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
    grown = rss_mib(serving) - before
    for sock in flooders:
        sock.close()
    assert grown < 30, f"RSS grew by {grown:.0f} MiB"


def rss_mib(serving: ServeProcess) -> float:
    status = Path(f"/proc/{serving.process.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def test_trickled_headers_get_408_after_read_timeout(quick: tuple[ServeProcess, str]) -> None:
    with quick[0].connect() as sock:
        sock.settimeout(0.2)
        started = time.monotonic()
        sock.sendall(b"GET /api/v4/system/ping HTTP/1.1\r\n")
        answer = b""
        while not answer and time.monotonic() - started < 1 + MARGIN + 1:
            try:
                sock.sendall(b"X-Slow: 1\r\n")
                answer = sock.recv(65536)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
        elapsed = time.monotonic() - started
    assert_refused(answer, 408, "api.context.request_timeout.app_error")
    assert 0.8 < elapsed < 1 + MARGIN


def test_stalled_hook_body_gets_408(quick: tuple[ServeProcess, str]) -> None:
    serving, key = quick
    with serving.connect() as sock:
        started = time.monotonic()
        sock.sendall(
            b"POST /hooks/%s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"text": "st' % key.encode()
        )
        answer = read_all(sock)
        elapsed = time.monotonic() - started
    assert_refused(answer, 408, "web.incoming_webhook.read_timeout.app_error")
    assert 0.8 < elapsed < 1 + MARGIN


def test_slow_but_steady_body_is_served(quick: tuple[ServeProcess, str]) -> None:
    serving, key = quick
    body = b'{"text": "slow but steady"}'
    with serving.connect() as sock:
        sock.sendall(
            b"POST /hooks/%s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
            % (key.encode(), len(body), body[:5])
        )
        time.sleep(0.4)
        sock.sendall(body[5:])
        answer = read_all(sock)
    assert status_of(answer) == 200 and answer.endswith(b"ok"), answer


def test_idle_keep_alive_connection_closed_after_idle_timeout(
    quick: tuple[ServeProcess, str],
) -> None:
    with quick[0].connect() as sock:
        sock.sendall(PING + b"\r\n")
        first = read_response(sock)
        answered = time.monotonic()
        rest = read_all(sock)  # returns when the server closes the connection
        idle = time.monotonic() - answered
    assert status_of(first) == 200 and rest == b""
    assert 0.8 < idle < 1 + MARGIN


def read_response(sock: socket.socket) -> bytes:
    """One whole response with a Content-Length, leaving the connection open."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(65536)
    head, _, body = answer.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_many_idle_connections_never_lock_out_a_new_client(
    patient: tuple[ServeProcess, str],
) -> None:
    """300 idle connections against a 256-file limit: the oldest are shed, a new client is
    answered at once (before, the server stopped accepting until the idle ones left)."""
    serving = patient[0]
    held = [serving.connect() for _ in range(300)]
    try:
        started = time.monotonic()
        answer = ask(serving, PING, timeout=5)
        elapsed = time.monotonic() - started
        assert status_of(answer) == 200, answer
        assert elapsed < 2.0  # milliseconds normally; before, never answered
        assert serving.process.poll() is None
        assert sum(is_closed(sock) for sock in held[:100]) > 50  # the oldest were shed
        assert not any(is_closed(sock) for sock in held[-50:])  # the newest were kept
    finally:
        for sock in held:
            sock.close()


def is_closed(sock: socket.socket) -> bool:
    if not select.select([sock], [], [], 0)[0]:
        return False
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_sigterm_with_stalled_client_exits_0_within_budget(
    patient: tuple[ServeProcess, str],
) -> None:
    """GracefulShutdownSeconds is 2 and ReadTimeout 30: the stalled sender is cut short (408)
    and the process exits 0 in time (before, it waited for the client: 27.9 s measured)."""
    serving, key = patient
    with serving.connect() as stalled:
        stalled.sendall(
            b"POST /hooks/%s HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{" % key.encode()
        )
        time.sleep(0.3)
        started = time.monotonic()
        code = serving.stop(timeout=2 + MARGIN + 5)
        elapsed = time.monotonic() - started
        answer = read_all(stalled)
    assert code == 0
    assert elapsed < 2 + MARGIN
    assert_refused(answer, 408, "web.incoming_webhook.read_timeout.app_error")


class FakeConnection:
    def __init__(self, name: str, *, busy: bool = False) -> None:
        self.name = name
        self.busy = busy
        self.closed = False

    def sheddable(self) -> bool:
        return not self.busy

    def shed(self) -> None:
        self.closed = True


def test_table_sheds_the_least_recently_answered_idle_connection() -> None:
    table = ConnectionTable(cap=3)
    a, b, c, d = (FakeConnection(n) for n in "abcd")
    for connection in (a, b, c):
        assert table.add(connection)
    table.answered(a)  # a was just used: b is now the longest idle
    assert table.add(d)
    assert [x.closed for x in (a, b, c)] == [False, True, False]


def test_table_skips_busy_connections_and_refuses_when_all_are_busy() -> None:
    table = ConnectionTable(cap=2)
    busy, idle = FakeConnection("busy", busy=True), FakeConnection("idle")
    table.add(busy)
    table.add(idle)
    assert table.add(FakeConnection("new"))  # the idle one is shed, not the older busy one
    assert not busy.closed and idle.closed
    full = ConnectionTable(cap=1)
    full.add(busy)
    assert not full.add(FakeConnection("late"))  # nobody to shed: the newcomer is refused
    assert not busy.closed


@pytest.mark.parametrize(("limit", "cap"), [(256, 192), (1024, 922), (20_000, 10_000), (80, 16)])
def test_connection_cap_leaves_room_under_the_file_limit(limit: int, cap: int) -> None:
    assert connection_cap(limit) == cap
