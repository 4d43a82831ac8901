"""Customer returns and refunds of the sandbox's shipped orders (pure: no
HTTP, no sandbox state; the reports handler, ``/_sandbox/returns`` and the
Finances helper read them from here).

Which items come back is decided per (order id, order item id), and the
dataset draws both from ``--seed``: the same dataset gives the same returns in
any process, whatever the clock. The clock only says how much of it has
happened by ``now``:

- Only Amazon-channel orders (``channel`` AMAZON, merchant-fulfilled MFN and
  Amazon-fulfilled AFN) shipped by ``now`` count: the shipment an item
  counts from is its first package (the seller's confirmations and labels,
  as ``orders_view.render`` shows them, else the dataset's own schedule).
  Multi-Channel Fulfilment orders are left out: their buyer is not Amazon's
  and Amazon refunds nothing.
- About 6 % of the items so shipped are returned (``RETURN_RATE``), 3 to 20
  days after the shipment; when more than one unit shipped, a part of them
  may come back (1..units, partial returns). ``returnTime`` is, for AFN, when
  the fulfilment centre processed the return (the FBA customer returns
  report's ``return-date``), for MFN when the buyer asked for it (the
  returns report's "Return request date").
- AFN returns carry Amazon's ``detailed-disposition`` (SELLABLE, DEFECTIVE,
  CUSTOMER_DAMAGED, CARRIER_DAMAGED, DAMAGED) and its ``status`` ("Unit
  returned to inventory", or "Reimbursed" when Amazon takes the damage);
  MFN returns an Amazon RMA id, a return label and a request ``status``
  ("Approved", "Closed" once the item is back and refunded).
- Reasons are Amazon's codes as the reports print them: bare codes in the
  FBA report (``DEFECTIVE``, ``UNWANTED_ITEM``...), ``CR-``-prefixed ones
  (and ``AMZ-PG-BAD-DESC``) in the merchant returns report.
- Every return is refunded: AFN 0-36 h after the return; MFN at first scan
  of the return parcel (``RefundAtFirstScan``: 1-2 days after the request,
  before the item is back) or once the item is back (``StandardRefund``).
- About 1 % of the shipped items not returned get a refund without any
  return (``kind`` RETURNLESS_REFUND, ``returnTime`` None; Amazon's
  "returnless refund"): no report lists them, and there is no return picking
  for them on the seller's side.

Refunded amounts are shares of what the order charged (``orders_view``'s
proceeds): per item ``ITEM``, ``TAX`` and ``DISCOUNT`` (negative) for the
units refunded out of the units bought, and the order's ``SHIPPING`` when
the reason is the seller's or Amazon's fault (defective, damaged, wrong or
not as described), by the refunded units' share of the order's units,
with, where the seller charged VAT on it (GB/DE/FR/JP), ``SHIPPING_TAX``:
the same share of the order's shipping VAT (the order-level TAX beyond the
items').
Shares are differences of a rounded running total, so refunds never add up
to more than was charged, per component, to the cent (the yen in JPY).
Amounts are Decimal strings in the order's currency, as ``money()`` writes
them. No buyer data is read or written here.
"""

import hashlib
from datetime import timedelta
from decimal import Decimal

from .dataset import iso, money, parse_time
from .orders_view import (
    _item_proceeds,
    _vat,
    dataset_shipped_lines,
    seller_packages,
    state_at,
)

RETURN_RATE = 0.06
RETURNLESS_RATE = 0.01
DAY = 86400
# Amazon's reason codes (bare in the FBA report; CR- in the MFN report).
REASONS = (
    "UNWANTED_ITEM",
    "DEFECTIVE",
    "NOT_AS_DESCRIBED",
    "QUALITY_UNACCEPTABLE",
    "ORDERED_WRONG_ITEM",
    "FOUND_BETTER_PRICE",
    "SWITCHEROO",
    "MISSING_PARTS",
    "DAMAGED_BY_CARRIER",
    "DAMAGED_BY_FC",
    "NOT_COMPATIBLE",
    "MISSED_ESTIMATED_DELIVERY",
    "NO_REASON_GIVEN",
)
# The seller's (or Amazon's) fault: the buyer gets the shipping back too,
# and the seller pays the MFN return label.
SELLER_FAULT = frozenset(
    {
        "DEFECTIVE",
        "NOT_AS_DESCRIBED",
        "SWITCHEROO",
        "MISSING_PARTS",
        "DAMAGED_BY_CARRIER",
        "DAMAGED_BY_FC",
        "QUALITY_UNACCEPTABLE",
    }
)
# Amazon takes the unit and reimburses the seller.
REIMBURSED = frozenset({"DAMAGED", "CARRIER_DAMAGED"})
FULFILMENT_CENTRES = {
    "US": ("PHX7", "SDF8", "BFI4"),
    "CA": ("YYZ4", "YVR2"),
    "GB": ("LTN4", "BHX4"),
    "DE": ("FRA3", "LEJ1"),
    "FR": ("ORY1", "LIL1"),
    "JP": ("NRT5", "KIX2"),
}
RETURN_CARRIERS = {
    "US": "USPS",
    "CA": "Canada Post",
    "GB": "Royal Mail",
    "DE": "DHL",
    "FR": "Colissimo",
    "JP": "Yamato",
}
REGIONS = {"US": "na", "CA": "na", "GB": "eu", "DE": "eu", "FR": "eu", "JP": "fe"}


def _draw(*parts):
    """A number in [0, 2**32) from the parts: the same in any process."""
    text = "returns|" + "|".join(str(part) for part in parts)
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _chance(*parts):
    return _draw(*parts) / 2**32


def _pick(options, *parts):
    return options[_draw(*parts) % len(options)]


def _token(length, alphabet, *parts):
    digest = hashlib.sha256(("returns|" + "|".join(parts)).encode()).digest()
    return "".join(alphabet[byte % len(alphabet)] for byte in digest[:length])


def fnsku(sku, country):
    """The FNSKU getInventorySummaries shows for the SKU (``fba.py``'s rule)."""
    region = REGIONS[country]
    return "X00" + hashlib.sha1(f"{sku}|{region}".encode()).hexdigest()[:7]


def first_shipments(order, now):
    """``{orderItemId: (shipTime, units)}``: each item's first shipment by
    ``now`` (its first package; units of that package)."""
    stamp = now if isinstance(now, str) else iso(now)
    event = state_at(order, stamp)
    if event is None:
        return {}
    packages = seller_packages(order, event["time"])
    found = {}
    if packages:
        for package in sorted(packages, key=lambda p: p["createdTime"]):
            for item in package["packageItems"]:
                if item["orderItemId"] not in found and item["quantity"] > 0:
                    found[item["orderItemId"]] = (
                        package["createdTime"],
                        item["quantity"],
                    )
        return found
    shipped = dataset_shipped_lines(order, event["status"])
    if not shipped:
        return {}
    # The dataset ships the first line at PARTIALLY_SHIPPED (when there is
    # one), the others at SHIPPED.
    times = {}
    for past in order["events"]:
        if past["time"] <= stamp:
            times.setdefault(past["status"], past["time"])
    first_line = order["items"][0]["orderItemId"]
    for item_id, units in shipped.items():
        when = times.get("SHIPPED")
        if item_id == first_line and "PARTIALLY_SHIPPED" in times:
            when = times["PARTIALLY_SHIPPED"]
        found[item_id] = (when or event["time"], units)
    return found


def _share(total, start, units, whole, currency):
    """The share of ``total`` for positions [start, start + units) of
    ``whole``: a difference of rounded running totals, so disjoint shares
    never add up to more than ``total``."""
    if not whole:
        return Decimal(0)
    high = Decimal(money(total * (start + units) / whole, currency)["amount"])
    low = Decimal(money(total * start / whole, currency)["amount"])
    return high - low


def _amounts(order, line, units, reason):
    """Refunded amounts per component for ``units`` of ``line``."""
    currency = order["currency"]
    amounts = {}
    proceeds = _item_proceeds(order, line)["breakdowns"]
    for entry in proceeds:
        total = Decimal(entry["subtotal"]["amount"])
        amounts[entry["type"]] = _share(total, 0, units, line["quantity"], currency)
    shipping = Decimal(money(order["shippingFee"], currency)["amount"])
    if shipping and reason in SELLER_FAULT:
        start = 0
        for other in order["items"]:
            if other is line:
                break
            start += other["quantity"]
        whole = sum(other["quantity"] for other in order["items"])
        amounts["SHIPPING"] = _share(shipping, start, units, whole, currency)
        # The VAT the buyer paid on that shipping (GB/DE/FR/JP) goes back too.
        shipping_vat = _vat(shipping, order)
        amounts["SHIPPING_TAX"] = _share(shipping_vat, start, units, whole, currency)
    amounts = {kind: value for kind, value in amounts.items() if value}
    total = sum(amounts.values(), Decimal(0))
    return {
        "currency": currency,
        "amounts": {
            kind: money(value, currency)["amount"] for kind, value in amounts.items()
        },
        "total": money(total, currency)["amount"],
    }


def _at(moment, seconds):
    return iso(parse_time(moment) + timedelta(seconds=seconds))


def _plan(order, line, shipped_at, units):
    """What happens to one shipped item (independent of the clock): None,
    a return or a returnless refund."""
    oid, item_id = order["orderId"], line["orderItemId"]
    afn = order["fulfilledBy"] == "AMAZON"
    roll = _chance(oid, item_id, "roll")
    if roll >= RETURN_RATE + RETURNLESS_RATE:
        return None
    returnless = roll >= RETURN_RATE
    quantity = units if units == 1 else 1 + _draw(oid, item_id, "units") % units
    delay = 3 * DAY + _draw(oid, item_id, "delay") % (17 * DAY + 1)
    reason = _pick(REASONS, oid, item_id, "reason")
    base = {
        "orderId": oid,
        "orderItemId": item_id,
        "marketplaceId": order["marketplaceId"],
        "sku": line["sku"],
        "asin": line["asin"],
        "quantity": quantity,
        "shippedQuantity": units,
        "shipTime": shipped_at,
        "fulfillmentChannel": "AFN" if afn else "MFN",
        "reason": reason if afn else "CR-" + reason,
    }
    if returnless:
        refund_time = _at(shipped_at, delay)
        return dict(
            base,
            kind="RETURNLESS_REFUND",
            returnTime=None,
            refund=_refund(order, line, quantity, reason, refund_time, True),
        )
    return_time = _at(shipped_at, delay)
    plan = dict(base, kind="RETURN", returnTime=return_time)
    if afn:
        plan.update(_afn_details(order, line, reason))
        refund_time = _at(return_time, _draw(oid, item_id, "refund") % (36 * 3600))
    else:
        plan.update(_mfn_details(order, line, reason))
        back = _at(return_time, 3 * DAY + _draw(oid, item_id, "back") % (5 * DAY))
        plan["returnDeliveryTime"] = back
        if plan["resolution"] == "RefundAtFirstScan":
            first_scan = DAY + _draw(oid, item_id, "scan") % DAY
            refund_time = _at(return_time, first_scan)
        else:
            refund_time = _at(back, _draw(oid, item_id, "refund") % (2 * DAY))
    plan["refund"] = _refund(order, line, quantity, reason, refund_time, False)
    return plan


def _refund(order, line, quantity, reason, moment, returnless):
    return {
        "refundId": "SBXRF-"
        + _token(10, "0123456789ABCDEF", order["orderId"], line["orderItemId"]),
        "time": moment,
        "quantity": quantity,
        "returnless": returnless,
        **_amounts(order, line, quantity, reason),
    }


def _afn_details(order, line, reason):
    oid, item_id = order["orderId"], line["orderItemId"]
    roll = _chance(oid, item_id, "disposition")
    if reason == "DAMAGED_BY_CARRIER":
        disposition = "CARRIER_DAMAGED"
    elif reason == "DAMAGED_BY_FC":
        disposition = "DAMAGED"
    elif reason in ("DEFECTIVE", "QUALITY_UNACCEPTABLE", "MISSING_PARTS"):
        disposition = "DEFECTIVE" if roll < 0.8 else "SELLABLE"
    else:
        disposition = "SELLABLE" if roll < 0.85 else "CUSTOMER_DAMAGED"
    country = order["country"]
    return {
        "disposition": disposition,
        "status": (
            "Reimbursed" if disposition in REIMBURSED else "Unit returned to inventory"
        ),
        "fnsku": fnsku(line["sku"], country),
        "fulfillmentCenterId": _pick(FULFILMENT_CENTRES[country], oid, item_id, "fc"),
        "licensePlateNumber": "LPN"
        + _token(10, "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", oid, item_id, "lpn"),
    }


def _mfn_details(order, line, reason):
    oid, item_id = order["orderId"], line["orderItemId"]
    currency = order["currency"]
    fx = {"USD": 1, "CAD": "1.35", "GBP": "0.79", "EUR": "0.92", "JPY": 150}
    cost = Decimal("3.50") + Decimal(_draw(oid, item_id, "label") % 300) / 100
    at_first_scan = _chance(oid, item_id, "resolution") < 0.3
    return {
        "rmaId": "D"
        + _token(
            11, "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz", oid, item_id, "rma"
        ),
        "labelType": "AmazonPrePaidLabel",
        "labelCost": money(cost * Decimal(fx[currency]), currency)["amount"],
        "labelPaidBy": "Seller" if reason in SELLER_FAULT else "Customer",
        "returnCarrier": RETURN_CARRIERS[order["country"]],
        "trackingId": "SBXR" + str(_draw(oid, item_id, "tracking")).zfill(10),
        "resolution": "RefundAtFirstScan" if at_first_scan else "StandardRefund",
        "isPrime": "PRIME" in order["programs"],
    }


def order_returns(order, now):
    """The order's returns and returnless refunds begun by ``now``
    (datetime or ISO text), oldest item first. Each: ``kind`` (RETURN or
    RETURNLESS_REFUND), orderId, orderItemId, marketplaceId, sku, asin,
    quantity, shippedQuantity, shipTime, returnTime (None for a returnless
    refund), reason, fulfillmentChannel (AFN/MFN); AFN: disposition, status,
    fnsku, fulfillmentCenterId, licensePlateNumber; MFN: status, rmaId,
    resolution, label details, returnDeliveryTime (None until back); and
    ``refund``: {refundId, time, posted (by ``now``), quantity, returnless,
    currency, amounts {ITEM, TAX, DISCOUNT, SHIPPING, SHIPPING_TAX: Decimal
    strings}, total}."""
    if order.get("channel") != "AMAZON":
        return []
    stamp = now if isinstance(now, str) else iso(now)
    shipments = first_shipments(order, stamp)
    found = []
    for line in order["items"]:
        shipped = shipments.get(line["orderItemId"])
        if shipped is None:
            continue
        plan = _plan(order, line, *shipped)
        if plan is None:
            continue
        begun = plan["returnTime"] or plan["refund"]["time"]
        if begun > stamp:
            continue
        plan["refund"] = dict(plan["refund"], posted=plan["refund"]["time"] <= stamp)
        if plan["fulfillmentChannel"] == "MFN" and plan["kind"] == "RETURN":
            back = plan["returnDeliveryTime"] <= stamp
            if not back:
                plan["returnDeliveryTime"] = None
            plan["status"] = (
                "Closed" if back and plan["refund"]["posted"] else "Approved"
            )
        found.append(plan)
    return found


def refunds_for(order, now):
    """The refunds posted by ``now``: ``[{refundId, orderId, orderItemId,
    marketplaceId, sku, fulfillmentChannel, reason, time, quantity,
    returnless, currency, amounts, total}]`` (amounts per component as
    Decimal strings in the order's currency, negative DISCOUNT included).
    Amazon refunds the buyer and debits the seller these amounts."""
    refunds = []
    for entry in order_returns(order, now):
        refund = entry["refund"]
        if not refund["posted"]:
            continue
        refunds.append(
            {
                "refundId": refund["refundId"],
                "orderId": entry["orderId"],
                "orderItemId": entry["orderItemId"],
                "marketplaceId": entry["marketplaceId"],
                "sku": entry["sku"],
                "fulfillmentChannel": entry["fulfillmentChannel"],
                "reason": entry["reason"],
                "time": refund["time"],
                "quantity": refund["quantity"],
                "returnless": refund["returnless"],
                "currency": refund["currency"],
                "amounts": dict(refund["amounts"]),
                "total": refund["total"],
            }
        )
    return refunds


def all_returns(orders, now):
    """Every order's returns begun by ``now``, by return (or refund) time."""
    found = [entry for order in orders for entry in order_returns(order, now)]
    found.sort(key=lambda e: (e["returnTime"] or e["refund"]["time"], e["orderId"]))
    return found
