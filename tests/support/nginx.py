"""A private nginx for tests: Debian's binary, run on the shipped site configuration.

``site_config(...)`` is ``deploy/nginx/townhall.conf`` with only its deployment
values replaced (ports, host name, certificate, static and log paths): the
shipped file is what the tests run. ``main_config(directory, site)`` wraps it
in a minimal ``nginx.conf``, as Debian's includes ``sites-enabled/*`` in its
``http { }`` block. ``self_signed_certificate(directory)`` makes a certificate
for ``HOST`` with openssl. ``Nginx(directory, config, port)`` runs
``nginx -p DIR -c CONF -e ... -g 'daemon off; pid ...;'`` (``check()`` is
``nginx -t``, ``start()`` returns once it listens, ``stop()`` ends the
process it started, by its PID, and its workers).
"""

from __future__ import annotations

import grp
import os
import pwd
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.support.servers import ROOT

NGINX = "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx" / "townhall.conf"
HOST = "localhost"
START_TIMEOUT = 10.0


# --- the configuration under test ------------------------------------------------


def site_config(
    *,
    http_port: int,
    https_port: int,
    daphne_ports: tuple[int, int],
    certificate: Path,
    key: Path,
    static_root: Path,
    logs: Path,
) -> str:
    """deploy/nginx/townhall.conf with its deployment values replaced, and nothing else.

    Each value must occur as often as expected, and none may survive outside
    a comment: a change to the shipped file that this test would not follow
    fails here rather than testing something else.
    """
    text = SITE.read_text()
    replacements = [
        # IPv4 loopback only, on ports of our own.
        ("    listen [::]:80;\n", "", 1),
        ("    listen [::]:443 ssl http2;\n", "", 1),
        ("listen 80;", f"listen 127.0.0.1:{http_port};", 1),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;", 1),
        ("server_name questions.example.org;", f"server_name {HOST};", 2),
        ("/etc/letsencrypt/live/questions.example.org/fullchain.pem", str(certificate), 1),
        ("/etc/letsencrypt/live/questions.example.org/privkey.pem", str(key), 1),
        ("server 127.0.0.1:8001 ", f"server 127.0.0.1:{daphne_ports[0]} ", 1),
        ("server 127.0.0.1:8002 ", f"server 127.0.0.1:{daphne_ports[1]} ", 1),
        ("alias /srv/townhall/static/;", f"alias {static_root}/;", 1),
        ("/var/log/nginx/townhall.access.log", str(logs / "access.log"), 1),
        ("/var/log/nginx/townhall.error.log", str(logs / "error.log"), 1),
    ]
    for old, new, count in replacements:
        assert text.count(old) == count, f"{SITE.name}: expected {old!r} {count} time(s), found {text.count(old)}"
        text = text.replace(old, new)
    directives = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for production_value in ("questions.example.org", ":8001", ":8002", "/srv/townhall", "/var/log/nginx"):
        assert production_value not in directives, f"{SITE.name} has a {production_value!r} this test does not replace"
    return text


def main_config(directory: Path, site: Path) -> str:
    """A minimal nginx.conf around the site, as Debian's includes sites-enabled/* in http { }."""
    user = ""
    if os.geteuid() == 0:
        # As root, nginx would run its workers as "nobody", who cannot read
        # the test's private directory.
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    temp = {name: directory / "temp" / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(parents=True, exist_ok=True)
    return f"""{user}
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    access_log off;
    include {site};
}}
"""


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    certificate, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}"]
        + ["-addext", f"subjectAltName=DNS:{HOST}", "-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return certificate, key


# --- a private nginx ----------------------------------------------------------------------


class Nginx:
    """``nginx -p DIR -c CONF -e DIR/error.log -g 'daemon off; pid DIR/nginx.pid;'``, stopped by its PID."""

    def __init__(self, directory: Path, config: Path, port: int) -> None:
        self.directory = directory
        self.port = port
        self.error_log = directory / "logs" / "nginx-main-error.log"
        self.command = [NGINX, "-p", str(directory), "-c", str(config), "-e", str(self.error_log)]
        self.command += ["-g", f"daemon off; pid {directory / 'nginx.pid'};"]
        self.process: subprocess.Popen | None = None

    def check(self) -> None:
        """``nginx -t``: the configuration is valid (its messages in the failure)."""
        result = subprocess.run([*self.command, "-t"], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, f"nginx -t failed:\n{result.stderr}"

    def start(self) -> None:
        """Start nginx and return once it accepts connections on ``port``."""
        output = open(self.directory / "logs" / "nginx-stdout.log", "ab")
        self.process = subprocess.Popen(self.command, stdout=output, stderr=subprocess.STDOUT)
        output.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with socket_to(self.port):
                    return
            except OSError:
                pass
            try:
                code = self.process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            raise AssertionError(f"nginx exited with {code}:\n{self.logs()}")
        self.stop()
        raise AssertionError(f"nginx did not listen on {self.port} within {START_TIMEOUT}s:\n{self.logs()}")

    def stop(self) -> None:
        """SIGTERM to the master we started (it stops its workers); SIGKILL to it and them if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        workers = children(self.process.pid)
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            for pid in workers:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name} ---\n{path.read_text(errors='replace')}" for path in sorted(self.directory.glob("logs/*"))
        )


def children(pid: int) -> list[int]:
    """The PIDs whose parent is ``pid`` (nginx's workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def socket_to(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=0.5)
