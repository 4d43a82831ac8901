"""Deterministic dataset: the same ``--seed``, ``--orders`` and ``--now`` always
give the same orders, products, listings and inventory.

Each order has a history of status events; events later than the sandbox's
simulated clock stay invisible until the clock passes them, so incremental
sync by ``lastUpdatedAfter`` sees real later updates (and, with
``--new-orders``, a share of the orders is only placed after the clock starts).
Anomaly labels live only in the truth (``/_sandbox/dataset``), never in API
responses.
"""

import random
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from . import pii

# marketplaceId, name, country, currency, FX from USD, weight
MARKETPLACES = (
    ("ATVPDKIKX0DER", "Amazon.com", "US", "USD", Decimal(1), 40),
    ("A2EUQ1WTGCTBG2", "Amazon.ca", "CA", "CAD", Decimal("1.35"), 10),
    ("A1F83G8C2ARO7P", "Amazon.co.uk", "GB", "GBP", Decimal("0.79"), 15),
    ("A1PA6795UKMFR9", "Amazon.de", "DE", "EUR", Decimal("0.92"), 15),
    ("A13V1IB3VIYZZH", "Amazon.fr", "FR", "EUR", Decimal("0.92"), 10),
    ("A1VC38T7YXB528", "Amazon.co.jp", "JP", "JPY", Decimal(150), 10),
)
BY_MARKETPLACE = {m[0]: m for m in MARKETPLACES}
DEFAULT_NOW = "2026-11-01T00:00:00Z"
HISTORY_DAYS = 30
PRODUCT_NAMES = (
    "Ceramic Pour-Over Coffee Dripper",
    "Merino Wool Hiking Socks (3 pairs)",
    "Stainless Steel Lunch Box",
    "LED Desk Lamp with USB-C",
    "Bamboo Cutting Board Set",
    "Noise-Cancelling Earbuds",
    "Cast Iron Skillet 26 cm",
    "Yoga Mat Non-Slip 6 mm",
    "Insulated Water Bottle 750 ml",
    "Linen Tea Towels (set of 4)",
    "Mechanical Keyboard, Brown Switches",
    "Children's Puzzle Globe 200 pcs",
)
ANOMALY_KINDS = (
    "impossible_address",
    "country_mismatch",
    "quantity_spike",
    "value_spike",
    "rushed_high_value",
    "shared_address",
)


def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text):
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def money(amount, currency):
    places = Decimal(1) if currency == "JPY" else Decimal("0.01")
    value = Decimal(amount).quantize(places, rounding=ROUND_HALF_UP)
    return {"amount": str(value), "currencyCode": currency}


class Generator:
    def __init__(self, seed, orders, now, new_orders=0.0):
        self.rng = random.Random(f"sandbox-{seed}")
        self.new_orders = new_orders  # share placed 10 min to 2 days after start
        self.count = orders
        self.now = now
        self.used_ids = set()

    def products(self):
        products = []
        for index, name in enumerate(PRODUCT_NAMES):
            asin = "B0" + "".join(
                self.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(8)
            )
            products.append(
                {
                    "sku": f"SBX-{index + 1:03d}",
                    "asin": asin,
                    "title": name,
                    "priceUsd": str(Decimal(self.rng.randint(899, 8999)) / 100),
                    "afn": index % 3 == 0,
                    "productType": "PRODUCT",
                }
            )
        return products

    def order_id(self):
        for _ in range(1000):
            oid = "%03d-%07d-%07d" % (
                self.rng.randint(111, 999),
                self.rng.randint(0, 9999999),
                self.rng.randint(0, 9999999),
            )
            if oid not in self.used_ids:
                self.used_ids.add(oid)
                return oid
        raise RuntimeError("could not draw a unique order id")

    def pick_marketplace(self):
        weights = [m[5] for m in MARKETPLACES]
        return self.rng.choices(MARKETPLACES, weights)[0]

    def order(self, products):
        rng = self.rng
        market_id, market_name, country, currency, fx, _ = self.pick_marketplace()
        if rng.random() < self.new_orders:
            # Placed after the clock starts: appears as the clock passes it.
            created = self.now + timedelta(seconds=rng.randint(600, 2 * 86400))
        else:
            # At least 5 minutes old, clear of Amazon's 2-minute settle window.
            created = self.now - timedelta(
                seconds=rng.randint(300, HISTORY_DAYS * 86400)
            )
        multi_channel = rng.random() < 0.05
        afn = multi_channel or rng.random() < 0.35
        business = not multi_channel and rng.random() < 0.12
        prime = not multi_channel and rng.random() < (0.6 if afn else 0.2)
        lines = []
        for product in rng.sample(
            products, 1 if rng.random() < 0.7 else rng.randint(2, 4)
        ):
            price = Decimal(product["priceUsd"]) * fx
            if business:
                price *= Decimal("0.95")
            lines.append(
                {
                    "orderItemId": "%014d" % rng.randint(10**13, 10**14 - 1),
                    "sku": product["sku"],
                    "asin": product["asin"],
                    "title": product["title"],
                    "quantity": rng.choice((1, 1, 1, 1, 2, 2, 3)),
                    "unitPrice": money(price, currency)["amount"],
                    "promotionId": (
                        f"PROMO-{rng.randint(100, 999)}" if rng.random() < 0.1 else None
                    ),
                    "giftMessage": (
                        rng.choice(pii.GIFT_MESSAGES) if rng.random() < 0.06 else None
                    ),
                }
            )
        name = pii.person(rng, country)
        recipient = pii.address(rng, country, name)
        if business:
            recipient["companyName"] = rng.choice(pii.COMPANIES)
            recipient["addressType"] = "COMMERCIAL"
        programs = []
        if prime:
            programs.append("PRIME")
        if business:
            programs.append("AMAZON_BUSINESS")
        level = rng.choice(("STANDARD",) * 6 + ("EXPEDITED", "SECOND_DAY", "NEXT_DAY"))
        oid = self.order_id()
        return {
            "orderId": oid,
            "marketplaceId": market_id,
            "marketplaceName": market_name,
            "country": country,
            "currency": currency,
            "channel": "NON_AMAZON" if multi_channel else "AMAZON",
            "fulfilledBy": "AMAZON" if afn else "MERCHANT",
            "programs": programs,
            "business": business,
            "serviceLevel": level,
            "createdTime": iso(created),
            "buyer": {
                "buyerName": name,
                "buyerEmail": "%s@marketplace.amazon.%s"
                % (
                    "".join(
                        rng.choice("abcdefghjkmnpqrstvwxyz0123456789")
                        for _ in range(14)
                    ),
                    {"US": "com", "GB": "co.uk", "JP": "co.jp"}.get(
                        country, country.lower()
                    ),
                ),
                **(
                    {
                        "buyerCompanyName": recipient["companyName"],
                        "buyerPurchaseOrderNumber": f"PO-{rng.randint(1000, 99999)}",
                    }
                    if business
                    else {}
                ),
            },
            "recipient": recipient,
            "items": lines,
            "shippingFee": "0" if prime or afn else str(fx * Decimal("4.99")),
            "fulfillmentOrderId": (f"MCF-{oid}" if multi_channel else None),
            "events": self.timeline(created, afn, len(lines)),
            "anomaly": None,
        }

    def timeline(self, created, afn, line_count):
        """Status events; some fall after ``now`` and show up as the clock moves."""
        rng = self.rng
        events = [{"time": iso(created), "status": "PENDING"}]
        roll = rng.random()
        if roll < 0.04:
            return events  # payment never authorized: stays pending, without prices
        moment = created + timedelta(minutes=rng.randint(5, 90))
        events.append({"time": iso(moment), "status": "UNSHIPPED"})
        if roll < 0.10:
            moment += timedelta(hours=rng.randint(1, 24))
            events.append(
                {"time": iso(moment), "status": "CANCELLED", "cancelledBy": "BUYER"}
            )
            return events
        if not afn and line_count > 1 and rng.random() < 0.4:
            moment += timedelta(hours=rng.randint(2, 30))
            events.append({"time": iso(moment), "status": "PARTIALLY_SHIPPED"})
        moment += timedelta(hours=rng.randint(1, 48))
        events.append({"time": iso(moment), "status": "SHIPPED"})
        return events

    def make_anomalies(self, orders):
        """A labelled minority (about 3.5%, at least two orders)."""
        rng = self.rng
        wanted = max(2, round(len(orders) * 0.035))
        pool = list(orders)
        rng.shuffle(pool)
        labelled = 0
        kinds = list(ANOMALY_KINDS)
        rng.shuffle(kinds)
        index = 0
        while labelled < wanted and pool:
            kind = kinds[index % len(kinds)]
            index += 1
            if kind == "shared_address":
                labelled += self.shared_address(pool, min(4, wanted - labelled + 1))
                continue
            order = pool.pop()
            getattr(self, "anomaly_" + kind)(order)
            order["anomaly"] = {"label": kind}
            labelled += 1

    def anomaly_impossible_address(self, order):
        order["recipient"]["postalCode"] = "00000-ZZZ"
        order["recipient"]["city"] = "Atlantis"

    def anomaly_country_mismatch(self, order):
        other = "JP" if order["country"] != "JP" else "DE"
        name = order["recipient"]["name"]
        order["recipient"] = pii.address(self.rng, other, name)

    def anomaly_quantity_spike(self, order):
        order["items"][0]["quantity"] = self.rng.randint(60, 250)

    def anomaly_value_spike(self, order):
        line = order["items"][0]
        line["unitPrice"] = money(Decimal(line["unitPrice"]) * 40, order["currency"])[
            "amount"
        ]

    def anomaly_rushed_high_value(self, order):
        order["serviceLevel"] = "NEXT_DAY"
        self.anomaly_value_spike(order)
        order["items"][0]["quantity"] = max(order["items"][0]["quantity"], 3)

    def shared_address(self, pool, size):
        size = max(2, min(size, len(pool)))
        group = [pool.pop() for _ in range(size)]
        first = group[0]
        market_before = {id(order): order["marketplaceId"] for order in group}
        for order in group:
            name = pii.person(self.rng, first["country"])
            recipient = dict(first["recipient"], name=name)
            order.update(
                country=first["country"],
                marketplaceId=first["marketplaceId"],
                marketplaceName=first["marketplaceName"],
                currency=first["currency"],
                shippingFee=first["shippingFee"],
                recipient=recipient,
            )
            order["buyer"]["buyerName"] = name
            domain = first["buyer"]["buyerEmail"].split("@")[1]
            relay = order["buyer"]["buyerEmail"].split("@")[0]
            order["buyer"]["buyerEmail"] = f"{relay}@{domain}"
            # Keep each line's own price, only converted to the group's currency:
            # a price shared by the whole group would give the label away.
            old_fx = BY_MARKETPLACE[market_before[id(order)]][4]
            new_fx = BY_MARKETPLACE[first["marketplaceId"]][4]
            for line in order["items"]:
                usd = Decimal(line["unitPrice"]) / old_fx
                line["unitPrice"] = money(usd * new_fx, first["currency"])["amount"]
            order["anomaly"] = {"label": "shared_address"}
        return size


def mark_malformed(order_list, seed, count):
    """Label ``count`` orders whose first item shows ``quantityOrdered`` 0.

    A generator of its own leaves the dataset's draws, hence every other
    order, unchanged; the first five and cancelled orders are never picked."""
    eligible = [
        order
        for order in order_list[5:]
        if all(event["status"] != "CANCELLED" for event in order["events"])
    ]
    rng = random.Random(f"sandbox-malformed-{seed}")
    for order in rng.sample(eligible, min(count, len(eligible))):
        order["malformed"] = True


def generate(seed=1, orders=200, now=DEFAULT_NOW, new_orders=0.0, malformed=0):
    now_dt = parse_time(now) if isinstance(now, str) else now
    gen = Generator(seed, orders, now_dt, new_orders)
    products = gen.products()
    order_list = [gen.order(products) for _ in range(orders)]
    gen.make_anomalies(order_list)
    order_list.sort(key=lambda o: (o["createdTime"], o["orderId"]))
    if malformed:
        mark_malformed(order_list, seed, malformed)
    return {
        "seed": seed,
        "now": iso(now_dt),
        "products": products,
        "orders": order_list,
    }
