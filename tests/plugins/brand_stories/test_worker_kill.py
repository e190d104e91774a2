"""A real gunicorn (deploy/gunicorn.conf.py: gevent, two workers) on PostgreSQL and Redis, under
load from eight phones, with one worker killed with SIGKILL half-way.

Every phone has its own device token and sends batches through the API; a batch without
an answer (the worker died under it) is re-sent with the SAME batch_id until answered. The
master respawns the dead worker. When the window closes (here, as the host would, through
live.close_window, which flushes), the database holds exactly the sum of the answered
outcomes: no acknowledged like lost, none counted twice. Server-Sent Events streamed by the
workers are checked along the way.
"""
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from core.extensions import db
from plugins.brand_stories import live
from plugins.brand_stories.models import LikeBatchRecord, LikeTotal, LiveSession, ViewerLikes
from plugins.brand_stories.runtime import get_runtime
from tests.conftest import _clean_postgres

from .conftest import PLUGINS, make_final
from .test_scale_out import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[3]
PHONES = 8
BEFORE_KILL = 120  # answered batches before the kill
AFTER_KILL = 120  # and after it


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid):
    """Process ids whose parent is ``pid`` (gunicorn's workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return sorted(found)


def _gunicorn_version():
    from importlib.metadata import version

    return tuple(int(part) for part in version("gunicorn").split(".")[:2])


class Server:
    def __init__(self, tmp_path, database_url, redis_url, prefix):
        instance = tmp_path / "instance"
        instance.mkdir()
        # Not an environment setting: the key prefix goes through the instance's config.py.
        (instance / "config.py").write_text(f"BRAND_STORIES_REDIS_PREFIX = {prefix!r}\n")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {key: value for key, value in os.environ.items() if not key.startswith("GUILDHALL_")}
        env.update({
            "GUILDHALL_INSTANCE_PATH": str(instance),
            "GUILDHALL_BIND": f"127.0.0.1:{self.port}",
            "GUILDHALL_DATABASE_URL": database_url,
            "GUILDHALL_REDIS_URL": redis_url,
            "GUILDHALL_PLUGINS": ",".join(PLUGINS),
            "GUILDHALL_SECRET_KEY": uuid.uuid4().hex,
            "GUILDHALL_LANGUAGE": "en",
        })
        self.log = open(tmp_path / "gunicorn.log", "wb")
        command = [str(Path(sys.executable).with_name("gunicorn")), "-c", "deploy/gunicorn.conf.py"]
        if _gunicorn_version() >= (25, 1):  # its control socket, by default one per user: one per test run
            command += ["--control-socket", str(tmp_path / "gunicorn.ctl")]
        self.process = subprocess.Popen(
            [*command, "wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def workers(self):
        return children(self.process.pid)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                for pid in self.workers():
                    os.kill(pid, signal.SIGKILL)
                self.process.kill()
                self.process.wait(5)
        self.log.close()

    def output(self):
        return Path(self.log.name).read_text(errors="replace")[-4000:]


class Stream:
    """An SSE stream read in a thread over a plain socket (closing it from another thread is
    immediate): the snapshots' JSON, in order."""

    def __init__(self, host, port, path):
        self.snapshots = []
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n"
                          .encode())
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            data = self.sock.recv(65536)
            assert data, "the stream closed before its headers"
            buffer += data
        head, self.rest = buffer.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 200"), head
        assert b"content-type: text/event-stream" in head.lower(), head
        self.sock.settimeout(None)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        import json

        buffer = self.rest
        try:
            while True:
                while b"\n" in buffer:  # a frame is one chunk: its data line is never split by the chunking
                    line, buffer = buffer.split(b"\n", 1)
                    if line.startswith(b"data: "):
                        self.snapshots.append(json.loads(line[6:]))
                data = self.sock.recv(65536)
                if not data:
                    return
                buffer += data
        except OSError:
            return

    def hearts(self, entry_id):
        counts = self.snapshots[-1]["counts"] if self.snapshots else {}
        return counts.get(str(entry_id), {}).get("hearts", 0)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def setup(app_factory, pg_migrated, redis_url):
    prefix = f"test:bs-kill:{uuid.uuid4().hex[:12]}"
    app = app_factory(SQLALCHEMY_DATABASE_URI=pg_migrated, REDIS_URL=redis_url, BRAND_STORIES_REDIS_PREFIX=prefix)
    with app.app_context():
        _clean_postgres(app)
        final, _competition, sessions, entries, _organisations = make_final(
            likes_cap=5, viewer_batches_per_minute=100_000, ip_batches_per_minute=1_000_000)
        yield app, sessions[0], entries[0][0], prefix
        runtime = app.extensions.get("brand_stories")
        if runtime is not None and runtime.remote is not None:
            runtime.remote.stop()
        db.session.remove()


def test_a_worker_killed_under_load_loses_no_acknowledged_like_and_counts_none_twice(
        setup, pg_migrated, redis_url, tmp_path):
    import requests

    app, session, entry, prefix = setup
    entry_id, session_id = entry.id, session.id  # plain ints: the phones' threads have no app context
    server = Server(tmp_path, pg_migrated, redis_url, prefix)
    streams = []
    try:
        assert wait_for(lambda: _up(server), 30), server.output()
        assert wait_for(lambda: len(server.workers()) == 2, 10), server.output()
        session = db.session.get(LiveSession, session_id)
        live.open_window(session, session.slots[0], None)
        url = f"{server.base}/api/v1/live/{session_id}/likes"

        answered = {}  # batch_id -> the answer's JSON (duplicates answer the original outcome)
        lock = threading.Lock()
        stop = threading.Event()
        resent = [0]
        errors = []

        def phone(number):
            rng = random.Random(number)
            client = requests.Session()
            token = None
            while token is None:
                try:
                    token = client.post(f"{server.base}/api/v1/live/devices", timeout=5).json()["device_token"]
                except (requests.RequestException, ValueError):
                    time.sleep(0.05)
            index = 0
            while not stop.is_set():
                batch_id = f"phone{number}-{index:05d}"
                body = {"entry_id": entry_id, "count": rng.randint(1, 6), "batch_id": batch_id}
                attempts = 0
                while True:  # re-send the same batch until it is answered
                    attempts += 1
                    try:
                        answer = client.post(url, json=body, headers={live.DEVICE_HEADER: token}, timeout=5)
                    except requests.RequestException:
                        client = requests.Session()  # the worker died under the request
                        time.sleep(0.02)
                        continue
                    if answer.status_code == 200:
                        break
                    if answer.status_code in (502, 503, 504):
                        time.sleep(0.05)
                        continue
                    errors.append((batch_id, answer.status_code, answer.text[:300]))
                    return
                with lock:
                    answered[batch_id] = answer.json()
                    resent[0] += attempts - 1
                index += 1

        streams.append(Stream("127.0.0.1", server.port, f"/live/{session_id}/events"))
        phones = [threading.Thread(target=phone, args=(n,), daemon=True) for n in range(PHONES)]
        for thread in phones:
            thread.start()
        assert wait_for(lambda: len(answered) >= BEFORE_KILL or errors, 30), (len(answered), errors)
        before = server.workers()
        victim = random.choice(before)
        os.kill(victim, signal.SIGKILL)
        killed_at = len(answered)
        assert wait_for(lambda: len(answered) >= killed_at + AFTER_KILL or errors, 30), (len(answered), errors)
        # The master respawned the worker.
        assert wait_for(lambda: len(server.workers()) == 2 and victim not in server.workers(), 15), \
            (before, server.workers())
        stop.set()
        for thread in phones:
            thread.join(30)
        assert not errors, errors
        assert not any(thread.is_alive() for thread in phones)

        hearts = sum(item["accepted_hearts"] for item in answered.values())
        scoring = sum(item["accepted_scoring"] for item in answered.values())
        print(f"\n{len(answered)} batches answered, {resent[0]} re-sent, "
              f"{sum(item['duplicate'] for item in answered.values())} answered as duplicates")

        # Fresh streams (on either worker) start with every answered like, and follow a new one.
        streams += [Stream("127.0.0.1", server.port, f"/live/{session_id}/events") for _ in range(4)]
        assert wait_for(lambda: all(s.hearts(entry_id) == hearts for s in streams[1:]), 5), \
            [s.hearts(entry_id) for s in streams[1:]]
        token = requests.post(f"{server.base}/api/v1/live/devices", timeout=5).json()["device_token"]
        last = requests.post(url, json={"entry_id": entry_id, "count": 3, "batch_id": "after-the-kill"},
                             headers={live.DEVICE_HEADER: token}, timeout=5)
        assert last.status_code == 200 and last.json()["duplicate"] is False
        hearts += 3
        scoring += last.json()["accepted_scoring"]
        sent_at = time.monotonic()
        assert wait_for(lambda: all(s.hearts(entry_id) == hearts for s in streams[1:]), 2, step=0.01), \
            [s.hearts(entry_id) for s in streams[1:]]
        assert time.monotonic() - sent_at < 1.0

        # The host closes the window: the close flushes Redis's journal into the database.
        live.close_window(db.session.get(LiveSession, session_id), None)
        db.session.expire_all()
        total = db.session.get(LikeTotal, (session_id, entry_id))
        assert (total.hearts, total.scoring) == (hearts, scoring)
        assert get_runtime(app).ledger.snapshot(session_id).counts == {entry_id: (hearts, scoring)}
        viewer_sums = db.session.execute(db.select(db.func.sum(ViewerLikes.hearts), db.func.sum(ViewerLikes.scoring))
                                         .where(ViewerLikes.session_id == session_id)).one()
        assert tuple(viewer_sums) == (hearts, scoring)
        batch_ids = db.session.scalars(db.select(LikeBatchRecord.batch_id)
                                       .where(LikeBatchRecord.session_id == session_id)).all()
        assert len(batch_ids) == len(set(batch_ids)) == len(answered) + 1
        assert set(batch_ids) == set(answered) | {"after-the-kill"}
    finally:
        for stream in streams:
            stream.close()
        server.stop()


def _up(server):
    import requests

    if server.process.poll() is not None:
        raise AssertionError(f"gunicorn exited: {server.output()}")
    try:
        return requests.get(f"{server.base}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False
