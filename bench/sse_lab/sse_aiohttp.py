"""aiohttp side-server for GET /stream only (Flask serves /like and /page).
Subscribes to Redis pub/sub (db 12, channel sselab:snap); latest-only fan-out:
one shared (version, encoded event) + an asyncio.Event swapped on each publish."""
import asyncio, json, os, resource
import redis.asyncio as aioredis
from aiohttp import web

HEARTBEAT = float(os.environ.get("HEARTBEAT", "15"))
MODE = os.environ.get("MODE", "tasks")


class Hub:
    def __init__(self):
        self.cur = (0, b"")
        self.event = asyncio.Event()

    def publish(self, v, payload):
        if v <= self.cur[0]:
            return
        self.cur = (v, f"id: {v}\ndata: {payload}\n\n".encode())   # encoded once
        ev, self.event = self.event, asyncio.Event()
        ev.set()
        if MODE == "direct":
            broadcast()


hub = None


async def listener(app):
    r = aioredis.Redis(host="127.0.0.1", port=6379, db=12)
    while True:
        try:
            ps = r.pubsub(ignore_subscribe_messages=True)
            await ps.subscribe("sselab:snap")
            cur = await r.get("sselab:latest")
            if cur:
                hub.publish(json.loads(cur)["v"], cur.decode())
            async for msg in ps.listen():
                if msg["type"] == "message":
                    d = msg["data"].decode(); hub.publish(json.loads(d)["v"], d)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            print("listener error", e, flush=True); await asyncio.sleep(0.5)


async def stream(request):
    try:
        last = int(request.headers.get("Last-Event-ID", "-1"))
    except ValueError:
        last = -1
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                       "X-Accel-Buffering": "no"})
    await resp.prepare(request)
    await resp.write(b"retry: 2000\n\n")
    while True:
        ev = hub.event
        v, data = hub.cur
        if v > last and data:
            last = v
            await resp.write(data)
            continue
        try:
            await asyncio.wait_for(ev.wait(), HEARTBEAT)
        except asyncio.TimeoutError:
            await resp.write(b": hb\n\n")


# ---- MODE=direct: one broadcast loop writes the pre-framed chunk to every transport
clients = {}          # transport -> [future, last_sent_version]
HWM = 64 * 1024


def chunk(b):
    return b"%x\r\n" % len(b) + b + b"\r\n"     # HTTP/1.1 chunked framing, done once


def broadcast():
    v, data = hub.cur
    c = chunk(data)
    for tr, st in list(clients.items()):
        if tr.is_closing():
            clients.pop(tr, None)
            if not st[0].done():
                st[0].set_result(None)
            continue
        if st[1] >= v:
            continue
        if tr.get_write_buffer_size() > HWM:   # slow client: skip, catch up later (latest-only)
            continue
        tr.write(c); st[1] = v


async def ticker():
    hb = chunk(b": hb\n\n")
    n = 0
    while True:
        await asyncio.sleep(0.1)
        n += 1
        broadcast()                                # catch up slow clients, reap closed
        if n % int(HEARTBEAT * 10) == 0:
            for tr in list(clients):
                if not tr.is_closing():
                    tr.write(hb)


async def stream_direct(request):
    try:
        last = int(request.headers.get("Last-Event-ID", "-1"))
    except ValueError:
        last = -1
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                       "X-Accel-Buffering": "no"})
    await resp.prepare(request)
    await resp.write(b"retry: 2000\n\n")
    tr = request.transport
    v, data = hub.cur
    if v > last and data:
        await resp.write(data); last = v
    fut = asyncio.get_running_loop().create_future()
    clients[tr] = [fut, last]
    await fut
    return resp


async def start(app):
    global hub
    hub = Hub()
    app["l"] = asyncio.create_task(listener(app))
    if MODE == "direct":
        app["t"] = asyncio.create_task(ticker())


def make():
    app = web.Application()
    app.router.add_get("/stream", stream_direct if MODE == "direct" else stream)
    app.on_startup.append(start)
    return app


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
    web.run_app(make(), host="127.0.0.1", port=int(os.environ.get("PORT", "8001")), backlog=4096, access_log=None)
