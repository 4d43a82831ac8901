"""A living market for the Product Pricing API: competitors' offers per
(ASIN, marketplace) that move with the sandbox's simulated clock. Pure: no
HTTP, no sandbox state; the same arguments always give the same answer, so a
benchmark or a test can replay the market the sandbox served.

Competitors
    Each (ASIN, marketplace) has 2 to 6 competitors, drawn once from the pair
    (``random.Random`` seeded with a text: stable across processes): seller
    ids ``A1COMP`` + 8 hex digits (never a real seller), Amazon-fulfilled
    (AFN, Prime) or merchant-fulfilled (MFN; some charge shipping), most New,
    sometimes one Used. Their listing prices sit around a base price (the
    ``anchor``: the catalogue's USD price of the ASIN when the sandbox knows
    it, else one drawn from the ASIN; times the marketplace's FX rate).

Time
    The market changes per hour of simulated time (``BUCKET_SECONDS``): a
    price is ``base x offset x walk x war``, where ``walk`` is a
    mean-reverting random walk (an AR(1) of normal steps, each drawn from
    (asin, marketplace, competitor, hour), truncated to ``WALK_MEMORY``
    hours, so any hour is computed directly and a replay is exact), ``war``
    an undercut war (some days, a few hours in which the New competitors cut
    their prices by ``WAR_CUT`` more every hour, down to ``WAR_FLOOR``), and
    a competitor may be out of stock for a six-hour window (absent from the
    offers) and come back.

Reference prices
    ``WasPrice``: the median landed price of the featured competitor offer
    at ``WAS_SAMPLES`` moments 12 hours apart over the past 14 days (the
    price customers recently paid; it moves at 00:00 and 12:00 UTC).
    ``CompetitivePriceThreshold``: WasPrice x 1.20 to 1.35 (drawn per day),
    the Fair Pricing limit below.
    ``CompetitivePrice``: the current featured offer's landed price.

The featured offer ("Buy Box") rule
    Eligible: a New offer in stock whose landed price (listing + shipping)
    is at most the CompetitivePriceThreshold (Amazon's Fair Pricing: an
    offer priced well above what customers recently paid is not featured).
    Among eligible offers, the lowest score wins, where the score is the
    landed price, times ``1 + MFN_HANDICAP`` for a merchant-fulfilled offer
    (an MFN offer must be about 5 % cheaper than a Prime one to win). Ties
    go to the competitor (the offer already there), then AFN, then seller id.

Featured offer expected price (FOEP) of our offer
    The highest listing price (in the currency's step, cents or yen) at
    which our offer would be featured against the current competitors:
    strictly below the best eligible competitor's score (handicap and our
    shipping taken into account), and within the threshold. ``resultStatus``:
    ``VALID_FOEP``; ``NO_COMPETING_OFFER`` when no competitor is eligible;
    ``OFFER_NOT_ELIGIBLE`` when our offer cannot be featured at any price
    (out of stock, not New); ``OFFER_NOT_FOUND`` when we have no offer
    (no price in that marketplace).

Functions (money is ``Decimal`` in the marketplace's currency; ``at`` a
datetime or ISO 8601 text; an offer is a dict: sellerId, condition,
subCondition, fulfillmentType, listingPrice, shippingPrice, currency, own,
quantity, and sku for ours):

- ``own_offer(listing, marketplace, seller_id, fba_units=None)``: our offer
  from a sandbox listing record (``stores.listings[(seller, sku)]``), or
  None (no ASIN, no price). ``fba_units``: fulfillable FBA units of the SKU
  (None: unknown, taken as in stock).
- ``competitors(asin, marketplace, at, anchor=None)``: the competitors'
  offers in stock at ``at``.
- ``offers(asin, marketplace, at, own=None, anchor=None)``: competitors and
  our offer when in stock, by landed price.
- ``reference_prices(asin, marketplace, at, anchor=None)``:
  ``{"WasPrice": D, "CompetitivePriceThreshold": D}``.
- ``featured(offers, threshold=None)``: the featured offer or None.
- ``expected_price(asin, marketplace, at, own, anchor=None)``: ``FoepResult``.
- ``snapshot(asin, marketplace, at, own=None, anchor=None)``: all of it
  at once (what the handlers use): ``.offers``, ``.references``,
  ``.featured``, ``.threshold``, ``.was_price``; ``foep(snapshot)``.
- ``anchors(products)``: ``{asin: Decimal USD}`` from a dataset's products
  (``/_sandbox/dataset``'s ``products``), for ``anchor=``.
"""

import hashlib
import math
import random
import statistics
from dataclasses import dataclass
from datetime import timezone
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import lru_cache

from .dataset import BY_MARKETPLACE, parse_time

BUCKET_SECONDS = 3600
WALK_MEMORY = 16  # hours an AR(1) step still counts
WALK_PHI = 0.8
WALK_SIGMA = 0.02  # about 2 % per hour, 3-4 % around the mean
WAR_CHANCE = 0.25  # share of days with an undercut war
WAR_CUT = Decimal("0.015")  # per hour of war
WAR_FLOOR = Decimal("0.80")
OUT_OF_STOCK = {"AFN": 0.06, "MFN": 0.12}  # per six-hour window
MFN_HANDICAP = Decimal("0.05")
WAS_SAMPLES = 28  # every 12 hours over 14 days
THRESHOLD_RANGE = (Decimal("1.20"), Decimal("0.15"))  # x WasPrice: 1.20 + 0.15 u
SUB_CONDITIONS = ("VeryGood", "Good", "Acceptable")

VALID_FOEP = "VALID_FOEP"
NO_COMPETING_OFFER = "NO_COMPETING_OFFER"
OFFER_NOT_ELIGIBLE = "OFFER_NOT_ELIGIBLE"
OFFER_NOT_FOUND = "OFFER_NOT_FOUND"


# -- money and time -------------------------------------------------------


def currency(marketplace):
    return BY_MARKETPLACE.get(marketplace, (None, None, None, "USD"))[3]


def fx(marketplace):
    return BY_MARKETPLACE.get(marketplace, (None, None, None, "USD", Decimal(1)))[4]


def step(marketplace):
    """The smallest price step: one yen, else one cent."""
    return Decimal(1) if currency(marketplace) == "JPY" else Decimal("0.01")


def quantize(amount, marketplace, rounding=ROUND_HALF_UP):
    return Decimal(amount).quantize(step(marketplace), rounding=rounding)


def amount_json(amount, marketplace):
    """A price as Amazon's MoneyType amount: yen whole, else two decimals."""
    value = quantize(amount, marketplace)
    return int(value) if currency(marketplace) == "JPY" else float(value)


def bucket_of(at):
    """The hour of simulated time ``at`` falls in (hours since the epoch)."""
    moment = parse_time(at) if isinstance(at, str) else at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() // BUCKET_SECONDS)


def _unit(*parts):
    """A uniform number in (0, 1) from the parts, the same in every process."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8)
    return (int.from_bytes(digest.digest(), "big") + 0.5) / 2**64


_NORMAL = statistics.NormalDist()


def _normal(*parts):
    return _NORMAL.inv_cdf(_unit(*parts))


# -- competitors ----------------------------------------------------------


@dataclass(frozen=True)
class Competitor:
    seller_id: str
    fulfillment: str  # AFN / MFN
    condition: str  # New / Used
    sub_condition: str
    offset: Decimal  # x base price
    shipping_usd: Decimal


def base_price(asin, marketplace, anchor=None):
    """The price competitors sit around, in the marketplace's currency."""
    if anchor is None:
        anchor = Decimal(1000 + int(_unit("anchor", asin) * 9000)) / 100
    return Decimal(anchor) * fx(marketplace)


def roster(asin, marketplace):
    """The pair's competitors (the same at every moment; stock and prices
    change with time)."""
    rng = random.Random(f"market|{asin}|{marketplace}")
    count = rng.randint(2, 6)
    used = count >= 3 and rng.random() < 0.35
    found = []
    for index in range(count):
        digest = hashlib.sha256(f"{asin}|{marketplace}|{index}".encode())
        seller = "A1COMP" + digest.hexdigest()[:8].upper()
        afn = rng.random() < 0.5
        is_used = used and index == count - 1
        if is_used:
            offset = Decimal(rng.randint(60, 80)) / 100
        else:
            offset = Decimal(rng.randint(92, 115)) / 100
        shipping = Decimal(0)
        if not afn and rng.random() < 0.4:
            shipping = Decimal(rng.choice((349, 399, 499, 599, 699))) / 100
        found.append(
            Competitor(
                seller_id=seller,
                fulfillment="AFN" if afn else "MFN",
                condition="Used" if is_used else "New",
                sub_condition=rng.choice(SUB_CONDITIONS) if is_used else "New",
                offset=offset,
                shipping_usd=shipping,
            )
        )
    return found


def _walk(asin, marketplace, seller, bucket):
    """exp of a truncated AR(1) of normal steps: about 1, moving hourly."""
    level = 0.0
    weight = 1.0
    for back in range(WALK_MEMORY):
        level += weight * _step(asin, marketplace, seller, bucket - back)
        weight *= WALK_PHI
    return Decimal(math.exp(WALK_SIGMA * level)).quantize(Decimal("0.000001"))


_STEPS = {}


def _step(asin, marketplace, seller, bucket):
    key = (asin, marketplace, seller, bucket)
    value = _STEPS.get(key)
    if value is None:
        if len(_STEPS) > 500_000:
            _STEPS.clear()
        value = _STEPS[key] = _normal("walk", *key)
    return value


def war(asin, marketplace, bucket):
    """The undercut war's multiplier for New competitors at ``bucket``
    (1 outside a war): each day draws whether there is one, its start hour
    and length; prices then fall by WAR_CUT per hour of war, down to
    WAR_FLOOR."""
    day, hour = divmod(bucket, 24)
    if _unit("war", asin, marketplace, day) >= WAR_CHANCE:
        return Decimal(1)
    start = int(_unit("war-start", asin, marketplace, day) * 16)
    length = 4 + int(_unit("war-length", asin, marketplace, day) * 5)
    if not start <= hour < start + length:
        return Decimal(1)
    return max(WAR_FLOOR, 1 - WAR_CUT * (hour - start + 1))


def in_stock(asin, marketplace, competitor, bucket):
    window = bucket // 6
    chance = OUT_OF_STOCK[competitor.fulfillment]
    return _unit("stock", asin, marketplace, competitor.seller_id, window) >= chance


def competitors(asin, marketplace, at, anchor=None):
    """The competitors' offers in stock at ``at``."""
    return _competitors(asin, marketplace, bucket_of(at), anchor)


def _competitors(asin, marketplace, bucket, anchor):
    base = base_price(asin, marketplace, anchor)
    money = currency(marketplace)
    battle = war(asin, marketplace, bucket)
    found = []
    for comp in roster(asin, marketplace):
        if not in_stock(asin, marketplace, comp, bucket):
            continue
        factor = comp.offset * _walk(asin, marketplace, comp.seller_id, bucket)
        if comp.condition == "New":
            factor *= battle
        price = max(step(marketplace), quantize(base * factor, marketplace))
        found.append(
            {
                "sellerId": comp.seller_id,
                "condition": comp.condition,
                "subCondition": comp.sub_condition,
                "fulfillmentType": comp.fulfillment,
                "listingPrice": price,
                "shippingPrice": quantize(
                    comp.shipping_usd * fx(marketplace), marketplace
                ),
                "currency": money,
                "own": False,
                "quantity": None,
            }
        )
    return found


# -- our own offer --------------------------------------------------------


def _attribute_price(listing, marketplace):
    for value in listing.get("attributes", {}).get("purchasable_offer") or ():
        if not isinstance(value, dict) or value.get("marketplace_id") != marketplace:
            continue
        try:
            price = value["our_price"][0]["schedule"][0]["value_with_tax"]
        except (IndexError, KeyError, TypeError):
            continue
        given = value.get("currency") or currency(marketplace)
        amount = Decimal(str(price))
        if given != currency(marketplace):  # converted through USD
            amount = amount / _fx_of_currency(given) * fx(marketplace)
        return amount
    return None


def _fx_of_currency(code):
    for market in BY_MARKETPLACE.values():
        if market[3] == code:
            return market[4]
    return Decimal(1)


def _quantity(listing, afn, fba_units):
    if afn:
        return fba_units
    values = listing.get("attributes", {}).get("fulfillment_availability")
    if isinstance(values, list) and values:
        for value in values:
            if (
                isinstance(value, dict)
                and value.get("fulfillment_channel_code", "DEFAULT") == "DEFAULT"
            ):
                return int(value.get("quantity") or 0)
        return 0
    return int(listing.get("quantity", 25))


def _condition(listing):
    values = listing.get("attributes", {}).get("condition_type") or [{}]
    value = values[0].get("value") if isinstance(values[0], dict) else None
    if isinstance(value, str) and not value.startswith("new"):
        return "Used"
    return "New"


def own_offer(listing, marketplace, seller_id, fba_units=None):
    """Our offer from a sandbox listing record, or None when there is none.

    Price: the ``purchasable_offer`` value for ``marketplace`` (converted
    when given in another currency), else the listing's ``price`` (the
    store keeps the US dollar price) converted with the marketplace's FX
    rate. No ASIN, no price, or attributes without ``purchasable_offer``
    (deleted): no offer. AFN (``afn``, derived from
    ``fulfillment_availability``): ``fba_units`` fulfillable units; MFN:
    the DEFAULT channel's quantity, free shipping."""
    if not listing or not listing.get("asin"):
        return None
    attributes = listing.get("attributes")
    if isinstance(attributes, dict) and not attributes.get("purchasable_offer"):
        return None  # Amazon drops the offer with its last purchasable_offer
    price = _attribute_price(listing, marketplace)
    if price is None and listing.get("price") is not None:
        price = Decimal(str(listing["price"])) * fx(marketplace)
    if price is None or price <= 0:
        return None
    afn = bool(listing.get("afn"))
    condition = _condition(listing)
    return {
        "sellerId": seller_id,
        "sku": listing["sku"],
        "asin": listing["asin"],
        "condition": condition,
        "subCondition": "New" if condition == "New" else "Good",
        "fulfillmentType": "AFN" if afn else "MFN",
        "listingPrice": quantize(price, marketplace),
        "shippingPrice": Decimal(0),
        "currency": currency(marketplace),
        "own": True,
        "quantity": _quantity(listing, afn, fba_units),
    }


def available(offer):
    return offer["quantity"] is None or offer["quantity"] > 0


# -- the featured offer ---------------------------------------------------


def landed(offer):
    return offer["listingPrice"] + offer["shippingPrice"]


def score(offer):
    handicap = MFN_HANDICAP if offer["fulfillmentType"] == "MFN" else 0
    return landed(offer) * (1 + handicap)


def eligible(offer, threshold=None):
    return (
        offer["condition"] == "New"
        and available(offer)
        and (threshold is None or landed(offer) <= threshold)
    )


def _rank(offer):
    return (
        score(offer),
        1 if offer["own"] else 0,
        0 if offer["fulfillmentType"] == "AFN" else 1,
        offer["sellerId"],
    )


def featured(offers, threshold=None):
    """The featured offer among ``offers`` (None when none is eligible)."""
    candidates = [offer for offer in offers if eligible(offer, threshold)]
    return min(candidates, key=_rank) if candidates else None


def offers(asin, marketplace, at, own=None, anchor=None):
    """Competitors in stock and our offer (when in stock), by landed price."""
    found = competitors(asin, marketplace, at, anchor)
    if own is not None and available(own):
        found.append(own)
    return sorted(found, key=lambda offer: (landed(offer), offer["sellerId"]))


def reference_prices(asin, marketplace, at, anchor=None):
    return _references(asin, marketplace, bucket_of(at), anchor)


def _references(asin, marketplace, bucket, anchor):
    was = _was_price(asin, marketplace, bucket // 12, anchor)
    low, spread = THRESHOLD_RANGE
    factor = low + spread * Decimal(str(_unit("cpt", asin, marketplace, bucket // 24)))
    threshold = quantize(was * factor, marketplace, ROUND_FLOOR)
    return {"WasPrice": was, "CompetitivePriceThreshold": threshold}


@lru_cache(maxsize=8192)
def _was_price(asin, marketplace, slot, anchor):
    """Median landed price of the featured competitor at the WAS_SAMPLES
    12-hour boundaries before ``slot`` (so it moves twice a day)."""
    paid = []
    for sample in range(WAS_SAMPLES):
        bucket = (slot - sample) * 12 - 1
        winner = featured(_competitors(asin, marketplace, bucket, anchor))
        if winner is not None:
            paid.append(landed(winner))
    if not paid:
        return quantize(base_price(asin, marketplace, anchor), marketplace)
    return quantize(statistics.median(paid), marketplace)


# -- FOEP -----------------------------------------------------------------


@dataclass
class FoepResult:
    status: str
    price: Decimal = None  # the FOEP listing price (VALID_FOEP only)
    competing: dict = None  # featured if we priced above the FOEP
    current: dict = None  # featured now


@dataclass
class Snapshot:
    """The market of one (ASIN, marketplace) at one moment."""

    asin: str
    marketplace: str
    bucket: int
    offers: list  # competitors in stock and our offer when in stock
    references: dict
    own: dict = None
    featured: dict = None

    @property
    def threshold(self):
        return self.references["CompetitivePriceThreshold"]

    @property
    def was_price(self):
        return self.references["WasPrice"]


def snapshot(asin, marketplace, at, own=None, anchor=None):
    bucket = bucket_of(at)
    found = _competitors(asin, marketplace, bucket, anchor)
    if own is not None and available(own):
        found.append(own)
    found.sort(key=lambda offer: (landed(offer), offer["sellerId"]))
    references = _references(asin, marketplace, bucket, anchor)
    winner = featured(found, references["CompetitivePriceThreshold"])
    return Snapshot(asin, marketplace, bucket, found, references, own, winner)


def foep(snap):
    """The FOEP of ``snap``'s own offer (see the module's docstring)."""
    own = snap.own
    if own is None:
        return FoepResult(OFFER_NOT_FOUND)
    threshold = snap.threshold
    rivals = [o for o in snap.offers if not o["own"] and eligible(o, threshold)]
    best = min(rivals, key=_rank) if rivals else None
    current = snap.featured
    if own["condition"] != "New" or not available(own):
        return FoepResult(OFFER_NOT_ELIGIBLE, competing=best, current=current)
    if best is None:
        return FoepResult(NO_COMPETING_OFFER, current=current)
    unit = step(snap.marketplace)
    handicap = MFN_HANDICAP if own["fulfillmentType"] == "MFN" else Decimal(0)
    ship = own["shippingPrice"]
    bound = score(best) / (1 + handicap) - ship
    price = bound.quantize(unit, rounding=ROUND_FLOOR)
    if (price + ship) * (1 + handicap) >= score(best):
        price -= unit
    price = min(price, (threshold - ship).quantize(unit, rounding=ROUND_FLOOR))
    if price < unit:
        return FoepResult(OFFER_NOT_ELIGIBLE, competing=best, current=current)
    return FoepResult(VALID_FOEP, price, best, current)


def expected_price(asin, marketplace, at, own, anchor=None):
    return foep(snapshot(asin, marketplace, at, own, anchor))


def anchors(products):
    """``{asin: Decimal USD price}`` of a dataset's products."""
    return {p["asin"]: Decimal(str(p["priceUsd"])) for p in products if p.get("asin")}
