"""The Amazon overview: one kanban card per seller account with what needs a
person today (issue #19, item 5), built like Odoo's Inventory overview
(``stock.picking.type``'s ``count_picking_*`` fields and ``get_action_*``).

Every count is a non-stored field computed for all cards at once with one
``_read_group`` per tile, and every tile opens its list with the very domain
it counted (``_overview_tiles``), so the list shows exactly the records the
card announced. amazon_ai adds its risk hold tile by extending
``_overview_tiles`` and declaring the count field.
"""

from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models

from .amazon_sync_log import STATES as SYNC_STATES

# Amazon's statuses of a merchant order that still has to leave the warehouse.
TO_SHIP = ["UNSHIPPED", "PARTIALLY_SHIPPED"]
# An outgoing delivery (the last step of a multi-step delivery) not done yet.
OPEN_DELIVERY = [
    ("picking_type_code", "=", "outgoing"),
    ("state", "not in", ["done", "cancel"]),
]
SYNC_HEALTH = [
    ("good", "Healthy"),
    ("attention", "Needs a look"),
    ("failing", "Failing"),
    ("off", "Sync off"),
]
# A sync counts as overdue when nothing started for this many intervals of
# the account's cron (and at least an hour): the cron or its worker stopped.
STALE_INTERVALS = 3
STALE_MINIMUM = timedelta(hours=1)


class AmazonAccount(models.Model):
    _inherit = "amazon.account"

    overview_ship_today_count = fields.Integer(
        "To ship today",
        compute="_compute_overview_counts",
        help="Merchant-fulfilled orders Amazon still wants shipped (unshipped "
        "or partially shipped) with an open delivery, whose ship-by date is "
        "between now and midnight in your time zone.",
    )
    overview_late_count = fields.Integer(
        "Late",
        compute="_compute_overview_counts",
        help="Merchant-fulfilled orders Amazon still wants shipped, with an "
        "open delivery, whose ship-by date has passed.",
    )
    overview_listing_error_count = fields.Integer(
        "Listings with errors",
        compute="_compute_overview_counts",
        help="Listings with at least one issue of severity error (from the "
        "local check, Amazon, a feed report or a price and stock push).",
    )
    overview_last_sync_id = fields.Many2one(
        "amazon.sync.log", "Last sync", compute="_compute_overview_sync"
    )
    overview_last_sync_on = fields.Datetime(
        "Last sync on", compute="_compute_overview_sync"
    )
    overview_last_sync_state = fields.Selection(
        SYNC_STATES, "Last sync state", compute="_compute_overview_sync"
    )
    overview_sync_health = fields.Selection(
        SYNC_HEALTH,
        "Sync health",
        compute="_compute_overview_sync",
        help="Failing: the last order sync failed or was paused by a rate "
        "limit or outage. Needs a look: it finished with parked orders, never "
        "ran, or nothing started for three sync intervals (at least an hour). "
        "Healthy otherwise; Sync off when order synchronization is off.",
    )

    # -- tiles -------------------------------------------------------------
    def _overview_moment(self):
        """Now and the next midnight of the user's time zone (naive UTC):
        "today" is the person's day, as in Odoo's own date filters."""
        now = fields.Datetime.now()
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        local_day = pytz.utc.localize(now).astimezone(tz).date()
        midnight = tz.localize(datetime.combine(local_day + timedelta(days=1), time()))
        return now, midnight.astimezone(pytz.utc).replace(tzinfo=None)

    def _overview_tiles(self):
        """``{tile: (model, account field, domain, action xmlid)}``: what each
        count counts and which list shows it. The domain leaves out the
        accounts (added as ``account field in ids``)."""
        now, midnight = self._overview_moment()
        to_ship = [
            ("amazon_channel", "=", "mfn"),
            ("amazon_status", "in", TO_SHIP),
            ("picking_ids", "any", OPEN_DELIVERY),
        ]
        orders = "amazon_connector.action_amazon_orders"
        return {
            "ship_today": (
                "sale.order",
                "amazon_account_id",
                [
                    *to_ship,
                    ("amazon_latest_ship_date", ">=", fields.Datetime.to_string(now)),
                    (
                        "amazon_latest_ship_date",
                        "<",
                        fields.Datetime.to_string(midnight),
                    ),
                ],
                orders,
            ),
            "late": (
                "sale.order",
                "amazon_account_id",
                [
                    *to_ship,
                    ("amazon_latest_ship_date", "<", fields.Datetime.to_string(now)),
                ],
                orders,
            ),
            "listing_error": (
                "amazon.listing",
                "account_id",
                [("issue_ids", "any", [("severity", "=", "error")])],
                "amazon_connector.action_amazon_listings",
            ),
        }

    @api.depends_context("tz", "uid")
    def _compute_overview_counts(self):
        for tile, (
            model,
            account_field,
            domain,
            _xmlid,
        ) in self._overview_tiles().items():
            counts = dict(
                self.env[model]._read_group(
                    [*domain, (account_field, "in", self.ids)],
                    [account_field],
                    ["__count"],
                )
            )
            for account in self:
                account[f"overview_{tile}_count"] = counts.get(account, 0)

    def _overview_action(self, tile):
        """The list behind ``tile`` of these accounts: the records counted."""
        self.check_access("read")
        _model, account_field, domain, xmlid = self._overview_tiles()[tile]
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [*domain, (account_field, "in", self.ids)]
        label = self._fields[f"overview_{tile}_count"].get_description(self.env)
        action["display_name"] = self.env._(
            "%(accounts)s: %(tile)s",
            accounts=", ".join(self.mapped("name")),
            tile=label["string"],
        )
        action["context"] = {"create": False}
        return action

    def action_overview_ship_today(self):
        return self._overview_action("ship_today")

    def action_overview_late(self):
        return self._overview_action("late")

    def action_overview_listing_errors(self):
        return self._overview_action("listing_error")

    # -- last sync -----------------------------------------------------------
    @api.depends(
        "sync_orders",
        "orders_interval",
        "orders_interval_notified",
        "notifications_state",
    )
    def _compute_overview_sync(self):
        last_ids = dict(
            self.env["amazon.sync.log"]._read_group(
                [("account_id", "in", self.ids)], ["account_id"], ["id:max"]
            )
        )
        logs = self.env["amazon.sync.log"].browse(last_ids.values())
        logs.fetch(["started", "state"])
        now = fields.Datetime.now()
        for account in self:
            log = logs.browse(last_ids.get(account))
            account.overview_last_sync_id = log
            account.overview_last_sync_on = log.started
            account.overview_last_sync_state = log.state
            stale = max(
                STALE_MINIMUM,
                # Hourly while notifications arrive: not stale after an hour.
                timedelta(minutes=STALE_INTERVALS * account._orders_every()),
            )
            if not account.sync_orders:
                health = "off"
            elif log.state in ("failed", "paused"):
                health = "failing"
            elif not log or log.state == "partial" or log.started < now - stale:
                health = "attention"
            else:
                health = "good"
            account.overview_sync_health = health

    def action_overview_sync_logs(self):
        """The sync runs of these accounts, newest first."""
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_sync_logs"
        )
        action["domain"] = [("account_id", "in", self.ids)]
        action["context"] = {"create": False}
        return action
