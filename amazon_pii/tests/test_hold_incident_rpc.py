"""Legal holds and incidents over JSON-RPC (issue #15, item 7;
docs/data-protection.md #2, #15): no context key, create value or default
lets a caller release a hold or rewrite an incident's evidence."""

from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import (
    MARKER_NAME,
    MARKER_STREET,
    PersonSession,
    new_test_user,
    web_session,
)

ROLES = {
    "officer": "amazon_pii.group_amazon_pii_officer",
    "manager": "amazon_pii.group_amazon_manager",
    "shipping": "amazon_pii.group_amazon_shipping",
    "plain": "amazon_pii.group_amazon_user",
}


@tagged("post_install", "-at_install")
class TestHoldIncidentRpc(PersonSession, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            role: new_test_user(cls.env, login=f"rpc_{role}", groups=group)
            for role, group in ROLES.items()
        }
        cls.owner = cls.env["res.partner"].create({"name": "Amazon buyer rpc"})
        cls.env["amazon.pii.vault"].store(
            [
                (
                    cls.owner,
                    {"recipient_name": MARKER_NAME, "address_line1": MARKER_STREET},
                )
            ]
        )

    def rpc(self, role, model, method, args, kwargs=None, route="call_kw"):
        """``method`` as the web client calls it, logged in as ``role``
        (a browser session: officers and shipping staff must have two-factor
        authentication at login, so Odoo's password-only ``authenticate``
        refuses them)."""
        self.login(self.users[role])
        return self.make_jsonrpc_request(
            f"/web/dataset/{route}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def assert_refused(self, error, role, model, method, args, kwargs=None):
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.rpc(role, model, method, args, kwargs)
        self.assertEqual(str(caught.exception), f"odoo.exceptions.{error}")

    def audit(self, event):
        return self.env["amazon.pii.audit"].sudo().search([("event", "=", event)])

    def entry_namespaces(self):
        self.env.flush_all()  # the info model is a view over the vault table
        infos = self.env["amazon.pii.entry.info"].search(
            [("owner_model", "=", "res.partner"), ("owner_id", "=", self.owner.id)]
        )
        return set(infos.mapped("kek_namespace"))

    def place_hold(self):
        return (
            self.env["amazon.pii.hold"]
            .with_user(self.users["officer"])
            .create(
                {
                    "name": "LH-RPC",
                    "reason": "Chargeback dispute",
                    "owner_model": "res.partner",
                    "owner_id": self.owner.id,
                }
            )
        )

    # -- legal holds -------------------------------------------------------------
    def test_no_context_key_or_write_releases_a_hold(self):
        hold = self.place_hold()
        self.assertEqual(self.entry_namespaces(), {"archive"})
        releases = self.audit("hold_release")
        # The context key that used to open the frozen fields, and the fields
        # themselves: refused to the officer who may release it properly.
        for values, context in (
            ({"state": "released"}, {"amazon_pii_hold_release": True}),
            ({"state": "released"}, {}),
            ({"released_at": "2026-01-01 00:00:00"}, {"amazon_pii_hold_release": 1}),
            ({"owner_id": self.owner.id + 1}, {"amazon_pii_hold_release": True}),
        ):
            self.assert_refused(
                "UserError",
                "officer",
                "amazon.pii.hold",
                "write",
                [hold.ids, values],
                {"context": context},
            )
        hold.invalidate_recordset()
        self.assertEqual(hold.state, "active")
        self.assertFalse(hold.released_by)
        self.assertEqual(self.entry_namespaces(), {"archive"})  # still archived
        self.assertEqual(self.audit("hold_release"), releases)
        # Still not revealable, even to an officer with 2FA.
        reader = new_test_user(
            self.env, login="rpc_reader", groups=ROLES["officer"]
        )  # never logs in over HTTP: a TOTP user would need the second step
        reader.sudo().totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        # Reading from a stepped-up web session: only the hold can refuse.
        web_session(self, reader)
        Vault = self.env["amazon.pii.vault"].with_user(reader)
        self.assertFalse(
            Vault.may_reveal(self.owner, ["recipient_name"], "customer_service")
        )
        # The release button re-wraps, records who and when, and audits.
        self.rpc(
            "officer",
            "amazon.pii.hold",
            "action_release",
            [hold.ids],
            {},
            "call_button",
        )
        hold.invalidate_recordset()
        self.assertEqual(hold.state, "released")
        self.assertEqual(hold.released_by, self.users["officer"])
        self.assertEqual(self.entry_namespaces(), {"vault"})
        self.assertTrue(
            Vault.may_reveal(self.owner, ["recipient_name"], "customer_service")
        )
        self.assertEqual(len(self.audit("hold_release") - releases), 1)

    def test_no_create_value_or_default_makes_a_released_hold(self):
        Hold = self.env["amazon.pii.hold"]
        base = {
            "name": "LH-X",
            "reason": "Dispute",
            "owner_model": "res.partner",
            "owner_id": self.owner.id,
        }
        for values, context in (
            ({**base, "state": "released"}, {}),
            ({**base, "released_by": self.users["officer"].id}, {}),
            ({**base, "placed_by": self.users["manager"].id}, {}),
            (base, {"default_state": "released"}),
            (base, {"default_released_at": "2026-01-01 00:00:00"}),
        ):
            self.assert_refused(
                "UserError",
                "officer",
                "amazon.pii.hold",
                "create",
                [values],
                {"context": context},
            )
        self.assertFalse(Hold.search([("owner_id", "=", self.owner.id)]))
        self.assertEqual(self.entry_namespaces(), {"vault"})  # nothing archived
        self.assertFalse(self.audit("hold"))
        # A released hold cannot be copied back into a released one either.
        hold = self.place_hold()
        hold.with_user(self.users["officer"]).action_release()
        self.assert_refused(
            "UserError", "officer", "amazon.pii.hold", "copy", [hold.ids]
        )
        self.assertEqual(len(Hold.search([("owner_id", "=", self.owner.id)])), 1)

    def test_other_roles_cannot_reach_holds(self):
        hold = self.place_hold()
        for role in ("manager", "shipping", "plain"):
            self.assert_refused(
                "AccessError",
                role,
                "amazon.pii.hold",
                "write",
                [hold.ids, {"name": "x"}],
            )
            self.assert_refused(
                "AccessError", role, "amazon.pii.hold", "action_release", [hold.ids]
            )
            self.assert_refused(
                "AccessError",
                role,
                "amazon.pii.hold",
                "create",
                [
                    {
                        "name": "LH",
                        "reason": "r",
                        "owner_model": "res.partner",
                        "owner_id": 1,
                    }
                ],
            )
        hold.invalidate_recordset()
        self.assertEqual((hold.state, hold.name), ("active", "LH-RPC"))

    # -- incidents ---------------------------------------------------------------
    def test_an_incidents_evidence_cannot_be_rewritten(self):
        incident = self.env["amazon.pii.incident"]._open("canary", "canary read")
        before = (incident.kind, incident.detected_at, incident.deadline)
        later = fields.Datetime.to_string(incident.detected_at + timedelta(days=3))
        for values in (
            {"detected_at": later},
            {"kind": "manual"},
            {"deadline": later},
            {"notified_at": fields.Datetime.to_string(incident.detected_at)},
            {"user_id": self.users["plain"].id},
        ):
            for context in ({}, {"amazon_pii_incident_edit": True}):
                self.assert_refused(
                    "UserError",
                    "officer",
                    "amazon.pii.incident",
                    "write",
                    [incident.ids, values],
                    {"context": context},
                )
        incident.invalidate_recordset()
        self.assertEqual(
            (incident.kind, incident.detected_at, incident.deadline), before
        )
        self.assertFalse(incident.notified_at)
        # The state buttons still work, and stamp the server's time.
        self.rpc(
            "officer",
            "amazon.pii.incident",
            "action_mark_notified",
            [incident.ids],
            {},
            "call_button",
        )
        incident.invalidate_recordset()
        self.assertEqual(incident.state, "notified")
        self.assertAlmostEqual(
            incident.notified_at, fields.Datetime.now(), delta=timedelta(minutes=1)
        )

    def test_create_values_cannot_forge_an_incident(self):
        Incident = self.env["amazon.pii.incident"]
        existing = Incident.search([])
        future = fields.Datetime.to_string(fields.Datetime.now() + timedelta(days=2))
        for values, context in (
            ({"name": "x", "kind": "canary"}, {}),
            ({"name": "x", "deadline": future}, {}),
            ({"name": "x", "detected_at": future}, {}),
            ({"name": "x", "user_id": self.users["plain"].id}, {}),
            ({"name": "x", "notified_at": future}, {}),
            ({"name": "x"}, {"default_deadline": future}),
            ({"name": "x"}, {"default_detected_at": future}),
            ({"name": "x"}, {"default_kind": "audit_tamper"}),
        ):
            self.assert_refused(
                "UserError",
                "officer",
                "amazon.pii.incident",
                "create",
                [values],
                {"context": context},
            )
        self.assertEqual(Incident.search([]), existing)
        # Reported by hand, detected earlier (a stricter deadline): allowed,
        # and the deadline follows from the detection time.
        earlier = fields.Datetime.now() - timedelta(hours=5)
        [new_id] = self.rpc(
            "officer",
            "amazon.pii.incident",
            "create",
            [
                [
                    {
                        "name": "Laptop stolen",
                        "detected_at": fields.Datetime.to_string(earlier),
                    }
                ]
            ],
        )
        incident = Incident.browse(new_id)
        self.assertEqual(incident.kind, "manual")
        self.assertEqual(incident.deadline - incident.detected_at, timedelta(hours=24))
        self.assertLess(incident.deadline, fields.Datetime.now() + timedelta(hours=20))

    def test_other_roles_cannot_reach_incidents(self):
        incident = self.env["amazon.pii.incident"]._open("manual", "by hand")
        for role in ("manager", "shipping", "plain"):
            self.assert_refused(
                "AccessError", role, "amazon.pii.incident", "create", [{"name": "x"}]
            )
            self.assert_refused(
                "AccessError",
                role,
                "amazon.pii.incident",
                "write",
                [incident.ids, {"state": "closed"}],
            )
            self.assert_refused(
                "AccessError",
                role,
                "amazon.pii.incident",
                "action_close",
                [incident.ids],
            )
        incident.invalidate_recordset()
        self.assertEqual(incident.state, "detected")
        self.assertFalse(incident.closed_at)
