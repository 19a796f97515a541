"""The bench's hostile phases (reliability.md 2b and 3), used by bench/run.py.

* **Hostile mix**: while the normal mix runs, a second wrk sends the adversarial corpus —
  worst-case inputs for every pattern at the size limit and database-hostile values — at 5 % of
  the clean run's rate, to a second hook in another channel. The good senders' throughput and p99
  are compared with the clean run; no answer to anyone may be a 5xx.
* **Flood**: with ``RateLimitSettings.Enable`` on, one hook is flooded by 48 connections while a
  second hook, sent to at a steady pace by 8 others, is timed: its p99 against its p99 alone.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HOSTILE_SHARE = 0.05
BOUNDARY = "b" * 300


def corpus() -> list[tuple[str, bytes]]:
    """(content type, body): each built to be the worst case for one step, under 300 KB."""
    fence = "```\n" + "@here x\n" * 30_000 + "```"
    deep = b'{"text": "deep", "props": {"x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}}"
    multipart = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi\r\n--{BOUNDARY}--\r\n'
    ).encode()
    many_parts = (
        "".join(
            f'--x\r\nContent-Disposition: form-data; name="p{i}"\r\n\r\nv\r\n' for i in range(5000)
        )
        + "--x--\r\n"
    )
    jsons: list[Any] = [
        {"text": "<@a|" * 70_000},
        {"text": "<!here|" * 40_000},
        {"text": "x", "attachments": [{"text": "<a|" * 90_000}]},
        {"text": fence},
        {"text": "[" * 4000},
        {"text": "*a" * 2000 + "`" * 4000},
        {"text": "<@U1234567> " * 24_000},
        {"text": "x", "type": "custom_" + "a" * 200},
        {"text": "x", "channel": "c" * 300},
    ]
    out = [("application/json", json.dumps(body).encode()) for body in jsons]
    out += [
        ("application/json", b'{"text": "lone \\ud800 surrogate"}'),
        ("application/json", b'{"text": "nul \\u0000 byte"}'),
        ("application/json", deep),
        ("application/json", bytes(range(256)) * 100),
        (f"multipart/form-data; boundary={BOUNDARY}", multipart),
        ("multipart/form-data; boundary=x", many_parts.encode()),
    ]
    return [(kind, body) for kind, body in out if len(body) <= 300_000]


LUA = """
-- wrk script: POST the hostile corpus in turn, paced by delay(); count answers by class.
local bodies, kinds, counter, pause = {}, {}, 0, 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  local dir = args[1]
  pause = tonumber(args[2])
  sender = args[3] or "hostile"
  local list = assert(io.open(dir .. "/list.txt", "rb"))
  for line in list:lines() do
    local kind, name = line:match("^(.-)\\t(.*)$")
    local f = assert(io.open(dir .. "/" .. name, "rb"))
    table.insert(bodies, f:read("*a"))
    table.insert(kinds, kind)
    f:close()
  end
  list:close()
  c2, c4, c5 = 0, 0, 0
end
function delay() return pause end
function request()
  counter = counter + 1
  local i = (counter - 1) % #bodies + 1
  return wrk.format("POST", nil, { ["Content-Type"] = kinds[i], ["X-Sender"] = sender }, bodies[i])
end
function response(status, headers, body)
  if status >= 500 then c5 = c5 + 1 elseif status >= 400 then c4 = c4 + 1 else c2 = c2 + 1 end
end
function done(summary, latency, requests)
  local t2, t4, t5 = 0, 0, 0
  for _, t in ipairs(threads) do t2 = t2 + t:get("c2"); t4 = t4 + t:get("c4"); t5 = t5 + t:get("c5") end
  io.write(string.format('HOSTILE {"requests": %d, "ok": %d, "client_errors": %d, "server_errors": %d, ' ..
    '"socket_errors": %d, "p99_us": %d}\\n', summary.requests, t2, t4, t5,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(99)))
end
"""


def write_corpus(directory: Path) -> Path:
    directory.mkdir(exist_ok=True)
    lines = []
    for i, (kind, body) in enumerate(corpus()):
        (directory / f"h{i}.body").write_bytes(body)
        lines.append(f"{kind}\t h{i}.body".replace("\t ", "\t"))
    (directory / "list.txt").write_text("\n".join(lines) + "\n")
    script = directory / "hostile.lua"
    script.write_text(LUA)
    return script


@dataclass
class HostileLoad:
    requests: int
    ok: int
    client_errors: int
    server_errors: int
    socket_errors: int
    p99_ms: float


def write_steady(directory: Path, body: bytes) -> Path:
    """A one-body corpus: a normal sender, for the flood phase."""
    directory.mkdir(exist_ok=True)
    (directory / "h0.body").write_bytes(body)
    (directory / "list.txt").write_text("application/json\th0.body\n")
    (directory / "hostile.lua").write_text(LUA)
    return directory


def start_hostile(
    url: str,
    corpus_dir: Path,
    *,
    seconds: int,
    rate: float,
    connections: int,
    cpu: list[str],
    sender: str = "hostile",
) -> subprocess.Popen[str]:
    """A paced wrk sending the corpus at about ``rate`` requests a second in all (0: flat out)."""
    pause_ms = int(connections / rate * 1000) if rate else 0
    script = corpus_dir / "hostile.lua"
    command = [*cpu, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", str(script), url, "--", str(corpus_dir), str(pause_ms), sender]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_hostile(process: subprocess.Popen[str]) -> HostileLoad:
    out, err = process.communicate(timeout=600)
    line = next((t for t in out.splitlines() if t.startswith("HOSTILE ")), None)
    if line is None:
        raise SystemExit(f"hostile wrk failed: {err or out}")
    data = json.loads(line[len("HOSTILE ") :])
    return HostileLoad(
        data["requests"],
        data["ok"],
        data["client_errors"],
        data["server_errors"],
        data["socket_errors"],
        data["p99_us"] / 1000,
    )


def second_hook(url: str, token: str, *, channel: str, per_sec: int = 0, burst: int = 0) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    target = httpx.get(
        f"{url}/api/v4/teams/name/main/channels/name/{channel}", headers=headers
    ).json()
    body = {"channel_id": target["id"], "display_name": f"bench-{channel}"}
    if per_sec:
        body |= {"rate_limit_per_sec": per_sec, "rate_limit_burst": burst}
    hook = httpx.post(f"{url}/api/v4/hooks/incoming", headers=headers, json=body).json()
    return str(hook["id"])


def set_limits(url: str, token: str, *, enable: bool) -> None:
    """Limits on: per client (told apart by X-Sender) generous, per hook the defaults."""
    patch = {
        "RateLimitSettings": {
            "Enable": enable,
            "PerSec": 100_000,
            "MaxBurst": 100_000,
            "VaryByHeader": "X-Sender",
        }
    }
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.put(f"{url}/api/v4/config/patch", headers=headers, json=patch)
    response.raise_for_status()
    time.sleep(0.2)
