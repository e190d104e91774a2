"""Which psycopg 3 wait function is chosen with / without gevent monkey-patching,
and when psycopg is imported BEFORE patching (e.g. gunicorn --preload)."""
import subprocess, sys
cases = {
    "no gevent": "import psycopg.waiting as w; print(w.wait.__name__)",
    "patched, then import psycopg": "from gevent import monkey; monkey.patch_all(); import psycopg.waiting as w; print(w.wait.__name__)",
    "import psycopg, then patch (preload!)": "import psycopg.waiting as w; from gevent import monkey; monkey.patch_all(); print(w.wait.__name__)",
}
for k, code in cases.items():
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    print(f"{k:40s} -> {out.stdout.strip() or out.stderr.strip()[-200:]}")
