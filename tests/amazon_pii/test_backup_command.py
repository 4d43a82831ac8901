"""The backup command's settings and errors, without PostgreSQL
(amazon_pii/core/backup.py; the round trip is test_backup_roundtrip.py)."""

import os
import subprocess
import sys

import pytest
from conftest import ROOT

from amazon_pii.core import backup
from amazon_pii.core.keyring import KeyRing

SCRIPT = ROOT / "amazon_pii" / "core" / "backup.py"


def _conf(tmp_path, text):
    path = tmp_path / "odoo.conf"
    path.write_text("[options]\n" + text, encoding="utf-8")
    return path


def test_settings_read_odoo_conf_and_ignore_unset_options(tmp_path, monkeypatch):
    monkeypatch.setenv("AMAZON_PII_KEY_FILE", "/from/env.keys")
    conf = _conf(
        tmp_path,
        "db_host = /var/run/pg\ndb_port = False\ndb_user = odoo\n"
        "data_dir = /srv/odoo\namazon_pii_key_file = /etc/odoo/pii.keys\n",
    )
    settings = backup.Settings(conf)
    # Bug caught: Odoo's "False" taken for a host/port name.
    assert settings.pg == {
        "host": "/var/run/pg",
        "port": None,
        "user": "odoo",
        "password": None,
    }
    # The odoo.conf option wins over the environment, as in keyring_service.
    assert settings.key_file == "/etc/odoo/pii.keys"
    assert str(settings.filestore("shop")) == "/srv/odoo/filestore/shop"
    assert settings.anchor_path("shop") == "/etc/odoo/pii.keys.audit-head.shop.json"
    assert settings.pg_env()["PGHOST"] == "/var/run/pg"


def test_settings_fall_back_like_the_server(tmp_path, monkeypatch):
    monkeypatch.setenv("AMAZON_PII_KEY_FILE", "/from/env.keys")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    settings = backup.Settings()
    assert settings.key_file == "/from/env.keys"
    # Odoo's default data_dir (odoo/tools/config.py, appdirs on Linux).
    assert settings.data_dir == tmp_path / ".local" / "share" / "Odoo"
    shared = backup.Settings(
        _conf(tmp_path, "amazon_pii_audit_head_file = /var/lib/odoo/head.json\n")
    )
    assert shared.anchor_path("copy") == "/var/lib/odoo/head.json"


def _run(*args, env=None):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        cwd="/",
        env=env,
        check=False,
    )


def test_plain_file_command_inspects_without_a_key(tmp_path):
    ring = KeyRing.generate()
    dump = tmp_path / "d.dump"
    dump.write_bytes(b"PGDMP")
    archive = tmp_path / "a.amzbak"
    with open(archive, "wb") as handle:
        backup.backup_format.write_archive(
            handle, "b1", ring.kek("backup", "b1"), {"database": "shop"}, dump, None
        )
    done = _run("inspect", "--in", str(archive))
    assert done.returncode == 0, done.stderr
    assert '"database": "shop"' in done.stdout and '"key_version": "b1"' in done.stdout


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["inspect", "--in", "{tmp}/d.dump"], 1, "not an Amazon PII backup"),
        (["restore", "--in", "{tmp}/d.dump", "--db", "x"], 2, "key file"),
        (["create", "--db", "x", "--out", "{tmp}/d.dump"], 2, "exists"),
    ],
)
def test_errors_are_one_line_with_an_exit_status(tmp_path, args, status, message):
    (tmp_path / "d.dump").write_bytes(b"PGDMP" + b"\0" * 64)
    env = {k: v for k, v in os.environ.items() if k != "AMAZON_PII_KEY_FILE"}
    done = _run(*(a.format(tmp=tmp_path) for a in args), env=env)
    assert done.returncode == status
    assert done.stderr.startswith("error: ") and message in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr


def test_entry_keys_retired_since_the_backup_are_named():
    # A vault version retired after the backup leaves the restored entries
    # wrapped under it unreadable: the restore test must say so.
    ring = KeyRing.generate().with_new_version("vault")
    meta = {"entry_keys": ["archive/a1", "vault/v1", "vault/v2"]}
    assert backup.missing_entry_keys(ring, meta) == []
    retired = ring.without_version("vault", "v1")
    assert backup.missing_entry_keys(retired, meta) == ["vault/v1"]
    assert backup.missing_entry_keys(retired, {}) == []
