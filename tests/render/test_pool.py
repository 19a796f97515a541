"""The render pool: jobs run in worker processes, cheapest first, stopped at the CPU limit."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import Future

import pytest

from inbound.render.pool import RenderPool


def pid(_: str) -> str:
    return str(os.getpid())


def spin(seconds: float) -> str:
    """Burn CPU (the limit counts CPU time, not waiting)."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return "done"


def nap(seconds: float) -> str:
    time.sleep(seconds)
    return "rested"


def fail(_: str) -> str:
    raise ValueError("boom")


def echo_pid(text: str) -> str:
    return f"{text}:{os.getpid()}"


def spin_or_fail(seconds: float) -> str:
    if seconds < 0:
        raise ValueError("boom")
    return spin(seconds)


@pytest.fixture(scope="module")
def pool() -> Iterator[RenderPool]:
    pool = RenderPool(workers=1, cpu_limit=0.3)
    pool.warm().result(timeout=60)
    yield pool
    pool.close()


def test_jobs_run_in_another_process(pool: RenderPool) -> None:
    future = pool.submit(pid, "x", cost=1)
    assert future is not None
    assert future.result(timeout=30) != str(os.getpid())


def test_a_job_over_its_cpu_limit_answers_none(pool: RenderPool) -> None:
    slow, quick = pool.submit(spin, 5.0, cost=1), pool.submit(spin, 0.01, cost=1)
    assert slow is not None and quick is not None
    started = time.monotonic()
    assert slow.result(timeout=30) is None
    assert time.monotonic() - started < 4  # stopped near 0.3 s of CPU, not after 5 s
    assert quick.result(timeout=30) == "done"  # the worker lives on


def test_a_failing_job_answers_none(pool: RenderPool) -> None:
    future = pool.submit(fail, "x", cost=1)
    assert future is not None and future.result(timeout=30) is None


def test_cheapest_jobs_start_first(pool: RenderPool) -> None:
    blocker = pool.submit(nap, 0.5, cost=0)  # holds the one worker while the others queue
    finished: list[int] = []
    futures: list[Future[str | None]] = []
    for cost in (500, 10, 300, 20):
        future = pool.submit(nap, 0.0, cost=cost)
        assert future is not None
        future.add_done_callback(lambda _f, cost=cost: finished.append(cost))
        futures.append(future)
    assert blocker is not None and blocker.result(timeout=30) == "rested"
    for future in futures:
        future.result(timeout=30)
    assert finished == [10, 20, 300, 500]


def test_a_full_queue_refuses_and_clear_drops_the_waiting(
    pool: RenderPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool, "max_queued", 2)
    blocker = pool.submit(nap, 1.0, cost=0)
    deadline = time.monotonic() + 10
    while pool.queued():  # the dispatcher took it: the worker is busy for a second
        assert time.monotonic() < deadline
        time.sleep(0.01)
    waiting = [pool.submit(nap, 0.0, cost=1), pool.submit(nap, 0.0, cost=1)]
    assert pool.submit(nap, 0.0, cost=1) is None
    assert pool.clear() == 2
    assert all(f is not None and f.cancelled() for f in waiting)
    assert blocker is not None and blocker.result(timeout=30) == "rested"


def test_submit_all_answers_each_call_in_batches(pool: RenderPool) -> None:
    calls = [((f"p{n}",), 10) for n in range(20)]
    futures = pool.submit_all(echo_pid, calls)
    answers = [f.result(timeout=30) for f in futures if f is not None]
    assert len(answers) == 20
    assert [a.split(":")[0] for a in answers if a] == [f"p{n}" for n in range(20)]
    assert len({a.split(":")[1] for a in answers if a}) == 1  # in the one worker


def test_a_call_over_its_limit_in_a_batch_spares_the_others(pool: RenderPool) -> None:
    futures = pool.submit_all(spin_or_fail, [((5.0,), 1), ((0.0,), 1), ((-1.0,), 1), ((0.01,), 1)])
    started = time.monotonic()
    answers = [f.result(timeout=30) if f is not None else "refused" for f in futures]
    assert answers == [None, "done", None, "done"]  # over the limit, done, failed, done
    assert time.monotonic() - started < 4


def test_a_costly_call_is_not_batched_and_waits_for_the_cheap_ones(pool: RenderPool) -> None:
    blocker = pool.submit(nap, 0.5, cost=0)
    finished: list[int] = []
    costs = [pool.batch_cost, 5, 7, pool.batch_cost * 2]
    futures = pool.submit_all(nap, [((0.0,), cost) for cost in costs])
    for cost, future in zip(costs, futures, strict=True):
        assert future is not None
        future.add_done_callback(lambda _f, cost=cost: finished.append(cost))
    assert blocker is not None and blocker.result(timeout=30) == "rested"
    assert [f.result(timeout=30) for f in futures if f is not None] == ["rested"] * 4
    assert finished == [5, 7, pool.batch_cost, pool.batch_cost * 2]


def test_clear_cancels_a_waiting_batch(pool: RenderPool) -> None:
    blocker = pool.submit(nap, 1.0, cost=0)
    deadline = time.monotonic() + 10
    while pool.queued():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    futures = pool.submit_all(nap, [((0.0,), 1), ((0.0,), 1)])
    assert pool.clear() == 1
    assert all(f is not None and f.cancelled() for f in futures)
    assert blocker is not None and blocker.result(timeout=30) == "rested"
