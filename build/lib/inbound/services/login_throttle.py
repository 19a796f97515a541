"""Failed logins per client address: a budget that refills slowly, so guessing from one address
is slow whichever accounts it tries (the account lockout alone would let it try 9 passwords on
every account every 15 minutes).

GCRA, as ``services.rate_limit`` runs it, in a class of its own for two reasons: the budget
refills slower than once a second (``Rate`` counts whole requests a second), and an attempt
that succeeds is given back, so only failures are counted. An attempt is taken *before* argon2
runs: an address over its budget costs no hashing at all, and concurrent attempts cannot pass
the budget. At most ``size`` addresses are remembered, least recently used first out.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from inbound.services.rate_limit import MEMORY_STORE_SIZE

FAILURES_AT_ONCE = 20  # failed logins a fresh address may make in a row…
REFILL_SECONDS = 6.0  # …then one more every 6 seconds (10 a minute)


class LoginThrottle:
    def __init__(
        self,
        *,
        burst: int = FAILURES_AT_ONCE,
        refill_seconds: float = REFILL_SECONDS,
        size: int = MEMORY_STORE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = refill_seconds
        self.tolerance = refill_seconds * burst
        self.size = size
        self.clock = clock
        self._tats: dict[str, float] = {}  # address → theoretical arrival time, oldest use first

    def take(self, address: str) -> int:
        """Count an attempt from ``address``; 0 when allowed, else the seconds to wait (nothing
        is counted then)."""
        now = self.clock()
        tat = max(self._tats.pop(address, now), now)  # popped and put back: most recent last
        wait = tat + self.interval - now - self.tolerance
        self._tats[address] = tat if wait > 0 else tat + self.interval
        if len(self._tats) > self.size:
            del self._tats[next(iter(self._tats))]
        return max(1, math.ceil(wait)) if wait > 0 else 0

    def give_back(self, address: str) -> None:
        """The attempt succeeded: it does not count against the address."""
        tat = self._tats.get(address)
        if tat is not None:
            self._tats[address] = tat - self.interval

    def __len__(self) -> int:
        return len(self._tats)
