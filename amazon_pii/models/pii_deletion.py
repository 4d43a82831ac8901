"""Deletion records: the evidence that an erasure happened
(docs/data-protection.md #4).

A record says what was erased (a seller account or one order, by name and
Amazon id, never buyer data), when, by whom, on which request, and how many
things of each kind went. It outlives what it describes: no foreign key
points at the erased records (their model, id and name are stored as plain
values), nothing may change or delete it, and it is also written to the
audit chain.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError

# What an erasure counts, in the order a deletion record shows them.
COUNTS = [
    ("vault_entries", "Vault entries shredded"),
    ("credentials", "Credentials shredded"),
    ("labels", "Shipping labels shredded"),
    ("orders", "Orders pseudonymised"),
    ("partners", "Buyer contacts pseudonymised"),
    ("listings", "Listings removed"),
    ("offers", "SKU mappings removed"),
    ("feeds", "Listing feeds removed"),
    ("risk_models", "Risk models removed"),
    ("risk_records", "Order risk records removed"),
    ("parked_orders", "Parked orders removed"),
    ("work_items", "Work items removed"),
    ("sync_logs", "Sync logs removed"),
]


class AmazonPiiDeletion(models.Model):
    _name = "amazon.pii.deletion"
    _description = "Amazon Data Deletion Record"
    _order = "id desc"

    name = fields.Char("Reference", required=True, readonly=True)
    kind = fields.Selection(
        [("account", "Seller account"), ("order", "One order's buyer data")],
        required=True,
        readonly=True,
    )
    # The erased record as plain values: a foreign key would cascade or
    # block when it is removed, and the record must outlive it.
    subject_model = fields.Char("Erased model", required=True, readonly=True)
    subject_id = fields.Integer("Erased record id", required=True, readonly=True)
    subject_name = fields.Char("Erased record", required=True, readonly=True)
    amazon_ref = fields.Char(
        "Amazon id",
        readonly=True,
        help="The seller id of an erased account, the order id of an erased "
        "order: identifiers, not buyer data.",
    )
    request_ref = fields.Char(
        "Request reference",
        readonly=True,
        help="The ticket, letter or message that asked for the erasure.",
    )
    reason = fields.Char(readonly=True)
    erased_at = fields.Datetime("Erased on", required=True, readonly=True)
    # Users are archived, not deleted, in Odoo; restrict keeps it so.
    user_id = fields.Many2one(
        "res.users", "Erased by", required=True, readonly=True, ondelete="restrict"
    )
    user_name = fields.Char("Erased by (name)", required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, ondelete="restrict"
    )
    count_vault_entries = fields.Integer(COUNTS[0][1], readonly=True)
    count_credentials = fields.Integer(COUNTS[1][1], readonly=True)
    count_labels = fields.Integer(COUNTS[2][1], readonly=True)
    count_orders = fields.Integer(COUNTS[3][1], readonly=True)
    count_partners = fields.Integer(COUNTS[4][1], readonly=True)
    count_listings = fields.Integer(COUNTS[5][1], readonly=True)
    count_offers = fields.Integer(COUNTS[6][1], readonly=True)
    count_feeds = fields.Integer(COUNTS[7][1], readonly=True)
    count_risk_models = fields.Integer(COUNTS[8][1], readonly=True)
    count_risk_records = fields.Integer(COUNTS[9][1], readonly=True)
    count_parked_orders = fields.Integer(COUNTS[10][1], readonly=True)
    count_work_items = fields.Integer(COUNTS[11][1], readonly=True)
    count_sync_logs = fields.Integer(COUNTS[12][1], readonly=True)

    def _refuse_change(self):
        raise AccessError(
            self.env._("Deletion records are evidence: they cannot be changed.")
        )

    # No exception, not even for superuser code: an erasure must never be
    # able to erase its own evidence (the access rights give no group write,
    # create or unlink either).
    def write(self, vals):
        self._refuse_change()
        return super().write(vals)

    def unlink(self):
        self._refuse_change()
        return super().unlink()

    @api.model
    def _record(self, kind, subject, name, amazon_ref, counts, request_ref, reason):
        """Write the deletion record of an erasure just done (server code,
        in the erasure's transaction) and its audit row."""
        unknown = set(counts) - {key for key, _label in COUNTS}
        if unknown:
            raise ValueError(f"unknown deletion counts: {sorted(unknown)}")
        user = self.env.user
        record = self.sudo().create(
            {
                "name": self.env._(
                    "Erasure: %(what)s %(name)s",
                    what=dict(self._fields["kind"]._description_selection(self.env))[
                        kind
                    ],
                    name=name,
                ),
                "kind": kind,
                "subject_model": subject._name,
                "subject_id": subject.id,
                "subject_name": name,
                "amazon_ref": amazon_ref or False,
                "request_ref": request_ref or False,
                "reason": reason or False,
                "erased_at": fields.Datetime.now(),
                "user_id": user.id,
                "user_name": user.name,
                "company_id": subject.company_id.id or self.env.company.id,
                **{f"count_{key}": value for key, value in counts.items()},
            }
        )
        summary = ", ".join(f"{key}={value}" for key, value in sorted(counts.items()))
        self.env["amazon.pii.audit"]._log(
            "erase",
            res_model=subject._name,
            res_id=subject.id,
            count=counts.get("vault_entries", 0),
            detail=f"deletion record {record.id}: {summary}"[:250],
            company_id=record.company_id.id,
        )
        return record
