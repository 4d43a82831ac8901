"""FBA stock of the sandbox's seller: the truth getInventorySummaries serves.

Amazon pools FBA inventory per selling region (North America, Europe with
Pan-European FBA, Far East), so every marketplace of a region reports the same
quantities. The pool holds the catalogue's FBA products (so a seller's FBA
stock maps to its listings) and a few SKUs of no listing (stock a seller sent
in under a SKU it never listed in Odoo). Fulfillable quantities fall as the
clock passes the SHIPPED event of the region's Amazon-fulfilled orders, and
never below zero: each SKU starts with more than the dataset ever orders.
As at Amazon, the units of an order placed but not yet shipped leave
fulfillable for "reserved" (pendingCustomerOrderQuantity) until it ships or is
cancelled, so a client that takes fulfillable alone for the units on the
shelf counts an open order twice.
Multi-Channel Fulfilment orders the seller sent (createFulfillmentOrder)
draw on the same pool: reserved while Amazon processes them, gone once
shipped, back when cancelled.
Deterministic: the same dataset and clock give the same quantities.
"""

import hashlib

from .dataset import BY_MARKETPLACE, iso

REGIONS = {
    "ATVPDKIKX0DER": "na",
    "A2EUQ1WTGCTBG2": "na",
    "A1F83G8C2ARO7P": "eu",
    "A1PA6795UKMFR9": "eu",
    "A13V1IB3VIYZZH": "eu",
    "A1VC38T7YXB528": "fe",
}
UNKNOWN_SKUS = ("LEGACY-FBA-001", "LEGACY-FBA-002", "BUNDLE-FBA-003")
assert set(REGIONS) == set(BY_MARKETPLACE)


def number(*parts, modulo):
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return int(digest[:8], 16) % modulo


def _fba_orders(data, region):
    for order in data["orders"]:
        market = order["marketplaceId"]
        if order["fulfilledBy"] == "AMAZON" and REGIONS[market] == region:
            yield order


def _add(units, order):
    for item in order["items"]:
        units[item["sku"]] = units.get(item["sku"], 0) + item["quantity"]


def _first(order, status):
    times = [e["time"] for e in order["events"] if e["status"] == status]
    return times[0] if times else None


def _shipped(data, region, until=None):
    """Units of each SKU the region's FBA orders shipped (by ``until``)."""
    units = {}
    for order in _fba_orders(data, region):
        shipped = _first(order, "SHIPPED")
        if shipped and (until is None or shipped <= until):
            _add(units, order)
    return units


def _ordered(data, region):
    """Units of each SKU the region's FBA orders ever ask for."""
    units = {}
    for order in _fba_orders(data, region):
        _add(units, order)
    return units


def _pending(data, region, now):
    """Units of each SKU in the region's FBA orders placed by ``now`` and
    neither shipped nor cancelled by then: Amazon holds them reserved."""
    units = {}
    for order in _fba_orders(data, region):
        placed = order["events"][0]["time"] if order["events"] else None
        ended = [t for t in (_first(order, "SHIPPED"), _first(order, "CANCELLED")) if t]
        if placed and placed <= now and not any(t <= now for t in ended):
            _add(units, order)
    return units


def pool(data, marketplace, now, mcf_orders=()):
    """``[row]`` of the region of ``marketplace`` at ``now`` (datetime or ISO
    text): sellerSku, asin, productName, known (a catalogue SKU) and the
    quantities of Amazon's inventoryDetails, flat. ``mcf_orders``: the
    seller's MCF orders not cancelled, ``(marketplace, [(sku, units)],
    shipped)``: an open one holds its units reserved, a shipped one took
    them."""
    rows = _pool(data, marketplace, now)
    region = REGIONS[marketplace]
    by_sku = {row["sellerSku"]: row for row in rows}
    for market, items, shipped in mcf_orders:
        if REGIONS.get(market) != region:
            continue
        for sku, units in items:
            row = by_sku.get(sku)
            if row is None:
                continue  # Amazon refused it at creation (no such SKU)
            row["fulfillable"] -= units
            if not shipped:
                row["pending"] += units
                row["reserved"] += units
    return rows


def _pool(data, marketplace, now):
    region = REGIONS[marketplace]
    stamp = now if isinstance(now, str) else iso(now)
    ever, by_now = _ordered(data, region), _shipped(data, region, stamp)
    pending = _pending(data, region, stamp)
    rows = []
    stocked = [p for p in data["products"] if p["afn"] or p["sku"] in ever]
    for product in stocked:
        sku = product["sku"]
        start = ever.get(sku, 0) + 5 + number(sku, region, modulo=120)
        rows.append(_row(sku, product["asin"], product["title"], region, True))
        rows[-1]["pending"] = pending.get(sku, 0)
        rows[-1]["reserved"] += rows[-1]["pending"]
        rows[-1]["fulfillable"] = start - by_now.get(sku, 0) - rows[-1]["pending"]
    for index, sku in enumerate(UNKNOWN_SKUS):
        asin = "B0UNKNOWN%d" % index
        rows.append(_row(sku, asin, f"Unlisted item {index + 1}", region, False))
        rows[-1]["fulfillable"] = number(sku, region, modulo=30) + 1
    return rows


def _row(sku, asin, title, region, known):
    return {
        "sellerSku": sku,
        "asin": asin,
        "fnSku": "X00" + hashlib.sha1(f"{sku}|{region}".encode()).hexdigest()[:7],
        "productName": title,
        "known": known,
        "region": region,
        "inboundWorking": number(sku, region, "work", modulo=4),
        "inboundShipped": number(sku, region, "in", modulo=10),
        "inboundReceiving": number(sku, region, "recv", modulo=3),
        # Reserved = units of open orders (pending) + units Amazon moves
        # between its centres (processing).
        "pending": 0,
        "processing": number(sku, region, "reserved", modulo=6),
        "reserved": number(sku, region, "reserved", modulo=6),
        "unfulfillable": number(sku, region, "bad", modulo=3),
        "researching": number(sku, region, "research", modulo=2),
    }
