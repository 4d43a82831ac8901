import logging
from datetime import timedelta
from functools import partial

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.http import request
from odoo.tools import SQL

from ..core import audit_anchor, hashchain
from ..core.errors import PIIError
from .keyring_service import audit_head_path, get_keyring

_logger = logging.getLogger(__name__)

# Serialises sealing across workers: one chain, one writer at a time.
CHAIN_LOCK = 0x414D5A50  # "AMZP"
EVENTS = [
    ("store", "Stored"),
    ("reveal", "Revealed"),
    ("reveal_refused", "Reveal refused"),
    ("export", "Exported"),
    ("purge", "Purged"),
    ("key_rewrap", "Keys re-wrapped"),
    ("key_retire", "Key version retired"),
    ("key_retire_refused", "Key retirement refused"),
    ("hold", "Legal hold placed"),
    ("hold_release", "Legal hold released"),
    ("incident", "Incident opened"),
    ("decrypt_failed", "Decryption failed"),
    ("setting", "Setting changed"),
    ("credential", "Credential changed"),
    ("verify", "Audit chain verified"),
    ("erase", "Erased on request"),
]


def _log_event(env, event, kwargs):
    """Unit of work: one audit event, committed whatever the caller does next."""
    env["amazon.pii.audit"]._log(event, **kwargs)


def _seal_committed_rows(env):
    """Unit of work: seal the committed rows (run READ COMMITTED)."""
    env["amazon.pii.audit"]._seal_rows()


def _anchor_head(path, head):
    """After the seal's commit: advance the head file outside the database."""
    try:
        audit_anchor.advance_anchor(path, head["seq"], head["chain_hash"])
    except OSError as exc:
        # The next seal or the daily verification anchors again.
        _logger.warning("Cannot write the audit head file: %s", exc)


class AmazonPiiAudit(models.Model):
    """Append-only, hash-chained audit trail of every access to buyer data.

    Rows are inserted unsealed; right after their transaction commits, a short
    transaction of its own (READ COMMITTED, so it sees every committed seal)
    takes one advisory lock and gives the committed unsealed rows, in id order,
    their chain position and hash. No request ever holds the lock, so two
    workers cannot fork the chain and a refusal recorded from its own cursor
    never waits on the request it refuses. The daily cron seals stragglers.
    Rows hold no PII.
    """

    _name = "amazon.pii.audit"
    _description = "Amazon PII Audit Log"
    _order = "id desc"
    _rec_name = "event"

    seq = fields.Integer("Chain position", readonly=True, index=True, copy=False)
    chain_hash = fields.Char(readonly=True, copy=False)
    row_mac = fields.Char(
        "Insert MAC",
        readonly=True,
        copy=False,
        help="HMAC the audit service computed when it inserted the row, under "
        "the key file's audit key: only rows carrying a valid one are sealed.",
    )
    mac_key = fields.Char("Insert MAC key version", readonly=True, copy=False)
    chain_key = fields.Char(
        "Chain key version",
        readonly=True,
        copy=False,
        help="Version of the key-file 'audit' key that authenticates this link "
        "(HMAC); empty when no key ring was configured.",
    )
    event = fields.Selection(EVENTS, required=True, readonly=True, index=True)
    user_id = fields.Many2one(
        "res.users", readonly=True, index=True, ondelete="restrict"
    )
    # ondelete restrict: a cascade or SET NULL would rewrite sealed rows.
    remote_addr = fields.Char("From", readonly=True)
    res_model = fields.Char("Record model", readonly=True, index=True)
    res_id = fields.Many2oneReference(
        "Record", model_field="res_model", readonly=True, index=True
    )
    field_keys = fields.Char("Fields", readonly=True)
    purpose = fields.Char(readonly=True)
    count = fields.Integer(readonly=True)
    detail = fields.Char(readonly=True)
    company_id = fields.Many2one(
        "res.company", readonly=True, index=True, ondelete="restrict"
    )

    def _refuse_change(self):
        raise AccessError(self.env._("The Amazon PII audit log is append-only."))

    _sql_constraints = [
        ("seq_uniq", "unique(seq)", "Each chain position is sealed once."),
    ]

    def write(self, vals):
        self._refuse_change()
        return super().write(vals)

    def unlink(self):
        self._refuse_change()
        return super().unlink()

    @api.model
    def _log(self, event, records=None, field_keys=(), purpose=None, **extra):
        """Append one row per record in ``records`` (or one row without a record).

        ``extra`` may carry ``count``, ``detail`` (never PII), ``res_model``,
        ``res_id`` and ``user_id``.
        """
        remote = request.httprequest.remote_addr if request else None
        base = {
            "event": event,
            "user_id": extra.get("user_id", self.env.uid),
            "remote_addr": remote,
            "field_keys": ",".join(sorted(set(field_keys))) or False,
            "purpose": purpose or False,
            "count": extra.get("count", 0),
            "detail": extra.get("detail", False),
            "company_id": extra.get("company_id", self.env.company.id),
        }
        if records:
            vals_list = [
                dict(base, res_model=rec._name, res_id=rec.id) for rec in records
            ]
        else:
            vals_list = [
                dict(
                    base,
                    res_model=extra.get("res_model", False),
                    res_id=extra.get("res_id", False),
                )
            ]
        rows = self.sudo().create(vals_list)
        self._sign_rows(rows)
        if not self.env.cr.postcommit.data.get("amazon_pii_seal"):
            self.env.cr.postcommit.data["amazon_pii_seal"] = True
            self.env.cr.postcommit.add(self._seal_committed)
        return rows

    def _sign_rows(self, rows):
        """Put the service's insert MAC on freshly created rows (ORM writes
        are refused on this model, hence SQL)."""
        version, key = self._chain_key()
        if not key:
            return
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT %s FROM amazon_pii_audit WHERE id IN %s",
                self._COLUMNS,
                tuple(rows.ids),
            )
        )
        signed = [
            SQL(
                "(%s, %s)",
                row["id"],
                hashchain.row_mac(key, self._insert_record(row, version)),
            )
            for row in cr.dictfetchall()
        ]
        cr.execute(
            SQL(
                "UPDATE amazon_pii_audit a SET row_mac = v.mac, mac_key = %s "
                "FROM (VALUES %s) AS v(id, mac) WHERE a.id = v.id",
                version,
                SQL(", ").join(signed),
            )
        )
        rows.invalidate_recordset(["row_mac", "mac_key"])

    @api.model
    def _insert_record(self, row, version):
        """What the insert MAC covers: the row as inserted, with its table id
        (so a genuine row copied in SQL does not carry a valid MAC) and the
        MAC key version."""
        record = self._record(row)
        record.pop("key")
        record.pop("mac", None)
        record.update(id=row["id"], mac_key=version)
        return record

    def _row_mac_ok(self, row, keys):
        version = row["mac_key"]
        if not version or not row["row_mac"]:
            return False
        if version not in keys:
            keys[version] = self._chain_key(version)[1]
        key = keys[version]
        return bool(key) and hashchain.row_mac_ok(
            key, self._insert_record(row, version), row["row_mac"]
        )

    @api.model
    def _log_independently(self, event, **kwargs):
        """Record ``event`` in its own transaction: survives the caller's rollback."""
        # The keywords travel as one dict so none can clash with _run's own.
        self.env["amazon.work"]._run(_log_event, event, kwargs, su=self.env.su)

    @api.model
    def _record(self, row):
        record = {
            "id": row["seq"],
            "at": row["create_date"],
            "event": row["event"],
            "user": row["user_id"],
            "from": row["remote_addr"],
            "model": row["res_model"],
            "res_id": row["res_id"],
            "fields": row["field_keys"],
            "purpose": row["purpose"],
            "count": row["count"],
            "detail": row["detail"],
            "company": row["company_id"],
            "key": row["chain_key"],
        }
        if row.get("row_mac"):
            # The link authenticates the insert MAC too.
            record["mac"] = row["row_mac"]
        return record

    _COLUMNS = SQL(
        "id, seq, chain_hash, create_date, event, user_id, remote_addr, res_model, "
        "res_id, field_keys, purpose, count, detail, company_id, chain_key, "
        "row_mac, mac_key"
    )

    @api.model
    def _seal_committed(self):
        """Seal committed rows in a short transaction of its own."""
        # READ COMMITTED: each statement must see every seal committed before
        # the chain lock was granted.
        self.env["amazon.work"]._run(
            _seal_committed_rows, read_committed=True, su=self.env.su
        )
        self.invalidate_model(["seq", "chain_hash", "chain_key"])

    @api.model
    def _seal_rows(self):
        """Give every visible unsealed row that carries a valid insert MAC its
        chain position and hash, in id order; after the commit, anchor the new
        head outside the database. Call with a cursor that holds no earlier
        snapshot (see above).

        A row without a valid MAC was inserted behind the service's back: it
        stays unsealed, and verification reports it."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(SQL("SELECT pg_advisory_xact_lock(%s)", CHAIN_LOCK))
        cr.execute(
            SQL(
                "SELECT seq, chain_hash FROM amazon_pii_audit "
                "WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
            )
        )
        last = cr.fetchone()
        seq, prev = last if last else (0, hashchain.GENESIS)
        cr.execute(
            SQL(
                "SELECT %s FROM amazon_pii_audit WHERE seq IS NULL ORDER BY id",
                self._COLUMNS,
            )
        )
        version, key = self._chain_key()
        sealed, mac_keys = [], {}
        for row in cr.dictfetchall():
            if key and not self._row_mac_ok(row, mac_keys):
                continue
            seq += 1
            row.update(seq=seq, chain_key=version)
            prev = hashchain.link(prev, self._record(row), key)
            sealed.append(SQL("(%s, %s, %s, %s)", row["id"], seq, prev, version))
        if sealed:
            cr.execute(
                SQL(
                    "UPDATE amazon_pii_audit a SET seq = v.seq, chain_hash = v.hash, "
                    "chain_key = v.key FROM (VALUES %s) AS v(id, seq, hash, key) "
                    "WHERE a.id = v.id AND a.seq IS NULL",
                    SQL(", ").join(sealed),
                )
            )
            path = audit_head_path(self.env)
            if key and path:
                head = {"seq": seq, "chain_hash": prev}
                cr.postcommit.add(partial(_anchor_head, path, head))
        self.invalidate_model(["seq", "chain_hash", "chain_key"])

    @api.model
    def _chain_key(self, version=None):
        """``(version, key)`` of the key file's audit key (the active one by
        default); ``(None, None)`` without a usable key ring."""
        try:
            ring = get_keyring(self.env)
            version = version or ring.active_version("audit")
            return version, ring.kek("audit", version)
        except (UserError, PIIError):
            return None, None

    @api.model
    def _verify_chain(self):
        """Problems found in the whole chain (empty list: intact)."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT %s FROM amazon_pii_audit ORDER BY seq NULLS LAST, id",
                self._COLUMNS,
            )
        )
        rows = cr.dictfetchall()
        # Rows are sealed right after their commit: an old unsealed row was
        # inserted behind the chain's back (or its sealing failed).
        stale = fields.Datetime.now() - timedelta(minutes=10)
        problems, mac_keys = [], {}
        keyed = bool(self._chain_key()[1])
        for r in rows:
            if r["seq"] is not None:
                continue
            if keyed and not self._row_mac_ok(r, mac_keys):
                problems.append(
                    {
                        "id": r["id"],
                        "position": None,
                        "reason": "row inserted outside the audit service "
                        "(no valid insert MAC)",
                    }
                )
            elif r["create_date"] < stale:
                problems.append(
                    {"id": r["id"], "position": None, "reason": "row was never sealed"}
                )
        sealed = [r for r in rows if r["seq"] is not None]
        keys, keyed_seen = {}, False
        for r in sealed:
            if r["chain_key"]:
                keyed_seen = True
                if r["chain_key"] not in keys:
                    keys[r["chain_key"]] = self._chain_key(r["chain_key"])[1]
                if keys[r["chain_key"]] is None:
                    problems.append(
                        {
                            "id": r["id"],
                            "position": None,
                            "reason": f"audit key {r['chain_key']} is unavailable",
                        }
                    )
            elif keyed_seen:
                # Stripping the key to recompute plain hashes is a forgery.
                problems.append(
                    {
                        "id": r["id"],
                        "position": None,
                        "reason": "unkeyed row after keyed rows",
                    }
                )
        problems += hashchain.verify(
            (self._record(r), r["chain_hash"], keys.get(r["chain_key"])) for r in sealed
        )
        expected = list(range(1, len(sealed) + 1))
        if [r["seq"] for r in sealed] != expected:
            problems.append(
                {"id": None, "position": None, "reason": "gap in chain positions"}
            )
        head = sealed[-1] if sealed else {"seq": 0, "chain_hash": hashchain.GENESIS}
        problems += self._anchor_problems({r["seq"]: r["chain_hash"] for r in sealed})
        return problems, head

    @api.model
    def _anchor_problems(self, hashes_by_seq):
        path = audit_head_path(self.env)
        if not path:
            return []
        try:
            reason = audit_anchor.anchor_problem(
                hashes_by_seq, audit_anchor.read_anchor(path)
            )
        except audit_anchor.AnchorError as exc:
            reason = str(exc)
        return [{"id": None, "position": None, "reason": reason}] if reason else []

    def _check_officer(self):
        if not self.env.user.has_group("amazon_pii.group_amazon_pii_officer"):
            raise AccessError(
                self.env._("Only a PII Officer may verify the audit log.")
            )

    def action_verify_chain(self):
        self._check_officer()
        self._seal_committed()
        problems, head = self._verify_chain()
        self._log("verify", count=len(problems), detail=f"head {head['seq']}")
        if problems:
            message = self.env._(
                "Audit chain BROKEN: %(count)s problem(s), first: %(first)s",
                count=len(problems),
                first=problems[0]["reason"],
            )
            kind = "danger"
        else:
            message = self.env._(
                "Audit chain intact up to row %(seq)s.", seq=head["seq"]
            )
            kind = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": kind, "sticky": bool(problems)},
        }

    @api.model
    def _cron_verify_chain(self):
        self._seal_committed()
        problems, head = self._verify_chain()
        path = audit_head_path(self.env)
        if not problems and path and head["seq"]:
            # Seals anchor the head as they commit; this catches up a head
            # whose anchoring failed (a read-only folder, a crash). After the
            # commit, like the seal: a rolled-back head is never anchored.
            self.env.cr.postcommit.add(partial(_anchor_head, path, dict(head)))
        # The server log, a second copy outside the database.
        _logger.info(
            "Amazon PII audit chain: %s problem(s), head seq %s hash %s",
            len(problems),
            head["seq"],
            head["chain_hash"],
        )
        Incident = self.env["amazon.pii.incident"].sudo()
        open_tamper = Incident.search_count(
            [("kind", "=", "audit_tamper"), ("state", "!=", "closed")]
        )
        if problems and not open_tamper:
            Incident._open(
                "audit_tamper",
                self.env._(
                    "The PII audit chain failed verification: %(reason)s",
                    reason=problems[0]["reason"],
                ),
            )
        self._log("verify", count=len(problems), detail=f"head {head['seq']}")
