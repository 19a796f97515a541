"""A private PostgreSQL instance for fault tests: started in a temporary directory on a free
port, stopped, crashed, frozen and thawed by the test, never the machine's shared server."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from tests.serve_process import free_port


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else None


def available() -> str:
    """Why a private instance cannot run here, or '' when it can."""
    if _bin("initdb") is None:
        return "PostgreSQL server binaries not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser missing (PostgreSQL refuses to run as root)"
    return ""


class PrivatePostgres:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o777)
        self._as_postgres(
            [_bin("initdb") or "", "-D", str(self.data), "-A", "trust", "-U", "postgres"]
        )
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, command: list[str]) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=60)

    def _ctl(self, *args: str) -> None:
        self._as_postgres([_bin("pg_ctl") or "", "-D", str(self.data), *args])

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", options, "-l", str(self.root / "log"), "-w", "start")

    def crash(self) -> None:
        """Stop at once, as a crash would (no shutdown checkpoint; clients are cut off)."""
        self._ctl("-m", "immediate", "-w", "stop")

    def _pids(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False
        ).stdout.split()
        return [postmaster, *map(int, children)]

    def freeze(self) -> None:
        """Hang every process of the instance (SIGSTOP): connections stay open, nothing answers."""
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.thaw()
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("-m", "immediate", "-w", "stop")
        deadline = time.monotonic() + 5
        while (self.data / "postmaster.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        shutil.rmtree(self.root, ignore_errors=True)
