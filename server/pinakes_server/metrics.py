"""What `GET /metrics` exposes, in the Prometheus text format.

With several workers, `serve` points PROMETHEUS_MULTIPROC_DIR at a directory of its own before
they start: each worker then keeps its figures in files there and a scrape (answered by any
worker) adds them all up. prometheus-client reads that variable when it is imported, so
`MULTIPROCESS` is decided once, here, and agrees with how the figures below are kept.
Figures of the store itself (open upload sessions) are read from the database at scrape time:
every instance reports the same, exact number.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # what every Prometheus server reads
# Long-polls are held up to a minute: the top buckets are for them.
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

_process = CollectorRegistry()  # this process's figures (a scrape adds up the files instead)

REQUESTS = Counter(
    "pinakes_http_requests",
    "Requests answered, by operation (none: no route matched), method and status.",
    ["operation", "method", "status"],
    registry=_process,
)
DURATION = Histogram(
    "pinakes_http_request_duration_seconds",
    "Time from a request's head to its response, by operation.",
    ["operation"],
    buckets=DURATION_BUCKETS,
    registry=_process,
)
UPLOADED = Counter("pinakes_uploaded_bytes", "Bytes of upload chunks stored.", registry=_process)
DOWNLOADED = Counter("pinakes_downloaded_bytes", "Bytes of file bodies sent.", registry=_process)
WAITING_LONG_POLLS = Gauge(
    "pinakes_waiting_long_polls",
    "Change-feed requests waiting for a change.",
    multiprocess_mode="livesum",
    registry=_process,
)
STORAGE_FAILURES = Counter(
    "pinakes_storage_failures",
    "Requests the disk or database failed (full: 507; unavailable: 503).",
    ["kind"],
    registry=_process,
)


class _StoreFigures(Collector):
    def __init__(self, open_uploads: int) -> None:
        self.open_uploads = open_uploads

    def collect(self):  # type: ignore[no-untyped-def]
        yield GaugeMetricFamily(
            "pinakes_open_upload_sessions",
            "Upload sessions open in the store (all users, all instances).",
            value=self.open_uploads,
        )


def exposition(open_uploads: int) -> bytes:
    """Every figure, as one scrape's body (reads the workers' files: call it off the loop)."""
    if MULTIPROCESS:
        workers = CollectorRegistry()
        multiprocess.MultiProcessCollector(workers)
        body = generate_latest(workers)
    else:
        body = generate_latest(_process)
    store = CollectorRegistry()
    store.register(_StoreFigures(open_uploads))
    return body + generate_latest(store)
