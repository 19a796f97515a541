"""Search over a seeded channel alone (what ``run.py``'s reads section measures), quicker:

    PYTHONPATH=src .venv/bin/python bench/search_quick.py [POSTS]
    INBOUND_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/scratch … (the database is wiped)

Starts inbound on a fresh database, seeds POSTS (default 1,000,000) posts into a channel
``history`` as ``run.py`` does, and prints each search's median time.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import run as bench


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory(prefix="inbound-search-") as tmp:
        work = Path(tmp)
        url = os.environ.get("INBOUND_BENCH_DATABASE_URL") or f"sqlite:///{work / 'search.db'}"
        db = bench.Db(url)
        db.wipe()
        port = bench.free_port()
        server = bench.start_inbound(url, port, work / "server.log")
        try:
            setup = bench.set_up(f"http://127.0.0.1:{port}")
            _channel, seconds = bench.seed_history(setup, db, count)
            print(f"seeded and indexed {count:,} posts in {seconds:.1f} s")
            found = bench.search_ms(setup)
        finally:
            server.stop()
    for name, ms in found.items():
        print(f"{name:10s} {bench.SEARCHES[name]!r:22s} median {ms:7.1f} ms")
    print(f"median of medians {statistics.median(found.values()):.1f} ms")


if __name__ == "__main__":
    main()
