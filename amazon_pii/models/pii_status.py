"""The "Data protection status" page (docs/data-protection.md #12, #15):
one screen where the PII Officer sees the state of every control.

Each row is a dict from ``_status_rows``; other addons add theirs by
extending it with ``super()`` (amazon_connector adds the client secrets'
expiry). A row links to the records behind it.
"""

import json
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .keyring_service import get_keyring
from .officers import OFFICER

LEVELS = [("ok", "OK"), ("warning", "Attention"), ("danger", "Action needed")]
# An active key older than a year is flagged as worth a rotation: a prompt
# for the officer, not a limit of Amazon's (rotation costs no downtime).
KEY_AGE_WARNING_DAYS = 365


class AmazonPiiStatus(models.TransientModel):
    _name = "amazon.pii.status"
    _description = "Amazon Data Protection Status"

    name = fields.Char(default=lambda self: self.env._("Data protection status"))
    generated_at = fields.Datetime("As of", readonly=True)
    row_ids = fields.One2many("amazon.pii.status.row", "status_id", readonly=True)

    @api.model
    def _open_page(self):
        """The page, freshly computed (the menu's server action)."""
        if not self.env.user.has_group(OFFICER):
            raise AccessError(self.env._("Only a PII Officer may see this page."))
        page = self.create(
            {
                "generated_at": fields.Datetime.now(),
                "row_ids": [
                    fields.Command.create(self._row_vals(seq, row))
                    for seq, row in enumerate(self._status_rows())
                ],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": page.name,
            "res_model": self._name,
            "res_id": page.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_refresh(self):
        self.check_access("read")
        return self._open_page()

    @api.model
    def _row_vals(self, seq, row):
        return {
            "sequence": row.get("sequence", seq),
            "key": row["key"],
            "area": row["area"],
            "label": row["label"],
            "value": row["value"],
            "level": row.get("level", "ok"),
            "action_xmlid": row.get("action") or False,
            "res_model": row.get("res_model") or False,
            "res_id": row.get("res_id") or False,
            "domain": json.dumps(row["domain"]) if row.get("domain") else False,
        }

    # -- rows -------------------------------------------------------------------
    @api.model
    def _status_rows(self):
        """Row dicts: ``key`` (stable id), ``area``, ``label``, ``value``,
        ``level`` (ok / warning / danger), and what the row opens: ``action``
        (an act_window xmlid) or ``res_model`` (and ``res_id``), with an
        optional ``domain``. Extend with super() to add rows."""
        today = fields.Date.context_today(self)
        rows = []
        rows += self._rows_keyring(today)
        rows += self._rows_access_review(today)
        rows += self._rows_backups()
        rows += self._rows_incidents()
        rows += self._rows_retention(today)
        return rows

    def _rows_keyring(self, today):
        area = self.env._("Encryption keys")
        try:
            ring = get_keyring(self.env)
        except UserError as exc:
            return [
                {
                    "key": "keyring",
                    "area": area,
                    "label": self.env._("Key ring"),
                    "value": exc.args[0],
                    "level": "danger",
                }
            ]
        rows = []
        for namespace, info in ring.status()["namespaces"].items():
            parts, level = [], "ok"
            for version in info["versions"]:
                made = ring.created(namespace, version)
                age = (today - date.fromisoformat(made)).days if made else None
                if age is None:
                    text = self.env._("%(v)s: age unknown", v=version)
                else:
                    text = self.env._("%(v)s: %(days)s days old", v=version, days=age)
                if version == info["active"]:
                    text += self.env._(" (active)")
                    if age is not None and age > KEY_AGE_WARNING_DAYS:
                        level = "warning"
                parts.append(text)
            rows.append(
                {
                    "key": f"keyring.{namespace}",
                    "area": area,
                    "label": self.env._("Key ring: %(ns)s", ns=namespace),
                    "value": "; ".join(parts),
                    "level": level,
                    "action": "amazon_pii.action_amazon_pii_entry_info",
                    "domain": [("kek_namespace", "=", namespace)],
                }
            )
        return rows

    def _rows_access_review(self, today):
        last = (
            self.env["amazon.pii.access.review"]
            .sudo()
            .search([], order="date_start desc, id desc", limit=1)
        )
        row = {
            "key": "access_review",
            "area": self.env._("Access"),
            "label": self.env._("Last access review"),
            "action": "amazon_pii.action_amazon_pii_access_review",
        }
        if not last:
            return [dict(row, value=self.env._("None yet"), level="warning")]
        if last.state == "confirmed":
            value = self.env._(
                "Opened %(opened)s, confirmed %(on)s by %(by)s",
                opened=last.date_start,
                on=fields.Date.to_date(
                    fields.Datetime.context_timestamp(self, last.confirmed_at)
                ),
                by=last.confirmed_by.name,
            )
            level = "ok"
        else:
            value = self.env._(
                "Opened %(opened)s, not confirmed yet (due %(due)s)",
                opened=last.date_start,
                due=last.due_date,
            )
            level = "danger" if last.due_date < today else "warning"
        return [dict(row, value=value, level=level, res_id=last.id)]

    def _rows_backups(self):
        area = self.env._("Backups")
        labels = {
            "backup": self.env._("Last backup"),
            "restore_test": self.env._("Last restore test"),
        }
        Log = self.env["amazon.pii.backup.log"].sudo()
        rows = []
        for kind, label in labels.items():
            last = Log.search([("kind", "=", kind)], order="done_at desc", limit=1)
            row = {
                "key": f"backup.{kind}",
                "area": area,
                "label": label,
                "res_model": "amazon.pii.backup.log",
                "domain": [("kind", "=", kind)],
            }
            if not last:
                rows.append(dict(row, value=self.env._("Never"), level="danger"))
                continue
            rows.append(
                dict(
                    row,
                    value=self.env._(
                        "%(when)s, %(result)s",
                        when=last.done_at,
                        result=self.env._("succeeded")
                        if last.ok
                        else self.env._("FAILED"),
                    ),
                    level="ok" if last.ok else "danger",
                )
            )
        return rows

    def _rows_incidents(self):
        Incident = self.env["amazon.pii.incident"].sudo()
        open_ = Incident.search([("state", "!=", "closed")])
        overdue = open_.filtered("overdue")
        return [
            {
                "key": "incidents",
                "area": self.env._("Incidents"),
                "label": self.env._("Open incidents"),
                "value": self.env._(
                    "%(open)s open, %(overdue)s past Amazon's 24-hour deadline",
                    open=len(open_),
                    overdue=len(overdue),
                ),
                "level": "danger" if overdue else ("warning" if open_ else "ok"),
                "action": "amazon_pii.action_amazon_pii_incident",
                "domain": [("state", "!=", "closed")],
            }
        ]

    def _rows_retention(self, today):
        # Due by yesterday: the daily purge should have taken them already
        # (entries due today wait for today's run).
        yesterday = today - timedelta(days=1)
        count = (
            self.env["amazon.pii.entry"]
            .sudo()
            .search_count(self.env["amazon.pii.vault"]._purge_due_domain(yesterday))
        )
        return [
            {
                "key": "retention",
                "area": self.env._("Retention"),
                "label": self.env._("Entries past retention, not purged"),
                "value": str(count),
                "level": "danger" if count else "ok",
                "action": "amazon_pii.action_amazon_pii_entry_info",
                "domain": [("purge_after", "<=", str(yesterday))],
            }
        ]


class AmazonPiiStatusRow(models.TransientModel):
    _name = "amazon.pii.status.row"
    _description = "Amazon Data Protection Status Row"
    _order = "sequence, id"

    status_id = fields.Many2one(
        "amazon.pii.status", "Page", required=True, ondelete="cascade"
    )
    sequence = fields.Integer()
    key = fields.Char(required=True)
    area = fields.Char(required=True)
    label = fields.Char("Control", required=True)
    value = fields.Char("Status")
    level = fields.Selection(LEVELS, default="ok", required=True)
    action_xmlid = fields.Char()
    res_model = fields.Char()
    res_id = fields.Integer()
    domain = fields.Char()

    def action_open(self):
        """The records behind the row."""
        self.ensure_one()
        self.check_access("read")
        if self.action_xmlid:
            action = self.env["ir.actions.act_window"]._for_xml_id(self.action_xmlid)
        elif self.res_model:
            action = {
                "type": "ir.actions.act_window",
                "name": self.label,
                "res_model": self.res_model,
                "view_mode": "list,form",
                "views": [(False, "list"), (False, "form")],
            }
        else:
            return False
        if self.res_id:
            model = action["res_model"]
            action.update(
                res_id=self.res_id,
                view_mode="form",
                views=[(False, "form")],
                res_model=model,
            )
        elif self.domain:
            action["domain"] = json.loads(self.domain)
        # The row's own filter replaces the action's default ones.
        action["context"] = {}
        return action
