from odoo.tests import TransactionCase, tagged

from odoo.addons.amazon_pii.core.registry import FIELDS

from ..core.spapi import redact


@tagged("post_install", "-at_install")
class TestLogRedaction(TransactionCase):
    def test_loaded_addon_masks_every_registered_pii_field_in_payloads(self):
        # The SP-API layer may not import amazon_pii: the addon hands it the
        # registry at load. Non-PII kept proves the fields were registered
        # (unregistered, the redactor masks every string).
        for field in FIELDS:
            key = field.source_path.rpartition(".")[2]
            shown = redact.payload({"orderId": "902-1", "deep": [{key: "Jöhn Doe"}]})
            self.assertEqual(
                shown, {"orderId": "902-1", "deep": [{key: redact.MASK}]}, key
            )
