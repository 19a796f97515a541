"""Does a page of hostile posts block the server? A web-app page view with a concurrent ping.

    .venv/bin/python bench/render_budget.py            # every case below, 60 posts each
    .venv/bin/python bench/render_budget.py '[' '!['   # only these cases

Starts ``inbound serve`` on a fresh SQLite database (``INBOUND_BENCH_SRC=/path/to/src`` runs
another checkout's code, e.g. ``git archive HEAD~1 | tar -x -C /tmp/old``), posts 60 messages
of one adversarial kind through a hook into their own channel, then opens the channel as the
web app does (``/web/api/channels/{id}/posts``) while another thread pings
``/api/v4/system/ping`` every 10 ms. Prints, per case: the page's time, the slowest ping while
it loaded, and how many posts came back rendered (the rest are the plain-text fallback); then
the same for a second view 3 s later, when the background renderings have filled the cache.
The last case, ordinary posts, shows they are not kept waiting behind the hostile ones.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "bench-password-1"
ROOT = Path(__file__).resolve().parent.parent
POSTS = 60
N = 4000  # PostMessageMaxRunes' default
CASES: dict[str, Any] = {
    "[": "[" * N,
    "![": "![" * (N // 2),
    "*[": "*[" * (N // 2),
    "*a": "*a" * (N // 2),
    "_a": "_a" * (N // 2),
    "table": "|" + "a|" * 200 + "\n|" + "-|" * 200 + "\n" + ("|" + "b|" * 200 + "\n") * 8,
    "`": "`" * N,
    "<": "<" * N,
    "attachment": {"attachments": [{"pretext": "[" * N, "text": "![" * (N // 2)}]},
    # ordinary posts, viewed while the hostile ones above still render in the background
    "ordinary": "**build 1234** passed on `main`: [logs](https://ci.example.com/1)\n"
    + "```\n"
    + "ok  step\n" * 40
    + "```",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "INBOUND_DATABASE_URL": f"sqlite:///{directory / 'inbound.db'}",
        "INBOUND_ADMIN_PASSWORD": PASSWORD,
        "INBOUND_PORT": str(port),
    }
    if os.environ.get("INBOUND_BENCH_SRC"):
        env["PYTHONPATH"] = os.environ["INBOUND_BENCH_SRC"]
    command = [sys.executable, "-m", "inbound", "serve"]
    log = (directory / "server.log").open("ab")
    popen = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v4/system/ping", timeout=1).status_code == 200:
                return popen, url
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def fill_channel(client: httpx.Client, team_id: str, name: str, body: Any) -> str:
    channel = client.post(
        "/api/v4/channels",
        json={"team_id": team_id, "name": name, "display_name": name, "type": "O"},
    ).json()
    hook = client.post(
        "/api/v4/hooks/incoming", json={"channel_id": channel["id"], "display_name": "x"}
    ).json()
    payload = body if isinstance(body, dict) else {"text": body}
    for index in range(POSTS):
        sent = client.post(f"/hooks/{hook['id']}", json={**payload, "username": f"n{index}"})
        assert sent.status_code == 200, sent.text
    return str(channel["id"])


def view(client: httpx.Client, url: str, channel_id: str) -> tuple[float, float, int]:
    """(page seconds, slowest ping seconds while it loaded, posts rendered); with no channel,
    the slowest ping over 1.5 s of doing nothing (this machine's noise)."""
    done = threading.Event()
    pings: list[float] = []

    def ping() -> None:
        with httpx.Client(base_url=url, timeout=120) as pinger:
            while not done.is_set():
                started = time.perf_counter()
                pinger.get("/api/v4/system/ping")
                pings.append(time.perf_counter() - started)
                time.sleep(0.01)

    thread = threading.Thread(target=ping)
    thread.start()
    while len(pings) < 3:
        time.sleep(0.01)
    before = len(pings)
    started = time.perf_counter()
    if channel_id:
        page = client.get(f"/web/api/channels/{channel_id}/posts", params={"team": "main"}).json()
    else:
        page = {"posts": []}
        time.sleep(1.5)
    seconds = time.perf_counter() - started
    while len(pings) < before + 3:
        time.sleep(0.01)
    done.set()
    thread.join()
    rendered = sum(1 for p in page["posts"] if p.get("rendered", True))
    return seconds, max(pings), rendered


def main(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        popen, url = start_server(Path(tmp))
        try:
            login = httpx.post(
                f"{url}/api/v4/users/login", json={"login_id": "admin", "password": PASSWORD}
            )
            headers = {"Authorization": f"Bearer {login.headers['Token']}"}
            with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
                team_id = client.get("/api/v4/teams/name/main").json()["id"]
                print(f"{'case':12} {'view':6} {'page ms':>8} {'max ping ms':>12} {'rendered':>9}")
                _, idle, _ = view(client, url, "")
                print(f"{'(idle)':12} {'':6} {'':>8} {idle * 1000:12.0f}")
                for number, name in enumerate(names or CASES):
                    channel_id = fill_channel(client, team_id, f"case-{number}", CASES[name])
                    for label in ("first", "second"):
                        seconds, ping, rendered = view(client, url, channel_id)
                        print(
                            f"{name:12} {label:6} {seconds * 1000:8.0f} {ping * 1000:12.0f}"
                            f" {rendered:>6}/{POSTS}"
                        )
                        time.sleep(3)
        finally:
            popen.terminate()
            popen.wait(timeout=30)


if __name__ == "__main__":
    main(sys.argv[1:])
