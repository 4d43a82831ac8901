"""FBA inventory (getInventorySummaries with ``details=true``) as flat rows.

Amazon's summary nests each quantity differently (a number for fulfillable
and inbound, an object with a total for reserved, researching and
unfulfillable). ``rows`` flattens every summary of every page into one
``FbaRow`` per seller SKU; a summary that cannot be read (no SKU, no
details, a quantity that is not a whole number >= 0, a SKU twice) is
returned as a problem with its reason instead, and the rest go through.
"""

from dataclasses import dataclass

# Field name -> how to read it from ``inventoryDetails``.
QUANTITIES = {
    "fulfillable": ("fulfillableQuantity",),
    "inbound_working": ("inboundWorkingQuantity",),
    "inbound_shipped": ("inboundShippedQuantity",),
    "inbound_receiving": ("inboundReceivingQuantity",),
    "reserved": ("reservedQuantity", "totalReservedQuantity"),
    "pending_orders": ("reservedQuantity", "pendingCustomerOrderQuantity"),
    "unfulfillable": ("unfulfillableQuantity", "totalUnfulfillableQuantity"),
    "researching": ("researchingQuantity", "totalResearchingQuantity"),
}


@dataclass(frozen=True)
class FbaRow:
    sku: str
    asin: str
    fnsku: str
    name: str
    fulfillable: int
    inbound_working: int
    inbound_shipped: int
    inbound_receiving: int
    reserved: int
    pending_orders: int
    unfulfillable: int
    researching: int


@dataclass(frozen=True)
class Problem:
    sku: str  # "" when the summary has none
    reason: str


def _quantity(details, path):
    value = details
    for key in path:
        if value is None:
            break
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    if value is None:
        return 0  # Amazon leaves out what it does not count (no inbound...)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def row(summary):
    """``FbaRow`` of one summary, or ``Problem``."""
    sku = summary.get("sellerSku") if isinstance(summary, dict) else None
    if not isinstance(sku, str) or not sku.strip():
        return Problem("", "summary without sellerSku")
    details = summary.get("inventoryDetails")
    if not isinstance(details, dict):
        return Problem(sku, "no inventoryDetails (asked with details=true)")
    values = {}
    for field, path in QUANTITIES.items():
        value = _quantity(details, path)
        if value is None:
            return Problem(sku, f"{'.'.join(path)} is not a whole number >= 0")
        values[field] = value
    return FbaRow(
        sku=sku,
        asin=summary.get("asin") or "",
        fnsku=summary.get("fnSku") or "",
        name=summary.get("productName") or "",
        **values,
    )


def rows(pages):
    """``(rows, problems)`` of every summary of ``pages`` (getInventory-
    Summaries bodies), in Amazon's order; a SKU reported twice keeps its
    first row and the second is a problem."""
    found, problems, seen = [], [], set()
    for page in pages:
        payload = (page or {}).get("payload") or {}
        for summary in payload.get("inventorySummaries") or ():
            result = row(summary)
            if isinstance(result, Problem):
                problems.append(result)
            elif result.sku in seen:
                problems.append(Problem(result.sku, "reported twice"))
            else:
                seen.add(result.sku)
                found.append(result)
    return found, problems


def on_hand_by_product(found, product_of, held=None):
    """``{product: units}`` the FBA location must hold: per product (two
    SKUs of one product share its stock), the fulfillable units plus the
    larger of Amazon's units reserved for customer orders
    (pendingCustomerOrderQuantity) and ``held[product]``, the units Odoo's
    own open FBA deliveries still take from the location. Rows whose
    ``product_of(sku)`` is falsy are left out (the caller reports them).

    Why not fulfillable alone: an order's units leave fulfillable when it is
    placed, but leave Odoo's location only when its delivery is validated;
    every open order would be booked off twice. Why the larger of the two
    counts: an order's units change state at Amazon and in Odoo at
    different times, and either side may be ahead when the stock is read:

    - placed at Amazon, not imported yet: Amazon reserves the units, Odoo
      has no delivery; Amazon's count covers them, and the import later
      adds a delivery that reserves them, moving nothing;
    - shipped by Amazon, its delivery not validated yet: Amazon no longer
      counts them, Odoo's open delivery still holds them; Odoo's count
      covers them, and the validation takes them off once, as it should.

    Taking either count alone would book the units off (or back) at the
    read and again when the other side catches up: adjustments that cancel
    out an hour later. An order both placed and shipped between two order
    syncs is in neither count: the caller validates what Amazon shipped
    before reading (the order sync runs first). Units Amazon moves between
    its centres or cannot sell are not for sale: left out, shown on the FBA
    stock list."""
    held = held or {}
    fulfillable, pending = {}, {}
    for item in found:
        product = product_of(item.sku)
        if product:
            fulfillable[product] = fulfillable.get(product, 0) + item.fulfillable
            pending[product] = pending.get(product, 0) + item.pending_orders
    return {
        product: units + max(pending[product], held.get(product, 0))
        for product, units in fulfillable.items()
    }
