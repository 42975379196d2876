"""A real PostgreSQL server for tests: Debian's `postgresql` binaries, a fresh cluster in a
temp dir, listening on 127.0.0.1 on a free port, stopped and removed afterwards.

As root (CI runs as root) the server runs as the `postgres` user through `runuser`, since
PostgreSQL refuses to run as root. When the binaries are missing the tests skip with a
reason, except under CI=true, where they fail: CI must prove the Postgres path works
(scripts/system-deps.sh installs the package).
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                  key=lambda d: int(re.sub(r"\D", "", Path(d).parent.name) or 0), reverse=True)
    for d in dirs:
        if Path(d, "initdb").exists() and Path(d, "pg_ctl").exists():
            return Path(d)
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path
    port: int
    user: str
    password: str
    as_user: str | None            # run the binaries as this OS user (root: 'postgres')

    host = "127.0.0.1"

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        return ["runuser", "-u", self.as_user, "--", *cmd] if self.as_user else cmd

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}:{self.password}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres", autocommit: bool = True):
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=self.user, password=self.password,
                               dbname=dbname, autocommit=autocommit)

    def create_database(self, name: str) -> str:
        with self.connect() as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(self._cmd("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop"),
                       capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres() -> PostgresServer:
    """Start a throw-away cluster, or skip/fail (CI=true) with the reason."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        msg = ("PostgreSQL server binaries (initdb, pg_ctl) not found; install Debian's `postgresql` package "
               "(scripts/system-deps.sh does it as root)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    as_user = None
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root but there is no `postgres` user to run the server as "
                        "(the `postgresql` package creates it)")
        if not shutil.which("runuser"):
            pytest.fail("running as root without `runuser` (util-linux) to start PostgreSQL as `postgres`")
        as_user = "postgres"
    root = Path(tempfile.mkdtemp(prefix="retroscope-pg-"))
    password = "pg-" + secrets.token_hex(12)
    srv = PostgresServer(bin_dir=bin_dir, root=root, port=_free_port(), user="retro", password=password,
                         as_user=as_user)
    pwfile = root / "pw"
    pwfile.write_text(password + "\n", encoding="utf-8")
    if as_user:
        os.chown(root, pw.pw_uid, pw.pw_gid)
        os.chown(pwfile, pw.pw_uid, pw.pw_gid)
    init = subprocess.run(srv._cmd("initdb", "-D", str(root / "data"), "-U", srv.user, f"--pwfile={pwfile}",
                                   "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8",
                                   "--locale=C", "--no-sync"), capture_output=True, text=True, timeout=120)
    pwfile.unlink()
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed: {init.stderr.strip()[-800:]}")
    opts = (f"-c listen_addresses=127.0.0.1 -p {srv.port} -c unix_socket_directories={root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    start = subprocess.run(srv._cmd("pg_ctl", "-D", str(root / "data"), "-o", opts, "-l", str(root / "log"),
                                    "-w", "-t", "60", "start"), capture_output=True, text=True, timeout=120)
    if start.returncode != 0:
        log = (root / "log").read_text(errors="replace")[-800:] if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {start.stderr.strip()[-400:]} {log}")
    return srv


@pytest.fixture(scope="session")
def postgres_server():
    srv = start_postgres()
    yield srv
    srv.stop()


@pytest.fixture
def product_db(postgres_server, request):
    """A fresh, empty database on the test server; its SQLAlchemy URL (with the password)."""
    name = "p_" + re.sub(r"\W", "_", request.node.name.lower())[:50]
    return postgres_server.create_database(name)
