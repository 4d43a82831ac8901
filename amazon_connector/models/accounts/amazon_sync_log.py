from odoo import api, fields, models

STATES = [
    ("running", "Running"),
    ("done", "Done"),
    ("partial", "Done with parked orders"),
    ("paused", "Paused (rate limit or outage)"),
    ("busy", "Skipped: another sync was running"),
    ("failed", "Failed"),
    ("stopped", "Stopped: LWA client secret expired or refused"),
]
COUNTERS = (
    "pages",
    "created",
    "updated",
    "unchanged",
    "failed",
    "api_calls",
    "throttled",
)


class AmazonSyncLog(models.Model):
    """One sync run: what it did, how many calls it made, what went wrong.

    Holds counts and error texts only; the SP-API layer redacts its errors
    and parked-order reasons never quote buyer data.
    """

    _name = "amazon.sync.log"
    _description = "Amazon Sync Log"
    _order = "id desc"
    _rec_name = "started"

    account_id = fields.Many2one(
        "amazon.account", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    kind = fields.Selection([("orders", "Orders")], required=True, default="orders")
    state = fields.Selection(STATES, required=True, default="running")
    started = fields.Datetime(required=True, default=fields.Datetime.now)
    finished = fields.Datetime()
    duration = fields.Float("Duration (s)", digits=(16, 1))
    window_start = fields.Datetime("Updated after")
    window_end = fields.Datetime("Up to")
    pages = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    failed = fields.Integer("Parked")
    api_calls = fields.Integer("SP-API calls")
    throttled = fields.Integer("429 responses")
    message = fields.Text()

    @api.model
    def _start(self, account):
        """Create the log in its own transaction: it survives a crashed run."""
        log_id = self.env["amazon.work"]._run(
            lambda env: env[self._name].create({"account_id": account.id}).id
        )
        return self.browse(log_id)

    def _finish(self, state, counters, message=False):
        self.ensure_one()
        vals = {
            "state": state,
            "message": message,
            **{key: counters.get(key, 0) for key in COUNTERS},
            "window_start": counters.get("window_start"),
            "window_end": counters.get("window_end"),
        }

        def finish(env):
            # Read in the unit's transaction: the caller's snapshot may
            # predate the log's creation.
            log = env[self._name].browse(self.id)
            now = fields.Datetime.now()
            log.write(
                dict(vals, finished=now, duration=(now - log.started).total_seconds())
            )
            log._alert_people()

        self.env["amazon.work"]._run(finish)
        self.invalidate_recordset()

    def _action_show(self):
        if len(self) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": self._name,
                "res_id": self.id,
                "view_mode": "form",
                "target": "new",
            }
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_sync_logs"
        )
        action["domain"] = [("id", "in", self.ids)]
        return action

    @api.autovacuum
    def _gc_old_logs(self):
        """Sync logs are Amazon information: kept 18 months at most
        (docs/data-protection.md #3)."""
        limit = fields.Datetime.subtract(fields.Datetime.now(), months=18)
        self.sudo().search([("started", "<", limit)]).unlink()
