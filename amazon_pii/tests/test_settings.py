from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import VaultCase


@tagged("post_install", "-at_install")
class TestSettings(VaultCase):
    def test_settings_form_saves_parameters_and_audits_names_only(self):
        form = Form(self.env["res.config.settings"])
        form.amazon_pii_retention_days = 21
        form.amazon_pii_reveal_limit = 7
        form.save().execute()
        ICP = self.env["ir.config_parameter"]
        self.assertEqual(ICP.get_param("amazon_pii.retention_days"), "21")
        self.assertEqual(self.vault._param("reveal_limit"), 7)
        row = self.audit("setting")
        self.assertEqual(
            set(row.detail.split(",")),
            {"amazon_pii_retention_days", "amazon_pii_reveal_limit"},
        )

    def test_retention_above_amazons_30_days_is_refused(self):
        form = Form(self.env["res.config.settings"])
        form.amazon_pii_retention_days = 45
        with self.assertRaisesRegex(ValidationError, "at most 30 days"):
            form.save()

    def test_menus_are_visible_to_officers_only(self):
        menu = self.env.ref("amazon_pii.menu_amazon_pii_audit")
        Menu = self.env["ir.ui.menu"]
        officer_menus = Menu.with_user(self.users["officer"])._visible_menu_ids()
        manager_menus = Menu.with_user(self.users["manager"])._visible_menu_ids()
        self.assertIn(menu.id, officer_menus)
        self.assertNotIn(menu.id, manager_menus)
        # Odoo's settings screen is for administrators.
        settings = self.env.ref("amazon_pii.menu_amazon_settings")
        self.assertNotIn(settings.id, manager_menus)
        admin = self.env.ref("base.user_admin")
        self.assertIn(settings.id, Menu.with_user(admin)._visible_menu_ids())
