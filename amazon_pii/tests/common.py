from odoo.tests import TransactionCase, new_test_user

MARKER_NAME = "Zoë Ångström-Markerson"
MARKER_STREET = "4471 Rue de l'Été Synthétique"


class VaultCase(TransactionCase):
    """Users for every role, owners, and test mode so that refusals recorded in
    their own transaction stay inside the test's transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.vault = cls.env["amazon.pii.vault"]
        groups = {
            "officer": "amazon_pii.group_amazon_pii_officer",
            "officer_no2fa": "amazon_pii.group_amazon_pii_officer",
            "shipping": "amazon_pii.group_amazon_shipping",
            "manager": "amazon_pii.group_amazon_manager",
            "plain": "amazon_pii.group_amazon_user",
        }
        cls.users = {
            name: new_test_user(cls.env, login=f"pii_{name}", groups=group)
            for name, group in groups.items()
        }
        for name in ("officer", "shipping", "manager", "plain"):
            cls.enable_2fa(cls.users[name])
        cls.owners = cls.env["res.partner"].create(
            [{"name": f"Amazon buyer {i}"} for i in range(4)]
        )

    @classmethod
    def enable_2fa(cls, user):
        user.sudo().totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

    def store_address(self, owner, **extra):
        values = {
            "recipient_name": MARKER_NAME,
            "address_line1": MARKER_STREET,
            "phone": "+33 1 55 55 01 23",
            "buyer_email": "buyer-synthetic@marketplace.invalid",
        }
        values.update(extra)
        return self.vault.store([(owner, values)])

    def place_hold(self, owner, name, reason):
        return (
            self.env["amazon.pii.hold"]
            .with_user(self.users["officer"])
            .create(
                {
                    "name": name,
                    "reason": reason,
                    "owner_model": owner._name,
                    "owner_id": owner.id,
                }
            )
        )

    def as_user(self, name):
        return self.vault.with_user(self.users[name])

    def audit(self, event):
        return self.env["amazon.pii.audit"].sudo().search([("event", "=", event)])
