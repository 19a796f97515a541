"""Time each input of the adversarial corpus (tests/webhooks/adversarial_corpus.py).

    .venv/bin/python bench/adversarial.py [--size 300000] [--timeout 60] [case ...]

Each case runs in its own process (best of 3), so one that never ends is cut off at
``--timeout`` seconds and reported as such. To time an older tree, put its ``src`` first:

    git archive <commit> src | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old/src .venv/bin/python bench/adversarial.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _one(name: str, size: int) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.webhooks.adversarial_corpus import CASES

    thunk = CASES[name](size)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        thunk()
        best = min(best, time.perf_counter() - start)
    print(f"{best:.4f}")


def _timed(name: str, size: int, timeout: float) -> str:
    command = [sys.executable, __file__, "--one", name, "--size", str(size)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=os.environ, check=True
        )
    except subprocess.TimeoutExpired:
        return f"> {timeout:g} s"
    return f"{float(done.stdout.strip()) * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cases", nargs="*")
    parser.add_argument("--size", type=int, default=300_000)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--one")
    args = parser.parse_args()
    if args.one:
        _one(args.one, args.size)
        return
    sys.path.insert(0, str(ROOT))
    from tests.webhooks.adversarial_corpus import CASES

    for name in args.cases or CASES:
        print(
            f"{name:32} {args.size:>8} chars  {_timed(name, args.size, args.timeout)}", flush=True
        )


if __name__ == "__main__":
    main()
