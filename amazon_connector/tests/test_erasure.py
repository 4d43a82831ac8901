"""'Erase seller account' and 'Delete buyer data' (issue #18, item 5;
docs/data-protection.md #4), end to end against the local SP-API sandbox:
real orders synced, a label bought, then erased by a PII Officer."""

from unittest.mock import patch

from odoo.exceptions import AccessError, RedirectWarning, UserError
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.amazon_pii.tests.common import in_web_session, new_test_user

from ..models.accounts import amazon_account_erasure
from .test_shipments import TOTP, ShipmentCase

CREDENTIAL_KEYS = {"lwa_client_id", "lwa_client_secret", "refresh_token"}
# Contact fields a pseudonymous buyer contact never has.
PERSONAL = ("street", "street2", "zip", "email", "phone")


@tagged("post_install", "-at_install")
class TestErasure(ShipmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        officer = "amazon_pii.group_amazon_pii_officer,sales_team.group_sale_manager"
        cls.officer = new_test_user(cls.env, login="erase_officer", groups=officer)
        cls.officer.sudo().totp_secret = TOTP
        cls.officer_no2fa = new_test_user(
            cls.env, login="erase_officer_no2fa", groups=officer
        )
        cls.manager = new_test_user(
            cls.env,
            login="erase_manager",
            groups="amazon_pii.group_amazon_manager,sales_team.group_sale_manager",
        )
        cls.manager.sudo().totp_secret = TOTP

    # -- helpers -------------------------------------------------------------
    def sql(self, query, *args):
        self.env.flush_all()
        self.env.cr.execute(SQL(query, *args))
        return self.env.cr.fetchall()

    def count(self, query, *args):
        return self.sql(query, *args)[0][0]

    def counted(self, account):
        """What the account holds, counted in SQL before and after, apart
        from the erasure code: the deletion record must say the same."""
        orders = SQL(
            "SELECT id FROM sale_order WHERE amazon_account_id = %s", account.id
        )
        owned = SQL(
            "((owner_model = 'sale.order' AND owner_id IN (%s))"
            " OR (owner_model = 'amazon.account' AND owner_id = %s))",
            orders,
            account.id,
        )
        return {
            "vault_entries": self.count(
                "SELECT count(*) FROM amazon_pii_entry WHERE %s", owned
            ),
            "credentials": self.count(
                "SELECT count(*) FROM amazon_pii_entry WHERE %s"
                " AND classification = 'secret'",
                owned,
            ),
            "labels": self.count(
                "SELECT count(*) FROM amazon_pii_entry WHERE %s AND field_key LIKE %s",
                owned,
                "shipping_label#%",
            ),
            "orders": self.count(
                "SELECT count(*) FROM sale_order WHERE amazon_account_id = %s",
                account.id,
            ),
            "partners": self.count(
                "SELECT count(DISTINCT p.id) FROM res_partner p"
                " JOIN sale_order o ON o.partner_id = p.id"
                " WHERE o.amazon_account_id = %s AND p.amazon_buyer",
                account.id,
            ),
            "listings": self.count(
                "SELECT count(*) FROM amazon_listing WHERE account_id = %s", account.id
            ),
            "offers": self.count(
                "SELECT count(*) FROM amazon_offer WHERE account_id = %s", account.id
            ),
            "feeds": self.count(
                "SELECT count(*) FROM amazon_listing_feed WHERE account_id = %s",
                account.id,
            ),
            "parked_orders": self.count(
                "SELECT count(*) FROM amazon_parked_order WHERE parked_account_id = %s",
                account.id,
            ),
            # A parked order's work item goes with it.
            "work_items": self.count(
                "SELECT count(*) FROM amazon_work_item w WHERE account_id = %s"
                " AND NOT EXISTS (SELECT 1 FROM amazon_parked_order p"
                " WHERE p.work_item_id = w.id)",
                account.id,
            ),
            "sync_logs": self.count(
                "SELECT count(*) FROM amazon_sync_log WHERE account_id = %s",
                account.id,
            ),
        }

    def named_orders(self, account):
        """Amazon ids of the account's orders with a recipient name in the
        vault."""
        return {
            row[0]
            for row in self.sql(
                "SELECT o.amazon_order_id FROM amazon_pii_entry e"
                " JOIN sale_order o ON o.id = e.owner_id"
                " WHERE e.owner_model = 'sale.order'"
                " AND e.field_key = 'recipient_name' AND o.amazon_account_id = %s",
                account.id,
            )
        }

    def recipient(self, order):
        return next(
            o["recipient"]
            for o in self.data["orders"]
            if o["orderId"] == order.amazon_order_id
        )

    def buy_label(self, order):
        wizard = self.rates_wizard(order)
        wizard.rate_ids.sorted("price")[0].action_buy()
        self.env.invalidate_all()  # recorded by the purchase's own transaction
        picking = order.picking_ids.filtered("amazon_has_label")
        self.assertEqual(len(picking), 1)
        return picking

    def account_wizard(self, confirm=None):
        return (
            self.env["amazon.account.erase.wizard"]
            .sudo()
            .create(
                {
                    "account_id": self.account.id,
                    "confirm_name": self.account.name if confirm is None else confirm,
                    "request_ref": "TICKET-4711",
                }
            )
        )

    def order_wizard(self, order):
        return (
            self.env["amazon.order.erase.wizard"]
            .sudo()
            .create(
                {
                    "order_id": order.id,
                    "confirm_ref": order.amazon_order_id,
                    "request_ref": "DSR-99",
                }
            )
        )

    def erase(self, wizard, user=None, **session):
        """``wizard``'s button, clicked by ``user`` (the officer) from a web
        session that confirmed a code (``session`` as in_web_session)."""
        user = user or self.officer
        with in_web_session(self, user, **session):
            return wizard.with_user(user).action_erase()

    def assert_pseudonymous(self, orders, pii):
        for order in orders:
            self.assertEqual(len(order.partner_id), 1)
            partner = order.partner_id
            # Bug caught: the buyer's name or street left on the contact
            # that the kept order and invoice point to.
            self.assertTrue(partner.name.startswith("Amazon buyer"), partner.name)
            for field in PERSONAL:
                self.assertFalse(partner[field], f"{field} of {partner.name}")
            shown = " ".join(
                str(partner[f] or "") for f in ("name", "display_name", "city")
            )
            self.assertFalse([value for value in pii if value in shown])

    # -- erase a seller account ------------------------------------------------
    def test_erase_leaves_no_vault_entry_and_a_deletion_record(self):
        env, account = self.env, self.account
        order = self.order_to_ship()
        picking = self.buy_label(order)
        us = env.ref("amazon_connector.marketplace_us")
        env["amazon.offer"].create({"account_id": account.id, "sku": "ERASE-1"})
        env["amazon.listing"].create(
            [
                {"account_id": account.id, "marketplace_id": us.id, "sku": sku}
                for sku in ("ERASE-1", "ERASE-2")
            ]
        )
        env["amazon.listing.feed"].create(
            {"account_id": account.id, "marketplace_id": us.id}
        )
        env["amazon.parked.order"].create(
            [{"account_id": account.id, "amazon_order_id": "111-0000000-0000404"}]
        )
        # A person typed the buyer's street into the contact since the sync.
        street = self.recipient(order)["addressLine1"]
        order.partner_id.street = street
        orders = self.amazon_orders(account)
        invoices = orders.invoice_ids

        before = self.counted(account)
        # The vault held what the sandbox sent: a recipient name for every
        # merchant order past payment authorization (the dataset's truth),
        # the credentials entered on the account and the label bought.
        dataset = {o["orderId"]: o for o in self.data["orders"]}
        markets = set(account.marketplace_ids.mapped("amazon_id"))
        self.assertLessEqual(
            set(orders.mapped("amazon_order_id")),
            {oid for oid, o in dataset.items() if o["marketplaceId"] in markets},
        )
        self.assertEqual(before["orders"], len(orders))
        merchant = {
            o.amazon_order_id
            for o in orders
            if dataset[o.amazon_order_id]["fulfilledBy"] == "MERCHANT"
            and o.amazon_status != "PENDING"
        }
        self.assertGreater(len(merchant), 10)
        self.assertEqual(self.named_orders(account), merchant)
        self.assertGreater(before["vault_entries"], len(merchant))
        self.assertEqual(before["labels"], 1)
        keys = {
            row[0]
            for row in self.sql(
                "SELECT field_key FROM amazon_pii_entry WHERE owner_model ="
                " 'amazon.account' AND owner_id = %s",
                account.id,
            )
        }
        self.assertLessEqual(CREDENTIAL_KEYS, keys)
        self.assertEqual(before["credentials"], len(keys))
        self.assertEqual((before["listings"], before["feeds"]), (2, 1))
        self.assertGreaterEqual(before["offers"], 1)  # the sync's SKU mappings too
        self.assertEqual(before["parked_orders"], 1)
        self.assertGreaterEqual(before["sync_logs"], 1)
        self.assertEqual(before["partners"], before["orders"])

        # Small batches: the loop a big account runs through, many times.
        with patch.object(amazon_account_erasure, "ERASE_BATCH", 7):
            action = self.erase(self.account_wizard())

        record = env["amazon.pii.deletion"].browse(action["res_id"])
        self.assertEqual(len(record), 1)
        after = self.counted(account)
        # Bug caught: entries flagged or left behind instead of deleted
        # (searched without any filter, as superuser).
        self.assertEqual(
            env["amazon.pii.entry"]
            .sudo()
            .with_context(active_test=False)
            .search_count(
                [
                    "|",
                    "&",
                    ("owner_model", "=", "sale.order"),
                    ("owner_id", "in", orders.ids),
                    "&",
                    ("owner_model", "=", "amazon.account"),
                    ("owner_id", "=", account.id),
                ]
            ),
            0,
        )
        for key in (
            "vault_entries",
            "credentials",
            "labels",
            "listings",
            "offers",
            "feeds",
            "parked_orders",
            "work_items",
            "sync_logs",
        ):
            self.assertEqual(after[key], 0, key)
        # Bug caught: a record whose counts are the code's own guess.
        self.assertEqual({key: record[f"count_{key}"] for key in before}, before)
        self.assertEqual(
            (record.kind, record.subject_name, record.amazon_ref, record.request_ref),
            ("account", "Sandbox seller", account.seller_id, "TICKET-4711"),
        )
        self.assertEqual(record.user_id, self.officer)
        purges = (
            env["amazon.pii.audit"]
            .sudo()
            .search([("event", "=", "purge"), ("detail", "=like", "account erased: %")])
        )
        self.assertGreater(len(purges), len(orders) // 7)  # one per batch
        self.assertEqual(sum(purges.mapped("count")), before["vault_entries"])
        audit = env["amazon.pii.audit"].sudo().search([("event", "=", "erase")])
        self.assertEqual(len(audit), 1)
        self.assertEqual(
            (audit.res_model, audit.res_id, audit.count),
            ("amazon.account", account.id, before["vault_entries"]),
        )

        # Accounting records stay, pseudonymous; labels no longer offered.
        self.assertEqual(self.amazon_orders(account), orders)
        self.assertEqual(invoices.exists(), invoices)
        self.assertFalse(picking.amazon_has_label)
        self.assertTrue(all(orders.mapped("amazon_buyer_data_purged")))
        self.assert_pseudonymous(orders, self.buyer_data())
        self.assertNotIn(street, order.partner_id.street or "")
        self.assert_no_buyer_data()

        # The credentials are gone: syncing refuses plainly.
        self.assertFalse(account.active)
        self.assertFalse(account.sudo().cron_id.active)
        with self.assertRaisesRegex(UserError, "has no lwa_client_id"):
            account._client()
        with self.assertRaisesRegex(UserError, "Turn on order synchronization"):
            account.action_sync_orders()

        # The record is evidence: unchangeable, and it outlives the account.
        with self.assertRaises(AccessError):
            record.sudo().write({"count_vault_entries": 0})
        with self.assertRaises(AccessError):
            record.sudo().unlink()
        account_id = account.id
        account.unlink()
        self.env.invalidate_all()
        self.assertTrue(record.exists())
        self.assertEqual(
            (record.subject_model, record.subject_id, record.subject_name),
            ("amazon.account", account_id, "Sandbox seller"),
        )
        self.assertEqual(record.count_vault_entries, before["vault_entries"])
        self.assertEqual(
            env["amazon.pii.deletion"].with_user(self.officer).search([]), record
        )

    def test_erasure_refused_without_officer_2fa_confirmation_or_under_hold(self):
        env, account = self.env, self.account
        before = self.counted(account)
        self.assertGreater(before["vault_entries"], 0)  # something to protect
        wizard = self.account_wizard()
        refusals = [
            (AccessError, self.manager, {}),  # not a PII Officer
            (AccessError, self.officer_no2fa, {"confirmed_hours_ago": None}),
            (RedirectWarning, self.officer, {"confirmed_hours_ago": 13}),
            (AccessError, self.officer, {"path": "/jsonrpc"}),  # API key call
        ]
        for error, user, session in refusals:
            with self.subTest(user=user.login, **session), self.assertRaises(error):
                self.erase(wizard, user, **session)
        with self.assertRaisesRegex(UserError, "exactly"):
            self.erase(self.account_wizard(confirm="sandbox seller"))
        # Under a legal hold the law keeps the data: refused, saying which
        # hold and why.
        held = self.amazon_orders(account).filtered(
            lambda o: o.amazon_order_id in self.named_orders(account)
        )[:1]
        self.assertEqual(len(held), 1)
        hold = (
            env["amazon.pii.hold"]
            .with_user(self.officer)
            .create(
                {
                    "name": "LH-2026-17",
                    "reason": "Chargeback dispute 2026-17",
                    "owner_model": "sale.order",
                    "owner_id": held.id,
                }
            )
        )
        self.assertTrue(hold.entry_count)
        with self.assertRaisesRegex(UserError, "LH-2026-17.*Chargeback dispute"):
            self.erase(wizard)
        with self.assertRaisesRegex(UserError, "LH-2026-17"):
            self.erase(self.order_wizard(held))
        self.assertEqual(self.counted(account), before)
        self.assertTrue(account.active)
        self.assertFalse(env["amazon.pii.deletion"].sudo().search([]))

    # -- delete one order's buyer data ---------------------------------------------
    def test_one_order_deletion_shreds_that_order_only(self):
        env, account = self.env, self.account
        order = self.order_to_ship()
        picking = self.buy_label(order)
        street = self.recipient(order)["addressLine1"]
        order.partner_id.street = street
        mine = self.count(
            "SELECT count(*) FROM amazon_pii_entry"
            " WHERE owner_model = 'sale.order' AND owner_id = %s",
            order.id,
        )
        # recipient name, address, label at least
        self.assertGreaterEqual(mine, 3)
        before = self.counted(account)
        named_before = self.named_orders(account)
        self.assertIn(order.amazon_order_id, named_before)
        refusals = [
            (AccessError, self.manager, {}),
            (AccessError, self.officer_no2fa, {"confirmed_hours_ago": None}),
            (RedirectWarning, self.officer, {"confirmed_hours_ago": 13}),
        ]
        for error, user, session in refusals:
            with self.subTest(user=user.login, **session), self.assertRaises(error):
                self.erase(self.order_wizard(order), user, **session)
        with self.assertRaisesRegex(UserError, "exactly"):
            wizard = self.order_wizard(order)
            wizard.confirm_ref = "111"
            self.erase(wizard)
        self.assertEqual(self.counted(account), before)

        action = self.erase(self.order_wizard(order))

        record = env["amazon.pii.deletion"].browse(action["res_id"])
        self.assertEqual(len(record), 1)
        self.assertEqual(
            self.count(
                "SELECT count(*) FROM amazon_pii_entry"
                " WHERE owner_model = 'sale.order' AND owner_id = %s",
                order.id,
            ),
            0,
        )
        after = self.counted(account)
        # Bug caught: other orders' buyer data or the credentials shredded too.
        self.assertEqual(after["vault_entries"], before["vault_entries"] - mine)
        self.assertEqual(after["credentials"], before["credentials"])
        self.assertEqual(after["labels"], 0)
        self.assertEqual(
            (
                record.kind,
                record.subject_name,
                record.amazon_ref,
                record.count_vault_entries,
                record.count_labels,
                record.count_orders,
                record.count_partners,
                record.count_credentials,
            ),
            ("order", order.name, order.amazon_order_id, mine, 1, 1, 1, 0),
        )
        self.assertTrue(order.exists())
        self.assertTrue(order.amazon_buyer_data_purged)
        self.assertFalse(picking.amazon_has_label)
        self.assert_pseudonymous(order, self.buyer_data())
        self.assertTrue(account.active)
        # The other orders keep their buyer data.
        self.assertEqual(
            self.named_orders(account), named_before - {order.amazon_order_id}
        )
