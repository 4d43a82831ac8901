"""Who may reveal which vault entry for which purpose
(docs/data-protection.md #9, #10).

Pure decision function: the Odoo layer gathers the facts (groups, 2FA
enrolment, the session's step-up from ``core/step_up.py``, entry state) and
audits whatever this returns.
"""

from dataclasses import dataclass
from datetime import timedelta

from .registry import SHIPPING_REVEALABLE

FULFILMENT_PURPOSES = frozenset({"delivery_slip", "shipping_label"})
PURPOSES = {
    "delivery_slip": "Print the delivery slip",
    "shipping_label": "Buy or print a shipping label",
    "customer_service": "Answer the buyer (customer service)",
    "invoicing": "Issue or correct an invoice",
    "legal_request": "Legal or data-subject request",
}
TOTP_HINT = (
    "Revealing Amazon buyer data requires two-factor authentication: enable it "
    "in your profile (My Profile > Account Security > Two-factor "
    "authentication), then try again."
)


@dataclass(frozen=True)
class Actor:
    is_officer: bool
    is_shipping: bool
    has_2fa: bool
    # Why the current session has not passed the second factor recently
    # ('' when it has): see core/step_up.py.
    step_up: str


@dataclass(frozen=True)
class EntryFacts:
    field_key: str
    held: bool  # in the legal-hold cold archive
    fulfilled_at: object  # datetime when the owner shipped, or None


def base_key(field_key):
    """Registry key of a stored key: ``gift_message#item-1`` -> ``gift_message``."""
    return field_key.partition("#")[0]


def decide(actor, entry, purpose, now, grace):
    """Return ``(allowed, reason)``; ``reason`` explains a refusal to the user."""
    if purpose not in PURPOSES:
        return False, f"Unknown purpose {purpose!r}."
    if not (actor.is_officer or actor.is_shipping):
        return (
            False,
            "Only a PII Officer or Amazon Shipping staff may reveal buyer data.",
        )
    if not actor.has_2fa:
        return False, TOTP_HINT
    if actor.step_up:
        return False, actor.step_up
    if entry.held:
        return False, (
            "This entry is under legal hold in the cold archive and cannot be "
            "revealed in ordinary use; release the hold first."
        )
    if actor.is_officer:
        return True, ""
    if purpose not in FULFILMENT_PURPOSES:
        return False, "Amazon Shipping staff may reveal buyer data only for fulfilment."
    if base_key(entry.field_key) not in SHIPPING_REVEALABLE:
        return False, (
            "Amazon Shipping staff may reveal only the recipient's name, address "
            "and phone."
        )
    if entry.fulfilled_at and now > entry.fulfilled_at + timedelta(hours=grace):
        return False, "The order has shipped: its address is no longer needed."
    return True, ""
