"""FBA Inventory API v1 getInventorySummaries, small pages with nextToken.

The quantities are the sandbox's FBA pool (``tests/sandbox/fba.py``): the
catalogue's FBA SKUs and a few unlisted ones, pooled per region and falling
as the clock ships Amazon-fulfilled orders."""

from datetime import timedelta

from .. import fba, pagination
from ..dataset import BY_MARKETPLACE, iso, parse_time
from ..errors import invalid_input
from ..messages import Reply

# Amazon returns up to 50 summaries a page; the sandbox's pool is small, so
# it pages by 5 and clients must follow nextToken.
PAGE_SIZE = 5


def mcf_orders(stores, now):
    """The seller's MCF orders as ``fba.pool`` takes them: ``(marketplace,
    [(sku, units)], shipped)`` of each one not cancelled at ``now``."""
    from . import fulfillment  # it reads this module's summaries

    now = now if not isinstance(now, str) else parse_time(now)
    found = []
    for record in (getattr(stores, "mcf_orders", None) or {}).values():
        status, _since = fulfillment._status(record, now)
        if status == "Cancelled":
            continue
        items = [(i["sellerSku"], i["quantity"]) for i in record["request"]["items"]]
        found.append((record["marketplaceId"], items, status == "Complete"))
    return found


def _summaries(ctx, marketplace):
    now = ctx.now if not isinstance(ctx.now, str) else parse_time(ctx.now)
    rows = []
    for item in fba.pool(ctx.data, marketplace, now, mcf_orders(ctx.stores, now)):
        sku = item["sellerSku"]
        changed = now - timedelta(hours=fba.number(sku, marketplace, "t", modulo=480))
        inbound = (
            item["inboundWorking"] + item["inboundShipped"] + item["inboundReceiving"]
        )
        on_hand = (
            item["fulfillable"]
            + item["reserved"]
            + item["unfulfillable"]
            + item["researching"]
        )
        rows.append(
            {
                "asin": item["asin"],
                "fnSku": item["fnSku"],
                "sellerSku": sku,
                "condition": "NewItem",
                "lastUpdatedTime": iso(changed),
                "productName": item["productName"],
                "totalQuantity": on_hand + inbound,
                "_details": {
                    "fulfillableQuantity": item["fulfillable"],
                    "inboundWorkingQuantity": item["inboundWorking"],
                    "inboundShippedQuantity": item["inboundShipped"],
                    "inboundReceivingQuantity": item["inboundReceiving"],
                    "reservedQuantity": {
                        "totalReservedQuantity": item["reserved"],
                        "pendingCustomerOrderQuantity": item["pending"],
                        "pendingTransshipmentQuantity": 0,
                        "fcProcessingQuantity": item["processing"],
                    },
                    "researchingQuantity": {
                        "totalResearchingQuantity": item["researching"],
                        "researchingQuantityBreakdown": [],
                    },
                    "unfulfillableQuantity": {
                        "totalUnfulfillableQuantity": item["unfulfillable"],
                        "customerDamagedQuantity": item["unfulfillable"],
                        "warehouseDamagedQuantity": 0,
                        "distributorDamagedQuantity": 0,
                        "carrierDamagedQuantity": 0,
                        "defectiveQuantity": 0,
                        "expiredQuantity": 0,
                    },
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
