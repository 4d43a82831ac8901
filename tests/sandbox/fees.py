"""Selling fees the sandbox estimates (Product Fees v0): pure, no HTTP.

Figures are the sandbox's own, shaped like Amazon's US schedule for a
Professional seller, in US dollars converted with the marketplace's FX rate:

- ``ReferralFee``: 15 % of the price (listing + shipping), at least 0.30.
- ``VariableClosingFee``: 1.80 for media (an ASIN that is an ISBN-10, all
  digits), else 0.
- ``PerItemFee``: 0 (Professional plan).
- ``FBAFees`` (only when the offer is Amazon-fulfilled): by a size tier the
  ASIN decides (``size_tier``), 0.77 less below a 10.00 price (Amazon's
  low-price FBA rate); its one included fee is ``FBAPerUnitFulfillmentFee``.

``estimate(asin, marketplace, listing_price, shipping=0, afn=False)`` returns
``{"currency", "tier", "details": [(FeeType, Decimal)], "total"}``; the total
is the sum of the details.
"""

import hashlib
import re
from decimal import Decimal

from .market import currency, fx, quantize

REFERRAL_RATE = Decimal("0.15")
REFERRAL_MINIMUM = Decimal("0.30")
MEDIA_CLOSING_FEE = Decimal("1.80")
LOW_PRICE = Decimal("10.00")
LOW_PRICE_DISCOUNT = Decimal("0.77")
# (tier, FBA fulfilment fee in USD, weight out of 100)
SIZE_TIERS = (
    ("SmallStandard", Decimal("3.22"), 45),
    ("LargeStandard", Decimal("4.75"), 35),
    ("LargeStandardHeavy", Decimal("6.41"), 12),
    ("LargeBulky", Decimal("9.73"), 8),
)
MEDIA = re.compile(r"^[0-9]{9}[0-9X]$")


def size_tier(asin):
    """The ASIN's FBA size tier and fee in USD (drawn from the ASIN)."""
    point = int(hashlib.sha256(f"size|{asin}".encode()).hexdigest()[:8], 16) % 100
    for name, fee, weight in SIZE_TIERS:
        if point < weight:
            return name, fee
        point -= weight
    return SIZE_TIERS[-1][:2]


def estimate(asin, marketplace, listing_price, shipping=0, afn=False):
    rate = fx(marketplace)
    price = Decimal(str(listing_price)) + Decimal(str(shipping))
    referral = max(REFERRAL_RATE * price, REFERRAL_MINIMUM * rate)
    closing = MEDIA_CLOSING_FEE * rate if MEDIA.match(asin or "") else Decimal(0)
    details = [
        ("ReferralFee", quantize(referral, marketplace)),
        ("VariableClosingFee", quantize(closing, marketplace)),
        ("PerItemFee", quantize(0, marketplace)),
    ]
    tier = None
    if afn:
        tier, fee = size_tier(asin)
        if Decimal(str(listing_price)) < LOW_PRICE * rate:
            fee -= LOW_PRICE_DISCOUNT
        details.append(("FBAFees", quantize(fee * rate, marketplace)))
    return {
        "currency": currency(marketplace),
        "tier": tier,
        "details": details,
        "total": sum((amount for _, amount in details), Decimal(0)),
    }
