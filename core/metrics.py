"""Prometheus metrics: what the site measures, and the few calls plugins make.

    likes_accepted(count)          a plugin accepted ``count`` likes
    sse_opened() / sse_closed()    a Server-Sent-Events stream opened or closed in this process
    register_sampler(app, name, documentation, read)
                                   a gauge read when /metrics is scraped (a queue's length, say)

The core times every request itself (core.observability). With ``PROMETHEUS_MULTIPROC_DIR``
set before the process starts (several gunicorn workers), prometheus_client keeps each
value in a memory-mapped file per process in that folder and a scrape adds the files up;
without it, values live in this process. Either way an update takes a lock of this process
only, never one shared between processes: cheap enough for the like endpoint.

A sampler is read in the process that answers the scrape. That suits values that are the
same from every process (a length in Redis) or that exist in one process only (the
embedded default runs one).
"""
import glob
import logging
import os
import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

EXTENSION = "guildhall.metric_samplers"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
NAME = re.compile(r"guildhall_[a-z0-9_]+")
# Lean likes answer in about a millisecond; pages in tens of milliseconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_LATENCY = Histogram(
    "guildhall_http_request_duration_seconds",
    "Time from a request's arrival to its response's headers, by endpoint and status class "
    "(a Server-Sent-Events stream counts until its headers, not while it stays open).",
    ["endpoint", "status"],
    buckets=LATENCY_BUCKETS,
    registry=None,
)
LIKES = Counter("guildhall_likes_accepted", "Likes accepted (live finals).", registry=None)
SSE_CLIENTS = Gauge(
    "guildhall_sse_clients", "Server-Sent-Events streams open now.", multiprocess_mode="livesum", registry=None
)
OWN_METRICS = (REQUEST_LATENCY, LIKES, SSE_CLIENTS)

_latency_children = {}  # (endpoint, status class) -> histogram child: skips labels() on the hot path


def multiprocess_dir():
    return os.environ.get(MULTIPROC_ENV) or None


def observe_request(endpoint, status, seconds):
    key = (endpoint, status // 100)
    child = _latency_children.get(key)
    if child is None:
        child = _latency_children[key] = REQUEST_LATENCY.labels(endpoint, f"{key[1]}xx")
    child.observe(seconds)


def likes_accepted(count):
    LIKES.inc(count)


def sse_opened():
    SSE_CLIENTS.inc()


def sse_closed():
    SSE_CLIENTS.dec()


def register_sampler(app, name, documentation, read):
    """Report ``read()`` (a number) as the gauge ``name`` on every scrape of ``app``'s /metrics."""
    if not NAME.fullmatch(name) or name in {metric._name for metric in OWN_METRICS}:
        raise ValueError(f"a sampler needs a name of its own starting with guildhall_, not {name!r}")
    app.extensions.setdefault(EXTENSION, {})[name] = (documentation, read)


class _Own:
    def collect(self):
        for metric in OWN_METRICS:
            yield from metric.collect()


class _Samplers:
    def __init__(self, samplers):
        self.samplers = samplers

    def collect(self):
        for name, (documentation, read) in sorted(self.samplers.items()):
            try:
                value = float(read())
            except Exception as error:  # a scrape still answers; the gauge is missing this time
                log.warning("metrics: sampler %s failed: %s", name, error)
                continue
            yield GaugeMetricFamily(name, documentation, value=value)


def forget_dead_processes(path):
    """Drop the live gauges (open streams) of workers that are gone: a killed worker's
    streams are closed, whatever its file last said."""
    from prometheus_client import multiprocess

    for filename in glob.glob(os.path.join(path, "gauge_live*_*.db")):
        pid = filename.rsplit("_", 1)[-1].removesuffix(".db")
        if pid.isdigit() and not _alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), path)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process holds that number now
        return True
    return True


def render(app, accept=None):
    """Every metric of ``app`` in the format the scraper accepts: (body, content type)."""
    registry = CollectorRegistry(auto_describe=False)
    path = multiprocess_dir()
    if path:
        from prometheus_client import multiprocess

        forget_dead_processes(path)
        multiprocess.MultiProcessCollector(registry, path)
    else:
        from prometheus_client import ProcessCollector

        registry.register(_Own())
        ProcessCollector(registry=registry)  # memory, CPU, open files of this process
    registry.register(_Samplers(dict(app.extensions.get(EXTENSION, {}))))
    encode, content_type = choose_encoder(accept)
    return encode(registry), content_type
