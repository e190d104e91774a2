"""The bare-Flask baseline of bench_live.py, served by the same gunicorn command as Guildhall.

Endpoints doing the trivial version of the live final's work:

- ``POST /live/<id>/likes``: parse the JSON batch, add ``count`` to the entry's hearts
  and bump the version (a dict under a lock, or HINCRBY + INCR in Redis with
  ``BARE_BROKER=redis``), poke the publisher, answer ``{"accepted": n}``.
- ``GET /live/<id>/events``: SSE with the same in-process fan-out idea as
  plugins/brand_stories (one shared Event swapped on every change, event text built
  once per version, one heartbeat thread, snapshots coalesced to one per 0.25 s).
  With ``BARE_BROKER=redis`` the publisher PUBLISHes the snapshot and every worker's
  listener thread feeds its local channel (what several workers need).
- ``GET /live/<id>``: a small HTML page with the counts; ``GET /state``: JSON state.

No database, no sessions, no plugins, no rate limits, no validation beyond the types.
"""
import json
import os
import threading
import time

from flask import Flask, Response, jsonify, render_template_string, request

BROKER = os.environ.get("BARE_BROKER", "memory")
REDIS_URL = os.environ.get("BARE_REDIS_URL", "redis://127.0.0.1:6379/5")
PREFIX = os.environ.get("BARE_PREFIX", "bench_bare")
ENTRIES = [int(item) for item in os.environ.get("BARE_ENTRIES", "1,2,3").split(",")]
PUBLISH_INTERVAL = 0.25
HEARTBEAT_SECONDS = 15.0


class Channel:
    def __init__(self):
        self._lock = threading.Lock()
        self.version = -1
        self.frame = b""
        self.event = threading.Event()

    def current(self):
        event = self.event
        return self.version, self.frame, event

    def update(self, version, payload):
        frame = f"id: {version}\nevent: snapshot\ndata: {payload}\n\n".encode()
        with self._lock:
            if version <= self.version:
                return
            self.version, self.frame = version, frame
            event, self.event = self.event, threading.Event()
        event.set()

    def wake(self):
        with self._lock:
            event, self.event = self.event, threading.Event()
        event.set()


channel = Channel()
_lock = threading.Lock()
_counts = {entry: 0 for entry in ENTRIES}
_version = [0]
_pending = [False]
_last_publish = [0.0]
_started = [False]
_redis = []


def rds():
    if not _redis:
        import redis

        _redis.append(redis.Redis.from_url(REDIS_URL))
    return _redis[0]


def state():
    if BROKER == "redis":
        pipe = rds().pipeline()
        pipe.get(f"{PREFIX}:version")
        pipe.hgetall(f"{PREFIX}:hearts")
        version, hearts = pipe.execute()
        counts = {int(k): int(v) for k, v in hearts.items()}
        version = int(version or 0)
    else:
        with _lock:
            counts, version = dict(_counts), _version[0]
    return {"session_id": 1, "version": version, "current_entry_id": ENTRIES[0],
            "counts": {str(e): {"hearts": counts.get(e, 0), "scoring": 0} for e in ENTRIES}}


def publish_now():
    with _lock:
        _pending[0] = False
        _last_publish[0] = time.monotonic()
    snap = state()
    payload = json.dumps(snap, separators=(",", ":"))
    if BROKER == "redis":
        rds().publish(f"{PREFIX}:live", payload)
    channel.update(snap["version"], payload)


def poke():
    with _lock:
        if _pending[0]:
            return
        _pending[0] = True
        delay = max(0.0, _last_publish[0] + PUBLISH_INTERVAL - time.monotonic())
    timer = threading.Timer(delay, publish_now)
    timer.daemon = True
    timer.start()


def _listen():
    import redis

    while True:
        try:
            pubsub = redis.Redis.from_url(REDIS_URL).pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(f"{PREFIX}:live")
            for message in pubsub.listen():
                data = message["data"].decode()
                channel.update(json.loads(data)["version"], data)
        except Exception as error:  # reconnect
            print("bare listener:", error, flush=True)
            time.sleep(0.5)


def _beat():
    while True:
        time.sleep(HEARTBEAT_SECONDS)
        channel.wake()


def start_threads():
    with _lock:
        if _started[0]:
            return
        _started[0] = True
    if BROKER == "redis":
        threading.Thread(target=_listen, daemon=True).start()
    threading.Thread(target=_beat, daemon=True).start()


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Live {{ session_id }}</title></head>
<body><h1>Live session {{ session_id }}</h1><p>Version {{ state.version }}</p>
<table>{% for entry, c in state.counts.items() %}<tr><td>Entry {{ entry }}</td><td>{{ c.hearts }}</td></tr>{% endfor %}
</table></body></html>"""

app = Flask("bare_live")


@app.before_request
def _threads():
    start_threads()


@app.post("/live/<int:session_id>/likes")
def likes(session_id):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("count"), int) or body.get("entry_id") not in ENTRIES:
        return jsonify(error="bad_payload"), 400
    count, entry = body["count"], body["entry_id"]
    if BROKER == "redis":
        pipe = rds().pipeline()
        pipe.hincrby(f"{PREFIX}:hearts", entry, count)
        pipe.incr(f"{PREFIX}:version")
        pipe.execute()
    else:
        with _lock:
            _counts[entry] += count
            _version[0] += 1
    poke()
    return jsonify(accepted=count)


@app.get("/state")
def get_state():
    return jsonify(state())


@app.get("/live/<int:session_id>")
def page(session_id):
    return render_template_string(PAGE, session_id=session_id, state=state())


@app.get("/live/<int:session_id>/events")
def events(session_id):
    # The same stream loop as the plugin's (views/public.py) on purpose: the baseline does the
    # same fan-out work without the framework around it.
    if channel.version < 0:
        publish_now()

    def stream(last=-1):
        yield b"retry: 2000\n\n"
        while True:
            version, frame, event = channel.current()
            if version > last:
                last = version
                yield frame
                continue
            event.wait()
            if channel.version <= last:
                yield b": heartbeat\n\n"

    return Response(stream(), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"})
