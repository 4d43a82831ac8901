"""Backup, restore into a fresh database, reveal there (issue #18, item 4).

Needs PostgreSQL and Odoo 18: marked ``odoo_db``, so ``setup/run_tests.py``
runs it in its Odoo stage (beside the Odoo tests) and leaves it out of the
pure stage; run alone with PG* set::

    python3 -m pytest -q -m odoo_db tests/amazon_pii/test_backup_roundtrip.py
"""

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "setup"))
import odoo_env

from amazon_pii.core import backup_format
from amazon_pii.core.keyring import load_keyring

pytestmark = pytest.mark.odoo_db

# Made-up buyer data: distinctive enough that a hit is never a coincidence.
PII = {"buyer_name": "Zelda Quirkfield-Backup", "phone": "+1 555 0199 4242"}
BACKUP = ROOT / "amazon_pii" / "core" / "backup.py"

STORE = """
import json
partner = env["res.partner"].create({{"name": "Backup test owner"}})
env["amazon.pii.vault"].sudo().store([(partner, {pii!r})])
# Clear copies the test can find in a plain dump: the scan's proof of sight.
env["ir.config_parameter"].sudo().set_param("backup_test.canary", {canary!r})
env["ir.attachment"].create({{"name": "canary.txt", "raw": {canary!r}.encode(),
    "res_model": "res.partner", "res_id": partner.id}})
env["amazon.pii.audit"]._log("setting", detail="backup round trip")
env.cr.commit()
print("RESULT " + json.dumps({{"partner": partner.id}}))
"""

REVEAL = """
import json
vault = env["amazon.pii.vault"].sudo()
partner = env["res.partner"].browse({partner})
values = vault._decrypt(vault._entries(partner))
print("RESULT " + json.dumps(values.get(partner.id, {{}})))
"""


def _db():
    if odoo_env.odoo_version() != 18:
        pytest.skip("Odoo 18 is not importable")
    db = odoo_env._from_environment()
    if not odoo_env._answers(db):
        pytest.skip("no PostgreSQL answers (set PGHOST/PGUSER)")
    return db


def _shell(conf, dbname, script):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "shell",
            f"--config={conf}",
            f"--addons-path={ROOT}",
            "-d",
            dbname,
            "--no-http",
            "--log-level=warn",
        ],
        input=script,
        capture_output=True,
        text=True,
        cwd="/",
        check=False,
    )
    results = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    assert done.returncode == 0 and results, done.stderr[-2000:]
    return json.loads(results[-1][len("RESULT ") :])


def _backup(conf, *args):
    return subprocess.run(
        [sys.executable, str(BACKUP), f"--config={conf}", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def _sql(db, dbname, query, params=()):
    conn = db.connect(dbname)
    try:
        with conn.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall()
    finally:
        conn.close()


def _exists(db, dbname):
    return bool(
        _sql(db, "postgres", "SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = _db()
    tmp = tmp_path_factory.mktemp("backup")
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
    src = odoo_env.throwaway_name("backup_src")
    dst = odoo_env.throwaway_name("backup_dst")
    names = (src, dst, dst + "_wrongkey")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            f"--config={conf}",
            f"--addons-path={ROOT}",
            "-d",
            src,
            "-i",
            "amazon_pii",
            "--without-demo=all",
            "--stop-after-init",
            "--no-http",
            "--max-cron-threads=0",
            "--log-level=warn",
        ],
        cwd="/",
        check=True,
    )
    try:
        canary = " / ".join(PII.values())
        owner = _shell(conf, src, STORE.format(pii=PII, canary=canary))["partner"]
        yield {
            "db": db,
            "tmp": tmp,
            "conf": conf,
            "key_file": key_file,
            "data_dir": data_dir,
            "src": src,
            "dst": dst,
            "owner": owner,
        }
    finally:
        for name in names:
            db.drop(name)
            odoo_env.drop_audit_head(key_file, name)


def _needles():
    return [v.encode() for v in PII.values()]


def test_backup_hides_pii_and_keys_and_restore_reveals(world):
    db, tmp, conf, src, dst = (world[k] for k in ("db", "tmp", "conf", "src", "dst"))

    # The scan sees the strings where they are in the clear: a plain dump.
    plain = subprocess.run(
        ["pg_dump", "--format=plain", src],
        capture_output=True,
        env=odoo_env_pg(db),
        check=True,
    ).stdout
    for needle in _needles():
        assert needle in plain, "the scan cannot see PII in a plain dump"

    archive = tmp / "src.amzbak"
    made = _backup(conf, "create", "--db", src, "--out", str(archive))
    assert made.returncode == 0, made.stderr
    data = archive.read_bytes()
    # Bug caught: any plaintext part (dump, filestore, metadata) left unencrypted.
    for needle in _needles():
        assert needle not in data
    # The key ring never goes into the archive, in any encoding.
    ring = load_keyring(world["key_file"])
    for ns in ("vault", "archive", "audit", "backup"):
        for version in ring.versions(ns):
            key = ring.kek(ns, version)
            for form in (key, base64.b64encode(key), key.hex().encode()):
                assert form not in data, f"{ns}/{version} key is in the archive"

    # Decrypted, the archive does hold the clear attachment: the absence
    # above is the encryption's doing, not a scan that sees nothing.
    unpacked = tmp / "unpacked"
    with open(archive, "rb") as handle:
        header = backup_format.read_archive(
            handle, lambda v: ring.kek("backup", v), unpacked
        )
    store = unpacked / "filestore"
    assert any(_needles()[0] in p.read_bytes() for p in store.rglob("*") if p.is_file())
    assert header["meta"]["database"] == src
    assert header["meta"]["modules"]["amazon_pii"]
    # The restore can tell which vault keys the entries need (bug caught: a
    # query that sees no entry, so a retired key would go unnoticed).
    assert header["meta"]["entry_keys"] == ["vault/v1"]

    restored = _backup(conf, "restore", "--in", str(archive), "--db", dst)
    assert restored.returncode == 0, restored.stderr
    revealed = _shell(conf, dst, REVEAL.format(partner=world["owner"]))
    assert revealed == PII

    # The filestore came along under the new name.
    attachments = [
        p
        for p in (world["data_dir"] / "filestore" / dst).rglob("*")
        if p.is_file() and _needles()[0] in p.read_bytes()
    ]
    assert len(attachments) == 1

    # The officer of the source and of the copy see what happened; the
    # digest is the archive's, computed here independently.
    digest = hashlib.sha256(data).hexdigest()
    rows = _sql(
        db,
        src,
        "SELECT kind, database, sha256, ok, size_bytes FROM amazon_pii_backup_log "
        "ORDER BY id",
    )
    assert [r[:4] for r in rows] == [
        ("backup", src, digest, True),
        ("restore_test", dst, digest, True),
    ]
    assert int(rows[0][4]) == len(data)
    copy_rows = _sql(db, dst, "SELECT kind, ok FROM amazon_pii_backup_log")
    assert copy_rows == [("restore_test", True)]

    # The copy's audit chain is anchored at its restored head, which is the
    # source's head (the source's anchor file is its own, untouched).
    src_head = _sql(
        db,
        src,
        "SELECT seq, chain_hash FROM amazon_pii_audit WHERE seq IS NOT NULL "
        "ORDER BY seq DESC LIMIT 1",
    )
    assert len(src_head) == 1
    anchor_file = Path(f"{world['key_file']}.audit-head.{dst}.json")
    anchor = json.loads(anchor_file.read_text(encoding="utf-8"))
    assert (anchor["seq"], anchor["hash"]) == src_head[0]

    # An existing database is never overwritten.
    again = _backup(conf, "restore", "--in", str(archive), "--db", dst)
    assert again.returncode == 2 and "exists" in again.stderr


def test_restore_with_another_backup_key_creates_nothing(world):
    db, tmp = world["db"], world["tmp"]
    archive = tmp / "src.amzbak"
    if not archive.exists():
        made = _backup(
            world["conf"], "create", "--db", world["src"], "--out", str(archive)
        )
        assert made.returncode == 0, made.stderr
    other_key = odoo_env.ensure_key_file(tmp / "other-keyring.json")
    conf = tmp / "other.conf"
    conf.write_text(
        world["conf"].read_text().replace(str(world["key_file"]), str(other_key)),
        encoding="utf-8",
    )
    target = world["dst"] + "_wrongkey"
    done = _backup(conf, "restore", "--in", str(archive), "--db", target)
    assert done.returncode == 1
    assert "not the one this archive was made with" in done.stderr
    assert not _exists(db, target)
    assert not (world["data_dir"] / "filestore" / target).exists()


def odoo_env_pg(db):
    env = dict(os.environ)
    for var, value in (("PGHOST", db.host), ("PGPORT", db.port), ("PGUSER", db.user)):
        if value:
            env[var] = str(value)
    return env
