"""A second, independent generator of labelled order histories for the risk bench.

Written apart from the sandbox (tests/sandbox/dataset.py): no code or value
list of it is used. A different seller: workshop and lab supplies sold on
amazon.com, .ca, .com.mx, .es, .it and .com.au, 40 products from 2 to 600
USD, three months of orders, a quarter of them Amazon Business orders (many
in bulk, mostly from returning companies), returning consumers, PO boxes and
military post offices with standard shipping, Canadian orders shipped to the
US, Spanish orders shipped to Portugal. Places are real city, region and
postal code triples written down by hand, not drawn from the reference data
the model checks against. About 2.5% of orders are anomalies of nine kinds,
in another mix than the sandbox's.

Each order is an Orders API 2026-01-01 object as getOrder returns it once
payment is authorized (about 3% of the usual orders are still pending: no
buyer, street or prices). ``generate`` returns ``(order, label, tags)``
triples, oldest first; ``label`` is 1 for an anomaly, ``tags`` says what
kind of order it is ("business_bulk", "repeat", the anomaly kind, ...).
"""

import math
import random
from datetime import datetime, timedelta, timezone

SELLER = "A3WORKSHOPSUPPLY"
START = datetime(2027, 1, 4, 8, 0, tzinfo=timezone.utc)
DAYS = 90
ANOMALY_RATE = 0.025

# marketplace id, host, country, currency, units per USD, share of orders
MARKETS = (
    ("ATVPDKIKX0DER", "Amazon.com", "US", "USD", 1.0, 45),
    ("A2EUQ1WTGCTBG2", "Amazon.ca", "CA", "CAD", 1.37, 15),
    ("A1AM78C64UM0Y8", "Amazon.com.mx", "MX", "MXN", 18.2, 10),
    ("A1RKKUPIHCS9HS", "Amazon.es", "ES", "EUR", 0.93, 10),
    ("APJ6JRA9NG5V4", "Amazon.it", "IT", "EUR", 0.93, 10),
    ("A39IBJ37TRP1C6", "Amazon.com.au", "AU", "AUD", 1.53, 10),
)

# Real places: (city, region as buyers type it, postal code).
PLACES = {
    "US": [
        ("Columbus", "OH", "43215"),
        ("Denver", "CO", "80202"),
        ("Austin", "TX", "78701"),
        ("Portland", "OR", "97205"),
        ("Nashville", "TN", "37203"),
        ("Madison", "WI", "53703"),
        ("Boise", "ID", "83702"),
        ("Albany", "NY", "12207"),
        ("Raleigh", "NC", "27601"),
        ("Phoenix", "Arizona", "85004"),
        ("Burlington", "VT", "05401"),
        ("Omaha", "NE", "68102"),
        ("Savannah", "GA", "31401"),
        ("Anchorage", "AK", "99501"),
        ("Honolulu", "HI", "96813"),
        ("Providence", "RI", "02903"),
        ("Little Rock", "AR", "72201"),
        ("Billings", "MT", "59101"),
        ("San Juan", "PR", "00901"),
        ("Richmond", "Virginia", "23219-2003"),
        ("Minneapolis", "MN", "55401"),
        ("Kansas City", "MO", "64106"),
        ("Trenton", "NJ", "08608"),
        ("Washington", "DC", "20001"),
        ("Salt Lake City", "UT", "84101"),
        ("Louisville", "KY", "40202"),
        ("Detroit", "MI", "48226"),
        ("Baltimore", "MD", "21202"),
    ],
    "CA": [
        ("Toronto", "ON", "M5V 2T6"),
        ("Ottawa", "Ontario", "K1P 5J9"),
        ("Montréal", "QC", "H3B 4W8"),
        ("Québec", "Québec", "G1R 4P5"),
        ("Vancouver", "BC", "V6B 1A1"),
        ("Victoria", "British Columbia", "V8W 1P6"),
        ("Calgary", "AB", "T2P 2M5"),
        ("Edmonton", "AB", "T5J 0N3"),
        ("Winnipeg", "MB", "R3C 4T3"),
        ("Regina", "SK", "S4P 3Y2"),
        ("Halifax", "NS", "B3J 3K5"),
        ("Fredericton", "NB", "E3B 1B2"),
        ("St. John's", "NL", "A1C 5M2"),
        ("Charlottetown", "PE", "C1A 4P3"),
    ],
    "MX": [
        ("Ciudad de México", "CDMX", "06600"),
        ("Guadalajara", "Jalisco", "44100"),
        ("Monterrey", "Nuevo León", "64000"),
        ("Puebla", "Puebla", "72000"),
        ("Mérida", "Yucatán", "97000"),
        ("Santiago de Querétaro", "Querétaro", "76000"),
        ("Tijuana", "Baja California", "22000"),
        ("León", "Guanajuato", "37000"),
        ("Toluca", "Estado de México", "50000"),
        ("Oaxaca", "Oaxaca", "68000"),
    ],
    "ES": [
        ("Madrid", "Madrid", "28013"),
        ("Barcelona", "Barcelona", "08001"),
        ("Valencia", "Valencia", "46001"),
        ("Sevilla", "Sevilla", "41001"),
        ("Zaragoza", "Zaragoza", "50001"),
        ("Málaga", "Málaga", "29001"),
        ("Valladolid", "Valladolid", "47001"),
        ("Granada", "Granada", "18001"),
        ("Murcia", "Murcia", "30001"),
        ("Oviedo", "Asturias", "33001"),
    ],
    "IT": [
        ("Milano", "MI", "20121"),
        ("Roma", "RM", "00184"),
        ("Napoli", "Napoli", "80133"),
        ("Torino", "TO", "10121"),
        ("Bologna", "BO", "40121"),
        ("Firenze", "Firenze", "50122"),
        ("Palermo", "PA", "90133"),
        ("Genova", "GE", "16121"),
        ("Bari", "BA", "70121"),
        ("Verona", "VR", "37121"),
        ("Padova", "PD", "35121"),
    ],
    "AU": [
        ("Sydney", "NSW", "2000"),
        ("Melbourne", "VIC", "3000"),
        ("Brisbane", "QLD", "4000"),
        ("Perth", "WA", "6000"),
        ("Adelaide", "SA", "5000"),
        ("Hobart", "TAS", "7000"),
        ("Canberra", "ACT", "2601"),
        ("Darwin", "NT", "0800"),
        ("Newcastle", "New South Wales", "2300"),
        ("Geelong", "Victoria", "3220"),
    ],
    # Legitimate cross-border destinations of this seller.
    "PT": [("Lisboa", "", "1100-148"), ("Porto", "", "4000-322")],
}
# Far destinations of the "foreign" anomaly, each in its own format.
FAR_PLACES = {
    "GB": ("Manchester", "", "M1 1AE"),
    "NG": ("Lagos", "Lagos", "100001"),
    "BR": ("São Paulo", "SP", "01310-100"),
    "SG": ("Singapore", "", "049315"),
    "ZA": ("Cape Town", "Western Cape", "8001"),
    "PL": ("Warszawa", "", "00-950"),
}
FREIGHT_FORWARDER = ("Miami", "FL", "33166")  # of the reshipping ring

STREET_WORDS = [
    "Birch",
    "Hollow",
    "Quarry",
    "Larkspur",
    "Juniper",
    "Harbor",
    "Mill",
    "Foundry",
    "Cobalt",
    "Ridge",
    "Sycamore",
    "Beacon",
    "Granite",
    "Orchard",
    "Willow",
    "Tamarack",
    "Heron",
    "Ashford",
    "Kestrel",
    "Bramble",
    "Lantern",
    "Copper",
    "Meadow",
    "Falcon",
    "Summit",
    "Aspen",
]
STREET_KINDS = {
    "US": ("St", "Ave", "Blvd", "Rd", "Ln", "Dr", "Way", "Pkwy"),
    "CA": ("Street", "Avenue", "Road", "Crescent", "Drive"),
    "AU": ("Street", "Road", "Parade", "Terrace", "Avenue"),
}
FIRST = [
    "Noor",
    "Mateo",
    "Ingrid",
    "Tariq",
    "Wren",
    "Bodhi",
    "Saanvi",
    "Emeka",
    "Lucía",
    "Oskar",
    "Mireille",
    "Haruto",
    "Thandiwe",
    "Caspian",
    "Ximena",
    "Dario",
    "Annika",
    "Kofi",
    "Ilse",
    "Rafael",
    "Yusra",
    "Niamh",
    "Teodora",
    "Bjorn",
    "Paloma",
    "Desmond",
    "Anouk",
    "Ravi",
    "Greta",
    "Ezekiel",
]
LAST = [
    "Okafor",
    "Lindqvist",
    "Marchetti",
    "Delacroix",
    "Nakamura",
    "Oyelaran",
    "Castellanos",
    "Brandt",
    "Szymanski",
    "Achterberg",
    "Fitzgerald",
    "Quispe",
    "Haddad",
    "Varga",
    "Lacroix",
    "Moreau",
    "Pacheco",
    "Whitfield",
    "Abernathy",
    "Novak",
    "Ferreira",
    "Kowalczyk",
    "Rosales",
    "Takeda",
    "Iversen",
]
COMPANY_WORDS = [
    "Precision",
    "Allied",
    "Northgate",
    "Keystone",
    "Riverbend",
    "Summit",
    "Vector",
    "Atlas",
    "Pioneer",
    "Cascade",
    "Meridian",
    "Ironwood",
]
COMPANY_KINDS = (
    "Machining",
    "Dental Lab",
    "Robotics Club",
    "Fabrication",
    "Research Institute",
    "Makerspace",
    "Auto Repair",
    "School District",
)
PRODUCT_KINDS = (
    "Nitrile Gloves (100)",
    "Carbide End Mill 6 mm",
    "Digital Caliper 150 mm",
    "Soldering Station 60 W",
    "M3 Hex Bolt Assortment",
    "Borosilicate Beaker 250 ml",
    "Precision Screwdriver Set",
    "Heat Shrink Tubing Kit",
    "Bench Power Supply 30 V",
    "Micro Pipette 10-100 ul",
    "Safety Glasses (12)",
    "Cable Ties 300 mm (500)",
    "Oscilloscope 2-Channel",
    "PLA Filament 1 kg",
    "Abrasive Discs 125 mm (25)",
    "Torque Wrench 1/2 in",
    "Lab Notebook (5)",
    "Flux Pen",
    "Thread Locker 10 ml",
    "Anti-Static Mat",
)


LEVELS = {
    "Standard": "STANDARD",
    "Expedited": "EXPEDITED",
    "SecondDay": "SECOND_DAY",
    "NextDay": "NEXT_DAY",
    "SameDay": "SAME_DAY",
}


def _money(amount, currency):
    digits = 0 if currency == "JPY" else 2
    return {"amount": f"{amount:.{digits}f}", "currencyCode": currency}


class Population:
    def __init__(self, seed, count):
        self.rng = random.Random(f"independent-orders/{seed}")
        self.count = count
        self.catalogue = self._catalogue()
        self.consumers = {code: [] for code in PLACES}
        self.companies = {m[2]: [] for m in MARKETS}
        self.serial = 0

    # -- catalogue and people -------------------------------------------------
    def _catalogue(self):
        rng = self.rng
        products = []
        for index in range(40):
            kind = PRODUCT_KINDS[index % len(PRODUCT_KINDS)]
            # Log-uniform 2 to 600 USD: cheap consumables and instruments.
            price = math.exp(rng.uniform(math.log(2), math.log(600)))
            products.append(
                {
                    "sku": f"WS-{index:04d}-{rng.randint(10, 99)}",
                    "asin": "B0W"
                    + "".join(rng.choices("0123456789ACDFGHKLMNPRTX", k=7)),
                    "title": f"{kind}, variant {index // len(PRODUCT_KINDS) + 1}",
                    "usd": round(price, 2),
                    "consumable": price < 40,
                }
            )
        return products

    def _name(self):
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def _email(self):
        token = "".join(self.rng.choices("abcdefghijkmnpqrstuvwxyz23456789", k=16))
        return f"{token}@marketplace.amazon.com"

    def _street(self, country):
        rng = self.rng
        number = rng.randint(1, 9800)
        word = rng.choice(STREET_WORDS)
        if country == "MX":
            return f"Av. {word} {number}", f"Col. {rng.choice(STREET_WORDS)}"
        if country == "ES":
            return (
                f"Calle {word} {number % 200}, {rng.randint(1, 9)}º "
                + rng.choice("ABCD"),
                "",
            )
        if country == "IT":
            return f"Via {word} {number % 300}", ""
        if country == "PT":
            return f"Rua {word} {number % 400}", ""
        kind = rng.choice(STREET_KINDS.get(country, STREET_KINDS["US"]))
        second = ""
        if rng.random() < 0.3:
            second = (
                rng.choice(("Apt", "Unit", "Suite"))
                + f" {rng.randint(1, 40)}{rng.choice('ABC ')}".rstrip()
            )
        return f"{number} {word} {kind}", second

    def _address(self, country, name, place=None):
        city, region, postal = place or self.rng.choice(PLACES[country])
        line1, line2 = self._street(country)
        address = {
            "name": name,
            "addressLine1": line1,
            "city": city,
            "stateOrRegion": region,
            "postalCode": postal,
            "countryCode": country,
            "addressType": "RESIDENTIAL",
        }
        if line2:
            address["addressLine2"] = line2
        if not region:
            del address["stateOrRegion"]
        return address

    def _consumer(self, country, returning):
        """(person, whether they ordered before)."""
        pool = self.consumers[country]
        if returning and pool:
            return self.rng.choice(pool), True
        name = self._name()
        person = {"name": name, "email": self._email()}
        person["address"] = self._address(country, name)
        roll = self.rng.random()
        if country in ("US", "CA", "AU") and roll < 0.04:
            # A PO box: fine with the postal service's standard shipping.
            word = {"AU": "PO Box", "CA": "PO Box"}.get(country, "P.O. Box")
            person["address"]["addressLine1"] = f"{word} {self.rng.randint(10, 9999)}"
            person["address"].pop("addressLine2", None)
        elif country == "US" and roll < 0.055:
            person["address"].update(
                addressLine1=f"Unit {self.rng.randint(2000, 9999)} "
                f"Box {self.rng.randint(1, 999)}",
                city="APO",
                stateOrRegion="AE",
                postalCode=f"090{self.rng.randint(10, 99)}",
            )
            person["address"].pop("addressLine2", None)
        pool.append(person)
        return person, False

    def _company(self, country):
        pool = self.companies[country]
        if pool and self.rng.random() < 0.85:
            return self.rng.choice(pool)
        company = f"{self.rng.choice(COMPANY_WORDS)} {self.rng.choice(COMPANY_KINDS)}"
        name = self._name()
        address = self._address(country, name)
        address.update(companyName=company, addressType="COMMERCIAL")
        entry = {"name": name, "email": self._email(), "company": company}
        entry["address"] = address
        # Each company has a usual order size of its own.
        entry["bulk"] = self.rng.random() < 0.6
        entry["size"] = self.rng.choice((10, 12, 20, 24, 25, 40, 50, 60, 100))
        pool.append(entry)
        return entry

    # -- orders ------------------------------------------------------------------
    def _order_id(self):
        self.serial += 1
        return "%03d-%07d-%07d" % (
            self.rng.randint(200, 799),
            self.serial,
            self.rng.randint(0, 9999999),
        )

    def _lines(self, business, size=None, count=None):
        rng = self.rng
        count = count or (1 if rng.random() < 0.62 else rng.randint(2, 5))
        lines = []
        for product in rng.sample(self.catalogue, count):
            if size:
                cheap = product["consumable"]
                quantity = max(
                    2, round(size * rng.uniform(0.5, 1.5) * (1 if cheap else 0.2))
                )
            else:
                quantity = min(8, 1 + int(rng.expovariate(1.6)))
            lines.append([product, quantity])
        return lines

    def order(self, moment, tags):
        rng = self.rng
        market = rng.choices(MARKETS, [m[5] for m in MARKETS])[0]
        _market_id, _host, country, currency, fx, _ = market
        business = rng.random() < 0.25
        level = rng.choices(
            ("Standard", "Expedited", "SecondDay", "NextDay", "SameDay"),
            (70, 15, 8, 5, 2),
        )[0]
        if business:
            buyer = self._company(country)
            bulk = buyer["bulk"] and rng.random() < 0.8
            lines = self._lines(True, buyer["size"] if bulk else None)
            tags.add("business_bulk" if bulk else "business")
        else:
            buyer, returning = self._consumer(country, rng.random() < 0.25)
            lines = self._lines(False)
            if returning:
                tags.add("repeat")
        address = dict(buyer["address"])
        if country == "CA" and rng.random() < 0.05:
            address = self._address("US", buyer["name"])  # routine for this seller
            tags.add("cross_border")
        elif country == "ES" and rng.random() < 0.04:
            address = self._address("PT", buyer["name"])
            tags.add("cross_border")
        level = LEVELS[level]
        line1 = address.get("addressLine1", "")
        if "business_bulk" in tags or "Box" in line1 or address.get("city") == "APO":
            level = "STANDARD"  # what these buyers pick (and what works)
        return {
            "market": market,
            "moment": moment,
            "business": business,
            "buyer": buyer,
            "address": address,
            "lines": lines,
            "level": level,
            "fx": fx,
            "currency": currency,
        }

    # -- anomalies ---------------------------------------------------------------
    def anomaly(self, draft, kind):
        rng = self.rng
        country = draft["market"][2]
        if draft["address"]["countryCode"] != country:  # a routine cross-border
            draft["address"] = self._address(country, draft["buyer"]["name"])
        address = draft["address"]
        if kind == "bad_region":
            wrong = {
                "US": ("XX", "Texass", "ON", "UK", "ZZ", "Calif"),
                "CA": ("ZZ", "TX", "Ontarioo", "PQ"),
                "MX": ("Nueva York", "XX", "Jalisko"),
                "ES": ("Catalonya", "ZZ"),
                "IT": ("XX", "Lombardya"),
                "AU": ("NSX", "Tasmania2"),
            }
            address["stateOrRegion"] = rng.choice(wrong[country])
        elif kind == "no_street":
            address["addressLine1"] = rng.choice(
                ("", ".", "-", "N/A", "x", "#", "  ", "...")
            )
            address.pop("addressLine2", None)
        elif kind == "bad_postal":
            wrong = {
                "US": ("1234", "ABCDE", "123456"),
                "CA": ("12345", "M5V2T", "ZZZ 999"),
                "MX": ("0660", "ABCDE"),
                "ES": ("2801", "ES-28013X"),
                "IT": ("0018", "I-00184X"),
                "AU": ("20000", "NSW"),
            }
            address["postalCode"] = rng.choice(wrong[country])
        elif kind == "zip_elsewhere":
            others = [
                p for p in PLACES[country] if p[1] != address.get("stateOrRegion")
            ]
            address["postalCode"] = rng.choice(others)[2]
        elif kind == "po_box_rush":
            address["addressLine1"] = f"PO Box {rng.randint(10, 9999)}"
            address.pop("addressLine2", None)
            draft["level"] = rng.choice(("NEXT_DAY", "SAME_DAY"))
        elif kind == "far_destination":
            target = rng.choice(sorted(FAR_PLACES))
            draft["address"] = self._address(
                target, address["name"], FAR_PLACES[target]
            )
        elif kind == "bulk_grab":
            product = min(self.catalogue, key=lambda p: p["usd"] * rng.random())
            draft["lines"] = [[product, rng.randint(40, 400)]]
        elif kind == "rushed_value":
            product = max(self.catalogue, key=lambda p: p["usd"] * rng.uniform(0.7, 1))
            draft["lines"] = [[product, rng.randint(6, 20)]]
            draft["level"] = rng.choice(("NEXT_DAY", "SAME_DAY", "SECOND_DAY"))
        elif kind == "business_grab":
            draft["business"] = True
            company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
            draft["address"]["companyName"] = company
            draft["buyer"] = {
                "name": address["name"],
                "email": self._email(),
                "company": company,
            }
            product = rng.choice(self.catalogue)
            draft["lines"] = [[product, rng.randint(1500, 6000)]]
        return draft

    def reshipping_ring(self, moment):
        """3 to 6 first-time buyers under different names, one forwarder's
        address, within a few days."""
        rng = self.rng
        market = MARKETS[0]
        line1 = f"{rng.randint(7000, 8999)} NW {rng.randint(20, 99)}th St"
        suite = f"Suite {rng.randint(100, 999)}"
        drafts = []
        for _ in range(rng.randint(3, 6)):
            name = self._name()
            address = self._address("US", name, FREIGHT_FORWARDER)
            address.update(addressLine1=line1, addressLine2=suite)
            drafts.append(
                {
                    "market": market,
                    "moment": moment + timedelta(hours=rng.uniform(0, 96)),
                    "business": False,
                    "buyer": {"name": name, "email": self._email()},
                    "address": address,
                    "lines": self._lines(False),
                    "level": "STANDARD",
                    "fx": market[4],
                    "currency": market[3],
                }
            )
        return drafts

    # -- rendering -----------------------------------------------------------------
    def render(self, draft, pending=False):
        market_id, host, _country, currency, fx, _ = draft["market"]
        order_id = self._order_id()
        items = []
        for number, (product, quantity) in enumerate(draft["lines"]):
            item = {
                "orderItemId": f"{order_id[-7:]}{number:03d}"
                f"{self.rng.randint(1000, 9999)}",
                "quantityOrdered": quantity,
                "product": {
                    "asin": product["asin"],
                    "sellerSku": product["sku"],
                    "title": product["title"],
                },
            }
            if not pending:
                unit = product["usd"] * fx * (0.9 if draft["business"] else 1.0)
                item["product"]["price"] = {"unitPrice": _money(unit, currency)}
            items.append(item)
        address = dict(draft["address"])
        if pending:
            keep = ("city", "stateOrRegion", "postalCode", "countryCode")
            address = {key: address[key] for key in keep if key in address}
        order = {
            "orderId": order_id,
            "createdTime": draft["moment"].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "lastUpdatedTime": (draft["moment"] + timedelta(minutes=20)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "programs": ["AMAZON_BUSINESS"] if draft["business"] else [],
            "salesChannel": {
                "channelName": "AMAZON",
                "marketplaceId": market_id,
                "marketplaceName": host,
            },
            "recipient": {"deliveryAddress": address},
            "fulfillment": {
                "fulfillmentStatus": "PENDING" if pending else "UNSHIPPED",
                "fulfilledBy": "MERCHANT",
                "fulfillmentServiceLevel": draft["level"],
            },
            "orderItems": items,
        }
        if not pending:
            buyer = draft["buyer"]
            order["buyer"] = {"buyerName": buyer["name"], "buyerEmail": buyer["email"]}
            if buyer.get("company"):
                order["buyer"]["buyerCompanyName"] = buyer["company"]
        return order


ANOMALY_MIX = (
    ("bad_region", 12),
    ("no_street", 12),
    ("bad_postal", 9),
    ("zip_elsewhere", 7),
    ("po_box_rush", 8),
    ("far_destination", 12),
    ("bulk_grab", 12),
    ("rushed_value", 10),
    ("business_grab", 4),
    ("reshipping_ring", 14),
)


def generate(seed=1, orders=6000):
    """``[(order, label, tags)]`` of one seller, oldest first."""
    population = Population(seed, orders)
    rng = population.rng
    span = DAYS * 86400
    drafts = []
    wanted = round(orders * ANOMALY_RATE)
    kinds = [kind for kind, _ in ANOMALY_MIX]
    weights = [weight for _, weight in ANOMALY_MIX]
    normal = orders - wanted
    moments = sorted(
        START + timedelta(seconds=rng.uniform(0, span)) for _ in range(normal)
    )
    for moment in moments:
        tags = set()
        draft = population.order(moment, tags)
        drafts.append((draft, 0, tags))
    made = 0
    while made < wanted:
        kind = rng.choices(kinds, weights)[0]
        moment = START + timedelta(seconds=rng.uniform(0, span))
        if kind == "reshipping_ring":
            for draft in population.reshipping_ring(moment)[: wanted - made]:
                drafts.append((draft, 1, {kind}))
                made += 1
            continue
        tags = set()
        draft = population.order(moment, tags)
        tags = {kind} | ({"business"} if draft["business"] else set())
        drafts.append((population.anomaly(draft, kind), 1, tags))
        made += 1
    drafts.sort(key=lambda entry: entry[0]["moment"])
    result = []
    for draft, label, tags in drafts:
        pending = not label and rng.random() < 0.03
        if pending:
            tags = tags | {"pending"}
        result.append((population.render(draft, pending), label, frozenset(tags)))
    return result
