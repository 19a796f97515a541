"""The web app's first open of a channel of real webhook payloads — ``make bench``'s "the hook's
channel of real payloads: first open" (``web_mix_first_ms``) — in about 30 seconds.

    PYTHONPATH=src .venv/bin/python bench/first_open.py [ROUNDS]
    PYTHONPATH=src .venv/bin/python bench/first_open.py --dump /tmp/posts.json   # the posts only

Starts ``inbound serve`` on a fresh SQLite database (on core 0, as bench/run.py does), sends
bench/run.py's payload mix through a hook in mix.lua's order (a cycle of 20 requests: short
text, the Markdown table, a legacy attachment, the 8,200-character log that splits into 3
posts, an @channel mention) until the channel holds well over 60 posts, then, ``ROUNDS`` times
(default 5): restarts the server (an empty render cache, as run.py's read phase has), waits
for its render workers to warm up, and times the first GET of the web app's page of 60 posts,
then the median of 20 more (the cache hits). Prints each round and the median of the firsts.
``INBOUND_BENCH_SRC=/path/to/src`` runs another checkout's server code.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import run as bench

CYCLE = (1, 5, 3, 1, 2, 1, 3, 5, 1, 4, 1, 2, 3, 5, 1, 1, 3, 2, 5, 1)  # mix.lua's
KINDS = ("short", "table", "attachments", "long", "mention")
CYCLES = 4  # 88 posts


def start(database_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "INBOUND_DATABASE_URL": database_url,
        "INBOUND_ADMIN_PASSWORD": bench.PASSWORD,
        "INBOUND_PORT": str(port),
    }
    if os.environ.get("INBOUND_BENCH_SRC"):
        env["PYTHONPATH"] = os.environ["INBOUND_BENCH_SRC"]
    command = [*bench.taskset(0), sys.executable, "-m", "inbound", "serve"]
    popen = subprocess.Popen(command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    bench.wait_ready(f"http://127.0.0.1:{port}")
    return popen


def stop(popen: subprocess.Popen[bytes]) -> None:
    popen.send_signal(2)
    popen.wait(timeout=30)


def fill(setup: bench.Setup, work: Path) -> None:
    bench.write_payloads(work)
    bodies = {kind: (work / f"{kind}.json").read_text() for kind in KINDS}
    with httpx.Client(base_url=setup.url) as client:
        for number in range(CYCLES * len(CYCLE)):
            body = bodies[KINDS[CYCLE[number % len(CYCLE)] - 1]]
            sent = client.post(
                f"/hooks/{setup.hook_id}",
                content=body.replace("@@TOKEN@@", f"tok-1-{number}"),
                headers={"Content-Type": "application/json"},
            )
            assert sent.status_code == 200, sent.text


def cpu_ms(pid: int) -> tuple[float, float]:
    """CPU ms (user + system) of the process ``pid``, and of its children (the render workers)."""
    server = workers = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        ms = (int(fields[11]) + int(fields[12])) / bench.CLOCK_TICKS * 1000
        if stat.parent.name == str(pid):
            server += ms
        elif fields[1] == str(pid):
            workers += ms
    return server, workers


def settle(pid: int, timeout: float = 60) -> None:
    """Wait until the server's render workers have started and warmed up: their CPU time has
    grown, then not moved for a second (on a loaded machine a fixed wait is not enough)."""
    deadline = time.monotonic() + timeout
    last, still = -1.0, 0
    while time.monotonic() < deadline and still < 4:
        time.sleep(0.25)
        _, workers = cpu_ms(pid)
        still = still + 1 if workers == last and workers > 0 else 0
        last = workers


def first_open(setup: bench.Setup, pid: int) -> tuple[float, float, int, tuple[float, float]]:
    """(first GET ms, median of 20 more ms, posts rendered on the first, CPU ms of the server
    and of its render workers during the first)"""
    headers = {"Authorization": f"Bearer {setup.token}"}
    path = f"/web/api/channels/{setup.channel_id}/posts"
    times = []
    rendered = 0
    with httpx.Client(base_url=setup.url, headers=headers, timeout=60) as client:
        if os.environ.get("FIRST_OPEN_WARM"):  # the server's own first web page, elsewhere
            off_topic = client.get("/api/v4/teams/name/main/channels/name/off-topic").json()
            client.get(f"/web/api/channels/{off_topic['id']}/posts", params={"team": "main"})
        for index in range(21):
            cpu0 = cpu_ms(pid)
            t0 = time.perf_counter()
            response = client.get(path, params={"per_page": 60, "team": "main"})
            times.append((time.perf_counter() - t0) * 1000)
            if index == 0:
                cpu1 = cpu_ms(pid)
                cpu = (cpu1[0] - cpu0[0], cpu1[1] - cpu0[1])
            posts = response.json()["posts"]
            assert response.status_code == 200 and len(posts) == 60
            if index == 0:
                rendered = sum(1 for p in posts if p.get("rendered", True))
    return times[0], statistics.median(times[1:]), rendered, cpu


def dump(setup: bench.Setup, target: Path) -> None:
    headers = {"Authorization": f"Bearer {setup.token}"}
    page = httpx.get(
        f"{setup.url}/api/v4/channels/{setup.channel_id}/posts",
        params={"per_page": 60},
        headers=headers,
    ).json()
    posts: list[dict[str, Any]] = [page["posts"][pid] for pid in page["order"]]
    target.write_text(json.dumps([[p["message"], p.get("props") or {}] for p in posts]))
    print(f"{len(posts)} posts written to {target}")


def main(argv: list[str]) -> None:
    dump_to = Path(argv[1]) if argv[:1] == ["--dump"] else None
    rounds = int(argv[0]) if argv and dump_to is None else 5
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'inbound.db'}"
        port = bench.free_port()
        server = start(url, port, work / "server.log")
        try:
            setup = bench.set_up(f"http://127.0.0.1:{port}")
            fill(setup, work)
            if dump_to is not None:
                dump(setup, dump_to)
                return
        finally:
            stop(server)
        firsts = []
        for number in range(rounds):
            server = start(url, port, work / "server.log")
            try:
                settle(server.pid)  # the render workers start and warm up (run.py seeds meanwhile)
                first, again, rendered, cpu = first_open(setup, server.pid)
            finally:
                stop(server)
            firsts.append(first)
            print(
                f"round {number + 1}: first open {first:6.1f} ms ({rendered}/60 rendered; "
                f"CPU: server {cpu[0]:3.0f} ms, workers {cpu[1]:3.0f} ms), then {again:5.2f} ms",
                flush=True,
            )
        print(f"first open median {statistics.median(firsts):.1f} ms over {rounds} rounds")


if __name__ == "__main__":
    main(sys.argv[1:])
