"""Imported orders tell their Amazon status story in the chatter (issue
#19, item 4): one note at import, one per status change a sync applies,
nothing for a sync that changes nothing, never buyer data."""

from odoo.tests import tagged

from .common import SandboxCase

# Amazon's statuses in words, written out here (not read from the field) so
# a wrong label in the note is caught.
WORDS = {
    "PENDING_AVAILABILITY": "Pre-order",
    "PENDING": "Pending",
    "UNSHIPPED": "Unshipped",
    "PARTIALLY_SHIPPED": "Partially shipped",
    "SHIPPED": "Shipped",
    "CANCELLED": "Cancelled",
    "UNFULFILLABLE": "Unfulfillable",
}


@tagged("post_install", "-at_install")
class TestStatusNotes(SandboxCase):
    # New orders keep arriving and changing status as the clock moves.
    sandbox_options = {"orders": 40, "seed": 5, "new_orders": 0.5}

    def notes(self, order):
        """Texts of the order's Amazon status notes, oldest first."""
        texts = []
        for message in order.message_ids.sorted("id"):
            text = (message.preview or "").strip()
            if text.startswith(("Imported from Amazon", "Amazon status:")):
                texts.append(text)
        return texts

    def test_one_note_at_import_and_one_per_status_change(self):
        self.sandbox.advance_clock(86400)
        self.sync()
        first = {k: e["status"] for k, (_o, e) in self.expected_orders().items()}
        known = set(self.amazon_orders().mapped("amazon_order_id"))
        self.sandbox.advance_clock(3 * 86400)
        self.sync()
        second = {k: e["status"] for k, (_o, e) in self.expected_orders().items()}
        orders = {o.amazon_order_id: o for o in self.amazon_orders()}
        changed = new = 0
        for amazon_id, status in second.items():
            notes = self.notes(orders[amazon_id])
            if amazon_id in first:
                expected = [f"Imported from Amazon (status {WORDS[first[amazon_id]]})."]
                if first[amazon_id] != status:
                    changed += 1
                    expected.append(
                        f"Amazon status: {WORDS[first[amazon_id]]} → {WORDS[status]}"
                    )
                # Bug caught: no trace of Amazon shipping or cancelling it.
                self.assertEqual(notes, expected, amazon_id)
            elif amazon_id not in known:
                new += 1
                self.assertEqual(
                    notes, [f"Imported from Amazon (status {WORDS[status]})."]
                )
        # The dataset moves: both cases were exercised.
        self.assertGreaterEqual(changed, 2)
        self.assertGreater(new, 0)
        # A sync that finds nothing new adds no note, nor does a forced re-read.
        before = {k: self.notes(o) for k, o in orders.items()}
        self.sync()
        next(iter(orders.values())).action_amazon_resync()
        self.env.invalidate_all()
        self.assertEqual({k: self.notes(o) for k, o in orders.items()}, before)
        # Statuses only: the dataset's buyer data is in no note.
        bodies = " ".join(str(m.body) for o in orders.values() for m in o.message_ids)
        for value in self.buyer_data():
            self.assertNotIn(value, bodies)
