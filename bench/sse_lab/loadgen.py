"""SSE load generator: N raw-asyncio SSE viewers + a side process that POSTs likes
and probes GET /page.  Usage:
  python loadgen.py --viewers 4000 --rate 5 --duration 20 [--stream-port 8000] [--port 8000]
Prints one JSON result line (prefixed RESULT).
"""
import argparse, asyncio, json, multiprocessing as mp, os, resource, statistics, time, http.client, threading


TS_CACHE = {}


class Viewer(asyncio.Protocol):
    def __init__(self, idx, res):
        self.idx, self.res, self.buf = idx, res, b""
        self.connected = asyncio.get_event_loop().create_future()
        self.got_first = False
        self.closed = False

    def connection_made(self, tr):
        self.tr = tr
        tr.write(b"GET /stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")

    def data_received(self, data):
        now = time.time()
        self.buf += data
        if not self.got_first:
            if b"\r\n\r\n" not in self.buf:
                return
            self.got_first = self.buf.startswith(b"HTTP/1.1 200")
            if not self.connected.done():
                self.connected.set_result(self.got_first)
        *lines, self.buf = self.buf.split(b"\n")
        for ln in lines:
            if ln.startswith(b"data: "):
                # cheap path: parse the JSON only once per version (cache), like a real
                # browser does once per client; the bench must not be the bottleneck
                key = ln[6:60]
                d = TS_CACHE.get(key)
                if d is None:
                    j = json.loads(ln[6:]); d = TS_CACHE[key] = (j["v"], j["ts"])
                self.res.append((d[0], now, d[1]))

    def connection_lost(self, exc):
        self.closed = True
        if not self.connected.done():
            self.connected.set_result(False)


def side(host, port, rate, duration, start_evt, q):
    """Likes at `rate`/s and a page probe every 100 ms, in plain threads."""
    likes, pages, page_err = [], [], [0]
    start_evt.wait()
    t_end = time.time() + duration

    def liker():
        c = http.client.HTTPConnection(host, port, timeout=10)
        i, t0 = 0, time.time()
        while time.time() < t_end:
            body = json.dumps({"entry_id": i % 8 + 1, "count": 1, "batch_id": i})
            ts = time.time()
            try:
                c.request("POST", "/like", body, {"Content-Type": "application/json"})
                r = c.getresponse(); d = json.loads(r.read())
                likes.append((d["v"], ts, time.time()))
            except Exception as e:
                likes.append((None, ts, time.time())); c = http.client.HTTPConnection(host, port, timeout=10)
            i += 1
            nxt = t0 + i / rate
            time.sleep(max(0, nxt - time.time()))

    def pager():
        while time.time() < t_end + 1:
            t = time.perf_counter()
            try:
                c = http.client.HTTPConnection(host, port, timeout=10)
                c.request("GET", "/page"); r = c.getresponse(); r.read(); c.close()
                if r.status == 200:
                    pages.append(time.perf_counter() - t)
                else:
                    page_err[0] += 1
            except Exception:
                page_err[0] += 1
            time.sleep(0.1)

    ts = [threading.Thread(target=liker), threading.Thread(target=pager)]
    [t.start() for t in ts]; [t.join() for t in ts]
    q.put({"likes": likes, "pages": pages, "page_err": page_err[0]})


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs); k = min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))
    return xs[k]


async def main(a):
    loop = asyncio.get_running_loop()
    results, viewers = [], []
    t_conn = time.time()
    sem = asyncio.Semaphore(200)

    async def one(i):
        res = []
        async with sem:
            try:
                _, pr = await loop.create_connection(lambda: Viewer(i, res), a.host, a.stream_port)
            except OSError as e:
                return None, res
            try:
                ok = await asyncio.wait_for(pr.connected, 30)
            except asyncio.TimeoutError:
                ok = False
        return pr, res

    outs = await asyncio.gather(*(one(i) for i in range(a.viewers)))
    connected = [(p, r) for p, r in outs if p is not None and p.got_first]
    t_conn = time.time() - t_conn
    print(f"connected {len(connected)}/{a.viewers} in {t_conn:.1f}s", flush=True)

    # loop lag monitor
    lags = []
    async def lagmon():
        while True:
            t = loop.time(); await asyncio.sleep(0.05); lags.append(loop.time() - t - 0.05)
    lm = asyncio.create_task(lagmon())

    for _, r in connected:
        r.clear()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    start_evt, q = mp.Event(), mp.Queue()
    pr = mp.Process(target=side, args=(a.host, a.port, a.rate, a.duration, start_evt, q)); pr.start()
    start_evt.set()
    side_res = await loop.run_in_executor(None, q.get)
    await asyncio.sleep(a.drain)
    pr.join()
    lm.cancel()
    ru1 = resource.getrusage(resource.RUSAGE_SELF)

    likes = side_res["likes"]
    published = {v: (t_sent, t_ack) for v, t_sent, t_ack in likes if v is not None}
    vs = sorted(published)
    # server ts per version, from any viewer that saw it
    server_ts = {}
    for _, r in connected:
        for v, now, ts in r:
            server_ts.setdefault(v, ts)
    delays_recv, delays_lo = [], []
    strict_missed = lo_missed = 0
    alive = sum(1 for p, _ in connected if not p.closed)
    for p, r in connected:
        got = {}
        for v, now, ts in r:
            got.setdefault(v, now)
            delays_recv.append(now - ts)
        gv = sorted(got)
        # first receipt time of a version >= v (suffix min over sorted versions)
        suffix, best = {}, None
        for v in reversed(gv):
            best = got[v] if best is None else min(best, got[v])
            suffix[v] = best
        import bisect
        for v in vs:
            if v not in got:
                strict_missed += 1
            j = bisect.bisect_left(gv, v)
            if j == len(gv):
                lo_missed += 1
            else:
                ts = server_ts.get(v, published[v][1])
                delays_lo.append(suffix[gv[j]] - ts)
    pages = side_res["pages"]
    out = {
        "viewers": a.viewers, "connected": len(connected), "alive_at_end": alive, "connect_s": round(t_conn, 1),
        "likes_sent": len(likes), "likes_ok": len(vs), "like_ack_p50_ms": round(1000 * pct([t2 - t1 for _, t1, t2 in likes], 50), 1) if likes else None,
        "like_ack_p95_ms": round(1000 * pct([t2 - t1 for _, t1, t2 in likes], 95), 1) if likes else None,
        "delay_lo_p50": pct(delays_lo, 50), "delay_lo_p95": pct(delays_lo, 95), "delay_lo_p99": pct(delays_lo, 99), "delay_lo_max": max(delays_lo) if delays_lo else None,
        "delay_recv_p50": pct(delays_recv, 50), "delay_recv_p95": pct(delays_recv, 95), "delay_recv_p99": pct(delays_recv, 99),
        "strict_missed": strict_missed, "latest_only_missed": lo_missed, "expected_pairs": len(vs) * len(connected),
        "page_n": len(pages), "page_err": side_res["page_err"], "page_p50_ms": round(1000 * pct(pages, 50), 1) if pages else None,
        "page_p95_ms": round(1000 * pct(pages, 95), 1) if pages else None, "page_max_ms": round(1000 * max(pages), 1) if pages else None,
        "loadgen_cpu_s": round((ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime), 1),
        "loop_lag_p95_ms": round(1000 * pct(lags, 95), 1) if lags else None, "loop_lag_max_ms": round(1000 * max(lags), 1) if lags else None,
    }
    for k in list(out):
        if k.startswith("delay") and out[k] is not None:
            out[k] = round(out[k] * 1000, 1)   # ms
    print("RESULT " + json.dumps(out), flush=True)
    os._exit(0)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1"); p.add_argument("--port", type=int, default=8000)
    p.add_argument("--stream-port", type=int, default=None)
    p.add_argument("--viewers", type=int, default=1000); p.add_argument("--rate", type=float, default=5)
    p.add_argument("--duration", type=float, default=20); p.add_argument("--drain", type=float, default=5)
    a = p.parse_args(); a.stream_port = a.stream_port or a.port
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
    asyncio.run(main(a))
