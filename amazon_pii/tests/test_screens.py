"""Vault, audit and hold screens name things in words (issue #19, item 4):
the record (with a link), the kind of data (the registry's label), why;
never ``res.partner,12`` or ``recipient_name``, and never a stored value."""

from lxml import etree

from odoo.tests import tagged

from .common import MARKER_NAME, MARKER_STREET, VaultCase


@tagged("post_install", "-at_install")
class TestScreenWords(VaultCase):
    def stored_infos(self, owner):
        infos = self.env["amazon.pii.entry.info"].search(
            [("owner_model", "=", "res.partner"), ("owner_id", "=", owner.id)]
        )
        self.assertEqual(len(infos), 4)  # store_address stores four values
        return infos

    def assert_no_stored_value(self, texts):
        joined = " | ".join(t for t in texts if t)
        # The check can fail: the markers are what the vault holds.
        for value in (MARKER_NAME, MARKER_STREET, "+33 1 55 55 01 23"):
            self.assertNotIn(value, joined)

    def test_vault_entries_name_the_record_and_the_kind_of_data(self):
        owner = self.owners[1]
        self.store_address(owner)
        infos = self.stored_infos(owner)
        by_key = {info.field_key: info for info in infos}
        name = by_key["recipient_name"]
        # Bug caught: the list showed "res.partner,12" and "recipient_name".
        self.assertEqual(name.record_name, f"Contact {owner.name}")
        self.assertEqual(name.data_label, "Recipient name")
        self.assertEqual(by_key["phone"].data_label, "Recipient phone")
        self.assertEqual(name.display_name, f"Recipient name · Contact {owner.name}")
        for info in infos:
            self.assertNotIn("res.partner", info.display_name)
            self.assertNotIn("_", info.data_label)
        self.assert_no_stored_value(
            infos.mapped("display_name") + infos.mapped("record_name")
        )

    def test_open_button_opens_the_record(self):
        owner = self.owners[2]
        self.store_address(owner)
        info = self.stored_infos(owner)[0]
        action = info.with_user(self.users["officer"]).action_open_record()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("res.partner", owner.id)
        )

    def test_audit_rows_say_who_what_and_why(self):
        owner = self.owners[0]
        self.store_address(owner)
        self.as_user("officer").reveal(
            owner, ["recipient_name", "address_line1"], "customer_service"
        )
        row = self.audit("reveal")
        self.assertEqual(len(row), 1)
        self.assertEqual(row.record_name, f"Contact {owner.name}")
        # The row keeps the keys sorted; each becomes its label.
        self.assertEqual(row.data_label, "Delivery address (line 1), Recipient name")
        self.assertEqual(row.purpose_label, "Answer the buyer (customer service)")
        self.assertEqual(
            row.display_name,
            "Revealed · Delivery address (line 1), Recipient name · "
            f"Contact {owner.name}",
        )
        self.assert_no_stored_value([row.display_name, row.record_name])

    def test_deleted_record_is_named_not_linked(self):
        owner = self.env["res.partner"].create({"name": "Short-lived buyer"})
        self.env["amazon.pii.audit"]._log("purge", records=owner, count=1)
        row = self.audit("purge").filtered(lambda r: r.res_id == owner.id)
        self.assertEqual(len(row), 1)
        self.assertEqual(row.record_name, "Contact Short-lived buyer")
        owner_id = owner.id
        owner.unlink()
        row.invalidate_recordset()
        self.assertEqual(row.record_name, f"Contact #{owner_id} (deleted)")
        self.assertFalse(row.action_open_record())

    def test_hold_names_its_record(self):
        owner = self.owners[3]
        self.store_address(owner)
        hold = self.place_hold(owner, "LH-screens", "Court order 12")
        self.assertEqual(hold.record_name, f"Contact {owner.name}")

    def test_lists_show_the_words_and_keep_keys_optional(self):
        # The lists a PII officer opens: the words are columns, the keys and
        # technical ids are at most optional (hidden) columns.
        for model, words, keys in (
            (
                "amazon.pii.entry.info",
                ["record_name", "data_label"],
                ["owner_ref", "field_key"],
            ),
            (
                "amazon.pii.audit",
                ["record_name", "data_label", "purpose_label"],
                ["res_model", "res_id", "field_keys", "purpose"],
            ),
            ("amazon.pii.hold", ["record_name"], ["owner_model", "owner_id"]),
        ):
            arch = (
                self.env[model]
                .with_user(self.users["officer"])
                .get_views([(False, "list")])["views"]["list"]["arch"]
            )
            tree = etree.fromstring(arch)
            for name in words:
                node = tree.xpath(f"//field[@name='{name}']")
                self.assertEqual(len(node), 1, (model, name))
                self.assertFalse(node[0].get("optional"), (model, name))
            for name in keys:
                node = tree.xpath(f"//field[@name='{name}']")
                self.assertEqual(len(node), 1, (model, name))
                self.assertEqual(node[0].get("optional"), "hide", (model, name))
            self.assertTrue(tree.xpath("//button[@name='action_open_record']"), model)


@tagged("post_install", "-at_install")
class TestSettingsUnits(VaultCase):
    def test_every_number_in_the_settings_shows_its_unit(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        tree = etree.fromstring(arch)
        Settings = self.env["res.config.settings"]
        numbers = [
            name
            for name, field in Settings._fields.items()
            if name.startswith("amazon_") and field.type in ("integer", "float")
        ]
        # The login lockout, the retention, the reveal alert... at least these.
        self.assertGreaterEqual(len(numbers), 7)
        for name in numbers:
            nodes = tree.xpath(f"//field[@name='{name}']")
            self.assertEqual(len(nodes), 1, name)
            unit = nodes[0].getnext()
            # Bug caught: "30" next to "Days after delivery" with no unit.
            self.assertIsNotNone(unit, name)
            self.assertEqual(unit.tag, "span", name)
            self.assertIn(
                unit.text.strip(), ("days", "hours", "minutes", "records"), name
            )
