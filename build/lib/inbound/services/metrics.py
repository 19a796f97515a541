"""Prometheus metrics (``MetricsSettings``): counted cheaply on the hot path, exposed on a
listener of their own.

The hook path adds to plain dicts and lists (a fraction of a microsecond); the Prometheus
families are built only when ``/metrics`` is scraped. The listener is prometheus-client's own
HTTP server in a thread, bound to ``MetricsSettings.ListenAddress``; it starts and stops with
``MetricsSettings.Enable`` while the server runs.
"""

from __future__ import annotations

import bisect
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


@dataclass
class _Histogram:
    bounds: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value

    def family(self, name: str, documentation: str) -> HistogramMetricFamily:
        buckets, running = [], 0
        for bound, count in zip((*map(str, self.bounds), "+Inf"), self.counts, strict=True):
            running += count
            buckets.append((bound, running))
        return HistogramMetricFamily(name, documentation, buckets=buckets, sum_value=self.total)


@dataclass
class Metrics:
    """What the process counts; ``gauges`` are read at scrape time (websocket clients, pool)."""

    hook_answers: Counter[tuple[int, str]] = field(default_factory=Counter)
    hook_latency: _Histogram = field(default_factory=lambda: _Histogram(LATENCY_BUCKETS))
    batch_sizes: _Histogram = field(default_factory=lambda: _Histogram(BATCH_BUCKETS))
    posts_written: int = 0
    gauges: dict[str, tuple[str, Callable[[], float]]] = field(default_factory=dict)

    def hook_answered(self, status: int, error_id: str, seconds: float) -> None:
        self.hook_answers[(status, error_id)] += 1
        self.hook_latency.observe(seconds)

    def committed(self, *, messages: int, posts: int) -> None:
        self.batch_sizes.observe(messages)
        self.posts_written += posts

    def collect(self) -> Iterator[Any]:
        requests = CounterMetricFamily(
            "inbound_webhook_requests",
            "Webhook requests answered, by status and error id ('' for 200).",
            labels=["status", "error_id"],
        )
        for (status, error_id), count in sorted(self.hook_answers.items()):
            requests.add_metric([str(status), error_id], count)
        yield requests
        yield self.hook_latency.family(
            "inbound_webhook_request_duration_seconds", "Time to answer a webhook request."
        )
        yield self.batch_sizes.family(
            "inbound_group_commit_messages", "Messages per group commit of the post writer."
        )
        yield CounterMetricFamily(
            "inbound_posts_written", "Posts committed by the post writer.", value=self.posts_written
        )
        for name, (documentation, read) in sorted(self.gauges.items()):
            yield GaugeMetricFamily(name, documentation, value=read())


class _Adapter(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Any]:
        return self.metrics.collect()


def parse_listen_address(address: str) -> tuple[str, int]:
    """``:8067`` → loopback (say ``0.0.0.0:8067`` to listen on every interface)."""
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


@dataclass
class MetricsListener:
    """The ``/metrics`` listener, started and stopped to follow the config."""

    metrics: Metrics
    _server: Any = None
    _thread: threading.Thread | None = None
    address: str = ""

    def follow(self, *, enabled: bool, address: str) -> None:
        if enabled and self._server is not None and address == self.address:
            return
        self.stop()
        if not enabled:
            return
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Adapter(self.metrics))
        host, port = parse_listen_address(address)
        try:
            self._server, self._thread = start_http_server(port, addr=host, registry=registry)
        except OSError as error:
            log.error("metrics: cannot listen on %s: %s", address, error)
            return
        self.address = address
        log.info("metrics: serving /metrics on %s:%d", host, port)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server, self._thread, self.address = None, None, ""
