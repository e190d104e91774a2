"""A mixed load on the scale-out deployment for a bounded time: browse, sign in, submit, like.

It prepares its own instance: a fresh PostgreSQL database ``bench_mixed_<pid>`` (created through
--pg, dropped at the end), Redis db --redis-db (default 6) under the key prefix
``bench_mixed_<pid>`` (its keys deleted at the end), every plugin enabled, the demo content
loaded (core.demo.load_demo, what ``flask demo load`` runs) and a live final with an open like
window (as bench_live.py prepares one). It serves that with gunicorn as production does
(``-c deploy/gunicorn.conf.py``: gevent workers, 2 of them, no preload).

Virtual users (asyncio, one keep-alive connection and one cookie jar each, in a process of
their own) then pick actions at random by weight (--mix) as fast as they are answered:

- browse: GET the home page, the news list, a news post, the competitions list or the live
  audience page, as whoever they are at the moment (anonymous, or signed in);
- sign in: GET /login with a fresh cookie jar, read the csrf_token, POST a demo member's e-mail
  and password (expects a redirect away from /login);
- submit: save a new entry draft in the open competition (GET its entry form, read the
  csrf_token, POST title + category with "Save draft"; expects a redirect to the entry); a user
  who is not signed in signs in first;
- like: POST a batch to the live final's likes API with the user's device token.

After each action a signed-in user ends its session (forgets its cookies, as a closed browser)
with probability --session-end, so browsing is part anonymous (page cache) and part signed in.

For the bench the instance's config raises LOGIN_RATE_LIMIT and API_RATE_LIMIT: every virtual
user shares 127.0.0.1, and the default login limit (10 a minute per address) would turn
nearly every sign-in into a 429.

    .venv/bin/python bench/bench_mixed.py [--seconds 30] [--users 24] [--mix browse=70,like=20,submit=5,signin=5]
"""
import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

VENV_BIN = Path(sys.executable).parent
PLUGINS = "announcements,competitions,brand_stories,youth_committee,partner_recruitment"
DEFAULT_MIX = "browse=70,like=20,submit=5,signin=5"
BROWSE = ["home", "news list", "news post", "competitions", "live page"]
ROWS = {  # action -> the requests it is made of, in the order printed
    "browse": [f"browse: {page}" for page in BROWSE],
    "sign in": ["sign in: form", "sign in: post"],
    "submit": ["submit: form", "submit: post"],
    "like": ["like"],
}
CSRF_INPUT = re.compile(rb'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(rb'value="([^"]+)"')


# -- the instance -------------------------------------------------------------------------------


class Instance:
    def __init__(self, folder, args):
        self.args = args
        self.instance = Path(folder) / "instance"
        self.instance.mkdir()
        self.pg_name = self.prefix = f"bench_mixed_{os.getpid()}"
        self.database_url = args.pg.rsplit("/", 1)[0] + f"/{self.pg_name}"
        self.redis_url = f"{args.redis.rstrip('/')}/{args.redis_db}"
        config = {
            # Not settable from GUILDHALL_* variables: the Redis key prefixes and the limits.
            "BRAND_STORIES_REDIS_PREFIX": self.prefix,
            "RATELIMIT_KEY_PREFIX": self.prefix + ":rl",
            # Every virtual user shares 127.0.0.1: raised for the bench (see the docstring).
            "LOGIN_RATE_LIMIT": "1000000 per minute",
            "API_RATE_LIMIT": "10000000 per minute",
        }
        (self.instance / "config.py").write_text("".join(f"{k} = {v!r}\n" for k, v in config.items()))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GUILDHALL_")}
        self.env.update(GUILDHALL_INSTANCE_PATH=str(self.instance), GUILDHALL_DATABASE_URL=self.database_url,
                        GUILDHALL_REDIS_URL=self.redis_url, GUILDHALL_ENABLED_PLUGINS=PLUGINS, WEB_CONCURRENCY="2")
        self.shared_keys_ours = False
        self.created = False
        self.final_patterns, self.keys_before = [], set()

    def admin(self, statement):
        import sqlalchemy as sa

        engine = sa.create_engine(self.args.pg, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(statement))
        engine.dispose()

    def redis(self):
        import redis

        return redis.Redis.from_url(self.redis_url)

    def app(self):
        from core.app import create_app

        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env)
        try:
            return create_app(instance_path=str(self.instance))
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def prepare(self, users):
        """Migrate, load the demo, create a live final with an open window; returns what the users need."""
        from flask_migrate import upgrade

        from core.demo import DEMO_DOMAIN, load_demo
        from core.extensions import db
        from core.pages.public import visible_news
        from bench_live import make_bench_final
        from plugins.brand_stories import live
        from plugins.competitions import entries as entry_rules
        from plugins.competitions.models import Competition, Entry

        client = self.redis()
        # The page cache's keys have a fixed prefix: delete them at the end only if none were here before.
        self.shared_keys_ours = not any(client.scan_iter(match="guildhall:pagecache:*", count=100))
        client.close()
        self.admin(f'CREATE DATABASE "{self.pg_name}"')
        self.created = True
        app = self.app()
        with app.app_context():
            upgrade(revision="heads")
            password = load_demo()
            if not password:
                raise SystemExit("the demo did not create its accounts on the fresh database")
            open_calls = [c for c in db.session.scalars(db.select(Competition).order_by(Competition.id))
                          if entry_rules.stage_refusal(c) is None and c.slug != "bench-final"]
            if not open_calls:
                raise SystemExit("the demo has no competition open for entries")
            call = open_calls[0]
            news = [page.slug for page in db.session.scalars(visible_news().limit(5))]
            if not news:
                raise SystemExit("the demo has no news")

            final, session = make_bench_final()
            # The final's like budgets are kept under brand_stories' own limiter keys, outside the prefix.
            self.final_patterns = [f"LIMITS:{{LIMITER/{kind}/{final.id}/*" for kind in ("bs-viewer", "bs-ip")]
            client = self.redis()
            self.keys_before = {key for pattern in self.final_patterns for key in client.scan_iter(match=pattern)}
            client.close()
            plan = {
                "session_id": session.id,
                "final_id": final.id,
                "entry_id": session.slots[0].entry_id,
                "tokens": [live.new_device_token() for _ in range(users)],
                "accounts": [[f"member@{DEMO_DOMAIN}", password], [f"member2@{DEMO_DOMAIN}", password]],
                "call": call.slug,
                "categories": [c.id for c in call.categories],
                "news": news,
                "drafts_before": db.session.scalar(db.select(db.func.count(Entry.id))),
            }
            db.session.remove()
            db.engine.dispose()
        from plugins.brand_stories.runtime import get_runtime

        get_runtime(app).redis.close()
        return plan

    def cache_version(self):
        """The page cache's content version in Redis (a counter: every bump empties the cache)."""
        client = self.redis()
        value = int(client.get("guildhall:pagecache:version") or 0)
        client.close()
        return value

    def drafts_saved(self, run_id):
        """Entries the bench saved (their titles carry the run's id), read from the database."""
        from core.extensions import db
        from plugins.competitions.models import Entry

        app = self.app()
        with app.app_context():
            count = db.session.scalar(db.select(db.func.count(Entry.id)).where(Entry.title.like(f"Bench {run_id}%")))
            db.session.remove()
            db.engine.dispose()
        from plugins.brand_stories.runtime import get_runtime

        get_runtime(app).redis.close()
        return count

    def clean(self):
        messages = []
        if self.created:
            try:
                self.admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
                messages.append(f"database {self.pg_name} dropped")
            except Exception as error:
                messages.append(f"!! could not drop database {self.pg_name}: {error}")
        try:
            client = self.redis()
            patterns = [f"*{self.prefix}*", *self.final_patterns]
            patterns += ["guildhall:pagecache:*"] if self.shared_keys_ours else []
            deleted = 0
            for pattern in patterns:
                keys = [key for key in client.scan_iter(match=pattern, count=1000) if key not in self.keys_before]
                for start in range(0, len(keys), 500):
                    deleted += client.delete(*keys[start:start + 500])
            left = client.dbsize()
            client.close()
            messages.append(f"{deleted} Redis keys deleted from db {self.args.redis_db} ({left} left in it)")
        except Exception as error:
            messages.append(f"!! could not delete Redis keys: {error}")
        return messages


# -- the virtual users (their own process) ------------------------------------------------------


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    headers, cookies = {}, []
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower().decode(), value.strip().decode(errors="replace")
        if name == "set-cookie":
            cookies.append(value)
        else:
            headers[name] = value
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read()
        headers["connection"] = "close"
    return status, headers, cookies, body


class Refused(Exception):
    """A request that answered, but not as a working site would."""


class User:
    """One browser: a keep-alive connection, a cookie jar, maybe signed in."""

    def __init__(self, index, o, stats):
        self.index, self.o, self.stats = index, o, stats
        self.rng = random.Random(o["seed"] * 1000 + index)
        self.account = o["accounts"][index % len(o["accounts"])]
        self.token = o["tokens"][index % len(o["tokens"])]
        self.jar = {}
        self.signed_in = False
        self.reader = self.writer = None
        self.submits = 0

    async def request(self, kind, method, path, body=None, headers=None, cookies=True):
        """One request, timed and counted under ``kind``; returns (status, headers, body) or raises Refused."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.o['host']}:{self.o['port']}",
                 "Accept-Language: zh-CN,zh;q=0.9"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if cookies and self.jar:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.jar.items()))
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
        row = self.stats.setdefault(kind, {"latencies": [], "ok": 0, "errors": {}, "samples": [], "hits": 0})
        started = time.perf_counter()
        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.o["host"], self.o["port"])
            self.writer.write(raw)
            status, answer_headers, set_cookies, answer = await asyncio.wait_for(read_response(self.reader), 30)
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, asyncio.LimitOverrunError) as error:
            self.drop_connection()
            self.fail(row, type(error).__name__, "")
            raise Refused(type(error).__name__) from None
        row["latencies"].append(time.perf_counter() - started)
        if cookies:
            for item in set_cookies:
                name, _, value = item.split(";", 1)[0].partition("=")
                self.jar[name.strip()] = value
        if answer_headers.get("connection", "").lower() == "close":
            self.drop_connection()
        if answer_headers.get("x-cache") == "HIT":
            row["hits"] += 1
        return status, answer_headers, answer, row

    def drop_connection(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    def fail(self, row, key, sample):
        row["errors"][key] = row["errors"].get(key, 0) + 1
        if sample and len(row["samples"]) < 3:
            row["samples"].append(sample)

    def check(self, row, ok, status, answer, what):
        if ok:
            row["ok"] += 1
            return
        text = re.sub(r"\s+", " ", answer[:4000].decode(errors="replace"))
        found = re.search(r'class="(?:flash|error|form-error|errors)[^"]*"[^>]*>(.{0,160})', text)
        self.fail(row, str(status), f"{what}: {status} {found.group(1) if found else text[:160]}")
        raise Refused(what)

    def csrf(self, answer):
        tag = CSRF_INPUT.search(answer)
        value = VALUE.search(tag.group(0)) if tag else None
        return value.group(1).decode() if value else None

    # -- actions ----------------------------------------------------------------------------

    async def browse(self):
        page = self.rng.choice(BROWSE)
        path = {"home": "/", "news list": "/news/", "news post": f"/news/{self.rng.choice(self.o['news'])}",
                "competitions": "/competitions", "live page": f"/live/{self.o['session_id']}"}[page]
        status, _headers, answer, row = await self.request(f"browse: {page}", "GET", path)
        self.stats["_browse_as"]["member" if self.signed_in else "anonymous"] += 1
        self.check(row, status == 200, status, answer, f"GET {path}")

    async def sign_in(self):
        self.jar.clear()
        self.signed_in = False
        status, _headers, answer, row = await self.request("sign in: form", "GET", "/login")
        token = self.csrf(answer)
        self.check(row, status == 200 and token is not None, status, answer, "GET /login")
        email, password = self.account
        body = urlencode({"csrf_token": token, "email": email, "password": password, "next": "",
                          "submit": "Sign in"}).encode()
        status, headers, answer, row = await self.request(
            "sign in: post", "POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        self.check(row, status == 302 and "/login" not in headers.get("location", "/login"), status, answer,
                   "POST /login")
        self.signed_in = True

    async def submit(self):
        path = f"/competitions/{self.o['call']}/enter"
        status, _headers, answer, row = await self.request("submit: form", "GET", path)
        token = self.csrf(answer)
        self.check(row, status == 200 and token is not None, status, answer, f"GET {path}")
        self.submits += 1
        title = f"Bench {self.o['run_id']} user {self.index} draft {self.submits}"
        body = urlencode({"csrf_token": token, "title": title, "category_id": self.rng.choice(self.o["categories"]),
                          "summary": "A draft saved by bench_mixed.py.", "save": "Save draft"}).encode()
        status, headers, answer, row = await self.request(
            "submit: post", "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
        self.check(row, status == 302 and "/competitions/entries/" in headers.get("location", ""), status, answer,
                   f"POST {path}")
        self.stats["_drafts_saved"] += 1

    async def like(self):
        body = json.dumps({"entry_id": self.o["entry_id"], "count": 1, "batch_id": uuid.uuid4().hex}).encode()
        status, _headers, answer, row = await self.request(
            "like", "POST", f"/api/v1/live/{self.o['session_id']}/likes", body,
            {"Content-Type": "application/json", "X-Device-Token": self.token}, cookies=False)
        self.check(row, status == 200, status, answer, "POST likes")

    async def run(self, action):
        """One action, timed as a whole (its requests together); failures are counted, never raised.
        A submit by a user who is not signed in is preceded by a sign-in, counted as an action of its own."""
        if action == "submit" and not self.signed_in:
            await self.run("sign in")
            if not self.signed_in:
                return
        started = time.perf_counter()
        row = self.stats["_actions"].setdefault(action, {"latencies": [], "ok": 0, "failed": 0})
        try:
            await {"browse": self.browse, "sign in": self.sign_in, "submit": self.submit, "like": self.like}[action]()
        except Refused:
            row["failed"] += 1
            self.jar.clear()  # start again as a fresh visitor
            self.signed_in = False
            return
        row["ok"] += 1
        row["latencies"].append(time.perf_counter() - started)

    async def live(self, deadline):
        names, weights = zip(*self.o["mix"].items())
        while time.perf_counter() < deadline:
            await self.run(self.rng.choices(names, weights)[0])
            if self.signed_in and self.rng.random() < self.o["session_end"]:
                self.jar.clear()
                self.signed_in = False
            if self.o["think"]:
                await asyncio.sleep(self.rng.expovariate(1 / self.o["think"]))
        self.drop_connection()


async def load_main(o):
    stats = {"_actions": {}, "_browse_as": {"anonymous": 0, "member": 0}, "_drafts_saved": 0}
    started = time.perf_counter()
    deadline = started + o["seconds"]
    users = [User(i, o, stats) for i in range(o["users"])]
    await asyncio.gather(*(user.live(deadline) for user in users))
    stats["_seconds"] = time.perf_counter() - started
    return stats


# -- the report ---------------------------------------------------------------------------------


def summary(latencies, ok, failed, seconds):
    from live_load import ms, pct

    total = ok + failed
    return {"n": total, "per_second": ok / seconds, "error_rate": failed / total if total else 0.0,
            "p50": ms(pct(latencies, 50)), "p95": ms(pct(latencies, 95)), "p99": ms(pct(latencies, 99))}


def line(label, s, extra=""):
    def f(v):
        return "–" if v is None else f"{v:g}"

    return (f"{label:<24}{s['n']:>8}{s['per_second']:>9.1f}{s['error_rate']:>8.1%}{f(s['p50']):>9}{f(s['p95']):>9}"
            f"{f(s['p99']):>9}  {extra}")


def report(stats, seconds, server_cpu):
    print(f"\n-- per request ({seconds:.1f} s; rate = successful requests per second; latency of every answered "
          f"request, ms)")
    header = f"{'':<24}{'requests':>8}{'per s':>9}{'errors':>8}{'p50':>9}{'p95':>9}{'p99':>9}"
    print(header)
    every, ok_all, failed_all = [], 0, 0
    samples = []
    for action, kinds in ROWS.items():
        for kind in kinds:
            row = stats.get(kind)
            if row is None:
                continue
            failed = sum(row["errors"].values())
            every += row["latencies"]
            ok_all += row["ok"]
            failed_all += failed
            extra = f"cache hits {row['hits']}" if kind.startswith("browse") else ""
            if row["errors"]:
                extra += f"  errors {row['errors']}"
                samples += row["samples"][:1]
            print(line(kind, summary(sorted(row["latencies"]), row["ok"], failed, seconds), extra))
    print(line("all requests", summary(sorted(every), ok_all, failed_all, seconds)))
    print("\n-- per action (an action's requests timed together; rate = completed actions per second)")
    print(header.replace("requests", " actions"))
    for action in ROWS:
        row = stats["_actions"].get(action)
        if row is not None:
            print(line(action, summary(sorted(row["latencies"]), row["ok"], row["failed"], seconds)))
    actions = stats["_actions"].values()
    print(line("all actions", summary(sorted(v for r in actions for v in r["latencies"]),
                                      sum(r["ok"] for r in actions), sum(r["failed"] for r in actions), seconds)))
    browse = stats["_browse_as"]
    print(f"\n   pages browsed anonymously {browse['anonymous']}, signed in {browse['member']}; "
          f"server CPU {server_cpu:.1f} s over {seconds:.1f} s (2 cores)")
    for sample in samples[:5]:
        print(f"   e.g. {sample}")


def parse_mix(text):
    mix = {}
    names = {"browse": "browse", "like": "like", "submit": "submit", "signin": "sign in", "sign-in": "sign in"}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        if name.strip() not in names:
            raise SystemExit(f"--mix: unknown action {name!r} (browse, like, submit, signin)")
        mix[names[name.strip()]] = float(weight)
    return {k: v for k, v in mix.items() if v > 0}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the load lasts (default 30)")
    parser.add_argument("--users", type=int, default=24, help="virtual users (default 24)")
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f"action weights (default {DEFAULT_MIX})")
    parser.add_argument("--session-end", type=float, default=0.1,
                        help="chance that a signed-in user ends its session after an action (default 0.1)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause between a user's actions in seconds (default 0: as fast as answered)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg", default=os.environ.get("GUILDHALL_TEST_PG",
                                                      "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
                        help="PostgreSQL URL allowed to CREATE DATABASE")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis server")
    parser.add_argument("--redis-db", type=int, default=6, help="Redis db number (keys get a prefix too)")
    args = parser.parse_args()
    mix = parse_mix(args.mix)

    from bench_live import Server

    started = time.time()
    total = sum(mix.values())
    print(f"bench_mixed: gunicorn -c deploy/gunicorn.conf.py (gevent, 2 workers) on PostgreSQL + Redis db "
          f"{args.redis_db}; {args.users} users for {args.seconds:g} s; mix "
          + ", ".join(f"{k} {v / total:.0%}" for k, v in mix.items()) + f"; {os.cpu_count()} CPUs", flush=True)
    server = None
    with tempfile.TemporaryDirectory(prefix="bench_mixed_") as folder:
        instance = Instance(folder, args)
        try:
            t0 = time.time()
            plan = instance.prepare(args.users)
            print(f"   prepared in {time.time() - t0:.1f} s: demo loaded, open call {plan['call']}, "
                  f"live session {plan['session_id']} with entry {plan['entry_id']}'s window open", flush=True)
            server = Server("guildhall", [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                                          "wsgi:app"], instance.env, Path(folder) / "guildhall.log")
            server.wait_ready("/healthz")
            for path in ("/", "/news/", "/competitions", f"/live/{plan['session_id']}", "/login"):
                server.warm(path, 10)
            run_id = uuid.uuid4().hex[:8]
            options = dict(plan, host="127.0.0.1", port=server.port, users=args.users, seconds=args.seconds,
                           mix=mix, session_end=args.session_end, think=args.think, seed=args.seed, run_id=run_id)
            version0 = instance.cache_version()
            load0 = os.getloadavg()[0]
            cpu0 = server.cpu()
            done = subprocess.run([sys.executable, __file__, "_load", json.dumps(options)], capture_output=True,
                                  text=True, timeout=args.seconds + 300)
            server_cpu = server.cpu() - cpu0
            result = next((json.loads(l[7:]) for l in done.stdout.splitlines() if l.startswith("RESULT ")), None)
            if result is None:
                raise SystemExit(f"the virtual users failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
            report(result, result["_seconds"], server_cpu)
            print(f"   page cache emptied {instance.cache_version() - version0} times during the run (content "
                  f"version bumps); machine load average {load0:.1f} before, {os.getloadavg()[0]:.1f} after")
            saved = instance.drafts_saved(run_id)
            answered = result["_drafts_saved"]
            print(f"   drafts confirmed to users {answered}, found in the database {saved}: "
                  f"{'consistent' if saved == answered else 'NOT consistent'}")
            log_tail = Path(server.log_path).read_text(errors="replace")
            tracebacks = log_tail.count("Traceback")
            if tracebacks:
                print(f"   !! {tracebacks} tracebacks in the server's log; its end:\n{log_tail[-2500:]}")
        finally:
            if server is not None:
                server.stop()
            for message in instance.clean():
                print(f"   cleaned up: {message}")
    print(f"\n(total {time.time() - started:.0f} s)")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "_load":
        result = asyncio.run(load_main(json.loads(sys.argv[2])))
        print("RESULT " + json.dumps(result), flush=True)
    else:
        main()
