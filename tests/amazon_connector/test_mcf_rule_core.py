"""MCF by rule: the pure decision (core/mcf_rule.py)."""

from amazon_connector.core import mcf_rule

ROW = {"fulfillable": True, "reasons": [], "fee": 8.0, "currency": "USD"}
LINES = [("Mug", 2.0, 5.0), ("Cap", 1.0, 1.0)]


def decide(**kw):
    args = {
        "amazon_order": False,
        "lines": LINES,
        "row": ROW,
        "max_fee": 10.0,
        "cap_currency": "USD",
    }
    args.update(kw)
    return mcf_rule.decide(mcf_rule.FBA_STOCK, **args)


def test_off_decides_nothing():
    # Catches a rule that acts (or writes on the delivery) while switched off.
    assert (
        mcf_rule.decide(
            mcf_rule.OFF,
            amazon_order=False,
            lines=LINES,
            row=ROW,
            max_fee=10.0,
            cap_currency="USD",
        )
        is None
    )


def test_sends_when_stock_fulfillable_and_within_cap():
    decision = decide()
    assert decision.send and decision.reason == mcf_rule.SEND
    assert decision.values == {"fee": 8.0, "currency": "USD", "cap": 10.0}


def test_fee_equal_to_cap_is_within_it():
    assert decide(max_fee=8.0).send


def test_amazon_order_never_sent():
    # Catches Amazon orders sent to MCF (Amazon does not reimburse them).
    decision = decide(amazon_order=True)
    assert not decision.send and decision.reason == mcf_rule.AMAZON_ORDER


def test_short_fba_stock_names_the_products():
    decision = decide(lines=[("Mug", 2.0, 1.0), ("Cap", 1.0, 1.0), ("Hat", 1, 0)])
    assert not decision.send and decision.reason == mcf_rule.NO_FBA_STOCK
    assert decision.values["products"] == "Mug, Hat"


def test_no_lines_is_not_covered():
    assert decide(lines=[]).reason == mcf_rule.NO_FBA_STOCK


def test_without_cap_nothing_is_sent():
    assert decide(max_fee=0.0).reason == mcf_rule.NO_CAP


def test_before_the_preview_a_yes_means_ask_amazon():
    assert decide(row=None) == mcf_rule.Decision(True, mcf_rule.SEND)


def test_not_fulfillable_gives_amazons_reasons():
    row = dict(ROW, fulfillable=False, reasons=["InventoryUnavailable"])
    decision = decide(row=row)
    assert not decision.send and decision.reason == mcf_rule.NOT_FULFILLABLE
    assert decision.values["reasons"] == "InventoryUnavailable"


def test_over_cap_and_other_currency_not_sent():
    assert decide(max_fee=7.99).reason == mcf_rule.OVER_CAP
    assert decide(row=dict(ROW, currency="EUR")).reason == mcf_rule.OTHER_CURRENCY
    assert decide(row=dict(ROW, fee=None)).reason == mcf_rule.NO_FEE
