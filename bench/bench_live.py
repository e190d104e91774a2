"""The live final under load: like batches and the SSE leaderboard, against bare Flask, same run.

For each mode it prepares its own instance (embedded: SQLite in a temp dir; scale-out:
a fresh PostgreSQL database ``bench_live_<pid>`` and its own Redis key prefix in a Redis
db of its own), creates a live final (anonymous devices, K=1, high per-viewer and per-IP
budgets) with a session of three finalists and opens the first one's window, then
starts gunicorn as production would (``-k gevent``, 1 worker embedded, 2 workers
scale-out) next to the bare-Flask baseline (bench/live_bare.py) under the same command,
and measures, the same number of seconds each:

a. like batches per second at saturation from N keep-alive clients
   (``POST /api/v1/live/<id>/likes`` with ``X-Device-Token``), latency percentiles, errors;
b. V SSE viewers on ``/live/<id>/events`` while likes arrive at a fixed rate: the delay
   from sending a like to each viewer receiving a snapshot whose hearts include it,
   viewers that did not end at the final version, and ``GET /live/<id>`` latency;
c. hearts in the database against the taps the server accepted (scale-out: after the
   window is closed, which flushes Redis's journal).

Ratios are Guildhall / bare: above 1 means Guildhall takes longer (latencies) or, for
throughput, below 1 means it answers fewer batches a second.

    .venv/bin/python bench/bench_live.py [--viewers 1000,4000] [--seconds 10] [--mode embedded|scale-out|both]
"""
import argparse
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))

VENV_BIN = Path(sys.executable).parent
GUNICORN = [str(VENV_BIN / "gunicorn"), "-k", "gevent", "--worker-connections", "5000", "--timeout", "30",
            "--graceful-timeout", "10", "--keep-alive", "5", "--backlog", "4096"]  # bench/sse_lab's decision
PLUGINS = "announcements,competitions,brand_stories"
HZ = os.sysconf("SC_CLK_TCK")


# -- small helpers ----------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raise_file_limit(viewers):
    need = 2 * viewers + 512
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= need:
        return True
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard) if hard != resource.RLIM_INFINITY else need, hard))
    except (ValueError, OSError):
        pass
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        print(f"!! open-file limit is {soft} (hard {hard}); {viewers} viewers need at least {need}. "
              f"Raise it (ulimit -n {need}, or the hard limit in /etc/security/limits.conf) and run again.")
        return False
    return True


def tree_cpu(pid):
    """CPU seconds of a process and its children (gunicorn master and workers)."""
    total = 0.0
    pids = [pid]
    try:
        pids += [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                  text=True).stdout.split()]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / HZ
        except (OSError, IndexError, ValueError):
            pass
    return total


def make_bench_final():
    """A live final with one session of three entries, its first window open and no like budget
    worth the name (the benchmarks measure the ledger, not the limiter); returns (final, session).
    Inside an app context on a migrated database."""
    from core.extensions import db
    from core.users.models import Organisation
    from plugins.brand_stories import live
    from plugins.brand_stories.models import DEVICES, LiveFinal, LiveSession, Slot
    from plugins.competitions.models import PASSED, SUBMITTED, Category, Competition, Entry

    competition = Competition(slug="bench-final", title="Bench live final", summary="Bench.",
                              description="<p>Bench.</p>", year=2026, listed=True, vote_weight=0.3)
    category = Category(name="Speech", code="SP", position=1)
    competition.categories = [category]
    db.session.add(competition)
    final = LiveFinal(competition=competition, likes_cap=1, viewers=DEVICES, max_batch=200,
                      viewer_batches_per_minute=10_000_000, ip_batches_per_minute=10_000_000)
    session = LiveSession(final=final, category=category, title="Speech final", position=0)
    db.session.add_all([final, session])
    for number in range(3):
        organisation = Organisation(name=f"Bench company {number + 1}")
        db.session.add(organisation)
        entry = Entry(competition=competition, category=category, organisation=organisation,
                      title=f"Story {number + 1}", number=f"SP-{number + 1:03d}", status=SUBMITTED,
                      screening=PASSED)
        db.session.add(entry)
        session.slots.append(Slot(entry=entry, position=number, presenter=f"Presenter {number + 1}"))
    db.session.commit()
    live.open_window(session, session.slots[0], None)
    return final, session


class Server:
    def __init__(self, name, command, env, log_path):
        self.name = name
        self.port = free_port()
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(command + ["-b", f"127.0.0.1:{self.port}"], cwd=ROOT, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, path, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                log = Path(self.log_path).read_text()[-3000:]
                raise SystemExit(f"{self.name} exited; see {self.log_path}:\n{log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"{self.name} did not answer {path} in {timeout} s; see {self.log_path}")

    def warm(self, path, times=20):
        for _ in range(times):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10).read()
            except OSError:
                pass

    def cpu(self):
        return tree_cpu(self.process.pid)

    def stop(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
            except ProcessLookupError:
                pass
        self.log.close()


def run_load(kind, options, server):
    """Run bench/live_load.py in its own process; returns its RESULT and the server's CPU seconds."""
    cpu0 = server.cpu()
    done = subprocess.run([sys.executable, str(BENCH / "live_load.py"), kind, json.dumps(options)],
                          capture_output=True, text=True, timeout=600)
    cpu = server.cpu() - cpu0
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
            result["server_cpu_s"] = round(cpu, 1)
            return result
    raise SystemExit(f"load generator failed ({kind} on {server.name}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")


def merge_rounds(rounds):
    """One likes result from alternating rounds: totals summed, percentiles over every batch."""
    from live_load import ms, pct

    latencies = sorted(value for result in rounds for value in result.pop("latencies"))
    seconds = sum(result["seconds"] for result in rounds)
    errors = {}
    for result in rounds:
        for key, count in result["errors"].items():
            errors[key] = errors.get(key, 0) + count
    ok = sum(result["ok"] for result in rounds)
    return {
        "clients": rounds[0]["clients"], "rounds": len(rounds), "seconds": round(seconds, 2),
        "batches": len(latencies), "ok": ok, "per_second": round(ok / seconds, 1),
        "accepted": sum(result["accepted"] for result in rounds),
        "p50_ms": ms(pct(latencies, 50)), "p95_ms": ms(pct(latencies, 95)), "p99_ms": ms(pct(latencies, 99)),
        "errors": errors, "error_count": sum(errors.values()),
        "error_samples": [sample for result in rounds for sample in result["error_samples"]][:3],
        "per_round": [result["per_second"] for result in rounds],
        "server_cpu_s": round(sum(result["server_cpu_s"] for result in rounds), 1),
    }


# -- instances -------------------------------------------------------------------------------


class Mode:
    """One deployment under test: its instance, config, database and Redis prefix."""

    def __init__(self, name, folder, args):
        self.name = name
        self.folder = Path(folder)
        self.instance = self.folder / "instance"
        self.instance.mkdir()
        self.args = args
        self.scale_out = name == "scale-out"
        self.pg_name = f"bench_live_{os.getpid()}"
        self.prefix = f"bench_live_{os.getpid()}"
        self.redis_url = f"{args.redis.rstrip('/')}/{args.redis_db}"
        if self.scale_out:
            self.database_url = args.pg.rsplit("/", 1)[0] + f"/{self.pg_name}"
        else:
            self.database_url = f"sqlite:///{self.instance / 'guildhall.db'}"
        config = {
            # Not settable from GUILDHALL_* variables: the Redis key prefix and the API budget.
            "BRAND_STORIES_REDIS_PREFIX": self.prefix,
            "RATELIMIT_KEY_PREFIX": self.prefix + ":rl",
            # One budget per IP over the whole API; every bench client shares 127.0.0.1.
            "API_RATE_LIMIT": "10000000 per minute",
        }
        (self.instance / "config.py").write_text("".join(f"{k} = {v!r}\n" for k, v in config.items()))
        self.env = dict(os.environ, GUILDHALL_INSTANCE_PATH=str(self.instance),
                        GUILDHALL_DATABASE_URL=self.database_url, GUILDHALL_ENABLED_PLUGINS=PLUGINS,
                        GUILDHALL_BABEL_DEFAULT_LOCALE="en")
        self.env.pop("GUILDHALL_REDIS_URL", None)
        if self.scale_out:
            self.env["GUILDHALL_REDIS_URL"] = self.redis_url
        self.workers = 2 if self.scale_out else 1
        self.shared_keys_ours = False  # whether the Redis db held no page-cache or limiter keys before the run

    # PostgreSQL and Redis ---------------------------------------------------------------

    def create_database(self):
        self._as_admin(f'CREATE DATABASE "{self.pg_name}"')

    def drop_database(self):
        self._as_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')

    def _as_admin(self, statement):
        if not self.scale_out:
            return
        import sqlalchemy as sa

        admin = sa.create_engine(self.args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(statement))
        admin.dispose()

    def redis(self):
        import redis

        return redis.Redis.from_url(self.redis_url)

    def delete_redis_keys(self):
        client = self.redis()
        deleted = 0
        patterns = [self.prefix + "*", "bench_bare_" + str(os.getpid()) + "*"]
        if self.shared_keys_ours:
            patterns += ["guildhall:pagecache:*", "LIMITS*"]
        for pattern in patterns:
            keys = list(client.scan_iter(match=pattern, count=1000))
            for start in range(0, len(keys), 500):
                deleted += client.delete(*keys[start:start + 500])
        return deleted

    # the app ------------------------------------------------------------------------------

    def app(self):
        from core.app import create_app

        saved = dict(os.environ)
        os.environ.update({k: v for k, v in self.env.items() if k.startswith("GUILDHALL_")})
        if not self.scale_out:
            os.environ.pop("GUILDHALL_REDIS_URL", None)
        try:
            return create_app(instance_path=str(self.instance))
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def prepare(self, clients):
        """Migrate, create the final and its session, open the first window; returns ids and device tokens."""
        from flask_migrate import upgrade

        from core.extensions import db
        from plugins.brand_stories import live

        if self.scale_out:
            client = self.redis()
            self.shared_keys_ours = not any(client.scan_iter(match="guildhall:pagecache:*", count=100)) and \
                not any(client.scan_iter(match="LIMITS*", count=100))
        self.create_database()
        app = self.app()
        with app.app_context():
            upgrade(revision="heads")
            _final, session = make_bench_final()
            self.session_id, self.entry_id = session.id, session.slots[0].entry_id
            self.entry_ids = [slot.entry_id for slot in session.slots]
            self.tokens = [live.new_device_token() for _ in range(clients)]
            self.liker_tokens = [live.new_device_token() for _ in range(20)]
            db.session.remove()
            db.engine.dispose()
        if self.scale_out:
            from plugins.brand_stories.runtime import get_runtime

            get_runtime(app).redis.close()

    def database_hearts(self, close):
        """(hearts in the database, hearts in the ledger's snapshot) for the session; ``close`` closes
        the window first (scale-out: that flushes Redis's journal into the database)."""
        from core.extensions import db
        from plugins.brand_stories import live
        from plugins.brand_stories.models import LikeTotal, LiveSession

        app = self.app()
        with app.app_context():
            session = db.session.get(LiveSession, self.session_id)
            if close:
                live.close_window(session, None)
            in_db = db.session.scalar(db.select(db.func.coalesce(db.func.sum(LikeTotal.hearts), 0))
                                      .where(LikeTotal.session_id == self.session_id))
            snap = live.snapshot(session)
            in_ledger = sum(hearts for hearts, _scoring in snap.counts.values())
            db.session.remove()
            db.engine.dispose()
        return int(in_db), in_ledger


# -- one mode --------------------------------------------------------------------------------


def run_mode(name, args, viewers_list):
    print(f"\n== {name}: gunicorn -k gevent -w {2 if name == 'scale-out' else 1}"
          f"{' on PostgreSQL + Redis' if name == 'scale-out' else ' on SQLite'}; bare Flask under the same command",
          flush=True)
    results = {"likes": {}, "sse": {}}
    servers = []
    with tempfile.TemporaryDirectory(prefix="bench_live_") as folder:
        mode = Mode(name, folder, args)
        try:
            t0 = time.time()
            mode.prepare(args.clients)
            print(f"   prepared in {time.time() - t0:.1f} s (session {mode.session_id}, entry {mode.entry_id} open)",
                  flush=True)
            gh = Server("guildhall", GUNICORN + ["-w", str(mode.workers), "wsgi:app"], mode.env,
                        Path(folder) / "guildhall.log")
            servers.append(gh)
            bare_env = dict(os.environ, BARE_BROKER="redis" if mode.scale_out else "memory",
                            BARE_REDIS_URL=mode.redis_url, BARE_PREFIX=f"bench_bare_{os.getpid()}",
                            BARE_ENTRIES=",".join(map(str, mode.entry_ids)))
            bare = Server("bare", GUNICORN + ["-w", str(mode.workers), "--pythonpath", str(BENCH), "live_bare:app"],
                          bare_env, Path(folder) / "bare.log")
            servers.append(bare)
            sid = mode.session_id
            gh.wait_ready(f"/api/v1/live/{sid}")
            bare.wait_ready("/state")
            gh.warm(f"/live/{sid}")
            bare.warm(f"/live/{sid}")
            paths = {
                gh: {"likes_path": f"/api/v1/live/{sid}/likes", "state_path": f"/api/v1/live/{sid}"},
                bare: {"likes_path": f"/live/{sid}/likes", "state_path": "/state"},
            }
            common = {"host": "127.0.0.1", "entry": mode.entry_id, "events_path": f"/live/{sid}/events",
                      "page_path": f"/live/{sid}"}
            accepted = 0
            rounds = {gh: [], bare: []}
            for _round in range(args.rounds):  # alternating: both see the same background load
                for server in (gh, bare):
                    options = dict(common, **paths[server], port=server.port, tokens=mode.tokens,
                                   clients=args.clients, seconds=args.seconds / args.rounds, raw=True)
                    rounds[server].append(run_load("likes", options, server))
            for server in (gh, bare):
                result = merge_rounds(rounds[server])
                results["likes"][server.name] = result
                if server is gh:
                    accepted += result["accepted"]
                print(f"   likes {server.name}: {result['per_second']} batches/s, "
                      f"p50/p95/p99 {result['p50_ms']}/{result['p95_ms']}/{result['p99_ms']} ms, "
                      f"errors {result['error_count']} {result['errors'] or ''}, server CPU {result['server_cpu_s']} s",
                      flush=True)
                if result["error_samples"]:
                    print(f"      e.g. {result['error_samples'][0]}")
                if result["error_count"]:
                    tail = Path(server.log_path).read_text(errors="replace")[-2500:]
                    print(f"      the end of {server.name}'s log:\n{tail}")
            for viewers in viewers_list:
                for server in (gh, bare):
                    options = dict(common, **paths[server], port=server.port, tokens=mode.liker_tokens,
                                   viewers=viewers, rate=args.rate, seconds=args.seconds, drain=args.drain)
                    result = run_load("sse", options, server)
                    results["sse"][(viewers, server.name)] = result
                    if server is gh:
                        accepted += result["accepted"]
                    print(f"   sse {viewers} {server.name}: connected {result['connected']}/{viewers}, delay "
                          f"p50/p95/p99 {result['delay_p50_ms']}/{result['delay_p95_ms']}/{result['delay_p99_ms']} ms, "
                          f"missed {result['missed']}, "
                          f"page p50/p95 {result['page_p50_ms']}/{result['page_p95_ms']} ms, "
                          f"likes {result['likes_per_second']}/s errors {result['like_errors'] or 0}, "
                          f"server CPU {result['server_cpu_s']} s", flush=True)
            # The servers still run (as at a real final): the host closes the window, which flushes.
            in_db_open, in_ledger_open = mode.database_hearts(close=False)
            in_db, in_ledger = mode.database_hearts(close=True)
            results["consistency"] = {"accepted": accepted, "db_before_close": in_db_open, "db": in_db,
                                      "ledger": in_ledger_open}
        finally:
            for server in servers:
                server.stop()
            if name == "scale-out":
                try:
                    mode.drop_database()
                    print(f"   cleaned up: database {mode.pg_name} dropped")
                except Exception as error:  # report, keep cleaning
                    print(f"   !! could not drop database {mode.pg_name}: {error}")
                try:
                    print(f"   cleaned up: {mode.delete_redis_keys()} Redis keys deleted")
                except Exception as error:
                    print(f"   !! could not delete Redis keys: {error}")
    return results


def ratio(ours, base):
    if ours is None or base in (None, 0):
        return "–"
    return f"{ours / base:.2f}"


def _s(value):
    return "–" if value is None else str(value)


def report(name, results, args):
    likes = results["likes"]
    gh, bare = likes["guildhall"], likes["bare"]
    print(f"\n-- {name}: likes at saturation, {args.clients} keep-alive clients, {args.seconds:g} s each "
          f"in {args.rounds} alternating rounds")
    print(f"{'':<12}{'batches/s':>11}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'server CPU s':>14}")
    for label, r in (("guildhall", gh), ("bare flask", bare)):
        print(f"{label:<12}{_s(r['per_second']):>11}{_s(r['p50_ms']):>9}{_s(r['p95_ms']):>9}{_s(r['p99_ms']):>9}"
              f"{_s(r['error_count']):>8}{_s(r['server_cpu_s']):>14}")
    print(f"{'ratio':<12}{ratio(gh['per_second'], bare['per_second']):>11}{ratio(gh['p50_ms'], bare['p50_ms']):>9}"
          f"{ratio(gh['p95_ms'], bare['p95_ms']):>9}{ratio(gh['p99_ms'], bare['p99_ms']):>9}")
    print(f"   (batches/s per round: guildhall {gh['per_round']}, bare {bare['per_round']})")
    if gh["errors"].get("TimeoutError"):
        print("   !! Guildhall's like requests timed out (10 s): see the end of its log above")
    viewers_seen = sorted({v for v, _ in results["sse"]})
    for viewers in viewers_seen:
        g, b = results["sse"][(viewers, "guildhall")], results["sse"][(viewers, "bare")]
        print(f"\n-- {name}: SSE, {viewers} viewers, likes at {args.rate:g} batches/s for {args.seconds:g} s "
              f"(delay = like sent -> viewer has a snapshot counting it)")
        print(f"{'':<12}{'connected':>10}{'delay p50':>10}{'p95':>8}{'p99':>8}{'missed':>8}{'page p50':>10}"
              f"{'p95':>8}{'p99':>8}{'likes/s':>9}{'errors':>8}{'CPU s':>7}")
        for label, r in (("guildhall", g), ("bare flask", b)):
            errors = sum(r["like_errors"].values()) + r["page_errors"]
            print(f"{label:<12}{_s(r['connected']):>10}{_s(r['delay_p50_ms']):>10}{_s(r['delay_p95_ms']):>8}"
                  f"{_s(r['delay_p99_ms']):>8}"
                  f"{_s(r['missed']):>8}{_s(r['page_p50_ms']):>10}{_s(r['page_p95_ms']):>8}{_s(r['page_p99_ms']):>8}"
                  f"{_s(r['likes_per_second']):>9}{errors:>8}{_s(r['server_cpu_s']):>7}")
        print(f"{'ratio':<12}{'':>10}{ratio(g['delay_p50_ms'], b['delay_p50_ms']):>10}"
              f"{ratio(g['delay_p95_ms'], b['delay_p95_ms']):>8}{ratio(g['delay_p99_ms'], b['delay_p99_ms']):>8}"
              f"{'':>8}{ratio(g['page_p50_ms'], b['page_p50_ms']):>10}{ratio(g['page_p95_ms'], b['page_p95_ms']):>8}"
              f"{ratio(g['page_p99_ms'], b['page_p99_ms']):>8}")
        print(f"   (missed = viewers whose last snapshot is not the final version {g['final_version']}; "
              f"likes never seen by a viewer: guildhall {g['likes_never_seen']}, bare {b['likes_never_seen']}; "
              f"snapshots per viewer: guildhall {g['frames_per_viewer']}, bare {b['frames_per_viewer']}; "
              f"load generator CPU s: guildhall {g['loadgen_cpu_s']}, bare {b['loadgen_cpu_s']}; "
              f"connect s: guildhall {g['connect_s']}, bare {b['connect_s']})")
    c = results["consistency"]
    ok = c["db"] == c["accepted"] == c["ledger"]
    when = "after closing the window (flush)" if name == "scale-out" else "immediately"
    print(f"\n-- {name}: database: accepted taps {c['accepted']}, ledger snapshot {c['ledger']}, "
          f"hearts in the database {when} {c['db']}"
          + (f" (before closing: {c['db_before_close']})" if name == "scale-out" else "")
          + f"; consistent: {'yes' if ok else 'no'}")
    errors = results["likes"]["guildhall"]["errors"]
    unanswered = sum(errors.get(k, 0) for k in ("TimeoutError", "ConnectionResetError"))
    if not ok and unanswered:
        print(f"   ({unanswered} like requests got no answer; the server may have counted them: the accepted "
              f"taps above are those acknowledged to a client)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", default="1000", help="comma-separated SSE viewer counts (default 1000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement (default 10)")
    parser.add_argument("--mode", choices=["embedded", "scale-out", "both"], default="both")
    parser.add_argument("--clients", type=int, default=32,
                        help="concurrent like clients at saturation (default 32)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="like measurements alternate between Guildhall and bare Flask in this many rounds")
    parser.add_argument("--rate", type=float, default=20.0, help="like batches per second during the SSE test")
    parser.add_argument("--drain", type=float, default=3.0, help="seconds to wait for the last snapshots")
    parser.add_argument("--pg", default=os.environ.get("GUILDHALL_TEST_PG",
                                                      "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
                        help="PostgreSQL URL allowed to CREATE DATABASE (scale-out)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis server (scale-out)")
    parser.add_argument("--redis-db", type=int, default=5, help="Redis db number (scale-out; keys get a prefix too)")
    args = parser.parse_args()
    viewers_list = [int(v) for v in args.viewers.split(",") if v.strip()]
    if not raise_file_limit(max(viewers_list)):
        raise SystemExit(2)
    modes = ["embedded", "scale-out"] if args.mode == "both" else [args.mode]
    print(f"bench_live: modes {', '.join(modes)}; viewers {viewers_list}; {args.seconds:g} s per measurement; "
          f"{os.cpu_count()} CPUs; open-file limit {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}")
    started = time.time()
    all_results = {}
    for name in modes:
        all_results[name] = run_mode(name, args, viewers_list)
    for name in modes:
        report(name, all_results[name], args)
    print(f"\n(total {time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
