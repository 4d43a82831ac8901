"""Turn Orders API 2026-01-01 order objects into numbers and a seller profile.

Names, addresses and buyer e-mails are only ever kept as keyed hashes: the
profile must be storable by Odoo without becoming a second copy of PII.
"""

import hashlib
import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timezone
from statistics import median

from . import amazon_time
from .address_rules import MARKETPLACE_COUNTRY, check_address

# Units of currency per US dollar; coarse on purpose: only used to compare
# order sizes across a seller's marketplaces, never to show amounts.
FX_PER_USD = {
    "USD": 1.0,
    "CAD": 1.35,
    "MXN": 17.0,
    "BRL": 5.0,
    "GBP": 0.79,
    "EUR": 0.92,
    "SEK": 10.5,
    "PLN": 4.0,
    "TRY": 32.0,
    "EGP": 48.0,
    "SAR": 3.75,
    "AED": 3.67,
    "INR": 83.0,
    "JPY": 150.0,
    "AUD": 1.5,
    "SGD": 1.34,
    "ZAR": 18.0,
}
PENDING = ("PENDING", "PENDING_AVAILABILITY")
RUSH_LEVEL = {
    "SAME_DAY": 2,
    "NEXT_DAY": 2,
    "PRIORITY": 2,
    "SECOND_DAY": 1,
    "EXPEDITED": 1,
}
# The Orders API fields the model reads (for the model card).
FIELDS_USED = (
    "orderId",
    "createdTime",
    "programs",
    "salesChannel.marketplaceId",
    "buyer.buyerEmail (hashed)",
    "buyer.buyerName (hashed)",
    "recipient.deliveryAddress.name (hashed)",
    "recipient.deliveryAddress.addressLine1..3",
    "recipient.deliveryAddress.city",
    "recipient.deliveryAddress.stateOrRegion",
    "recipient.deliveryAddress.postalCode",
    "recipient.deliveryAddress.countryCode",
    "fulfillment.fulfillmentServiceLevel",
    "orderItems[].quantityOrdered",
    "orderItems[].product.sellerSku",
    "orderItems[].product.price.unitPrice",
)


def parse_time(text):
    moment = amazon_time.parse(text)
    return moment.replace(tzinfo=timezone.utc) if moment else None


def seller_of(order):
    """The seller id an adapter attached to the order, if any (the API has none)."""
    channel = order.get("salesChannel") or {}
    return order.get("sellerId") or channel.get("sellerId") or None


RECORD_VERSION = 1


@dataclass
class OrderFacts:
    """What the rules and the model need from one order, PII reduced to hashes.

    The raw address is read once, by ``extract``: only its findings
    (``check_address``) and keyed hashes are kept, so facts and the records
    made from them can be stored without becoming a second copy of PII.
    """

    order_id: str
    created: float  # POSIX seconds, 0 when unknown
    marketplace_id: str
    market_country: str
    ship_country: str
    service_level: str
    business: bool
    lines: list  # (sku, quantity, unit price in USD or None)
    value_usd: float | None
    units: int
    buyer_key: str
    address_key: str
    name_key: str
    address_findings: list = field(default_factory=list)  # (code, points, reason)

    def to_record(self):
        """A JSON-serialisable, PII-free dict (format ``RECORD_VERSION``)."""
        return {
            "v": RECORD_VERSION,
            "order_id": self.order_id,
            "created": self.created,
            "marketplace_id": self.marketplace_id,
            "market_country": self.market_country,
            "ship_country": self.ship_country,
            "service_level": self.service_level,
            "business": self.business,
            "lines": [[sku, qty, unit] for sku, qty, unit in self.lines],
            "value_usd": self.value_usd,
            "units": self.units,
            "buyer_key": self.buyer_key,
            "address_key": self.address_key,
            "name_key": self.name_key,
            "address_findings": [
                [code, points, reason] for code, points, reason in self.address_findings
            ],
        }

    @classmethod
    def from_record(cls, record):
        """Facts back from ``to_record``'s dict (also after a JSON round trip)."""
        if not isinstance(record, dict) or record.get("v") != RECORD_VERSION:
            raise ValueError("Not an order risk record of version %d." % RECORD_VERSION)
        value = record.get("value_usd")
        return cls(
            order_id=str(record.get("order_id") or ""),
            created=float(record.get("created") or 0.0),
            marketplace_id=str(record.get("marketplace_id") or ""),
            market_country=str(record.get("market_country") or ""),
            ship_country=str(record.get("ship_country") or ""),
            service_level=str(record.get("service_level") or ""),
            business=bool(record.get("business")),
            lines=[
                (str(sku), int(qty), None if unit is None else float(unit))
                for sku, qty, unit in record.get("lines") or ()
            ],
            value_usd=None if value is None else float(value),
            units=int(record.get("units") or 0),
            buyer_key=str(record.get("buyer_key") or ""),
            address_key=str(record.get("address_key") or ""),
            name_key=str(record.get("name_key") or ""),
            address_findings=[
                (str(code), points, str(reason))
                for code, points, reason in record.get("address_findings") or ()
            ],
        )


class Hasher:
    """Keyed hashes: the same seller's model matches names, nobody reverses them."""

    def __init__(self, key):
        raw = bytes(key) if isinstance(key, (bytes, bytearray)) else str(key).encode()
        self.key = hashlib.sha256(raw).digest()
        # Keyed once: a copy per hash skips the key setup (3 hashes an order).
        self._keyed = hashlib.blake2b(key=self.key, digest_size=12)

    def __call__(self, *parts):
        text = "\x1f".join(
            [" ".join(str(part).casefold().split()) if part else "" for part in parts]
        )
        if not text.strip("\x1f"):
            return ""
        digest = self._keyed.copy()
        digest.update(text.encode())
        return digest.hexdigest()


_EXACT = 2**53  # ints a float holds exactly


def _number(value, kind=float):
    """A number from the API, None when absent or malformed: one odd field
    must not keep the rest of the order (its address above all) unscored."""
    if value in (None, ""):
        return None
    if type(value) is kind and (kind is float or -_EXACT < value < _EXACT):
        # JSON's own numbers, as the conversion below would give them back.
        return value if kind is int or math.isfinite(value) else None
    try:
        number = kind(float(value)) if kind is int else kind(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def extract(order, hasher):
    channel = order.get("salesChannel") or {}
    address = (order.get("recipient") or {}).get("deliveryAddress") or {}
    buyer = order.get("buyer") or {}
    fulfillment = order.get("fulfillment") or {}
    lines, value, priced = [], 0.0, False
    for item in order.get("orderItems") or ():
        product = item.get("product") or {}
        quantity = max(0, _number(item.get("quantityOrdered"), int) or 0)
        money = (product.get("price") or {}).get("unitPrice") or {}
        unit = _number(money.get("amount"))
        if unit is not None:
            unit /= FX_PER_USD.get(money.get("currencyCode"), 1.0)
            value += unit * quantity
            priced = True
        lines.append(
            (product.get("sellerSku") or product.get("asin") or "", quantity, unit)
        )
    created = parse_time(order.get("createdTime"))
    marketplace = channel.get("marketplaceId") or ""
    name = address.get("name") or buyer.get("buyerName") or ""
    street = (address.get("addressLine1"), address.get("addressLine2"))
    service_level = str(fulfillment.get("fulfillmentServiceLevel") or "")
    status = str(fulfillment.get("fulfillmentStatus") or "")
    return OrderFacts(
        order_id=str(order.get("orderId") or ""),
        created=created.timestamp() if created else 0.0,
        marketplace_id=marketplace,
        market_country=MARKETPLACE_COUNTRY.get(marketplace, ""),
        ship_country=str(address.get("countryCode") or "").upper(),
        service_level=service_level,
        business="AMAZON_BUSINESS" in (order.get("programs") or ()),
        lines=lines,
        value_usd=value if priced else None,
        units=sum(line[1] for line in lines),
        buyer_key=hasher(buyer.get("buyerEmail") or ""),
        address_key=hasher(
            address.get("countryCode"), address.get("postalCode"), *street
        )
        if street[0]
        else "",
        name_key=hasher(name),
        # The only use of the raw address beyond its hashes.
        address_findings=check_address(
            address,
            service_level,
            # Amazon shares the street only with payment authorization.
            coarse=status in PENDING if status else None,
        ),
    )


def quantile(sorted_values, q):
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[index]


# Amazon Business orders are bulk by nature (quantity price tiers): they are
# compared with the seller's business orders once there are this many, and
# until then allowed this factor over the consumer orders' quantiles.
MIN_SEGMENT = 30
BUSINESS_ALLOWANCE = 5.0
QUANTILES = (0.5, 0.9, 0.95, 0.99)


def _quantiles(values):
    values = sorted(values)
    return {q: quantile(values, q) for q in QUANTILES}


@dataclass
class Profile:
    """The seller's history in aggregate: quantiles, per-SKU medians, hashes.

    ``value``, ``units``, ``line_qty`` and ``lines`` describe consumer orders
    (all orders while there are too few of them); ``business`` the business
    orders' own (``{}`` below ``MIN_SEGMENT``); ``buyer_max`` each repeat
    buyer's largest line quantity and order value, under a keyed hash.
    ``rush`` is how the consumer segment's largest orders ship (``rush_band``),
    ``business["rush"]`` the same for business orders.
    """

    orders: int = 0
    priced: int = 0
    value: dict = field(default_factory=dict)  # quantile -> USD
    units: dict = field(default_factory=dict)
    line_qty: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)
    sku_price: dict = field(default_factory=dict)  # sku -> median unit USD
    sku_qty: dict = field(default_factory=dict)
    buyers: set = field(default_factory=set)
    routes: Counter = field(default_factory=Counter)  # (market, ship) -> n
    markets: Counter = field(default_factory=Counter)
    addresses: dict = field(default_factory=dict)  # key -> sorted [(t, name, id)]
    business: dict = field(default_factory=dict)  # "value"/"units"/... -> quantiles
    business_orders: int = 0
    buyer_max: dict = field(default_factory=dict)  # buyer key -> (qty, USD)
    # Largest orders by shipping speed: (orders, rushed, fastest); () unknown
    # (a model trained before it was kept: the fixed rule until retrained).
    rush: tuple = ()
    # Derived from the above on first use (scoring 10,000 orders asks often).
    _derived: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, facts):
        profile = cls(orders=len(facts))
        profile.priced = sum(f.value_usd is not None for f in facts)
        consumer = [f for f in facts if not f.business]
        if len(consumer) < MIN_SEGMENT:
            consumer = facts
        segment = _segment(consumer)
        profile.value = segment["value"]
        profile.units = segment["units"]
        profile.line_qty = segment["line_qty"]
        profile.lines = segment["lines"]
        profile.rush = segment["rush"]
        business = [f for f in facts if f.business]
        profile.business_orders = len(business)
        if len(business) >= MIN_SEGMENT:
            profile.business = _segment(business)
        prices, qtys = defaultdict(list), defaultdict(list)
        buyer_max = {}
        for f in facts:
            for sku, quantity, unit in f.lines:
                qtys[sku].append(quantity)
                if unit is not None:
                    prices[sku].append(unit)
            if f.buyer_key:
                qty, value = buyer_max.get(f.buyer_key, (0, 0.0))
                biggest = max((line[1] for line in f.lines), default=0)
                buyer_max[f.buyer_key] = (
                    max(qty, biggest),
                    max(value, f.value_usd or 0.0),
                )
        profile.sku_price = {sku: median(v) for sku, v in prices.items()}
        profile.sku_qty = {sku: median(v) for sku, v in qtys.items()}
        profile.buyers = set(buyer_max)
        profile.buyer_max = buyer_max
        profile.routes = Counter((f.market_country, f.ship_country) for f in facts)
        profile.markets = Counter(f.market_country for f in facts)
        profile.addresses = address_index(facts)
        return profile

    def forget(self, order_ids, buyer_keys):
        """Drop what the profile keeps of purged orders: their rows in the
        address index (address and name hashes) and the buyer hashes in
        ``buyer_keys`` (those no retained order still carries). Aggregates
        (quantiles, counts, per-buyer maxima of retained buyers) stay."""
        order_ids, buyer_keys = set(order_ids), set(buyer_keys)
        addresses = {}
        for key, rows in self.addresses.items():
            kept = [row for row in rows if row[2] not in order_ids]
            if kept:
                addresses[key] = kept
        self.addresses = addresses
        self.buyers = self.buyers - buyer_keys
        self.buyer_max = {
            k: v for k, v in self.buyer_max.items() if k not in buyer_keys
        }
        self._derived.clear()

    def reference(self, business):
        business = bool(business)
        found = self._derived.get(business)
        if found is None:
            found = self._derived[business] = self._reference(business)
        return found

    def _reference(self, business):
        """``{"value"|"units"|"line_qty"|"lines": {quantile: x}}`` an order of
        this kind is compared with: its own segment's, or for business orders
        without enough business history the consumer one with the allowance."""
        if business and self.business:
            return self.business
        scale = BUSINESS_ALLOWANCE if business else 1.0
        return {
            name: {
                q: (None if v is None else v * (1.0 if name == "lines" else scale))
                for q, v in getattr(self, name).items()
            }
            for name in ("value", "units", "line_qty", "lines")
        }

    def rush_habit(self, business, level):
        """(share, shipped, orders): of the ``orders`` largest orders of this
        kind (business or consumer), ``shipped`` went at ``level``
        (``RUSH_LEVEL``) or faster; ``share`` is that proportion smoothed
        (one more each way: never 0 or 1 from a finite history). None below
        ``MIN_SEGMENT`` such orders."""
        segment = self.business if business and self.business else None
        band = segment.get("rush", ()) if segment else self.rush
        if not band or band[0] < MIN_SEGMENT:
            return None
        return (band[level] + 1) / (band[0] + 2), band[level], band[0]

    def business_scale(self):
        if "scale" not in self._derived:
            self._derived["scale"] = self._business_scale()
        return self._derived["scale"]

    def _business_scale(self):
        """How much larger business orders usually are than consumer ones
        (value, units, line quantity at the 90th percentile; 1 without
        business history): the anomaly model measures business orders in
        their own segment's units, so bulk is not unusual by itself."""
        if not self.business:
            return (1.0, 1.0, 1.0)
        scales = []
        for name in ("value", "units", "line_qty"):
            mine = self.business[name].get(0.9)
            usual = getattr(self, name).get(0.9)
            scales.append(max(1.0, mine / usual) if mine and usual else 1.0)
        return tuple(scales)


def _segment(facts):
    value = _quantiles(f.value_usd for f in facts if f.value_usd is not None)
    return {
        "value": value,
        "units": _quantiles(f.units for f in facts),
        "line_qty": _quantiles(line[1] for f in facts for line in f.lines),
        "lines": _quantiles(len(f.lines) for f in facts),
        "rush": rush_band(facts, value.get(RUSH_BAND)),
    }


# The "largest orders" whose shipping speeds a rushed large order is compared
# with: those at or above this quantile of the segment's order values.
RUSH_BAND = 0.9


def rush_band(facts, floor):
    """(orders, rushed, fastest): how many priced orders of at least
    ``floor`` USD there are, how many of them shipped at ``RUSH_LEVEL`` 1 or
    faster and how many at level 2, so ``band[level]`` counts those at that
    speed or faster. () without a floor (no priced order)."""
    if floor is None:
        return ()
    levels = [
        RUSH_LEVEL.get(f.service_level, 0)
        for f in facts
        if f.value_usd is not None and f.value_usd >= floor
    ]
    return (len(levels), sum(lv >= 1 for lv in levels), sum(lv >= 2 for lv in levels))


def address_index(facts, base=None):
    """Address hash -> time-sorted (time, name hash, order id), merged by id."""
    index = {key: list(rows) for key, rows in (base or {}).items()}
    for f in facts:
        if not f.address_key:
            continue
        rows = index.setdefault(f.address_key, [])
        if all(row[2] != f.order_id for row in rows):
            rows.append((f.created, f.name_key, f.order_id))
    for rows in index.values():
        rows.sort()
    return index


def addresses_of(facts, base):
    """``address_index(facts, base)`` reduced to the addresses of ``facts``:
    all that scoring them asks of the index, without copying the rest of
    the seller's history for every batch (the sync scores a page at a time)."""
    index = {}
    for f in facts:
        if not f.address_key:
            continue
        rows = index.get(f.address_key)
        if rows is None:
            rows = index[f.address_key] = list(base.get(f.address_key, ()))
        if all(row[2] != f.order_id for row in rows):
            rows.append((f.created, f.name_key, f.order_id))
    for rows in index.values():
        rows.sort()
    return index


def address_crowd(index, facts, window_seconds):
    """(orders, distinct names) at this order's address within +- the window."""
    rows = index.get(facts.address_key) if facts.address_key else None
    if not rows:
        return 1, 1
    times = [row[0] for row in rows]
    start = bisect_left(times, facts.created - window_seconds)
    stop = bisect_right(times, facts.created + window_seconds)
    near = rows[start:stop]
    names = {row[1] for row in near if row[1]}
    return max(1, len(near)), max(1, len(names))
