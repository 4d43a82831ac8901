"""Benchmark encrypted backup and restore against plain pg_dump/pg_restore.

Usage: python3 tests/bench/bench_backup.py [--buyers 5000] [--files 200]
                                           [--modules amazon_connector] [--keep]

Installs ``--modules`` into a fresh database, stores ``--buyers`` buyers' data
(four fields each) through the vault and ``--files`` attachments of 64 KiB in
the filestore (untimed), then times, in the same run:

- baseline: ``pg_dump --format=custom`` to a file, and ``createdb`` +
  ``pg_restore`` of that file into a new database (the filestore is not part
  of a plain dump: the baseline copies it with ``cp -a`` and that is timed too);
- ours: ``amazon_pii/core/backup.py create`` (dump, filestore, encryption,
  log row) and ``restore`` (decryption and checks, createdb, pg_restore,
  filestore, audit anchor, log rows).

Prints each time, the archive and dump sizes, and the ratios ours/baseline.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "setup"))

import odoo_env

POPULATE = """
import os
partners = env["res.partner"].create(
    [{{"name": f"Buyer {{i}}"}} for i in range({buyers})]
)
vault = env["amazon.pii.vault"].sudo()
for start in range(0, len(partners), 500):
    vault.store([
        (p, {{"buyer_name": f"Name {{p.id}}", "phone": f"+1 555 01{{p.id:05d}}",
             "buyer_email": f"b{{p.id}}@marketplace.invalid",
             "postal_code": f"{{p.id:05d}}"}})
        for p in partners[start:start + 500]
    ])
    env.cr.commit()
env["ir.attachment"].create([
    {{"name": f"doc{{i}}.bin", "raw": os.urandom(64 * 1024)}} for i in range({files})
])
env.cr.commit()
print("RESULT ok")
"""


def odoo(conf, *args, command=(), stdin=None):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            *command,
            f"--config={conf}",
            f"--addons-path={ROOT}",
            "--log-level=warn",
            "--no-http",
            "--max-cron-threads=0",
            *args,
        ],
        input=stdin,
        text=True,
        capture_output=True,
        cwd="/",
        check=True,
    )


def timed(cmd, env):
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{cmd[0:3]} failed: {done.stderr.strip()[-500:]}")
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--buyers", type=int, default=5000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--modules", default="amazon_connector")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args()

    db = odoo_env.ensure_postgres()
    tmp = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    key_file = odoo_env.ensure_key_file(tmp / "keyring.json")
    data_dir = tmp / "data"
    conf = tmp / "odoo.conf"
    conf.write_text(
        "[options]\n"
        f"data_dir = {data_dir}\n"
        f"amazon_pii_key_file = {key_file}\n"
        + "".join(
            f"db_{k} = {v}\n"
            for k, v in (("host", db.host), ("port", db.port), ("user", db.user))
            if v
        ),
        encoding="utf-8",
    )
    env = dict(os.environ)
    for var, value in (("PGHOST", db.host), ("PGPORT", db.port), ("PGUSER", db.user)):
        if value:
            env[var] = str(value)
    src = odoo_env.throwaway_name("bench_backup_src")
    plain_db, ours_db = f"{src}_plain", f"{src}_ours"
    try:
        print(f"installing {args.modules} into {src} ...", flush=True)
        odoo(
            conf,
            "-d",
            src,
            "-i",
            args.modules,
            "--without-demo=all",
            "--stop-after-init",
        )
        odoo(
            conf,
            "-d",
            src,
            command=["shell"],
            stdin=POPULATE.format(buyers=args.buyers, files=args.files),
        )
        store = data_dir / "filestore" / src

        dump = tmp / "plain.dump"
        t_dump = timed(["pg_dump", "--format=custom", f"--file={dump}", src], env)
        t_cp = timed(["cp", "-a", str(store), str(tmp / "filestore-copy")], env)
        t_create = timed(["createdb", "--template=template0", plain_db], env)
        t_restore = timed(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={plain_db}",
                str(dump),
            ],
            env,
        )
        t_cp_back = timed(
            [
                "cp",
                "-a",
                str(tmp / "filestore-copy"),
                str(data_dir / "filestore" / plain_db),
            ],
            env,
        )
        base_backup = t_dump + t_cp
        base_restore = t_create + t_restore + t_cp_back

        archive = tmp / "ours.amzbak"
        script = [
            sys.executable,
            str(ROOT / "amazon_pii/core/backup.py"),
            f"--config={conf}",
        ]
        our_backup = timed([*script, "create", "--db", src, "--out", str(archive)], env)
        our_restore = timed(
            [*script, "restore", "--in", str(archive), "--db", ours_db], env
        )
        files = sum(1 for p in store.rglob("*") if p.is_file())
        print(
            f"database {src}: {args.buyers} buyers in the vault, {files} filestore "
            f"files; pg_dump {dump.stat().st_size / 1e6:.1f} MB, "
            f"archive {archive.stat().st_size / 1e6:.1f} MB"
        )
        print(
            f"backup : plain pg_dump + cp {base_backup:6.2f} s "
            f"(pg_dump {t_dump:.2f} s) | encrypted {our_backup:6.2f} s | "
            f"ratio {our_backup / base_backup:.2f}"
        )
        print(
            f"restore: createdb + pg_restore + cp {base_restore:6.2f} s "
            f"(pg_restore {t_restore:.2f} s) | encrypted {our_restore:6.2f} s | "
            f"ratio {our_restore / base_restore:.2f}"
        )
    finally:
        if not args.keep:
            for name in (src, plain_db, ours_db):
                db.drop(name)
                odoo_env.drop_audit_head(key_file, name)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
