from datetime import date, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..core.keyring import KeyRing
from .common import VaultCase


@tagged("post_install", "-at_install")
class TestStatusPage(VaultCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Status = cls.env["amazon.pii.status"]
        # Records of an earlier run of the database would change the figures.
        cls.env["amazon.pii.access.review"].search([]).unlink()
        cls.env["amazon.pii.incident"].search([]).sudo().write({"state": "closed"})

    def rows(self):
        return {row["key"]: row for row in self.Status._status_rows()}

    def test_review_row_shows_the_last_confirmation(self):
        self.assertEqual(self.rows()["access_review"]["value"], "None yet")
        Review = self.env["amazon.pii.access.review"]
        Review._cron_access_review()
        review = Review.search([])
        self.assertIn("not confirmed yet", self.rows()["access_review"]["value"])
        review.with_user(self.users["officer"]).action_confirm()
        ten_days_ago = fields.Datetime.now() - timedelta(days=10)
        review.sudo().write({"confirmed_at": ten_days_ago})
        row = self.rows()["access_review"]
        self.assertIn(
            f"confirmed {fields.Date.context_today(review) - timedelta(days=10)}",
            row["value"],
        )
        self.assertIn(self.users["officer"].name, row["value"])
        self.assertEqual(row["level"], "ok")

    def test_incident_row_counts_open_and_overdue(self):
        Incident = self.env["amazon.pii.incident"]
        self.assertEqual(self.rows()["incidents"]["value"][:6], "0 open")
        fresh = Incident._open("manual", "fresh")
        late = Incident._open("manual", "late")
        closed = Incident._open("manual", "closed")
        closed.action_close()
        late.sudo().write({"detected_at": fields.Datetime.now() - timedelta(hours=25)})
        row = self.rows()["incidents"]
        self.assertEqual(
            row["value"], "2 open, 1 past Amazon's 24-hour deadline", (fresh, late)
        )
        self.assertEqual(row["level"], "danger")

    def test_retention_backlog_counts_entries_overdue_for_the_purge(self):
        today = fields.Date.context_today(self.vault)
        self.assertEqual(self.rows()["retention"]["value"], "0")
        overdue, due_today, later, held = self.owners
        for owner in self.owners:
            self.store_address(owner)  # four fields each
        self.vault.set_purge_after(
            [
                (overdue, today - timedelta(days=2)),
                (due_today, today),
                (later, today + timedelta(days=5)),
                (held, today - timedelta(days=2)),
            ]
        )
        self.place_hold(held, "LH-STATUS", "Dispute")
        self.assertEqual(self.rows()["retention"]["value"], "4")
        self.vault._cron_purge_due()
        self.assertEqual(self.rows()["retention"]["value"], "0")

    def test_key_ring_rows_show_versions_and_ages(self):
        today = date.today()
        ring = KeyRing.generate(today=today - timedelta(days=400)).with_new_version(
            "vault", today=today - timedelta(days=10)
        )
        with patch(
            "odoo.addons.amazon_pii.models.pii_status.get_keyring", return_value=ring
        ):
            rows = self.rows()
        self.assertEqual(
            rows["keyring.vault"]["value"], "v1: 400 days old; v2: 10 days old (active)"
        )
        self.assertEqual(rows["keyring.vault"]["level"], "ok")
        self.assertEqual(rows["keyring.audit"]["value"], "h1: 400 days old (active)")
        self.assertEqual(rows["keyring.audit"]["level"], "warning")
        self.assertIn("keyring.archive", rows)

    def test_backup_rows_read_the_backup_log(self):
        Log = self.env["amazon.pii.backup.log"].sudo()
        Log.search([]).unlink()
        self.assertEqual(self.rows()["backup.restore_test"]["value"], "Never")
        done = fields.Datetime.now() - timedelta(days=3)
        Log.create(
            {"kind": "restore_test", "database": "shop", "done_at": done, "ok": True}
        )
        row = self.rows()["backup.restore_test"]
        self.assertIn(str(done), row["value"])
        self.assertEqual(row["level"], "ok")

    def test_the_page_is_the_officers_and_rows_open_their_records(self):
        with self.assertRaises(AccessError):
            self.Status.with_user(self.users["manager"])._open_page()
        # The menu's server action, as the officer runs it.
        menu_action = self.env.ref("amazon_pii.action_amazon_pii_status")
        action = menu_action.with_user(self.users["officer"]).run()
        self.assertEqual(action["res_model"], "amazon.pii.status")
        page = self.Status.browse(action["res_id"])
        keys = page.row_ids.mapped("key")
        self.assertIn("incidents", keys)
        self.assertIn("retention", keys)
        self.assertEqual(keys, [row["key"] for row in self.Status._status_rows()])
        row = page.row_ids.filtered(lambda r: r.key == "incidents")
        opened = row.with_user(self.users["officer"]).action_open()
        self.assertEqual(opened["res_model"], "amazon.pii.incident")
        self.assertEqual(opened["domain"], [["state", "!=", "closed"]])
        with self.assertRaises(AccessError):
            row.with_user(self.users["manager"]).action_open()
        # Its menu and the reviews' are the officers' only.
        Menu = self.env["ir.ui.menu"]
        officer_menus = Menu.with_user(self.users["officer"])._visible_menu_ids()
        manager_menus = Menu.with_user(self.users["manager"])._visible_menu_ids()
        for xmlid in ("menu_amazon_pii_status", "menu_amazon_pii_access_review"):
            menu = self.env.ref(f"amazon_pii.{xmlid}")
            self.assertIn(menu.id, officer_menus)
            self.assertNotIn(menu.id, manager_menus)
        # The view the web client gets loads.
        self.Status.with_user(self.users["officer"]).get_views([(False, "form")])
