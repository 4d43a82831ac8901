"""Encrypted backups with a tested restore (docs/data-protection.md #5).

Command line, from the repository root (no Odoo process needed; PostgreSQL's
``pg_dump``, ``pg_restore`` and Odoo's ``psycopg2`` must be installed)::

    python3 amazon_pii/core/backup.py create --db NAME --out FILE [-c odoo.conf]
    python3 amazon_pii/core/backup.py restore --in FILE --db NEWNAME [-c odoo.conf]
    python3 amazon_pii/core/backup.py inspect --in FILE

It runs as a plain file like ``core/keyring.py``: ``python3 -m
amazon_pii.backup`` cannot work because the addon's ``__init__`` loads its Odoo
models, which Odoo only accepts under ``odoo.addons``.

Settings come from the odoo.conf named by ``-c`` (``db_host``, ``db_port``,
``db_user``, ``db_password``, ``data_dir``, ``amazon_pii_key_file``,
``amazon_pii_audit_head_file``), else from where the server finds them: the
PG* environment variables, Odoo's default data directory and the environment
variable ``AMAZON_PII_KEY_FILE``.

``create`` dumps the database (pg_dump custom format) into a private temporary
directory, writes ``FILE`` (``core/backup_format.py``: the dump and the
filestore, encrypted under the key ring's active "backup" key) and removes the
plaintext dump. ``restore`` refuses an existing database, decrypts into a
private temporary directory, checks the archive is complete and unaltered,
creates the database, runs pg_restore, moves the filestore under the new
name and anchors the restored audit chain (see :func:`anchor_restored`). Both
record a row in ``amazon.pii.backup.log``.

Exit status: 0 done; 1 the backup or restore failed (tool error, damaged or
altered archive, restored chain contradicts its anchor); 2 refused before
starting (configuration, missing key, existing target). Errors are one line
on stderr and never hold key material.
"""

import argparse
import configparser
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

if __package__:
    from . import audit_anchor, backup_format
    from .errors import PIIError
    from .keyring import CONFIG_OPTION, ENV_VAR, load_keyring
else:  # run as a plain file: sys.path[0] is this directory
    import audit_anchor
    import backup_format
    from errors import PIIError
    from keyring import CONFIG_OPTION, ENV_VAR, load_keyring

HEAD_OPTION = "amazon_pii_audit_head_file"
ROTATE_HINT = (
    "add one with `python3 amazon_pii/core/keyring.py rotate --file KEYFILE "
    "--namespace backup`"
)


class Refused(Exception):
    """Nothing was done: configuration, key or target problem (exit 2)."""


class Failed(Exception):
    """The operation started and failed (exit 1)."""


# -- settings ---------------------------------------------------------------
class Settings:
    """What the command needs, found the way the Odoo server finds it."""

    def __init__(self, config_path=None, data_dir=None):
        options = {}
        if config_path:
            parser = configparser.RawConfigParser()
            if not parser.read(config_path, encoding="utf-8"):
                raise Refused(f"cannot read the Odoo configuration {config_path}")
            if parser.has_section("options"):
                # Odoo writes unset options as "False".
                options = {
                    k: v
                    for k, v in parser.items("options")
                    if v.strip() not in ("", "False", "None")
                }
        self.options = options
        self.pg = {
            "host": options.get("db_host"),
            "port": options.get("db_port"),
            "user": options.get("db_user"),
            "password": options.get("db_password"),
        }
        self.data_dir = Path(
            data_dir or options.get("data_dir") or _default_data_dir()
        ).expanduser()
        self.key_file = options.get(CONFIG_OPTION) or os.environ.get(ENV_VAR)
        self.head_file = options.get(HEAD_OPTION)

    def keyring(self):
        try:
            return load_keyring(self.key_file)
        except PIIError as exc:
            raise Refused(str(exc)) from None

    def filestore(self, dbname):
        return self.data_dir / "filestore" / dbname

    def anchor_path(self, dbname):
        """The database's audit head file, as keyring_service.audit_head_path."""
        if self.head_file:
            return self.head_file
        return f"{self.key_file}.audit-head.{dbname}.json" if self.key_file else None

    def pg_env(self):
        """Environment for pg_dump/pg_restore: odoo.conf wins over PG*."""
        env = dict(os.environ)
        for key, var in (
            ("host", "PGHOST"),
            ("port", "PGPORT"),
            ("user", "PGUSER"),
            ("password", "PGPASSWORD"),
        ):
            if self.pg[key]:
                env[var] = str(self.pg[key])
        return env

    def connect(self, dbname):
        import psycopg2  # Odoo's own dependency: present wherever Odoo runs

        try:
            conn = psycopg2.connect(
                dbname=dbname,
                connect_timeout=10,
                **{k: v for k, v in self.pg.items() if v},
            )
        except psycopg2.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise Refused(f"cannot connect to database {dbname}: {first}") from None
        conn.autocommit = True
        return conn


def _default_data_dir():
    # Odoo's default (odoo/tools/config.py): the user's data dir, else /var/lib.
    home = os.path.expanduser("~")
    if os.path.isdir(home):
        base = os.environ.get("XDG_DATA_HOME") or os.path.join(home, ".local/share")
        return os.path.join(base, "Odoo")
    return "/var/lib/odoo"


def database_exists(settings, dbname):
    conn = settings.connect("postgres")
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
            return bool(cr.fetchone())
    finally:
        conn.close()


def _query(conn, sql, params=()):
    with conn.cursor() as cr:
        cr.execute(sql, params)
        return cr.fetchall()


def _has_table(conn, table):
    return bool(_query(conn, "SELECT to_regclass(%s)", (table,))[0][0])


def database_facts(conn):
    """Metadata of an Odoo database for the archive header (no PII)."""
    modules = dict(
        _query(
            conn,
            "SELECT name, latest_version FROM ir_module_module "
            "WHERE state = 'installed' AND (name = 'base' OR name LIKE 'amazon%%') "
            "ORDER BY name",
        )
    )
    uuid = _query(
        conn, "SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'"
    )
    return {
        "odoo_version": modules.pop("base", None),
        "modules": modules,
        "database_uuid": uuid[0][0] if uuid else None,
        "audit_head": audit_head(conn),
        "entry_keys": entry_keys(conn),
    }


def entry_keys(conn):
    """``["namespace/version", ...]`` the vault's entries are wrapped under:
    a restored database reveals only what the key ring still has keys for."""
    if not _has_table(conn, "amazon_pii_entry"):
        return []
    rows = _query(
        conn,
        "SELECT DISTINCT kek_namespace, kek_version FROM amazon_pii_entry "
        "WHERE COALESCE(octet_length(wrapped_key), 0) > 0 ORDER BY 1, 2",
    )
    return [f"{ns}/{version}" for ns, version in rows]


def missing_entry_keys(ring, meta):
    """The entry key versions of the archive the key ring no longer holds
    (retired after the backup was made)."""
    missing = []
    for slot in meta.get("entry_keys") or ():
        namespace, _sep, version = slot.partition("/")
        try:
            ring.kek(namespace, version)
        except PIIError:
            missing.append(slot)
    return missing


def audit_head(conn):
    """``{"seq", "hash"}`` of the sealed audit chain's newest row, or None."""
    if not _has_table(conn, "amazon_pii_audit"):
        return None
    rows = _query(
        conn,
        "SELECT seq, chain_hash FROM amazon_pii_audit WHERE seq IS NOT NULL "
        "ORDER BY seq DESC LIMIT 1",
    )
    return {"seq": rows[0][0], "hash": rows[0][1]} if rows else None


def record(conn, **row):
    """Insert one ``amazon.pii.backup.log`` row; False when the database has
    no such table (amazon_pii not installed or older than backups)."""
    if not _has_table(conn, "amazon_pii_backup_log"):
        return False
    columns = (
        "kind",
        "database",
        "source_database",
        "size_bytes",
        "sha256",
        "key_version",
        "duration",
        "ok",
        "detail",
    )
    with conn.cursor() as cr:
        cr.execute(
            "INSERT INTO amazon_pii_backup_log (kind, database, source_database, "
            "size_bytes, sha256, key_version, duration, ok, detail, done_at, "
            "create_date, write_date) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, "
            "now() at time zone 'UTC', now() at time zone 'UTC', "
            "now() at time zone 'UTC')",
            [row.get(c) for c in columns],
        )
    return True


def _run(cmd, env, what):
    done = subprocess.run(
        cmd, env=env, capture_output=True, text=True, errors="replace", check=False
    )
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        first = next(
            (ln for ln in lines if "error" in ln.lower()), lines[0] if lines else ""
        )
        raise Failed(f"{what} failed (exit {done.returncode}): {first[:200]}")


@contextmanager
def private_tempdir(prefix):
    """A 0700 directory removed afterwards: plaintext dumps live only here."""
    path = tempfile.mkdtemp(prefix=prefix)
    try:
        yield Path(path)
    finally:
        shutil.rmtree(path, ignore_errors=True)


class _HashingFile:
    """File wrapper that hashes and counts what goes through it, so the
    archive's sha256 costs no second pass over it."""

    def __init__(self, handle):
        self.handle = handle
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data):  # pylint: disable=method-required-super
        self.sha.update(data)
        self.size += len(data)
        return self.handle.write(data)

    def read(self, size=-1):  # pylint: disable=method-required-super
        data = self.handle.read(size)
        self.sha.update(data)
        self.size += len(data)
        return data


# -- create -----------------------------------------------------------------
def create(settings, dbname, out, tmp_dir=None):
    """Back up ``dbname`` into the new file ``out``; returns a summary dict."""
    started = time.monotonic()
    out = Path(out)
    if out.exists():
        raise Refused(f"{out} exists; refusing to overwrite")
    ring = settings.keyring()
    try:
        version = ring.active_version(backup_format.NAMESPACE)
        kek = ring.kek(backup_format.NAMESPACE, version)
    except PIIError:
        raise Refused(f"the key ring has no backup key; {ROTATE_HINT}") from None
    if not database_exists(settings, dbname):
        raise Refused(f"database {dbname} does not exist")
    conn = settings.connect(dbname)
    try:
        # The anchor is read before the dump's snapshot: every head it names
        # was committed before, so the restored chain must hold it.
        anchor = None
        anchor_path = settings.anchor_path(dbname)
        if anchor_path:
            try:
                found = audit_anchor.read_anchor(anchor_path)
            except audit_anchor.AnchorError as exc:
                raise Refused(str(exc)) from None
            anchor = {"seq": found[0], "hash": found[1]} if found else None
        meta = {
            "database": dbname,
            "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **database_facts(conn),
            "audit_anchor": anchor,
        }
        try:
            summary = _write(settings, dbname, out, version, kek, meta, tmp_dir)
        except Failed as exc:
            record(
                conn,
                kind="backup",
                database=dbname,
                key_version=version,
                duration=time.monotonic() - started,
                ok=False,
                detail=str(exc)[:200],
            )
            raise
        summary["duration"] = time.monotonic() - started
        summary["logged"] = record(
            conn,
            kind="backup",
            database=dbname,
            size_bytes=summary["size"],
            sha256=summary["sha256"],
            key_version=version,
            duration=summary["duration"],
            ok=True,
        )
        return summary
    finally:
        conn.close()


def _write(settings, dbname, out, version, kek, meta, tmp_dir):
    with (
        private_tempdir(".amazon-pii-backup-")
        if tmp_dir is None
        else _given(tmp_dir) as work
    ):
        dump = work / "database.dump"
        _run(
            ["pg_dump", "--format=custom", f"--file={dump}", "--no-password", dbname],
            settings.pg_env(),
            "pg_dump",
        )
        fd, partial = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                hashing = _HashingFile(handle)
                header = backup_format.write_archive(
                    hashing,
                    version,
                    kek,
                    meta,
                    dump,
                    settings.filestore(dbname),
                )
                handle.flush()
                os.fsync(handle.fileno())
            # Only a complete archive gets the requested name.
            os.link(partial, out)
        except FileExistsError:
            raise Refused(f"{out} exists; refusing to overwrite") from None
        except OSError as exc:
            raise Failed(f"cannot write {out}: {exc.strerror}") from None
        finally:
            os.unlink(partial)
    return {
        "database": dbname,
        "file": str(out),
        "size": hashing.size,
        "sha256": hashing.sha.hexdigest(),
        "key": f"{backup_format.NAMESPACE}/{version}",
        "dump_size": header["meta"]["dump"]["size"],
        "filestore_files": header["meta"]["filestore"]["files"],
    }


@contextmanager
def _given(path):
    path = Path(tempfile.mkdtemp(prefix=".amazon-pii-backup-", dir=path))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# -- restore ----------------------------------------------------------------
def restore(settings, archive, dbname, tmp_dir=None):
    """Restore ``archive`` into the new database ``dbname``; returns a summary."""
    started = time.monotonic()
    archive = Path(archive)
    ring = settings.keyring()
    try:
        with open(archive, "rb") as handle:
            header, _ = backup_format.read_header(handle)
    except OSError as exc:
        raise Refused(f"cannot read {archive}: {exc.strerror}") from None
    except backup_format.BackupFormatError as exc:
        raise Failed(str(exc)) from None
    version = header["key_version"]
    try:
        ring.kek(backup_format.NAMESPACE, version)
    except PIIError:
        raise Refused(
            f"this archive needs the key {backup_format.NAMESPACE}/{version}, "
            "which the key ring does not hold (restore the key ring's own backup)"
        ) from None
    if database_exists(settings, dbname):
        raise Refused(f"database {dbname} exists; restore only creates a new one")
    target_store = settings.filestore(dbname)
    if target_store.exists() and any(target_store.iterdir()):
        raise Refused(f"filestore {target_store} exists and is not empty")
    meta = header["meta"]
    created = False
    try:
        with (
            _given(tmp_dir)
            if tmp_dir
            else private_tempdir(".amazon-pii-restore-") as work
        ):
            try:
                with open(archive, "rb") as handle:
                    hashing = _HashingFile(handle)
                    backup_format.read_archive(
                        hashing, lambda v: ring.kek(backup_format.NAMESPACE, v), work
                    )
            except backup_format.BackupFormatError as exc:
                raise Failed(str(exc)) from None
            _create_database(settings, dbname)
            created = True
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--exit-on-error",
                    "--no-password",
                    f"--dbname={dbname}",
                    str(work / backup_format.DUMP_MEMBER),
                ],
                settings.pg_env(),
                "pg_restore",
            )
            source_store = work / backup_format.FILESTORE_DIR
            if source_store.is_dir():
                target_store.parent.mkdir(parents=True, exist_ok=True)
                if target_store.exists():
                    target_store.rmdir()  # empty, checked above
                shutil.move(str(source_store), str(target_store))
    except Exception as exc:
        if created:
            _drop_database(settings, dbname)
            shutil.rmtree(target_store, ignore_errors=True)
        if isinstance(exc, Failed):
            failed = {
                "kind": "restore_test",
                "database": dbname,
                "source_database": meta.get("database"),
                "key_version": version,
                "duration": time.monotonic() - started,
                "ok": False,
                "detail": str(exc)[:200],
            }
            _record_in_source(settings, meta, failed)
        raise
    conn = settings.connect(dbname)
    try:
        problem, anchored = anchor_restored(settings, conn, dbname, meta)
        missing = missing_entry_keys(ring, meta)
        if missing and not problem:
            problem = (
                f"the key ring lacks {', '.join(missing)}: vault entries "
                "wrapped under them cannot be revealed"
            )
        summary = {
            "database": dbname,
            "source": meta.get("database"),
            "file": str(archive),
            "key": f"{backup_format.NAMESPACE}/{version}",
            "filestore_files": meta["filestore"]["files"],
            "audit_anchor": anchored,
            "duration": time.monotonic() - started,
            "ok": not problem,
            "problem": problem,
        }
        row = {
            "kind": "restore_test",
            "database": dbname,
            "source_database": meta.get("database"),
            "size_bytes": hashing.size,
            "sha256": hashing.sha.hexdigest(),
            "key_version": version,
            "duration": summary["duration"],
            "ok": not problem,
            "detail": problem[:200] or None,
        }
        summary["logged"] = record(conn, **row)
    finally:
        conn.close()
    summary["logged_in_source"] = _record_in_source(settings, meta, row)
    if problem:
        raise Failed(f"restored into {dbname}, but {problem}")
    return summary


def _create_database(settings, dbname):
    # As Odoo creates databases (odoo/service/db.py).
    _run(
        [
            "createdb",
            "--no-password",
            "--encoding=unicode",
            "--lc-collate=C",
            "--template=template0",
            dbname,
        ],
        settings.pg_env(),
        "createdb",
    )


def _drop_database(settings, dbname):
    _run(
        ["dropdb", "--no-password", "--if-exists", dbname],
        settings.pg_env(),
        "dropdb",
    )


def anchor_restored(settings, conn, dbname, meta):
    """Anchor the restored audit chain; ``(problem, anchored head)``.

    Anchors are per database (``<key file>.audit-head.<db>.json``). The new
    database's chain starts at the restored head, so that head becomes its
    anchor (a leftover file of a dropped database of that name is replaced).
    First the restored chain must still hold the row the source's anchor
    named when the backup was taken (the header records it, authenticated):
    otherwise the dump lost sealed rows, and the restore test fails.
    The source's own anchor is never touched. With one shared file
    configured (``amazon_pii_audit_head_file``) nothing is written: that file
    belongs to the database the server runs."""
    head = audit_head(conn)
    anchor = meta.get("audit_anchor")
    if anchor:
        rows = _query(
            conn,
            "SELECT chain_hash FROM amazon_pii_audit WHERE seq = %s",
            (anchor["seq"],),
        )
        if not rows:
            return f"the audit row {anchor['seq']} anchored at backup is gone", None
        if rows[0][0] != anchor["hash"]:
            return f"the audit row {anchor['seq']} anchored at backup differs", None
    if settings.head_file or not settings.key_file:
        return "", None
    path = settings.anchor_path(dbname)
    if head is None:
        Path(path).unlink(missing_ok=True)
        return "", None
    audit_anchor.reset_anchor(path, head["seq"], head["hash"])
    return "", head["seq"]


def _record_in_source(settings, meta, row):
    """Tell the source database its archive was restored, when it lives on
    this server (the same database.uuid): the officer of that database is
    the one who must see the last restore test."""
    source = meta.get("database")
    if not source or source == row["database"] or not meta.get("database_uuid"):
        return False
    try:
        if not database_exists(settings, source):
            return False
        conn = settings.connect(source)
    except Refused:
        return False
    try:
        uuid = _query(
            conn, "SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'"
        )
        if not uuid or uuid[0][0] != meta["database_uuid"]:
            return False
        return record(conn, **row)
    finally:
        conn.close()


# -- command line -----------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="backup", description="Encrypted backups of an Odoo database."
    )
    parser.add_argument("-c", "--config", help="odoo.conf to read settings from")
    parser.add_argument("--data-dir", help="Odoo's data_dir (filestore parent)")
    parser.add_argument(
        "--tmp-dir", help="where the plaintext dump lives while it is processed"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("create", help="back up a database into an archive")
    make.add_argument("--db", required=True)
    make.add_argument("--out", required=True)
    back = sub.add_parser("restore", help="restore an archive into a new database")
    back.add_argument("--in", dest="archive", required=True)
    back.add_argument("--db", required=True)
    show = sub.add_parser("inspect", help="print an archive's header (no key)")
    show.add_argument("--in", dest="archive", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "inspect":
            with open(args.archive, "rb") as handle:
                summary = backup_format.read_header(handle)[0]
        else:
            settings = Settings(args.config, args.data_dir)
            if args.command == "create":
                summary = create(settings, args.db, args.out, args.tmp_dir)
            else:
                summary = restore(settings, args.archive, args.db, args.tmp_dir)
    except Refused as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except (Failed, backup_format.BackupFormatError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except OSError as exc:
        sys.stderr.write(f"error: {exc.strerror}: {exc.filename}\n")
        return 1
    except Exception as exc:
        # psycopg2 errors (a database that is not an Odoo one, a lost
        # connection): their first line, never a traceback.
        if not type(exc).__module__.startswith("psycopg2"):
            raise
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        sys.stderr.write(f"error: database: {first[:200]}\n")
        return 1
    sys.stdout.write(json.dumps(summary, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
