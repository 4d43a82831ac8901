"""Benchmark the PII vault against raw AES-GCM on the same payloads (issue 4).

Usage: python3 tests/bench/bench_vault.py [--entries 20000] [--purge 50000]

Creates a throwaway database with amazon_pii, stores then reveals ``--entries``
synthetic entries through the vault (4 fields per owner, batches of 500
owners), purges ``--purge`` entries with the retention cron, and prints each
rate beside the raw AES-256-GCM encrypt/decrypt rate of the same payloads
measured in the same run. Targets: store and reveal at least half the raw
rate; the purge under a minute.
"""

import argparse
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "setup"))
import odoo_env  # the setup scripts are not a package

FIELDS = ("recipient_name", "address_line1", "postal_code", "phone")
BATCH = 500


def payloads(owner_count):
    for i in range(owner_count):
        yield (
            f"Zoë Ångström {i}",
            f"{i} Rue de l'Été, Bâtiment {i % 7}",
            f"{75000 + i % 999}",
            f"+33 1 55 {i % 100:02d} {i % 97:02d} 00",
        )


def raw_rates(values):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    cipher = AESGCM(AESGCM.generate_key(bit_length=256))
    data = [v.encode() for v in values]
    start = time.perf_counter()
    sealed = []
    for item in data:
        nonce = os.urandom(12)
        sealed.append((nonce, cipher.encrypt(nonce, item, b"aad")))
    encrypt = len(data) / (time.perf_counter() - start)
    start = time.perf_counter()
    for nonce, blob in sealed:
        cipher.decrypt(nonce, blob, b"aad")
    decrypt = len(data) / (time.perf_counter() - start)
    return encrypt, decrypt


def envelope_rates(values):
    """The vault's crypto alone (fresh data key per entry, wrapped): no database."""
    sys.path.insert(0, str(ROOT / "tests"))
    import conftest  # noqa: F401 - registers the addons' bare core packages

    from amazon_pii.core import envelope
    from amazon_pii.core.keyring import KeyRing

    ring = KeyRing.generate()
    items = [
        (v, envelope.binding("res.partner", i, "recipient_name", f"ref{i}"))
        for i, v in enumerate(values)
    ]
    start = time.perf_counter()
    sealed = envelope.seal_many(ring, items)
    seal = len(items) / (time.perf_counter() - start)
    start = time.perf_counter()
    envelope.open_many(
        ring, [(s, aad) for s, (_v, aad) in zip(sealed, items, strict=True)]
    )
    return seal, len(items) / (time.perf_counter() - start)


def plain_rates(cr, values):
    """The database floor: the same payloads as plaintext rows, written and
    read back in batches of 2,000 through the same cursor, no encryption."""
    from odoo.tools import SQL

    cr.execute("CREATE TEMP TABLE bench_plain (id serial, owner int, value text)")
    start = time.perf_counter()
    for i in range(0, len(values), 2000):
        rows = SQL(", ").join(
            SQL("(%s, %s)", i + n, v) for n, v in enumerate(values[i : i + 2000])
        )
        cr.execute(SQL("INSERT INTO bench_plain (owner, value) VALUES %s", rows))
    write = len(values) / (time.perf_counter() - start)
    start = time.perf_counter()
    for i in range(0, len(values), 2000):
        cr.execute(
            "SELECT owner, value FROM bench_plain WHERE owner >= %s AND owner < %s",
            (i, i + 2000),
        )
        cr.fetchall()
    read = len(values) / (time.perf_counter() - start)
    cr.execute("DROP TABLE bench_plain")
    return write, read


def create_database(db, dbname, env):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            f"--addons-path={ROOT}",
            *db.odoo_args(),
            "-d",
            dbname,
            "-i",
            "amazon_pii",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
            "--http-port=0",
        ],
        cwd="/",
        env=env,
        check=True,
    )


@contextlib.contextmanager
def officer_web_session(env, officer):
    """Reveals need a web session that confirmed a 2FA code recently
    (docs/data-protection.md #10): the bench reveals as from the officer's
    browser right after logging in with a code, recorded as a login does."""
    from unittest.mock import Mock

    from odoo.http import _request_stack
    from odoo.tools import DotDict

    from odoo.addons.amazon_pii.models.res_users import record_step_up

    session = DotDict(sid="0" * 84, uid=officer.id, login=officer.login, context={})
    record_step_up(session, officer.id)
    request = Mock(
        session=session,
        env=env,
        db=env.cr.dbname,
        httprequest=Mock(
            path="/web/dataset/call_button",
            headers={},
            cookies={},
            remote_addr="127.0.0.1",
            environ={"REMOTE_ADDR": "127.0.0.1"},
        ),
    )
    _request_stack.push(request)
    try:
        yield
    finally:
        _request_stack.pop()


def measure(dbname, db, entries, purge_count):
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(
        [f"--addons-path={ROOT}", *db.odoo_args(), "-d", dbname, "--log-level=warn"]
    )
    registry = Registry(dbname)
    owners_needed = max(entries, purge_count) // len(FIELDS)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        officer = env["res.users"].create(
            {
                "name": "Bench Officer",
                "login": "bench.officer",
                "groups_id": [
                    (4, env.ref("amazon_pii.group_amazon_pii_officer").id),
                    (4, env.ref("base.group_user").id),
                ],
            }
        )
        officer.totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        owners = env["res.partner"].create(
            [{"name": f"Amazon buyer {i}"} for i in range(owners_needed)]
        )
        cr.commit()
        data = list(payloads(owners_needed))
        flat = [v for row in data for v in row]
        vault = env["amazon.pii.vault"]

        store_owners = entries // len(FIELDS)
        start = time.perf_counter()
        for i in range(0, store_owners, BATCH):
            chunk = owners[i : i + BATCH]
            vault.store(
                [
                    (owner, dict(zip(FIELDS, data[i + n], strict=True)))
                    for n, owner in enumerate(chunk)
                ]
            )
            env.flush_all()
        store_rate = store_owners * len(FIELDS) / (time.perf_counter() - start)
        cr.commit()

        plain_store, plain_read = plain_rates(cr, flat[:entries])
        officer_vault = vault.with_user(officer)
        start = time.perf_counter()
        with officer_web_session(env, officer):
            for i in range(0, store_owners, BATCH):
                officer_vault.reveal(owners[i : i + BATCH], FIELDS, "customer_service")
                env.flush_all()
        reveal_rate = store_owners * len(FIELDS) / (time.perf_counter() - start)
        cr.commit()

        extra = owners[store_owners : purge_count // len(FIELDS)]
        for i in range(0, len(extra), BATCH):
            chunk = extra[i : i + BATCH]
            offset = store_owners + i
            vault.store(
                [
                    (owner, dict(zip(FIELDS, data[offset + n], strict=True)))
                    for n, owner in enumerate(chunk)
                ]
            )
        env.flush_all()
        cr.execute("UPDATE amazon_pii_entry SET purge_after = CURRENT_DATE - 1")
        cr.commit()
        env.invalidate_all()
        start = time.perf_counter()
        purged = vault._cron_purge_due(batch_size=purge_count)
        env.flush_all()
        cr.commit()
        purge_seconds = time.perf_counter() - start

    raw_encrypt, raw_decrypt = raw_rates(flat[:entries])
    seal, unseal = envelope_rates(flat[:entries])
    return {
        "plain_store": plain_store,
        "plain_read": plain_read,
        "seal": seal,
        "unseal": unseal,
        "entries": entries,
        "store": store_rate,
        "reveal": reveal_rate,
        "raw_encrypt": raw_encrypt,
        "raw_decrypt": raw_decrypt,
        "purged": purged,
        "purge_seconds": purge_seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--purge", type=int, default=50000)
    args = parser.parse_args()
    if odoo_env.odoo_version() != 18:
        sys.exit(odoo_env.NO_ODOO_HELP)
    db = odoo_env.ensure_postgres()
    env = dict(os.environ)
    env["AMAZON_PII_KEY_FILE"] = str(
        odoo_env.ensure_key_file(odoo_env.RUN_DIR / "bench-keyring.json")
    )
    os.environ.update(env)
    dbname = odoo_env.throwaway_name("amazon_bench")
    try:
        create_database(db, dbname, env)
        r = measure(dbname, db, args.entries, args.purge)
    finally:
        db.drop(dbname)
    out = sys.stdout.write
    out(f"vault benchmark ({r['entries']} entries, {len(FIELDS)} fields per owner)\n")
    out(f"  baseline raw AES-256-GCM encrypt: {r['raw_encrypt']:12,.0f} /s\n")
    out(f"  baseline raw AES-256-GCM decrypt: {r['raw_decrypt']:12,.0f} /s\n")
    out(
        f"  envelope only (no database): seal {r['seal']:,.0f} /s = "
        f"{r['seal'] / r['raw_encrypt']:.2f} x raw, open {r['unseal']:,.0f} /s = "
        f"{r['unseal'] / r['raw_decrypt']:.2f} x raw\n"
    )
    out(
        f"  baseline plaintext rows (same payloads, SQL): write "
        f"{r['plain_store']:,.0f} /s, read {r['plain_read']:,.0f} /s\n"
    )
    out(
        f"  vault store : {r['store']:10,.0f} entries/s = "
        f"{r['store'] / r['raw_encrypt']:.3f} x raw (target >= 0.5), "
        f"{r['store'] / r['plain_store']:.2f} x plaintext rows\n"
    )
    out(
        f"  vault reveal: {r['reveal']:10,.0f} entries/s = "
        f"{r['reveal'] / r['raw_decrypt']:.3f} x raw (target >= 0.5), "
        f"{r['reveal'] / r['plain_read']:.2f} x plaintext rows\n"
    )
    out(
        f"  purge {r['purged']:,} entries: {r['purge_seconds']:.1f} s (target < 60 s)\n"
    )


if __name__ == "__main__":
    main()
