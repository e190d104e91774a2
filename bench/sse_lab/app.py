"""Minimal SSE stand-in for Guildhall issue 5.

BROKER=memory  -> in-process broadcaster (only valid with ONE worker process)
BROKER=redis   -> POST /like does INCR+PUBLISH in Redis db 12; each worker runs a
                  listener (thread / greenlet) that updates the local latest snapshot.
Latest-only semantics: a shared "latest" (version, payload) plus an Event that is
swapped and set on every publish; each stream waits on the event and then sends
whatever is latest, so a slow client skips intermediate versions.
"""
import json, os, threading, time

from flask import Flask, Response, render_template, request, jsonify

BROKER = os.environ.get("BROKER", "memory")
HEARTBEAT = float(os.environ.get("HEARTBEAT", "15"))
CHANNEL = "sselab:snap"
PREENC = os.environ.get("PREENC") == "1"
GLOBAL_HB = os.environ.get("GLOBAL_HB") == "1"


class Hub:
    def __init__(self):
        self.lock = threading.Lock()
        self.cur = (0, json.dumps({"v": 0, "ts": time.time(), "counts": {}}))
        self.frame = b""
        self.event = threading.Event()   # gevent Event once monkey-patched

    def publish_local(self, version, payload):
        with self.lock:
            if version <= self.cur[0]:
                return
            self.cur = (version, payload)
            self.frame = f"id: {version}\ndata: {payload}\n\n".encode()   # encoded once per version
            ev, self.event = self.event, threading.Event()
        ev.set()                         # wakes every waiting stream once

    def wake_all(self):
        """global heartbeat: wake every stream without a new version (no per-client timers)"""
        with self.lock:
            ev, self.event = self.event, threading.Event()
        ev.set()

    @property
    def version(self):
        return self.cur[0]

    def latest(self):
        ev = self.event          # read the event BEFORE the value: no lost wake-up
        v, payload = self.cur
        if PREENC:
            return v, self.frame, ev
        return v, payload, ev


hub = Hub()
counts = {}          # memory broker only
_rds = None


def rds():
    global _rds
    if _rds is None:
        import redis
        _rds = redis.Redis(host="127.0.0.1", port=6379, db=12)
    return _rds


def _listener():
    import redis
    while True:
        try:
            r = redis.Redis(host="127.0.0.1", port=6379, db=12)
            ps = r.pubsub(ignore_subscribe_messages=True)
            ps.subscribe(CHANNEL)
            # catch up after (re)subscribe
            cur = r.get("sselab:latest")
            if cur:
                d = json.loads(cur); hub.publish_local(d["v"], cur.decode())
            for msg in ps.listen():          # blocking read: cooperative under gevent
                data = msg["data"].decode()
                hub.publish_local(json.loads(data)["v"], data)
        except Exception as e:               # reconnect
            print("listener error", e, flush=True)
            time.sleep(0.5)


_listener_started = False
_listener_lock = threading.Lock()


def _heartbeat():
    while True:
        time.sleep(HEARTBEAT)
        hub.wake_all()


def ensure_listener():
    global _listener_started
    if _listener_started:
        return
    with _listener_lock:
        if not _listener_started:
            if BROKER == "redis":
                threading.Thread(target=_listener, daemon=True).start()
            if GLOBAL_HB:
                threading.Thread(target=_heartbeat, daemon=True).start()
            _listener_started = True


ROWS = [{"name": f"Entry {i}", "company": f"Company {i % 41}", "likes": i * 7 % 113,
         "score": 70 + (i * 13 % 30) / 1.7} for i in range(50)]


def create_app():
    app = Flask(__name__)

    @app.before_request
    def _bf():
        ensure_listener()

    @app.get("/page")
    def page():
        return render_template("page.html", title="Brand stories", rows=ROWS)

    @app.get("/json")
    def bare():
        return jsonify(ok=True)

    @app.post("/like")
    def like():
        body = request.get_json(silent=True) or {}
        entry = str(body.get("entry_id", "1"))
        n = int(body.get("count", 1))
        if BROKER == "redis":
            r = rds()
            pipe = r.pipeline()
            pipe.hincrby("sselab:counts", entry, n)
            pipe.incr("sselab:version")
            pipe.hgetall("sselab:counts")
            _, v, c = pipe.execute()
            payload = json.dumps({"v": v, "ts": time.time(),
                                  "counts": {k.decode(): int(x) for k, x in c.items()}})
            pipe = r.pipeline()
            pipe.set("sselab:latest", payload)
            pipe.publish(CHANNEL, payload)
            pipe.execute()
        else:
            with hub.lock:
                counts[entry] = counts.get(entry, 0) + n
                v = hub.version + 1
                payload = json.dumps({"v": v, "ts": time.time(), "counts": dict(counts)})
            hub.publish_local(v, payload)
        return jsonify(accepted=n, v=v)

    @app.get("/stream")
    def stream():
        try:
            last = int(request.headers.get("Last-Event-ID", "-1"))
        except ValueError:
            last = -1

        def gen():
            nonlocal last
            yield "retry: 2000\n\n"
            while True:
                v, payload, ev = hub.latest()
                if v > last:
                    last = v
                    yield payload if PREENC else f"id: {v}\ndata: {payload}\n\n"
                    continue
                if GLOBAL_HB:
                    ev.wait()
                    if hub.cur[0] <= last:
                        yield b": hb\n\n"
                elif not ev.wait(HEARTBEAT):
                    yield ": hb\n\n"

        return Response(gen(), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    return app


app = create_app()
