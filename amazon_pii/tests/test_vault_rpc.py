from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import PersonSession, new_test_user


@tagged("post_install", "-at_install")
class TestVaultRpc(PersonSession, HttpCase):
    """Officers log in with two-factor authentication: a browser session
    (``PersonSession.login``), as Odoo's password-only ``authenticate``
    refuses them."""

    def test_rpc_on_the_vault_table_is_refused_even_to_officers(self):
        officer = new_test_user(
            self.env,
            login="pii_rpc_officer",
            # Allowed to export in general: the refusal must come from the vault.
            groups="amazon_pii.group_amazon_pii_officer,base.group_allow_export",
        )
        self.login(officer)
        for method, args in (
            ("search_read", [[], ["ciphertext", "wrapped_key"]]),
            ("read", [[1], ["ciphertext"]]),
            ("export_data", [[1], ["ciphertext"]]),
        ):
            with (
                mute_logger("odoo.http"),
                self.assertRaisesRegex(JsonRpcException, "AccessError"),
            ):
                self.make_jsonrpc_request(
                    "/web/dataset/call_kw",
                    {
                        "model": "amazon.pii.entry",
                        "method": method,
                        "args": args,
                        "kwargs": {},
                    },
                )

    def test_vault_methods_are_closed_to_rpc(self):
        officer = new_test_user(
            self.env,
            login="pii_rpc_officer2",
            groups="amazon_pii.group_amazon_pii_officer",
        )
        self.login(officer)
        for method in ("reveal", "store", "purge", "export"):
            with (
                mute_logger("odoo.http"),
                self.assertRaisesRegex(JsonRpcException, "AccessError"),
            ):
                self.make_jsonrpc_request(
                    "/web/dataset/call_kw",
                    {
                        "model": "amazon.pii.vault",
                        "method": method,
                        "args": [],
                        "kwargs": {},
                    },
                )
