"""Shipping labels and delivery slips print the buyer's address: labels live
encrypted in the vault and are printed only through a purpose-bound,
audited reveal, by a person; slips rendered for anything but a person's
print show the pseudonym (docs/data-protection.md #22, #23)."""

import base64
import io
import os
import time
from datetime import timedelta

from pypdf import PdfReader

from odoo import fields, http
from odoo.exceptions import AccessError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import tagged

from odoo.addons.amazon_pii.models.res_users import record_step_up
from odoo.addons.amazon_pii.tests.common import new_test_user

from .test_shipments import LabelCase


def _needles(recipient):
    """What the label prints of the recipient, as the dataset has it (an
    independent truth), in the encodings a stored file could hold it."""
    values = [
        recipient.get("name"),
        recipient.get("addressLine1"),
        recipient.get("phone"),
    ]
    found = set()
    for value in filter(None, values):
        found.add(value.encode())
        found.add(value.encode("latin-1", "replace"))
    return found


def _hits(blob, needles):
    return {needle for needle in needles if needle in blob}


@tagged("post_install", "-at_install")
class TestLabelVault(LabelCase):
    def label_entry(self, picking):
        return (
            self.env["amazon.pii.entry"]
            .sudo()
            .search(
                [
                    ("owner_model", "=", "sale.order"),
                    ("owner_id", "=", picking.sale_id.id),
                    ("field_key", "=", f"shipping_label#{picking.id}"),
                ]
            )
        )

    def stored_files(self):
        """Every attachment's bytes: database-stored ones and every file of
        the database's filestore (attachments of any field, any model)."""
        Attachment = self.env["ir.attachment"].sudo().with_context(active_test=False)
        blobs = {}
        for attachment in Attachment.search(
            ["|", ("res_field", "=", False), ("res_field", "!=", False)]
        ):
            blobs[f"attachment {attachment.id}"] = attachment.raw or b""
        root = Attachment._filestore()
        for folder, _dirs, files in os.walk(root):
            for name in files:
                path = os.path.join(folder, name)
                with open(path, "rb") as handle:
                    blobs[path] = handle.read()
        return blobs

    def reveals(self, order, event="reveal"):
        return (
            self.env["amazon.pii.audit"]
            .sudo()
            .search(
                [
                    ("event", "=", event),
                    ("res_model", "=", "sale.order"),
                    ("res_id", "=", order.id),
                    ("purpose", "=", "shipping_label"),
                ]
            )
        )

    def test_pdf_label_prints_the_address_from_the_vault_only(self):
        order = self.order_to_ship()
        recipient = self.truth(order)
        needles = _needles(recipient)
        self.assertTrue(needles)
        picking, _rate, _action = self.buy_label(order)
        # Stored encrypted, as an entry of the order.
        entry = self.label_entry(picking)
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.classification, "pii")
        self.assertFalse(_hits(base64.b64decode(entry.ciphertext), needles))
        # A person prints it: Amazon's label, with the recipient's name,
        # address and phone as the dataset has them, and an audit row.
        before = len(self.reveals(order))
        response = self.print_label(picking)
        self.assertEqual(response.status_code, 200)
        text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
        self.assertIn(recipient["phone"], text)
        self.assertIn(recipient["postalCode"], text)
        self.assertIn(recipient["addressLine1"], text)
        self.assertIn(picking.carrier_tracking_ref, text)
        self.assertEqual(len(self.reveals(order)), before + 1)
        # The scan below can see the label's PII where a file holds it...
        self.assertTrue(_hits(response.content, needles))
        # ...and no stored file holds it.
        for where, blob in self.stored_files().items():
            self.assertFalse(_hits(blob, needles), f"label PII in {where}")

    def test_zpl_label_prints_the_address_in_utf8(self):
        order = self.order_to_ship()
        recipient = self.truth(order)
        picking, _rate, _action = self.buy_label(order, "ZPL")
        response = self.print_label(picking)
        self.assertEqual(response.status_code, 200)
        text = response.content.decode()
        self.assertIn(recipient["name"], text)
        self.assertIn(recipient["phone"], text)
        needles = _needles(recipient)
        for where, blob in self.stored_files().items():
            self.assertFalse(_hits(blob, needles), f"label PII in {where}")

    def test_label_is_never_rendered_for_anything_but_a_persons_print(self):
        """Rendered server-side (a mail template, an automation, a report
        called from code), the label is refused: its bytes would be stored."""
        order = self.order_to_ship()
        picking, _rate, _action = self.buy_label(order)
        report = (
            self.env["ir.actions.report"]
            .with_user(self.clerk)
            .with_context(force_report_rendering=True)
        )
        with self.assertRaises(AccessError):
            report._render_qweb_pdf(
                "amazon_connector.action_report_amazon_label", picking.ids
            )

    def test_label_follows_the_shipping_window(self):
        order = self.order_to_ship()
        picking, _rate, _action = self.buy_label(order)
        grace = self.env["amazon.pii.vault"]._param("shipping_grace_hours")
        self.label_entry(picking).fulfilled_at = fields.Datetime.now() - timedelta(
            hours=grace + 1
        )
        response = self.print_label(picking)
        self.assertNotEqual(response.status_code, 200)
        self.assertFalse(_hits(response.content, _needles(self.truth(order))))
        # The refusal is audited. (Checked through the ORM: a test's HTTP
        # request is a savepoint that its failure rolls back, audit included;
        # in production the audit row is committed on its own.)
        refused_before = len(self.reveals(order, "reveal_refused"))
        # Not assertRaises: its savepoint would roll the audit row back.
        try:
            self.env["amazon.pii.vault"].with_user(self.clerk).reveal(
                order, [picking._amazon_label_key()], "shipping_label"
            )
        except AccessError as exc:
            self.assertIn("shipped", str(exc))
        else:
            self.fail("a label past the shipping window was revealed")
        self.assertEqual(len(self.reveals(order, "reveal_refused")), refused_before + 1)

    def test_label_purged_with_the_orders_buyer_data_whatever_the_flag(self):
        order = self.order_to_ship()
        picking, _rate, _action = self.buy_label(order)
        self.assertEqual(len(self.label_entry(picking)), 1)
        # Clearing the flag (as an RPC caller could) hides nothing from the
        # purge: it goes by the order's vault entries.
        picking.sudo().amazon_has_label = False
        entries = (
            self.env["amazon.pii.entry"]
            .sudo()
            .search([("owner_model", "=", "sale.order"), ("owner_id", "=", order.id)])
        )
        entries.purge_after = fields.Date.today() - timedelta(days=1)
        self.env["amazon.pii.vault"].sudo()._cron_purge_due()
        self.assertFalse(self.label_entry(picking))
        self.assertFalse(picking.amazon_has_label)
        self.assertTrue(picking.carrier_tracking_ref)  # not PII, kept

    def test_label_is_rewrapped_under_a_legal_hold(self):
        order = self.order_to_ship()
        picking, _rate, _action = self.buy_label(order)
        officer = new_test_user(
            self.env,
            login="amazon_label_officer",
            groups="amazon_pii.group_amazon_pii_officer",
        )
        self.env["amazon.pii.hold"].with_user(officer).create(
            {
                "name": "LH-LABEL",
                "reason": "Carrier dispute",
                "owner_model": "sale.order",
                "owner_id": order.id,
            }
        )
        entry = self.label_entry(picking)
        self.assertEqual(len(entry), 1)
        self.assertTrue(entry.hold_id)
        self.assertEqual(entry.kek_namespace, "archive")
        # Held: kept by the purge, not printable in ordinary use.
        entry.purge_after = fields.Date.today() - timedelta(days=1)
        self.env["amazon.pii.vault"].sudo()._cron_purge_due()
        self.assertEqual(len(self.label_entry(picking)), 1)
        self.assertNotEqual(self.print_label(picking).status_code, 200)

    def test_labels_of_earlier_versions_move_from_the_filestore_to_the_vault(self):
        order = self.order_to_ship()
        picking = order.picking_ids
        recipient = self.truth(order)
        # An earlier version's label: an attachment of the old binary field.
        legacy = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": "amazon_label",
                    "res_model": "stock.picking",
                    "res_id": picking.id,
                    "res_field": "amazon_label",
                    "raw": f"^XA^FD{recipient['phone']}^FS^XZ".encode(),
                }
            )
        )
        self.assertTrue(_hits(legacy.raw, _needles(recipient)))
        moved = self.env["stock.picking"]._amazon_move_labels_to_vault()
        self.assertEqual(moved, picking)
        self.assertFalse(legacy.exists())
        self.assertTrue(picking.amazon_has_label)
        entry = self.label_entry(picking)
        self.assertEqual(len(entry), 1)
        found = (
            self.env["amazon.pii.vault"]
            .sudo()
            ._decrypt(entry)[order.id][f"shipping_label#{picking.id}"]
        )
        self.assertIn(recipient["phone"].encode(), base64.b64decode(found))

    def test_neutralization_destroys_labels(self):
        order = self.order_to_ship()
        picking, _rate, _action = self.buy_label(order)
        self.assertEqual(len(self.label_entry(picking)), 1)
        self.env.flush_all()
        for query in get_neutralization_queries(["amazon_pii", "amazon_connector"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        self.assertFalse(self.label_entry(picking))
        self.assertFalse(picking.amazon_has_label)


@tagged("post_install", "-at_install")
class TestSlipOutsidePrinting(LabelCase):
    def test_slip_shows_the_address_only_when_a_person_prints_it(self):
        order = self.order_to_ship()
        picking = order.picking_ids
        recipient = self.truth(order)
        # A person prints: the real address (this proves the check sees it).
        self.login(self.clerk)
        response = self.url_open(f"/report/html/stock.report_deliveryslip/{picking.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(recipient["addressLine1"], response.text)
        # The delivery e-mail's attachment is rendered by the server: the
        # pseudonym, never the address, and nothing stored holds it.
        self.env.company.stock_move_email_validation = True
        before = self.env["ir.attachment"].sudo().search([]).ids
        picking.with_user(self.clerk)._send_confirmation_email()
        attachments = (
            self.env["ir.attachment"].sudo().search([("id", "not in", before)])
        )
        slips = attachments.filtered(lambda a: picking.name in (a.name or ""))
        self.assertEqual(len(slips), 1)
        self.assertIn(order.partner_id.name.encode(), slips.raw)
        needles = _needles(recipient)
        for attachment in attachments:
            self.assertFalse(_hits(attachment.raw or b"", needles))
        self.assertNotIn(
            recipient["addressLine1"],
            picking.with_user(self.clerk)._amazon_slip_address(),
        )

    def test_a_stale_code_prints_the_pseudonym_and_says_why(self):
        """Fulfilment staff whose session confirmed its code too long ago get
        the pseudonym and, on the slip, what to do; not a silent pseudonym."""
        order = self.order_to_ship()
        picking = order.picking_ids
        recipient = self.truth(order)
        self.login(self.clerk)
        # The session's code was confirmed 13 hours ago (window: 12).
        record_step_up(self.session, self.clerk.id, time.time() - 13 * 3600)
        http.root.session_store.save(self.session)
        response = self.url_open(f"/report/html/stock.report_deliveryslip/{picking.id}")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(recipient["addressLine1"], response.text)
        self.assertIn(order.partner_id.name, response.text)
        self.assertIn("authentication code", response.text)
