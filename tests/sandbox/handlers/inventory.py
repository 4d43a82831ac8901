"""FBA Inventory API v1 getInventorySummaries, 50 per page with nextToken."""

import hashlib
from datetime import timedelta

from .. import pagination
from ..dataset import BY_MARKETPLACE, iso, parse_time
from ..errors import invalid_input
from ..messages import Reply

PAGE_SIZE = 50
FBA_SKUS = 75  # more than a page, so clients must follow nextToken


def _number(*parts, modulo):
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return int(digest[:8], 16) % modulo


def _summaries(ctx, marketplace):
    anchor = parse_time(ctx.data["now"])
    products = ctx.data["products"]
    rows = []
    for index in range(FBA_SKUS):
        product = products[index % len(products)]
        sku = f"{product['sku']}-FBA-{index:03d}"
        fulfillable = _number(sku, marketplace, modulo=120)
        reserved = _number(sku, "reserved", modulo=6)
        changed = anchor - timedelta(
            hours=_number(sku, marketplace, "t", modulo=24 * 20)
        )
        rows.append(
            {
                "asin": product["asin"],
                "fnSku": "X00" + hashlib.sha1(sku.encode()).hexdigest()[:7].upper(),
                "sellerSku": sku,
                "condition": "NewItem",
                "lastUpdatedTime": iso(changed),
                "productName": product["title"],
                "totalQuantity": fulfillable + reserved,
                "_details": {
                    "fulfillableQuantity": fulfillable,
                    "inboundWorkingQuantity": 0,
                    "inboundShippedQuantity": _number(sku, "in", modulo=10),
                    "inboundReceivingQuantity": 0,
                    "reservedQuantity": {
                        "totalReservedQuantity": reserved,
                        "pendingCustomerOrderQuantity": reserved,
                        "pendingTransshipmentQuantity": 0,
                        "fcProcessingQuantity": 0,
                    },
                    "researchingQuantity": {
                        "totalResearchingQuantity": 0,
                        "researchingQuantityBreakdown": [],
                    },
                    "unfulfillableQuantity": {"totalUnfulfillableQuantity": 0},
                },
            }
        )
    return rows


def get_inventory_summaries(ctx, values):
    marketplace = values["marketplaceIds"][0]
    if values["granularityId"] != marketplace or marketplace not in BY_MARKETPLACE:
        raise invalid_input("granularityId must be the requested marketplace id")
    if values.get("nextToken"):
        start = pagination.decode(values["nextToken"], "nextToken")["o"]
    else:
        start = 0
    rows = _summaries(ctx, marketplace)
    if values.get("startDateTime"):
        since = parse_time(values["startDateTime"])
        rows = [r for r in rows if parse_time(r["lastUpdatedTime"]) >= since]
    elif values.get("sellerSkus"):
        wanted = set(values["sellerSkus"])
        rows = [r for r in rows if r["sellerSku"] in wanted]
    elif values.get("sellerSku"):
        rows = [r for r in rows if r["sellerSku"] == values["sellerSku"]]
    chunk = rows[start : start + PAGE_SIZE]
    summaries = []
    for row in chunk:
        summary = {k: v for k, v in row.items() if k != "_details"}
        if values.get("details"):
            summary["inventoryDetails"] = row["_details"]
        summaries.append(summary)
    body = {
        "payload": {
            "granularity": {
                "granularityType": "Marketplace",
                "granularityId": marketplace,
            },
            "inventorySummaries": summaries,
        }
    }
    if start + PAGE_SIZE < len(rows):
        body["pagination"] = {"nextToken": pagination.encode({"o": start + PAGE_SIZE})}
    return Reply(200, body)
