"""A temporary PostgreSQL server for the tests that run the KPI layer on a second backend.

Debian's PostgreSQL binaries (initdb, pg_ctl) start a server on 127.0.0.1 in a temporary
folder for the test session and stop it after; as root, the server runs as the
``postgres`` user. Without the binaries or the Ibis PostgreSQL backend a test skips,
unless $SALESANALYSIS_REQUIRE_POSTGRES is set (CI), where it fails.
"""

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from salesanalysis.store.mirror import mirror

BACKENDS = ["duckdb", "postgres"]


def unavailable(why: str):
    if os.environ.get("SALESANALYSIS_REQUIRE_POSTGRES"):
        pytest.fail(why)
    pytest.skip(why)


def _binaries() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres():
    """A function that gives an Ibis connection to a new, empty database."""
    try:
        import ibis
        import psycopg  # noqa: F401 (the driver of Ibis's PostgreSQL backend)
    except ImportError:
        unavailable("the Ibis PostgreSQL backend is not installed (pip install -e '.[test]')")
    bin_dir = _binaries()
    if bin_dir is None:
        unavailable("PostgreSQL is not installed (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="salesanalysis-pg-"))
    as_user = []
    if os.geteuid() == 0:  # initdb refuses root
        try:
            shutil.chown(root, "postgres")
        except LookupError:
            unavailable("running as root, the PostgreSQL server needs the postgres user "
                        "(apt-get install postgresql creates it)")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()

    def run(*args):
        subprocess.run([*as_user, *args], check=True, capture_output=True, text=True)
    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
        "--no-sync")
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "server.log"),
        "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    admin = ibis.postgres.connect(host="127.0.0.1", port=port, user="postgres",
                                  database="postgres")
    numbers = itertools.count(1)

    def new_database():
        name = f"workbook_{next(numbers)}"
        admin.raw_sql(f"CREATE DATABASE {name}")
        return ibis.postgres.connect(host="127.0.0.1", port=port, user="postgres",
                                     database=name)
    yield new_database
    admin.disconnect()
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop")
    shutil.rmtree(root, ignore_errors=True)


def on_backend(workbook, backend: str, request):
    """``workbook`` itself, or its tables copied to a new PostgreSQL database."""
    if backend == "duckdb":
        return workbook
    return mirror(workbook, request.getfixturevalue("postgres")())
