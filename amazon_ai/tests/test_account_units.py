"""Every number a seller sets on the account form shows its unit (issue #19,
item 4): the connector's sync and stock settings and the risk settings."""

from lxml import etree

from odoo.tests import TransactionCase, tagged

UNITS = (
    "minutes",
    "hours",
    "days",
    "units",
    "points of 100",
    "% of the order",
    "from 0 to 1",
)


@tagged("post_install", "-at_install")
class TestAccountUnits(TransactionCase):
    def test_every_editable_number_of_the_account_form_has_a_unit(self):
        Account = self.env["amazon.account"]
        arch = Account.get_views([(False, "form")])["views"]["form"]["arch"]
        tree = etree.fromstring(arch)
        checked = []
        for node in tree.xpath("//field"):
            field = Account._fields.get(node.get("name"))
            # Settings only: counts in smart buttons and read-only figures
            # (days left of a secret...) are not settings.
            if (
                field is None
                or field.type not in ("integer", "float")
                or field.readonly
                or field.compute
                or node.get("invisible") in ("1", "True")
                or node.get("readonly") in ("1", "True")
            ):
                continue
            unit = node.getnext()
            # Bug caught: "Every (minutes) 15" with the unit in the label only,
            # "Learn from the last 365" (days? orders?).
            self.assertIsNotNone(unit, field.name)
            self.assertEqual(unit.tag, "span", field.name)
            self.assertIn(unit.text.strip(), UNITS, field.name)
            checked.append(field.name)
        # The settings this check is about are all there.
        for name in (
            "orders_interval",
            "orders_overlap",
            "stock_buffer",
            "risk_medium",
            "risk_high",
            "risk_history_days",
        ):
            self.assertIn(name, checked)
