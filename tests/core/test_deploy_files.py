"""deploy/nginx and deploy/systemd: valid files that agree with the app they front.

nginx -t and systemd-analyze verify run when those programs are installed (skipped
otherwise, CI included); the checks of what the files say always run."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx" / "guildhall.conf"
SYSTEMD = ROOT / "deploy" / "systemd"
CHECKOUT = "/srv/guildhall/app"
MIB = 1024 * 1024


# -- a small reader of nginx's syntax -----------------------------------------------------------


class Block:
    def __init__(self, name, args):
        self.name, self.args, self.children = name, args, []

    def all(self, name):
        return [child for child in self.children if child.name == name]

    def one(self, name):
        found = self.all(name)
        assert len(found) == 1, (self.name, self.args, name, len(found))
        return found[0]

    def value(self, name):
        return " ".join(self.one(name).args)

    def location(self, *args):
        matches = [child for child in self.all("location") if child.args == list(args)]
        assert len(matches) == 1, args
        return matches[0]


def tokens(text):
    text = re.sub(r"#[^\n]*", "", text)  # the configuration has no "#" inside quotes
    for match in re.finditer(r'"[^"]*"|\'[^\']*\'|[{};]|[^\s{};]+', text):
        yield match.group(0)


def parse_nginx(text):
    root = Block("", [])
    stack, words = [root], []
    for token in tokens(text):
        if token == ";":
            stack[-1].children.append(Block(words[0], words[1:]))
            words = []
        elif token == "{":
            block = Block(words[0], words[1:])
            stack[-1].children.append(block)
            stack.append(block)
            words = []
        elif token == "}":
            assert not words, words
            stack.pop()
        else:
            words.append(token.strip("\"'"))
    assert len(stack) == 1 and not words, "unbalanced braces"
    return root


def size_in_bytes(value):
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", value.lower()).groups()
    return int(number) * {"": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}[unit]


def seconds(value):
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h)?", value).groups()
    return int(number) * {None: 1, "s": 1, "m": 60, "h": 3600, "ms": 0.001}[unit]


@pytest.fixture(scope="module")
def nginx():
    return parse_nginx(NGINX_CONF.read_text())


@pytest.fixture(scope="module")
def site(nginx):
    """The HTTPS server block."""
    return next(server for server in nginx.all("server") if any("443" in listen.args[0]
                                                                 for listen in server.all("listen")))


# -- nginx ------------------------------------------------------------------------------------


def test_upload_limits_match_the_app(site, app):
    from core.admin.media import FORM_OVERHEAD
    from core.storage.uploads import max_upload_size

    assert size_in_bytes(site.value("client_max_body_size")) == app.config["MAX_CONTENT_LENGTH"]
    media_uploads = site.location("/admin/media/")
    assert size_in_bytes(media_uploads.value("client_max_body_size")) == max_upload_size() + FORM_OVERHEAD


def test_event_streams_are_passed_through_unbuffered(site, app_factory):
    from plugins.brand_stories.runtime import HEARTBEAT_SECONDS
    from tests.conftest import with_plugins

    events = site.location("~", "^/live/[0-9]+/events$")
    assert events.value("proxy_buffering") == "off"
    assert events.value("gzip") == "off"
    assert events.value("proxy_cache") == "off"
    assert seconds(events.value("proxy_read_timeout")) > 2 * HEARTBEAT_SECONDS
    assert events.value("proxy_pass") == "http://guildhall"
    # The pattern covers the app's stream URL.
    app = with_plugins(app_factory, ["announcements", "competitions", "brand_stories"])()
    rule = next(rule.rule for rule in app.url_map.iter_rules() if rule.endpoint == "brand_stories.events")
    assert re.fullmatch(events.args[1], rule.replace("<int:session_id>", "42"))


def test_every_proxied_location_keeps_the_forwarding_headers(site):
    """A location that set any proxy_set_header of its own would lose the server's."""
    headers = {entry.args[0]: entry.args[1] for entry in site.all("proxy_set_header")}
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["Host"] == "$host"
    assert headers["Connection"] == ""  # keep-alive to the upstream
    assert site.value("proxy_http_version") == "1.1"
    for location in site.all("location"):
        assert not location.all("proxy_set_header"), location.args


def test_the_upstream_keeps_connections_alive(nginx):
    upstream = nginx.one("upstream")
    assert upstream.args == ["guildhall"] and int(upstream.value("keepalive")) > 0


def test_static_folders_served_from_disk_are_the_apps(site, app_factory):
    """Every blueprint's static folder that nginx serves maps to the folder the app serves."""
    from tests.conftest import with_plugins

    app = with_plugins(app_factory, ["announcements", "competitions", "brand_stories", "partner_recruitment"])()
    served = {}
    for location in site.all("location"):
        prefix = location.args[-1]
        if location.all("alias"):
            served[prefix] = Path(location.value("alias").replace(CHECKOUT, str(ROOT)))
        elif location.all("root") and prefix.startswith("/static"):
            served[prefix] = Path(location.value("root").replace(CHECKOUT, str(ROOT))) / prefix.strip("/")
    assert served.pop("/static/") == Path(app.static_folder)
    for prefix, folder in served.items():
        blueprint = next(bp for bp in app.blueprints.values()
                         if bp.static_url_path and bp.static_url_path + "/" == prefix)
        assert folder.resolve() == Path(blueprint.static_folder).resolve(), prefix
    assert site.location("/static/").value("try_files").endswith("@guildhall")  # other plugins' files


def test_uploaded_files_always_go_through_the_app(site):
    """Private files must pass the app's permission check: nginx serves nothing of the uploads."""
    for location in site.all("location"):
        for directive in ("root", "alias"):
            for entry in location.all(directive):
                assert "instance" not in entry.args[0] and "upload" not in entry.args[0], location.args
    for prefix in ("/media/", "/files/"):
        location = next((loc for loc in site.all("location") if loc.args == [prefix]), None)
        if location is not None:
            assert location.value("proxy_pass") == "http://guildhall"


def test_metrics_are_not_public(site):
    metrics = site.location("=", "/metrics")
    assert metrics.value("deny") == "all"


def test_the_env_example_trusts_one_proxy():
    example = (SYSTEMD / "guildhall.env.example").read_text()
    assert re.search(r"^GUILDHALL_TRUSTED_PROXIES=1$", example, re.M)
    assert re.search(r"^GUILDHALL_LOG_FORMAT=json$", example, re.M)


def self_signed_certificate(folder):
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.org")])
    now = datetime.now(timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))


def test_nginx_accepts_the_configuration(tmp_path):
    binary = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if binary is None:
        pytest.skip("nginx is not installed")
    self_signed_certificate(tmp_path)
    text = NGINX_CONF.read_text()
    text = re.sub(r"/etc/letsencrypt/live/[^;]*/fullchain\.pem", str(tmp_path / "cert.pem"), text)
    text = re.sub(r"/etc/letsencrypt/live/[^;]*/privkey\.pem", str(tmp_path / "key.pem"), text)
    text = text.replace("/var/log/nginx/", f"{tmp_path}/").replace("/var/lib/nginx/", f"{tmp_path}/")
    (tmp_path / "guildhall.conf").write_text(text)
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  {mime}\n  include {tmp_path}/guildhall.conf;\n}}\n")
    result = subprocess.run([binary, "-t", "-q", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                             "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "[warn]" not in result.stderr and "[emerg]" not in result.stderr, result.stderr


# -- systemd ----------------------------------------------------------------------------------


def read_unit(path):
    """{section: [(key, value), ...]}: keys may repeat (ExecStart of a oneshot)."""
    sections, current = {}, None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            assert line.endswith("]"), (path.name, line)
            current = sections.setdefault(line[1:-1], [])
            continue
        key, sep, value = line.partition("=")
        assert sep and current is not None and re.fullmatch(r"[A-Za-z]+", key), (path.name, line)
        current.append((key, value))
    return sections


def values(unit, section, key):
    return [value for name, value in unit.get(section, []) if name == key]


def units(pattern):
    found = sorted(SYSTEMD.glob(pattern))
    assert found
    return found


def test_the_web_service_runs_gunicorn_as_its_own_user_and_cleans_the_metrics_folder():
    unit = read_unit(SYSTEMD / "guildhall.service")
    (command,) = values(unit, "Service", "ExecStart")
    assert command == f"{CHECKOUT}/.venv/bin/gunicorn -c deploy/gunicorn.conf.py wsgi:app"
    assert (ROOT / "deploy" / "gunicorn.conf.py").exists() and (ROOT / "wsgi.py").exists()
    assert values(unit, "Service", "WorkingDirectory") == [CHECKOUT]
    assert values(unit, "Service", "User") not in ([], ["root"])
    assert values(unit, "Service", "Restart") == ["on-failure"]
    assert values(unit, "Service", "EnvironmentFile") == ["/etc/guildhall/guildhall.env"]
    environment = dict(value.split("=", 1) for value in values(unit, "Service", "Environment"))
    folder = environment["PROMETHEUS_MULTIPROC_DIR"]
    before = values(unit, "Service", "ExecStartPre")
    assert before[0] == f"/bin/rm -rf {folder}" and before[-1] == f"/bin/mkdir -p {folder}"
    assert values(unit, "Install", "WantedBy") == ["multi-user.target"]


def test_every_timer_starts_a_oneshot_service_of_real_flask_commands(app):
    """Each job names a command the app has (plugins' commands included)."""
    timers = units("*.timer")
    runner = app.test_cli_runner()
    commands = 0
    for timer in timers:
        unit = read_unit(timer)
        assert values(unit, "Timer", "OnCalendar") and values(unit, "Install", "WantedBy") == ["timers.target"]
        service = read_unit(timer.with_suffix(".service"))
        assert values(service, "Service", "Type") == ["oneshot"]
        assert values(service, "Service", "User") == values(read_unit(SYSTEMD / "guildhall.service"), "Service", "User")
        for command in values(service, "Service", "ExecStart"):
            words = command.lstrip("-").split()
            assert words[:3] == [f"{CHECKOUT}/.venv/bin/flask", "--app", "wsgi"], command
            arguments = [word for word in words[3:] if not word.startswith("-") and not word.startswith("/")]
            result = runner.invoke(args=[*arguments, "--help"])
            assert result.exit_code == 0, (command, result.output)
            commands += 1
    assert commands >= 5  # reminders, retention, announcements, backup, outbox


def test_the_periodic_plugin_commands_are_scheduled():
    scheduled = " ".join(" ".join(values(read_unit(path), "Service", "ExecStart")) for path in units("*.service"))
    wanted = ("youth-committee send-reminders", "partners anonymise-expired", "backup --output", "outbox send")
    for command in wanted:
        assert command in scheduled, command


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    for path in units("*.service") + units("*.timer"):
        # The checkout's place on a server is this repository here: the commands exist.
        (tmp_path / path.name).write_text(path.read_text().replace(CHECKOUT, str(ROOT)))
    result = subprocess.run([analyze, "verify", "--man=no", *sorted(str(p) for p in tmp_path.iterdir())],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert str(tmp_path) not in result.stderr, result.stderr  # "Unknown key", "Failed to parse", ...
