"""Load generators of bench_live.py; each run prints one line ``RESULT <json>``.

    live_load.py likes '<json options>'   N keep-alive clients POST like batches as fast as
                                          they are answered (raw asyncio HTTP/1.1)
    live_load.py sse '<json options>'     V raw-asyncio SSE viewers; a second process sends
                                          likes at a fixed rate and probes the page

Both talk to Guildhall and to the bare baseline alike: ``likes_path``, ``events_path``,
``page_path`` and ``state_path`` come from the options; the state JSON is either
Guildhall's (``entries`` with ``hearts``) or the bare one's (``counts``).
"""
import asyncio
import bisect
import http.client
import json
import multiprocessing as mp
import os
import resource
import sys
import threading
import time
import uuid


def pct(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def ms(value):
    return None if value is None else round(value * 1000, 1)


def batch_body(entry, count=1):
    return json.dumps({"entry_id": entry, "count": count, "batch_id": uuid.uuid4().hex}).encode()


def hearts_and_version(data, entry):
    if "entries" in data:  # Guildhall's GET /api/v1/live/<id>
        hearts = next((item["hearts"] for item in data["entries"] if item["entry_id"] == entry), 0)
    else:
        hearts = data["counts"].get(str(entry), {}).get("hearts", 0)
    return hearts, data["version"]


def get_json(host, port, path):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}: {body[:300]!r}")
    return json.loads(body)


# -- likes at saturation ------------------------------------------------------------------


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, close = 0, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
    body = await reader.readexactly(length) if length else b""
    return status, body, close


async def like_client(o, token, deadline, out):
    head = (f"POST {o['likes_path']} HTTP/1.1\r\nHost: {o['host']}\r\nContent-Type: application/json\r\n"
            f"X-Device-Token: {token}\r\n").encode()
    reader = writer = None
    while time.perf_counter() < deadline:
        if writer is None:
            try:
                reader, writer = await asyncio.open_connection(o["host"], o["port"])
            except OSError as error:
                out["errors"][type(error).__name__] = out["errors"].get(type(error).__name__, 0) + 1
                await asyncio.sleep(0.05)
                continue
        body = batch_body(o["entry"])
        started = time.perf_counter()
        try:
            writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            status, answer, close = await asyncio.wait_for(read_response(reader), 10)
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, asyncio.LimitOverrunError) as error:
            out["errors"][type(error).__name__] = out["errors"].get(type(error).__name__, 0) + 1
            writer.close()
            writer = None
            continue
        out["latencies"].append(time.perf_counter() - started)
        if status == 200:
            out["accepted"] += json.loads(answer)["accepted"]
        else:
            key = str(status)
            out["errors"][key] = out["errors"].get(key, 0) + 1
            if len(out["samples"]) < 3:
                out["samples"].append(answer[:200].decode(errors="replace"))
        if close:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def likes_main(o):
    out = {"latencies": [], "accepted": 0, "errors": {}, "samples": []}
    started = time.perf_counter()
    deadline = started + o["seconds"]
    tokens = o["tokens"]
    await asyncio.gather(*(like_client(o, tokens[i % len(tokens)], deadline, out) for i in range(o["clients"])))
    elapsed = time.perf_counter() - started
    lat = out["latencies"]
    ok = len(lat) - sum(v for k, v in out["errors"].items() if k.isdigit())
    return {
        "clients": o["clients"], "seconds": round(elapsed, 2), "batches": len(lat), "ok": ok,
        "per_second": round(ok / elapsed, 1), "accepted": out["accepted"],
        "p50_ms": ms(pct(lat, 50)), "p95_ms": ms(pct(lat, 95)), "p99_ms": ms(pct(lat, 99)),
        "errors": out["errors"], "error_count": sum(out["errors"].values()), "error_samples": out["samples"],
        "latencies": [round(value, 6) for value in lat] if o.get("raw") else None,
    }


# -- SSE viewers while likes arrive at a fixed rate -----------------------------------------

PARSED = {}  # data line -> (hearts, version): parsed once per snapshot, not once per viewer


class Viewer(asyncio.Protocol):
    def __init__(self, path, host, entry):
        self.path, self.host, self.entry = path, host, entry
        self.buf = b""
        self.seen = []  # (hearts, version, receipt time)
        self.connected = asyncio.get_running_loop().create_future()
        self.ok = False
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport
        transport.write(f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nAccept: text/event-stream\r\n\r\n".encode())

    def data_received(self, data):
        now = time.time()
        self.buf += data
        if not self.ok:
            if b"\r\n\r\n" not in self.buf:
                return
            self.ok = self.buf.startswith(b"HTTP/1.1 200")
            if not self.connected.done():
                self.connected.set_result(self.ok)
        *lines, self.buf = self.buf.split(b"\n")
        for line in lines:
            if line.startswith(b"data: "):
                line = line.rstrip(b"\r")
                found = PARSED.get(line)
                if found is None:
                    found = PARSED[line] = hearts_and_version(json.loads(line[6:]), self.entry)
                self.seen.append((found[0], found[1], now))

    def connection_lost(self, exc):
        self.closed = True
        if not self.connected.done():
            self.connected.set_result(False)


def side(o, start, queue):
    """Likes at o['rate'] batches a second (one keep-alive connection) and a page probe every 100 ms."""
    likes, pages, page_errors, like_errors = [], [], [0], {}
    start.wait()
    end = time.time() + o["seconds"]

    def liker():
        conn = http.client.HTTPConnection(o["host"], o["port"], timeout=10)
        tokens, i, t0 = o["tokens"], 0, time.time()
        while time.time() < end:
            body = batch_body(o["entry"])
            sent = time.time()
            try:
                conn.request("POST", o["likes_path"], body, {"Content-Type": "application/json",
                                                             "X-Device-Token": tokens[i % len(tokens)]})
                response = conn.getresponse()
                answer = response.read()
                if response.status == 200:
                    likes.append((sent, time.time(), json.loads(answer)["accepted"]))
                else:
                    like_errors[str(response.status)] = like_errors.get(str(response.status), 0) + 1
            except Exception as error:
                like_errors[type(error).__name__] = like_errors.get(type(error).__name__, 0) + 1
                conn.close()
                conn = http.client.HTTPConnection(o["host"], o["port"], timeout=10)
            i += 1
            time.sleep(max(0.0, t0 + i / o["rate"] - time.time()))

    def pager():
        while time.time() < end:
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(o["host"], o["port"], timeout=10)
                conn.request("GET", o["page_path"])
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status == 200:
                    pages.append(time.perf_counter() - started)
                else:
                    page_errors[0] += 1
            except Exception:
                page_errors[0] += 1
            time.sleep(0.1)

    threads = [threading.Thread(target=liker), threading.Thread(target=pager)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put({"likes": likes, "like_errors": like_errors, "pages": pages, "page_errors": page_errors[0]})


async def sse_main(o):
    loop = asyncio.get_running_loop()
    hearts0, _version0 = hearts_and_version(get_json(o["host"], o["port"], o["state_path"]), o["entry"])
    gate = asyncio.Semaphore(200)

    async def connect():
        async with gate:
            try:
                _, viewer = await loop.create_connection(
                    lambda: Viewer(o["events_path"], o["host"], o["entry"]), o["host"], o["port"])
            except OSError:
                return None
            try:
                await asyncio.wait_for(viewer.connected, 30)
            except asyncio.TimeoutError:
                pass
            return viewer

    t0 = time.time()
    viewers = [v for v in await asyncio.gather(*(connect() for _ in range(o["viewers"]))) if v is not None and v.ok]
    connect_s = time.time() - t0
    await asyncio.sleep(0.5)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start, queue = mp.Event(), mp.Queue()
    process = mp.Process(target=side, args=(o, start, queue))
    process.start()
    start.set()
    side_result = await loop.run_in_executor(None, queue.get)
    process.join()
    await asyncio.sleep(o["drain"])
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    final_hearts, final_version = hearts_and_version(get_json(o["host"], o["port"], o["state_path"]), o["entry"])

    likes = sorted(side_result["likes"])
    targets, total = [], hearts0
    for sent, _acked, accepted in likes:
        total += accepted
        targets.append(total)
    delays, unseen, at_final, frames = [], 0, 0, 0
    for viewer in viewers:
        seen = viewer.seen
        frames += len(seen)
        if seen and seen[-1][1] == final_version:
            at_final += 1
        # hearts only grow: the first receipt whose hearts reach a like's target is when the viewer saw it
        best_hearts = [item[0] for item in seen]
        for (sent, _acked, _n), target in zip(likes, targets):
            j = bisect.bisect_left(best_hearts, target)
            if j == len(seen):
                unseen += 1
            else:
                delays.append(seen[j][2] - sent)
    pages = side_result["pages"]
    acks = [acked - sent for sent, acked, _ in likes]
    return {
        "viewers": o["viewers"], "connected": len(viewers), "connect_s": round(connect_s, 1),
        "alive_at_end": sum(1 for v in viewers if not v.closed),
        "likes_ok": len(likes), "like_errors": side_result["like_errors"],
        "likes_per_second": round(len(likes) / o["seconds"], 1),
        "like_ack_p50_ms": ms(pct(acks, 50)), "like_ack_p95_ms": ms(pct(acks, 95)),
        "delay_p50_ms": ms(pct(delays, 50)), "delay_p95_ms": ms(pct(delays, 95)),
        "delay_p99_ms": ms(pct(delays, 99)), "delay_max_ms": ms(max(delays) if delays else None),
        "likes_never_seen": unseen, "viewers_at_final_version": at_final,
        "missed": len(viewers) - at_final, "final_version": final_version,
        "hearts_added": final_hearts - hearts0, "accepted": sum(n for _, _, n in likes),
        "frames_per_viewer": round(frames / len(viewers), 1) if viewers else 0,
        "page_n": len(pages), "page_errors": side_result["page_errors"],
        "page_p50_ms": ms(pct(pages, 50)), "page_p95_ms": ms(pct(pages, 95)), "page_p99_ms": ms(pct(pages, 99)),
        "loadgen_cpu_s": round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 1),
    }


def main():
    kind, options = sys.argv[1], json.loads(sys.argv[2])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = options.get("viewers", 0) * 2 + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    result = asyncio.run(likes_main(options) if kind == "likes" else sse_main(options))
    print("RESULT " + json.dumps(result), flush=True)
    os._exit(0)  # open streams: no slow teardown


if __name__ == "__main__":
    main()
