"""Rendering off the event loop: worker processes, cheapest job first, a CPU limit per job.

markdown-it-py is pure Python and superlinear on some inputs (``"![" * 2000`` takes ~140 ms,
65,535 characters of it ~2 s), so the event loop never renders a post. Jobs go to worker
processes: threads would share the GIL, and every await on the loop would then wait out the
interpreter's 5 ms switch interval (ping p50 0.2 ms → 5.5 ms in ``bench/render_budget.py``).
Queued jobs start cheapest first, so a channel full of hostile posts does not delay everyone's
ordinary ones; a job that uses more than ``CPU_LIMIT_S`` of CPU is stopped inside its worker
(``SIGVTALRM``) and answers ``None``, as does one that fails. A worker that dies is replaced.
A page's cheap posts travel together (``submit_all``): one round trip per batch, not per post.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

WORKERS = max(1, min(4, (os.cpu_count() or 2) - 1))  # leave a core to the event loop
CPU_LIMIT_S = 2.0  # ~30× the slowest 4,000-character post; ordinary ones take ~2 ms
WORKER_NICENESS = 10  # the server (and its event loop) gets the CPU first
MAX_QUEUED = 2_000  # beyond this a post is shown as text and tried again on the next view
BATCH_COST = 12_000  # ``submit_all`` batches up to this much cost: ~5 ms of ordinary posts

Render = Callable[..., str]


class OvertimeError(Exception):
    """A job used up its CPU time (raised inside the worker by ``SIGVTALRM``)."""


def _overtime(_signum: int, _frame: FrameType | None) -> None:
    raise OvertimeError


def _die_with(parent: int) -> None:
    """A worker must not outlive a server that was killed: its queue's pipe never closes.
    (Not ``PR_SET_PDEATHSIG``: that fires when the parent *thread* that started it ends.)"""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def _start_worker(parent: int) -> None:
    """Each worker: dies with the server; yields the CPU to it (rendering is background work,
    answering is not); Ctrl-C is the parent's to handle; the CPU alarm stops a job; warm up."""
    threading.Thread(target=_die_with, args=(parent,), daemon=True).start()
    os.nice(WORKER_NICENESS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGVTALRM, _overtime)
    from inbound.render.markdown import render_markdown

    render_markdown("warm *up*")


def _ready() -> str:
    return ""


def run_limited(render: Render, cpu_limit: float, args: tuple[Any, ...]) -> str | None:
    """In a worker: ``render(*args)``, or ``None`` when it needs more than ``cpu_limit`` s."""
    signal.setitimer(signal.ITIMER_VIRTUAL, cpu_limit)
    try:
        return render(*args)
    except OvertimeError:
        return None
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)


def run_each_limited(
    render: Render, cpu_limit: float, batch: Sequence[tuple[Any, ...]]
) -> list[str | None]:
    """In a worker: ``run_limited`` for each arguments of ``batch``, each with its own CPU
    limit; ``None`` for one that needs more or fails (the others are not affected)."""
    out: list[str | None] = []
    for args in batch:
        try:
            out.append(run_limited(render, cpu_limit, args))
        except Exception:
            log.exception("rendering failed")
            out.append(None)
    return out


@dataclass(order=True)
class Job:
    """One call of ``render`` in a worker; or, with ``batch``, one call per arguments in it, in
    one round trip to the worker (``args`` and ``future`` unused)."""

    cost: int
    seq: int
    render: Render | None = field(compare=False, default=None)  # None: a dispatcher stops
    args: tuple[Any, ...] = field(compare=False, default=())
    future: Future[str | None] = field(compare=False, default_factory=Future)
    batch: list[tuple[tuple[Any, ...], Future[str | None]]] = field(
        compare=False, default_factory=list
    )

    def cancel(self) -> bool:
        """Cancel what has not started; whether anything was."""
        if not self.batch:
            return self.future.cancel()
        return sum(future.cancel() for _, future in self.batch) > 0


class RenderPool:
    """Worker processes fed from one priority queue by one dispatcher thread per worker."""

    def __init__(
        self,
        *,
        workers: int = WORKERS,
        cpu_limit: float = CPU_LIMIT_S,
        max_queued: int = MAX_QUEUED,
        batch_cost: int = BATCH_COST,
    ) -> None:
        self.workers = workers
        self.cpu_limit = cpu_limit
        self.max_queued = max_queued
        self.batch_cost = batch_cost
        self._queue: queue.PriorityQueue[Job] = queue.PriorityQueue()
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._warm: Future[str] | None = None
        self._dispatchers: list[threading.Thread] = []

    def submit(self, render: Render, *args: Any, cost: int) -> Future[str | None] | None:
        """Queue ``render(*args)`` (a module-level function: it is pickled); ``None`` when the
        queue is full. The future's ``None`` means "show the fallback": the job took too long
        or failed; it fails (``BrokenProcessPool``) only when its worker died under it."""
        if self._queue.qsize() >= self.max_queued:
            return None
        self._start_dispatchers()
        job = Job(cost, next(self._seq), render, args)
        self._queue.put(job)
        return job.future

    def submit_all(
        self, render: Render, calls: Sequence[tuple[tuple[Any, ...], int]]
    ) -> list[Future[str | None] | None]:
        """Queue ``render(*args)`` for each ``(args, cost)`` of ``calls``: one future each, as
        ``submit`` gives. The cheap ones travel to a worker together, in batches of about
        ``BATCH_COST`` (one round trip each instead of one per call: ~1 ms saved per post of
        a page on a loaded machine); with more than one worker, a page's batches are rendered
        side by side. Each call keeps its own CPU limit; a costly one (``BATCH_COST`` or more)
        is a job of its own, so it delays no batch."""
        futures: list[Future[str | None] | None] = [None] * len(calls)
        order = sorted(range(len(calls)), key=lambda index: calls[index][1])
        chunk: list[int] = []
        chunk_cost = 0
        chunks: list[list[int]] = []
        for index in order:
            cost = calls[index][1]
            if chunk and chunk_cost + cost > self.batch_cost:
                chunks.append(chunk)
                chunk, chunk_cost = [], 0
            chunk.append(index)
            chunk_cost += cost
        if chunk:
            chunks.append(chunk)
        for chunk in chunks:
            if len(chunk) == 1:
                args, cost = calls[chunk[0]]
                futures[chunk[0]] = self.submit(render, *args, cost=cost)
                continue
            if self._queue.qsize() >= self.max_queued:
                continue
            self._start_dispatchers()
            job = Job(sum(calls[i][1] for i in chunk), next(self._seq), render)
            for index in chunk:
                job.batch.append((calls[index][0], Future()))
                futures[index] = job.batch[-1][1]
            self._queue.put(job)
        return futures

    def warm(self) -> Future[str]:
        """Done once the workers have started. Starting them (a fork and exec each, then a few
        hundred ms importing the renderer) happens in a thread, never on the caller's: callers
        wait for it outside their time budget."""
        with self._lock:
            if self._warm is None:
                self._warm = Future()
                threading.Thread(target=self._warm_up, args=(self._warm,), daemon=True).start()
            return self._warm

    def _warm_up(self, future: Future[str]) -> None:
        try:
            future.set_result(self._pool().submit(_ready).result())
        except Exception as error:  # handed to whoever waits
            future.set_exception(error)

    def queued(self) -> int:
        return self._queue.qsize()

    def clear(self) -> int:
        """Drop the jobs not started yet (their futures are cancelled); how many were dropped."""
        dropped = 0
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return dropped
            if job.render is None:  # a stop request: keep it
                self._queue.put(job)
                return dropped
            dropped += job.cancel()

    def close(self) -> None:
        self.clear()
        with self._lock:
            dispatchers, self._dispatchers = self._dispatchers, []
            executor, self._executor = self._executor, None
            self._warm = None
        for _ in dispatchers:
            self._queue.put(Job(cost=2**62, seq=next(self._seq)))
        for thread in dispatchers:
            thread.join()
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _start_dispatchers(self) -> None:
        with self._lock:
            while len(self._dispatchers) < self.workers:
                thread = threading.Thread(target=self._dispatch, name="render", daemon=True)
                self._dispatchers.append(thread)
                thread.start()

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context("spawn"),  # safe beside threads
                    initializer=_start_worker,
                    initargs=(os.getpid(),),
                )
            return self._executor

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = None
                self._warm = None
        broken.shutdown(wait=False, cancel_futures=True)

    def _dispatch(self) -> None:
        while True:
            job = self._queue.get()
            if job.render is None:
                return
            if job.batch:
                self._run_batch(job)
                continue
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                job.future.set_result(self._run(run_limited, job.render, self.cpu_limit, job.args))
            except BrokenProcessPool as error:
                job.future.set_exception(error)

    def _run_batch(self, job: Job) -> None:
        """Run the batch's calls that were not cancelled; answer each one's future."""
        running = [(a, f) for a, f in job.batch if f.set_running_or_notify_cancel()]
        if not running:
            return
        try:
            batch = [args for args, _ in running]
            answers = self._run(run_each_limited, job.render, self.cpu_limit, batch)
        except BrokenProcessPool as error:
            for _, future in running:
                future.set_exception(error)
            return
        if not isinstance(answers, list) or len(answers) != len(running):
            answers = [None] * len(running)
        for (_, future), answer in zip(running, answers, strict=True):
            future.set_result(answer)

    def _run(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` in a worker (``run_limited`` or ``run_each_limited``); ``None``
        when it failed; ``BrokenProcessPool`` when the worker died under it."""
        executor = self._pool()
        try:
            running = executor.submit(function, *args)
        except RuntimeError:  # the interpreter is exiting: drop the backlog quietly
            self.clear()
            return None
        try:
            return running.result()
        except BrokenProcessPool:
            log.warning("a render worker died; starting another")
            self._replace(executor)
            raise
        except Exception:
            log.exception("rendering failed")
        return None
