"""Plan one Orders API 2026-01-01 ``Order`` as sale order lines, without PII.

Pure Python (never imports odoo). The Odoo layer turns an :class:`OrderPlan`
into records and hands :func:`pii_values` to the vault (docs/data-protection.md
#5): nothing in a plan identifies, contacts or locates a person.
"""

import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from . import amazon_time

# Buyer and recipient only for orders the seller ships itself
# (docs/data-protection.md #16).
INCLUDED_MERCHANT = (
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "TAX",
    "PACKAGES",
)
INCLUDED_AMAZON = (
    "PROCEEDS",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "TAX",
    "PACKAGES",
    "FULFILLMENT_ORDERS",
)

# Proceeds category -> line kind (unknown categories become "other").
KIND_OF = {
    "ITEM": "item",
    "DISCOUNT": "discount",
    "TAX": "tax",
    "SHIPPING": "shipping",
    "GIFT_WRAP": "gift_wrap",
    "COD_FEE": "cod_fee",
    "OTHER": "other",
    "DELIVERY_TIP": "other",
}
LABELS = {
    "item": "Items",
    "discount": "Discount",
    "tax": "Tax",
    "mf_tax": "Tax collected by Amazon",
    "shipping": "Shipping",
    "gift_wrap": "Gift wrap",
    "cod_fee": "Cash on delivery fee",
    "other": "Other charges",
}
# Order-level lines in a stable order after the item lines.
ORDER_LINE_KINDS = ("item", "discount", "shipping", "gift_wrap", "cod_fee", "other")
# Every Order path a plan reads (docs/data-protection.md #21: amazon_pii's
# registry must list each as non-PII; a test proves plans ignore everything
# else).
SOURCE_PATHS = (
    "orderId",
    "createdTime",
    "lastUpdatedTime",
    "programs",
    "orderAliases",
    "salesChannel.channelName",
    "salesChannel.marketplaceId",
    "recipient.deliveryAddress.city",
    "recipient.deliveryAddress.stateOrRegion",
    "recipient.deliveryAddress.countryCode",
    "proceeds",
    "fulfillment.fulfillmentStatus",
    "fulfillment.fulfilledBy",
    "fulfillment.fulfillmentServiceLevel",
    "fulfillment.shipByWindow",
    "fulfillment.deliverByWindow",
    "orderItems[].orderItemId",
    "orderItems[].quantityOrdered",
    "orderItems[].product.asin",
    "orderItems[].product.title",
    "orderItems[].product.sellerSku",
    "orderItems[].product.price",
    "orderItems[].proceeds",
    "orderItems[].tax",
    "tax.taxRegistrations[].entityType",
    "tax.taxRegistrations[].taxRegistrationType",
    "orderItems[].fulfillment.quantityFulfilled",
    "packages[].carrier",
    "packages[].trackingNumber",
    "packages[].shipTime",
    "packages[].packageItems",
    "fulfillmentOrders",
)
MARKETPLACE_FACILITATOR = "MARKETPLACE_FACILITATOR"
ZERO = Decimal(0)
# Line kinds a price-included sales tax applies to when the seller collects
# it (never Amazon's own tax lines).
TAXABLE_KINDS = ("item", "discount", "shipping", "gift_wrap", "cod_fee", "other")
# Proceeds category (and TAX detailed subtype) -> kind of the line whose
# price includes that part of Amazon's tax.
TAXABLE_CATEGORIES = {
    "ITEM": "item",
    "DISCOUNT": "discount",
    "SHIPPING": "shipping",
    "GIFT_WRAP": "gift_wrap",
    "COD_FEE": "cod_fee",
    "OTHER": "other",
}


class OrderDataError(ValueError):
    """Input the importer must not guess at. The message names the order and
    the problem, never a buyer's data, so it may go to logs and sync errors."""

    def __init__(self, order_id, message):
        self.order_id = order_id
        self.message = message
        super().__init__(f"Amazon order {order_id}: {message}")


@dataclass(frozen=True)
class OrderLine:
    kind: str
    amazon_item_id: str | None
    sku: str | None
    asin: str | None
    title: str
    quantity: Decimal
    price_unit: Decimal
    key: str
    # Amazon's seller-collected tax included in this line's price (folded
    # plans only) and whether the marketplace's sales tax applies to it.
    tax: Decimal = ZERO
    taxed: bool = False


@dataclass(frozen=True)
class OrderPlan:
    order_id: str
    marketplace_id: str | None
    channel: str
    status: str | None
    created: datetime
    last_updated: datetime
    latest_ship: datetime | None
    latest_delivery: datetime | None
    is_prime: bool
    is_business: bool
    service_level: str | None
    currency: str | None
    priced: bool
    grand_total: Decimal | None
    seller_order_id: str | None
    lines: tuple
    tax_country: str | None
    tax_state: str | None
    tax_city: str | None
    shipped: dict
    packages: tuple
    # Price-included tax (see plan_order's ``fold_tax``): the seller-collected
    # tax Amazon charged, now inside the lines' prices.
    included_tax: Decimal = ZERO
    # The buyer gave a VAT registration (business orders; the number itself
    # is PII and goes to the vault).
    buyer_vat_registered: bool = False


# What malformed JSON can raise deep in the mapping; turned into an
# OrderDataError so one bad order is parked and its page goes on.
_SHAPE_ERRORS = (TypeError, AttributeError, KeyError, IndexError, ArithmeticError)


def order_id_of(order):
    """The order's id, or "(unknown)" whatever the shape of ``order``."""
    found = order.get("orderId") if isinstance(order, dict) else None
    return found if isinstance(found, str) and found else "(unknown)"


def fulfilled_by(order):
    """MERCHANT, AMAZON or None, whatever the shape of ``order``."""
    fulfillment = order.get("fulfillment") if isinstance(order, dict) else None
    by = fulfillment.get("fulfilledBy") if isinstance(fulfillment, dict) else None
    return by if by in ("MERCHANT", "AMAZON") else None


def seller_skus(orders):
    """Every seller SKU named by the items of ``orders``, skipping whatever
    is malformed (that order is refused by plan_order, its page goes on)."""
    skus = set()
    for order in orders:
        items = order.get("orderItems") if isinstance(order, dict) else None
        for item in items if isinstance(items, list) else ():
            product = item.get("product") if isinstance(item, dict) else None
            sku = product.get("sellerSku") if isinstance(product, dict) else None
            if isinstance(sku, str) and sku:
                skus.add(sku)
    return sorted(skus)


@contextmanager
def _shape_checked(order):
    """Any other error of malformed input becomes an OrderDataError naming
    the order and the kind of error only (its text may quote buyer data)."""
    if not isinstance(order, dict):
        raise OrderDataError("(unknown)", "the order is not a JSON object")
    try:
        yield
    except OrderDataError:
        raise
    except (*_SHAPE_ERRORS, ValueError) as exc:
        raise OrderDataError(
            order_id_of(order),
            f"a field has an unexpected type or value ({type(exc).__name__})",
        ) from None


def plan_order(order, fold_tax=False):
    """The non-PII plan of ``order``; OrderDataError for malformed input.

    ``fold_tax``: the marketplace has a price-included sales tax in Odoo, so
    the tax the seller collects (not the tax Amazon collects as marketplace
    facilitator) goes inside the prices of the lines it was charged on
    instead of a "Tax" line; Odoo then computes the tax out of them, and the
    importer compares its result with ``included_tax``."""
    with _shape_checked(order):
        return _plan_order(order, fold_tax)


def _plan_order(order, fold_tax):
    order_id = order.get("orderId")
    if not order_id:
        raise OrderDataError("(unknown)", "missing orderId")
    items = order.get("orderItems") or []
    if not items:
        raise OrderDataError(order_id, "no orderItems")
    for item in items:
        _check_item(order_id, item)
    money = _Money(order_id, _currency(order))
    fulfillment = order.get("fulfillment") or {}
    programs = set(order.get("programs") or ())
    address = (order.get("recipient") or {}).get("deliveryAddress") or {}
    grand = (order.get("proceeds") or {}).get("grandTotal")
    grand_total = money.amount(grand, "grandTotal") if grand else None
    lines = _lines(order, items, money)
    if fold_tax:
        lines = _fold_tax(order, items, money, lines)
    plan = OrderPlan(
        order_id=order_id,
        marketplace_id=(order.get("salesChannel") or {}).get("marketplaceId"),
        channel=_channel(order),
        status=fulfillment.get("fulfillmentStatus"),
        created=_date(order_id, order.get("createdTime"), "createdTime"),
        last_updated=_date(order_id, order.get("lastUpdatedTime"), "lastUpdatedTime"),
        latest_ship=_window_end(order_id, fulfillment, "shipByWindow"),
        latest_delivery=_window_end(order_id, fulfillment, "deliverByWindow"),
        is_prime="PRIME" in programs,
        is_business="AMAZON_BUSINESS" in programs,
        service_level=fulfillment.get("fulfillmentServiceLevel"),
        currency=money.currency,
        priced=grand_total is not None or any(_unit_price(i) for i in items),
        grand_total=grand_total,
        seller_order_id=_seller_order_id(order),
        lines=lines,
        included_tax=sum((line.tax for line in lines), ZERO),
        buyer_vat_registered=_buyer_vat_registered(order),
        tax_country=address.get("countryCode") or None,
        tax_state=address.get("stateOrRegion") or None,
        tax_city=address.get("city") or None,
        shipped=_shipped(items),
        packages=tuple(_package(order_id, p) for p in order.get("packages") or ()),
    )
    mismatch = cents_mismatch(plan)
    if mismatch:
        raise OrderDataError(
            order_id, f"lines total differs from grandTotal by {mismatch}"
        )
    return plan


def cents_mismatch(plan):
    """sum(lines) - grand_total when Amazon gave a total, else None."""
    if plan.grand_total is None:
        return None
    total = sum((line.quantity * line.price_unit for line in plan.lines), ZERO)
    return total - plan.grand_total


def pii_values(order, fields):
    """``{vault key: value}`` for every non-empty PII value in ``order``.

    ``fields`` have ``.key`` and ``.source_path`` (amazon_pii's registry).
    Values under ``orderItems[]`` are keyed ``<key>#<orderItemId>``; under
    other arrays the first entry keeps ``<key>`` and entry n is ``<key>#<n>``.
    """
    values = {}
    with _shape_checked(order):
        for field in fields:
            for suffix, value in _walk(order, field.source_path.split("."), ()):
                text = _text(value)
                if text:
                    values["#".join((field.key, *suffix))] = text
    return values


def _walk(node, parts, suffix):
    if not parts:
        yield suffix, node
        return
    if not isinstance(node, dict):
        return
    head, rest = parts[0], parts[1:]
    if not head.endswith("[]"):
        yield from _walk(node.get(head), rest, suffix)
        return
    name = head[:-2]
    for index, entry in enumerate(node.get(name) or ()):
        if name == "orderItems":
            tag = (str(entry.get("orderItemId")),)
        else:
            tag = (str(index),) if index else ()
        yield from _walk(entry, rest, suffix + tag)


def _text(value):
    if value is None or value == "" or value == {} or value == []:
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def _check_item(order_id, item):
    item_id = item.get("orderItemId")
    if not item_id:
        raise OrderDataError(order_id, "an item has no orderItemId")
    quantity = item.get("quantityOrdered")
    if type(quantity) is not int or quantity < 1:
        raise OrderDataError(
            order_id, f"item {item_id}: quantityOrdered {quantity!r} is not >= 1"
        )
    if not (item.get("product") or {}).get("sellerSku"):
        raise OrderDataError(order_id, f"item {item_id}: no sellerSku")


def _currency(order):
    """The currency of the grand total, else of the first unit price."""
    grand = (order.get("proceeds") or {}).get("grandTotal") or {}
    if grand.get("currencyCode"):
        return grand["currencyCode"]
    for item in order["orderItems"]:
        price = _unit_price(item)
        if price:
            return price.get("currencyCode")
    return None


class _Money:
    """Reads Money objects, all in the order's one currency."""

    def __init__(self, order_id, currency):
        self.order_id = order_id
        self.currency = currency

    def amount(self, money, where):
        if money.get("currencyCode") != self.currency:
            raise OrderDataError(
                self.order_id,
                f"{where}: currency {money.get('currencyCode')!r} differs from "
                f"the order's {self.currency!r}",
            )
        try:
            value = Decimal(str(money["amount"]))
        except (KeyError, InvalidOperation):
            raise OrderDataError(self.order_id, f"{where}: no valid amount") from None
        if not value.is_finite():
            raise OrderDataError(self.order_id, f"{where}: no valid amount")
        return value

    def subtotals(self, proceeds, where):
        """{proceeds category: subtotal} of a breakdown list."""
        totals = {}
        for entry in (proceeds or {}).get("breakdowns") or ():
            kind = entry.get("type") or "OTHER"
            value = self.amount(entry.get("subtotal") or {}, f"{where} {kind}")
            totals[kind] = totals.get(kind, ZERO) + value
        return totals


def _unit_price(item):
    return ((item.get("product") or {}).get("price") or {}).get("unitPrice")


def _lines(order, items, money):
    """Item and discount lines per item, then order-level charge and tax
    lines, so that the lines add up to the grand total."""
    lines = []
    item_sums = {}  # proceeds category -> sum over items
    taxes = {"tax": ZERO, "mf_tax": ZERO}
    for item in items:
        item_id = item["orderItemId"]
        subtotals = money.subtotals(item.get("proceeds"), f"item {item_id}")
        for kind, value in subtotals.items():
            item_sums[kind] = item_sums.get(kind, ZERO) + value
        lines.extend(_item_lines(item, subtotals, money))
        taxes[_tax_kind(item)] += subtotals.get("TAX", ZERO)
    order_sums = money.subtotals(order.get("proceeds"), "order")
    amounts = dict.fromkeys(ORDER_LINE_KINDS, ZERO)
    for category, value in order_sums.items():
        # Only categories Amazon shows at order level can leave a remainder.
        kind = KIND_OF.get(category, "other")
        rest = value - item_sums.get(category, ZERO)
        if kind == "tax":
            taxes[_order_tax_kind(items)] += rest
        else:
            amounts[kind] += rest
    for category, value in item_sums.items():
        kind = KIND_OF.get(category, "other")
        if kind not in ("item", "discount", "tax"):
            amounts[kind] += value  # per-item charges join the order's line
    charges = {**amounts, **taxes}
    lines.extend(_charge_line(kind, value) for kind, value in charges.items() if value)
    return tuple(lines)


def _fold_tax(order, items, money, lines):
    """``lines`` with the seller-collected tax inside the prices it was
    charged on: per item by Amazon's detailed breakdown (ITEM, SHIPPING...),
    else shared by the item's amounts; the order's tax beyond its items' by
    the order-level charges. Tax left with no line to carry it stays a "Tax"
    line (Odoo will then compute less than Amazon: the importer flags it)."""
    by_key = {line.key: line for line in lines}
    added = {}  # line key -> tax folded into it
    folded = ZERO
    for item in items:
        if _tax_kind(item) != "tax":
            continue
        item_id = item["orderItemId"]
        subtotals = money.subtotals(item.get("proceeds"), f"item {item_id}")
        tax = subtotals.get("TAX", ZERO)
        if not tax:
            continue
        for category, share in _tax_shares(item, subtotals, tax, money).items():
            kind = TAXABLE_CATEGORIES.get(category, "other")
            key = {"item": f"item:{item_id}", "discount": f"discount:{item_id}"}.get(
                kind, kind
            )
            if key not in by_key:
                key = f"item:{item_id}"  # a discount's tax without its line
            added[key] = added.get(key, ZERO) + share
        folded += tax
    tax_line = by_key.get("tax")
    rest = (tax_line.price_unit if tax_line else ZERO) - folded
    charges = {
        kind: by_key[kind].price_unit
        for kind in ("shipping", "gift_wrap", "cod_fee", "other")
        if kind in by_key
    }
    if rest and charges and _order_tax_kind(items) == "tax":
        for kind, share in _pro_rata(rest, charges).items():
            added[kind] = added.get(kind, ZERO) + share
        rest = ZERO
    order_taxed = _order_tax_kind(items) == "tax"
    seller_items = {i["orderItemId"] for i in items if _tax_kind(i) == "tax"}
    result = []
    for line in lines:
        if line.kind == "tax":
            if rest:
                result.append(_charge_line("tax", rest))
            continue
        if line.key.startswith("rounding:"):
            continue  # made again from the item's new total below
        taxed = line.kind in TAXABLE_KINDS and (
            line.amazon_item_id in seller_items if line.amazon_item_id else order_taxed
        )
        share = added.get(line.key, ZERO)
        if line.kind != "item":
            result.append(
                _replace(
                    line, price_unit=line.price_unit + share, tax=share, taxed=taxed
                )
            )
            continue
        rounding = by_key.get(f"rounding:{line.amazon_item_id}")
        gross = line.price_unit * line.quantity + share
        if rounding:
            gross += rounding.price_unit
        price_unit, remainder = _per_unit(gross, line.quantity)
        result.append(_replace(line, price_unit=price_unit, tax=share, taxed=taxed))
        if remainder:
            result.append(
                _replace(
                    rounding or line,
                    kind="other",
                    title=f"Rounding: {line.title}",
                    quantity=Decimal(1),
                    price_unit=remainder,
                    key=f"rounding:{line.amazon_item_id}",
                    tax=ZERO,
                    taxed=taxed,
                )
            )
    return tuple(result)


def _tax_shares(item, subtotals, tax, money):
    """{category: part of the item's tax} by Amazon's detailed breakdown,
    else shared by the item's taxable amounts (the tax of a discounted item
    is on its price less the discount)."""
    item_id = item["orderItemId"]
    for entry in (item.get("proceeds") or {}).get("breakdowns") or ():
        if entry.get("type") != "TAX" or not entry.get("detailedBreakdowns"):
            continue
        shares = {}
        for detail in entry["detailedBreakdowns"]:
            kind = detail.get("subtype") or "OTHER"
            value = money.amount(detail.get("value") or {}, f"item {item_id} TAX")
            shares[kind] = shares.get(kind, ZERO) + value
        if sum(shares.values(), ZERO) == tax:
            return shares
        raise OrderDataError(
            money.order_id,
            f"item {item_id}: the tax's detailed breakdown does not add up "
            "to its subtotal",
        )
    amounts = {
        category: value
        for category, value in subtotals.items()
        if category in TAXABLE_CATEGORIES and value
    }
    if "ITEM" not in amounts:
        amounts = {"ITEM": Decimal(1)}  # no price shown: all on the item
    return _pro_rata(tax, amounts)


def _pro_rata(total, weights):
    """``total`` shared by ``weights`` at its own precision; the last share
    takes the rounding so the shares add up exactly."""
    base = sum(weights.values(), ZERO)
    step = Decimal(1).scaleb(total.as_tuple().exponent)
    shares, given = {}, ZERO
    names = list(weights)
    for name in names[:-1]:
        share = (total * weights[name] / base).quantize(step) if base else ZERO
        shares[name] = share
        given += share
    shares[names[-1]] = total - given
    return shares


def _replace(line, **changes):
    return OrderLine(**{**line.__dict__, **changes})


def _buyer_vat_registered(order):
    """Whether the buyer gave Amazon a VAT registration."""
    return any(
        registration.get("entityType") in (None, "BUYER")
        and registration.get("taxRegistrationType") in (None, "VAT")
        for registration in (order.get("tax") or {}).get("taxRegistrations") or ()
    )


def _item_lines(item, subtotals, money):
    item_id = item["orderItemId"]
    product = item.get("product") or {}
    quantity = item["quantityOrdered"]
    unit = _unit_price(item)
    if "ITEM" in subtotals:
        amount = subtotals["ITEM"]
    elif unit:
        amount = money.amount(unit, f"item {item_id} unitPrice") * quantity
    else:
        amount = ZERO  # Amazon shows no price yet (pending, cancelled)
    common = {
        "amazon_item_id": item_id,
        "sku": product.get("sellerSku"),
        "asin": product.get("asin"),
    }
    title = product.get("title") or product.get("sellerSku")
    price_unit, rest = _per_unit(amount, quantity)
    lines = [
        OrderLine(
            kind="item",
            title=title,
            quantity=Decimal(quantity),
            price_unit=price_unit,
            key=f"item:{item_id}",
            **common,
        )
    ]
    extras = (
        ("other", "Rounding", rest, f"rounding:{item_id}"),
        ("discount", "Discount", subtotals.get("DISCOUNT"), f"discount:{item_id}"),
    )
    for kind, label, value, key in extras:
        if value:
            lines.append(
                OrderLine(
                    kind=kind,
                    title=f"{label}: {title}",
                    quantity=Decimal(1),
                    price_unit=value,
                    key=key,
                    **common,
                )
            )
    return lines


def _per_unit(amount, quantity):
    """Unit price at the amount's own precision and the remainder it leaves
    (10.00 for 3 units: 3.33 and 0.01), so no cent is lost."""
    price_unit = (amount / quantity).quantize(amount) if quantity else amount
    return price_unit, amount - price_unit * quantity


def _charge_line(kind, value):
    return OrderLine(
        kind=kind,
        amazon_item_id=None,
        sku=None,
        asin=None,
        title=LABELS[kind],
        quantity=Decimal(1),
        price_unit=value,
        key=kind,
    )


def _tax_kind(item):
    collections = (item.get("tax") or {}).get("taxCollections") or ()
    models = {c.get("model") for c in collections}
    return "mf_tax" if MARKETPLACE_FACILITATOR in models else "tax"


def _order_tax_kind(items):
    """Order-level tax beyond the items' follows the items: where Amazon
    collects the items' tax it collects the rest (e.g. on shipping) too."""
    kinds = {_tax_kind(item) for item in items}
    return "mf_tax" if "mf_tax" in kinds else "tax"


def _channel(order):
    # Only the channel says multi-channel: Amazon's own examples put seller
    # order ids on Amazon-channel orders, and fulfillmentOrders on EasyShip.
    if (order.get("salesChannel") or {}).get("channelName") == "NON_AMAZON":
        return "mcf"
    fulfilled_by = (order.get("fulfillment") or {}).get("fulfilledBy")
    return "afn" if fulfilled_by == "AMAZON" else "mfn"


def _seller_order_id(order):
    for alias in order.get("orderAliases") or ():
        if alias.get("aliasType") == "SELLER_ORDER_ID":
            return alias.get("aliasId")
    return None


def _date(order_id, text, what):
    """ISO 8601 -> naive UTC (what Odoo stores)."""
    try:
        moment = amazon_time.parse(text)
    except (TypeError, ValueError):
        moment = None
    if moment is None:
        raise OrderDataError(order_id, f"{what}: not an ISO 8601 date")
    return moment


def _window_end(order_id, fulfillment, name):
    end = (fulfillment.get(name) or {}).get("latestDateTime")
    return _date(order_id, end, name) if end else None


def _shipped(items):
    shipped = {}
    for item in items:
        done = (item.get("fulfillment") or {}).get("quantityFulfilled")
        if done is not None:
            shipped[item["orderItemId"]] = done
    return shipped


def _package(order_id, package):
    ship_time = package.get("shipTime")
    return {
        "carrier": package.get("carrier"),
        "tracking_number": package.get("trackingNumber"),
        "ship_time": _date(order_id, ship_time, "shipTime") if ship_time else None,
        "items": {
            entry["orderItemId"]: entry.get("quantity")
            for entry in package.get("packageItems") or ()
        },
    }
