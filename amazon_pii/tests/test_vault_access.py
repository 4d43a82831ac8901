from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import MARKER_NAME, MARKER_STREET, VaultCase


@tagged("post_install", "-at_install")
class TestVaultAccess(VaultCase):
    def test_officer_reveals_what_was_stored(self):
        owner = self.owners[0]
        self.store_address(owner)
        result = self.as_user("officer").reveal(
            owner, ["recipient_name", "address_line1"], "customer_service"
        )
        self.assertEqual(
            result,
            {owner.id: {"recipient_name": MARKER_NAME, "address_line1": MARKER_STREET}},
        )
        row = self.audit("reveal")
        self.assertEqual(len(row), 1)
        self.assertEqual(
            (row.user_id, row.res_model, row.res_id, row.purpose, row.field_keys),
            (
                self.users["officer"],
                "res.partner",
                owner.id,
                "customer_service",
                "address_line1,recipient_name",
            ),
        )

    def test_storing_again_replaces_and_empty_deletes(self):
        owner = self.owners[0]
        self.store_address(owner)
        self.vault.store([(owner, {"recipient_name": "Second Name", "phone": None})])
        self.assertNotIn("phone", self.vault.stored_keys(owner))
        revealed = self.as_user("officer").reveal(
            owner, ["recipient_name"], "customer_service"
        )
        self.assertEqual(revealed[owner.id]["recipient_name"], "Second Name")

    def test_unregistered_field_is_refused_with_its_name(self):
        with self.assertRaisesRegex(UserError, "favourite_colour"):
            self.vault.store([(self.owners[0], {"favourite_colour": "blue"})])

    def test_raw_sql_finds_no_plaintext_anywhere(self):
        self.store_address(self.owners[0])
        self.as_user("officer").reveal(
            self.owners[0], ["recipient_name"], "customer_service"
        )
        self.env.flush_all()
        self.env["amazon.pii.audit"]._seal_committed()
        cr = self.env.cr
        cr.execute(
            """SELECT table_name, column_name, data_type
                 FROM information_schema.columns c
                 JOIN information_schema.tables t USING (table_schema, table_name)
                WHERE table_schema = 'public' AND t.table_type = 'BASE TABLE'
                  AND data_type IN ('text', 'character varying', 'jsonb', 'bytea')"""
        )
        hits = []
        for table, column, data_type in cr.fetchall():
            for marker in ("Markerson", "Synthétique", "buyer-synthetic"):
                if data_type == "bytea":
                    condition = SQL(
                        "position(%s::bytea in %s) > 0",
                        marker.encode(),
                        SQL.identifier(column),
                    )
                else:
                    condition = SQL(
                        "%s::text LIKE %s", SQL.identifier(column), f"%{marker}%"
                    )
                cr.execute(
                    SQL(
                        "SELECT 1 FROM %s WHERE %s LIMIT 1",
                        SQL.identifier(table),
                        condition,
                    )
                )
                if cr.fetchone():
                    hits.append(f"{table}.{column}: {marker}")
        self.assertFalse(hits)

    def test_no_group_has_orm_access_to_the_vault(self):
        self.store_address(self.owners[0])
        admin = self.env.ref("base.user_admin")
        for user in [admin, *self.users.values()]:
            Entry = self.env["amazon.pii.entry"].with_user(user)
            with self.assertRaises(AccessError, msg=user.login):
                Entry.search([])
            with self.assertRaises(AccessError, msg=user.login):
                Entry.search_read([], ["ciphertext"])
            with self.assertRaises(AccessError, msg=user.login):
                Entry.create({"owner_model": "res.partner", "owner_id": 1})

    def test_only_officers_see_vault_metadata(self):
        self.store_address(self.owners[0])
        Info = self.env["amazon.pii.entry.info"]
        infos = Info.with_user(self.users["officer"]).search(
            [("owner_id", "=", self.owners[0].id), ("owner_model", "=", "res.partner")]
        )
        self.assertEqual(
            set(infos.mapped("field_key")),
            {"recipient_name", "address_line1", "phone", "buyer_email"},
        )
        self.assertNotIn("ciphertext", Info._fields)
        with self.assertRaises(AccessError):
            Info.with_user(self.users["manager"]).search([])

    def test_user_outside_pii_groups_is_refused_and_audited(self):
        self.store_address(self.owners[0])
        for name in ("plain", "manager"):
            with self.assertRaisesRegex(AccessError, "Only a PII Officer"):
                self.as_user(name).reveal(
                    self.owners[0], ["recipient_name"], "customer_service"
                )
        refused = self.audit("reveal_refused")
        self.assertEqual(refused.user_id, self.users["plain"] | self.users["manager"])
        self.assertFalse(self.audit("reveal"))

    def test_reveal_requires_two_factor_authentication(self):
        self.store_address(self.owners[0])
        with self.assertRaisesRegex(AccessError, "two-factor authentication"):
            self.as_user("officer_no2fa").reveal(
                self.owners[0], ["recipient_name"], "customer_service"
            )
        self.assertEqual(
            self.audit("reveal_refused").user_id, self.users["officer_no2fa"]
        )
        self.enable_2fa(self.users["officer_no2fa"])
        result = self.as_user("officer_no2fa").reveal(
            self.owners[0], ["recipient_name"], "customer_service"
        )
        self.assertEqual(result[self.owners[0].id]["recipient_name"], MARKER_NAME)

    def test_shipping_staff_reveal_only_address_for_fulfilment(self):
        owner = self.owners[0]
        self.store_address(owner)
        shipping = self.as_user("shipping")
        result = shipping.reveal(
            owner, ["recipient_name", "address_line1", "phone"], "delivery_slip"
        )
        self.assertEqual(result[owner.id]["address_line1"], MARKER_STREET)
        with self.assertRaisesRegex(AccessError, "only for fulfilment"):
            shipping.reveal(owner, ["recipient_name"], "customer_service")
        with self.assertRaisesRegex(AccessError, "name, address"):
            shipping.reveal(owner, ["buyer_email"], "shipping_label")
        self.assertEqual(len(self.audit("reveal_refused")), 2)

    def test_shipping_access_ends_after_shipment_plus_grace(self):
        recent, owner = self.owners[:2]
        self.store_address(recent)
        self.store_address(owner)
        shipping = self.as_user("shipping")
        now = fields.Datetime.now()
        self.vault.mark_fulfilled(recent, now - timedelta(hours=23))
        self.assertTrue(
            shipping.may_reveal(recent, ["recipient_name"], "delivery_slip")
        )
        # The first shipment counts: marking again does not restart the grace.
        self.vault.mark_fulfilled(owner, now - timedelta(hours=25))
        self.vault.mark_fulfilled(owner, now)
        self.assertFalse(
            shipping.may_reveal(owner, ["recipient_name"], "delivery_slip")
        )
        with self.assertRaisesRegex(AccessError, "has shipped"):
            shipping.reveal(owner, ["recipient_name"], "shipping_label")
        # The officer keeps access for customer service after shipment.
        self.assertTrue(
            self.as_user("officer").may_reveal(owner, ["recipient_name"], "invoicing")
        )

    def test_audit_rows_hold_no_pii(self):
        owner = self.owners[0]
        self.store_address(owner)
        self.as_user("officer").reveal(owner, ["recipient_name"], "customer_service")
        with self.assertRaises(AccessError):
            self.as_user("plain").reveal(owner, ["recipient_name"], "customer_service")
        rows = self.env["amazon.pii.audit"].sudo().search([])
        text = repr(rows.read([f for f in rows._fields if f != "res_id"]))
        for secret in (MARKER_NAME, "Markerson", MARKER_STREET, "buyer-synthetic"):
            self.assertNotIn(secret, text)

    def test_officers_reveal_only_their_companies_buyers(self):
        other = self.env["res.company"].create({"name": "Other Seller Ltd"})
        officer = self.users["officer"]
        vault = self.as_user("officer")
        # An owner of the other company.
        private = self.env["res.partner"].create(
            {"name": "Amazon buyer X", "company_id": other.id}
        )
        self.store_address(private)
        with self.assertRaisesRegex(AccessError, "may not read|not working in"):
            vault.reveal(private, ["recipient_name"], "customer_service")
        # A shared owner whose data was stored for the other company.
        shared = self.env["res.partner"].create({"name": "Amazon buyer Y"})
        self.vault.with_company(other).store([(shared, {"recipient_name": "Y"})])
        with self.assertRaisesRegex(AccessError, "not working in"):
            vault.reveal(shared, ["recipient_name"], "customer_service")
        officer.company_ids |= other
        revealed = vault.with_context(
            allowed_company_ids=[other.id, officer.company_id.id]
        ).reveal(shared, ["recipient_name"], "customer_service")
        self.assertEqual(revealed[shared.id]["recipient_name"], "Y")

    def test_export_is_for_officers_and_audited(self):
        owner = self.owners[1]
        self.store_address(owner)
        values = self.as_user("officer").export(owner)
        self.assertEqual(values["buyer_email"], "buyer-synthetic@marketplace.invalid")
        self.assertEqual(self.audit("export").res_id, owner.id)
        with self.assertRaises(AccessError):
            self.as_user("shipping").export(owner)
