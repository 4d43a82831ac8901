"""MCF by rule: whether a non-Amazon delivery goes to Multi-Channel
Fulfilment without a person. Pure decision on plain values; no Odoo.

The caller gathers the facts (the account's rule, the delivery's lines
against the FBA stock in Odoo, Amazon's preview row for the rule's speed) and
writes the decision, with its reason, on the delivery.
"""

from dataclasses import dataclass, field

OFF = "off"
FBA_STOCK = "fba_stock"  # every line has FBA stock
RULES = [OFF, FBA_STOCK]

# Reasons (the caller turns them into words).
SEND = "send"
AMAZON_ORDER = "amazon_order"
NO_FBA_STOCK = "no_fba_stock"
NOT_FULFILLABLE = "not_fulfillable"
NO_FEE = "no_fee"
NO_CAP = "no_cap"
OTHER_CURRENCY = "other_currency"
OVER_CAP = "over_cap"


@dataclass(frozen=True)
class Decision:
    send: bool
    reason: str
    values: dict = field(default_factory=dict)


def short_lines(lines):
    """Products whose FBA stock does not cover the delivery: ``lines`` is
    ``[(name, wanted, fba_units)]``; returns the names, in order."""
    return [name for name, wanted, units in lines if units < wanted]


def decide(rule, *, amazon_order, lines, row, max_fee, cap_currency):
    """The decision for one delivery.

    ``rule``: the account's rule (``OFF`` decides nothing: None is returned);
    ``amazon_order``: the delivery belongs to an Amazon order (never sent by
    the rule: Amazon does not reimburse lost MCF units of Amazon orders);
    ``lines``: ``[(name, wanted, fba_units)]``; ``row``: the preview's dict
    for the rule's speed (``fulfillable``, ``reasons``, ``fee``,
    ``currency``) or None when the preview has not been asked yet (then only
    the checks before it are made; a positive answer means "ask Amazon");
    ``max_fee``: the cap (0 or None: nothing is sent).
    """
    if rule != FBA_STOCK:
        return None
    if amazon_order:
        return Decision(False, AMAZON_ORDER)
    short = short_lines(lines)
    if not lines or short:
        return Decision(False, NO_FBA_STOCK, {"products": ", ".join(short)})
    if not max_fee:
        return Decision(False, NO_CAP)
    if row is None:
        return Decision(True, SEND)
    if not row.get("fulfillable"):
        reasons = ", ".join(row.get("reasons") or ()) or "-"
        return Decision(False, NOT_FULFILLABLE, {"reasons": reasons})
    fee, currency = row.get("fee"), row.get("currency")
    if fee is None:
        return Decision(False, NO_FEE)
    values = {"fee": float(fee), "currency": currency, "cap": float(max_fee)}
    if currency != cap_currency:
        values["cap_currency"] = cap_currency
        return Decision(False, OTHER_CURRENCY, values)
    if float(fee) > float(max_fee):
        return Decision(False, OVER_CAP, values)
    return Decision(True, SEND, values)
