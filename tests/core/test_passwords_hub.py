"""On the gevent worker (the live final's serving model) a sign-in must not stop the other
requests for the quarter second an argon2 check takes."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
from gevent import monkey; monkey.patch_all()
import time, gevent
from core.users.passwords import hash_password, verify_password
stored = hash_password("correct horse battery")
gaps, running = [], True
def ticker():
    last = time.perf_counter()
    while running:
        gevent.sleep(0.005)
        now = time.perf_counter(); gaps.append(now - last); last = now
tick = gevent.spawn(ticker)
gevent.sleep(0.05)
started = time.perf_counter()
checks = [verify_password(stored, "correct horse battery"), verify_password(stored, "wrong password"),
          verify_password(None, "anything")]
spent = time.perf_counter() - started
running = False; tick.join()
print(checks, round(spent, 3), round(max(gaps), 3))
"""


def test_argon2_checks_leave_the_gevent_hub_serving():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    checks, spent, longest_gap = done.stdout.strip().rsplit(" ", 2)
    assert checks == "[True, False, False]"
    # Three checks take most of a second; no greenlet waited more than a fraction of one.
    assert float(longest_gap) < min(0.1, float(spent) / 3), done.stdout
