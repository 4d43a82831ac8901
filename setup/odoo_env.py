"""What the README's commands need around Odoo: finding it, PostgreSQL, config.

Works with any Odoo 18 that ``import odoo`` finds; never installs Odoo.
"""

import glob
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


def ensure_postgres():
    """A reachable PostgreSQL: the one libpq's environment names, or a private one.

    The private cluster lives under /tmp, listens only on a Unix socket in its
    own directory and trusts local connections: it is for tests and the demo.
    """
    db = _from_environment()
    if _answers(db):
        return db
    bindir = _postgres_bindir()
    if bindir is None:
        raise SystemExit(
            "No PostgreSQL answers (PGHOST/PGPORT/PGUSER) and none is installed: "
            "install PostgreSQL 12 or newer (Debian: apt-get install postgresql) "
            "or point PGHOST/PGUSER at a server."
        )
    data = Path(f"/tmp/amazon-suite-pg-{os.geteuid()}")
    user = "odoo"
    if not (data / "PG_VERSION").exists():
        data.mkdir(mode=0o700, exist_ok=True)
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
    private = Database(host=str(data), port=None, user=user, password=None)
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
                    f"-k {data} -c listen_addresses='' -c fsync=off",
                    "-w",
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        private.started_dir = data
    return private


def stop_postgres(db):
    if db.started_dir is None:
        return
    bindir = _postgres_bindir()
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
