"""FBA stock of the sandbox's seller: the truth getInventorySummaries serves.

Amazon pools FBA inventory per selling region (North America, Europe with
Pan-European FBA, Far East), so every marketplace of a region reports the same
quantities. The pool holds the catalogue's FBA products (so a seller's FBA
stock maps to its listings) and a few SKUs of no listing (stock a seller sent
in under a SKU it never listed in Odoo). Fulfillable quantities fall as the
clock passes the SHIPPED event of the region's Amazon-fulfilled orders, and
never below zero: each SKU starts with more than the dataset ever ships.
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


def _shipped(data, region, until=None):
    """Units of each SKU the region's FBA orders shipped (by ``until``)."""
    units = {}
    for order in data["orders"]:
        market = order["marketplaceId"]
        if order["fulfilledBy"] != "AMAZON" or REGIONS[market] != region:
            continue
        shipped = [e for e in order["events"] if e["status"] == "SHIPPED"]
        if not shipped or (until is not None and shipped[0]["time"] > until):
            continue
        for item in order["items"]:
            units[item["sku"]] = units.get(item["sku"], 0) + item["quantity"]
    return units


def pool(data, marketplace, now):
    """``[row]`` of the region of ``marketplace`` at ``now`` (datetime or ISO
    text): sellerSku, asin, productName, known (a catalogue SKU) and the
    quantities of Amazon's inventoryDetails, flat."""
    region = REGIONS[marketplace]
    stamp = now if isinstance(now, str) else iso(now)
    ever, by_now = _shipped(data, region), _shipped(data, region, stamp)
    rows = []
    stocked = [p for p in data["products"] if p["afn"] or p["sku"] in ever]
    for product in stocked:
        sku = product["sku"]
        start = ever.get(sku, 0) + 5 + number(sku, region, modulo=120)
        rows.append(_row(sku, product["asin"], product["title"], region, True))
        rows[-1]["fulfillable"] = start - by_now.get(sku, 0)
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
        "reserved": number(sku, region, "reserved", modulo=6),
        "unfulfillable": number(sku, region, "bad", modulo=3),
        "researching": number(sku, region, "research", modulo=2),
    }
