"""Run one scenario: start server(s), run loadgen, collect server CPU, stop server(s).
  python run.py NAME VIEWERS -- <server command...>   (env BROKER passed through)
Optional env STREAM_CMD (a second server for /stream on port 8001)."""
import json, os, signal, subprocess, sys, time, shlex
import redis

HZ = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid):
    pids, tot = [pid], 0
    try:
        kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(k) for k in kids]
    except Exception:
        pass
    for p in pids:
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            tot += (int(f[11]) + int(f[12])) / HZ
        except Exception:
            pass
    return tot, pids


def rss(pids):
    t = 0
    for p in pids:
        try:
            for ln in open(f"/proc/{p}/status"):
                if ln.startswith("VmRSS"):
                    t += int(ln.split()[1])
        except Exception:
            pass
    return t // 1024


name, viewers = sys.argv[1], int(sys.argv[2])
cmd = sys.argv[sys.argv.index("--") + 1:]
redis.Redis(db=12).flushdb()
log = open(f"/tmp/sse-lab/logs/{name}-{viewers}.log", "w")
procs = [subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)]
sp = 8000
if os.environ.get("STREAM_CMD"):
    procs.append(subprocess.Popen(shlex.split(os.environ["STREAM_CMD"]), stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    sp = 8001
time.sleep(3)
c0 = sum(tree_cpu(p.pid)[0] for p in procs)
t0 = time.time()
try:
  lg = subprocess.run([sys.executable, "/tmp/sse-lab/loadgen.py", "--viewers", str(viewers), "--stream-port", str(sp)]
                    + sys.argv[3:sys.argv.index("--")], capture_output=True, text=True, timeout=400)
except subprocess.TimeoutExpired as e:
  lg = subprocess.CompletedProcess(e.cmd, 1, "", "loadgen timeout")
el = time.time() - t0
cpu, mem = 0, 0
for p in procs:
    c, pids = tree_cpu(p.pid); cpu += c; mem += rss(pids)
res = None
for ln in lg.stdout.splitlines():
    if ln.startswith("RESULT "):
        res = json.loads(ln[7:])
if res is None:
    res = {"error": (lg.stdout + lg.stderr)[-1500:]}
res.update(name=name, server_cpu_s=round(cpu - c0, 1), wall_s=round(el, 1), server_rss_mb=mem)
for p in procs:
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except Exception:
        pass
for p in procs:
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
print(lg.stdout.splitlines()[0] if lg.stdout else "", file=sys.stderr)
print(json.dumps(res))
with open("/tmp/sse-lab/results.jsonl", "a") as f:
    f.write(json.dumps(res) + "\n")
