import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.http import request
from odoo.tools import SQL

from ..core import hashchain
from ..core.errors import PIIError
from .keyring_service import get_keyring

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
]


def _log_event(env, event, kwargs):
    """Unit of work: one audit event, committed whatever the caller does next."""
    env["amazon.pii.audit"]._log(event, **kwargs)


def _seal_committed_rows(env):
    """Unit of work: seal the committed rows (run READ COMMITTED)."""
    env["amazon.pii.audit"]._seal_rows()


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
        if not self.env.cr.postcommit.data.get("amazon_pii_seal"):
            self.env.cr.postcommit.data["amazon_pii_seal"] = True
            self.env.cr.postcommit.add(self._seal_committed)
        return rows

    @api.model
    def _log_independently(self, event, **kwargs):
        """Record ``event`` in its own transaction: survives the caller's rollback."""
        # The keywords travel as one dict so none can clash with _run's own.
        self.env["amazon.work"]._run(_log_event, event, kwargs, su=self.env.su)

    @api.model
    def _record(self, row):
        return {
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

    _COLUMNS = SQL(
        "id, seq, chain_hash, create_date, event, user_id, remote_addr, res_model, "
        "res_id, field_keys, purpose, count, detail, company_id, chain_key"
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
        """Give every visible unsealed row its chain position and hash, in id
        order. Call with a cursor that holds no earlier snapshot (see above)."""
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
        sealed = []
        for row in cr.dictfetchall():
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
        problems = [
            {"id": r["id"], "position": None, "reason": "row was never sealed"}
            for r in rows
            if r["seq"] is None and r["create_date"] < stale
        ]
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
        return problems, head

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
        # The server log (outside the database) anchors the head: compare a
        # later head with this line to detect truncation of the newest rows.
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
