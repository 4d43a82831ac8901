"""Plan one Finances API 2024-06-19 ``Transaction`` for accounting, without PII.

Pure Python (never imports odoo). :func:`plan_transaction` turns one
transaction of ``listTransactions`` into a :class:`TransactionPlan`: what kind
of money movement it is (a rule per ``transactionType``), its status, its
links (order, settlement group, deferred and release transactions) and its
``lines``: the leaves of Amazon's breakdown tree, each with a **role** the Odoo
layer maps to an account. The lines add up to the transaction's total to the
cent, else the transaction is refused with a :class:`FinanceDataError` and the
caller parks it and goes on.

Kinds (:data:`KINDS`), from :data:`TRANSACTION_TYPES`:

- ``order``: the sale of an order; its proceeds settle the order's invoice.
- ``refund``: a refund of an order (A-to-z claims and chargebacks too); its
  ``refund`` lines settle the credit note.
- ``fee``: storage, subscription, advertising, service fees, with no order.
- ``reimbursement``: money Amazon credits outside an order (lost inventory,
  SAFE-T claims, liquidation proceeds): an income.
- ``adjustment``: corrections (retrocharges, removals, tax withholding...):
  the lines' roles say where each part goes, unknown parts go to ``other``.
- ``loan``: Amazon Lending advances and repayments: the loan liability.
- ``payout``: money moved between the Amazon balance and the seller's bank or
  card (a transfer of a settlement group to the bank is negative).
- ``unmapped``: a type this mapping does not book; ``reason`` says why in
  words. An unknown future type becomes ``unmapped`` with a reason naming it.

Roles (:data:`ROLES`), the accounts' vocabulary:

- ``proceeds``: what the buyer paid for items, shipping, gift wrap (clears
  the invoice receivable); ``refund``: the same given back (credit note).
- ``tax``: tax the seller collected (or gives back in a refund).
- ``facilitator_tax``: tax Amazon withheld as marketplace facilitator.
- ``fee``: an Amazon fee; ``code`` keeps Amazon's fee type (``Commission``,
  ``FBAPerUnitFulfillmentFee``, ``FBAStorageFee``...). ``fee_tax``: the VAT
  Amazon charged on a fee (the ``Tax`` leaf under a fee).
- ``promotion``: promotions and discounts the seller funded.
- ``reimbursement``, ``reserve``, ``loan``, ``payout``: as the kinds.
- ``other``: anything this mapping does not recognise, kept, never dropped.

Deferred transactions: a ``DEFERRED`` transaction waits. When Amazon
releases it, "the status of a deferred transaction is updated to
DEFERRED_RELEASED" (Amazon's model); integrations report that it then links
to a new ``RELEASED`` release transaction by ``RELEASE_TRANSACTION_ID``, and
the release links back by ``DEFERRED_TRANSACTION_ID`` (both in Amazon's
RelatedIdentifier enum). Both describe one economic event: the Odoo layer
books once per :func:`booking_key` and counts the money in a settlement group
once (:func:`counts_toward_payout`). Amazon: "If you want only those
transactions that are processed for payments in the next settlement group,
you must filter for transactions where the transactionStatus is RELEASED"
(https://developer-docs.amazon.com/sp-api/docs/finances-api-v2024-06-19-use-case-guide).

Sources of the breakdown names and of what is a project decision (the payout
type ``Transfer``, promotion and facilitator-tax names): the docstring of
:func:`classify` and the comments of :data:`TRANSACTION_TYPES`.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from . import amazon_time

KINDS = (
    "order",
    "refund",
    "fee",
    "reimbursement",
    "adjustment",
    "loan",
    "payout",
    "unmapped",
)
ROLES = (
    "proceeds",
    "refund",
    "tax",
    "facilitator_tax",
    "fee",
    "fee_tax",
    "promotion",
    "reimbursement",
    "reserve",
    "loan",
    "payout",
    "other",
)
STATUSES = ("released", "deferred", "deferred_released")
# Every Transaction path a plan reads; a test proves plans ignore the rest
# (item descriptions are product titles, sellingPartnerMetadata names the
# seller). ``description`` is read only when it is a type name such as
# "FBAStorageBilling" (a fee without breakdowns takes it as its code).
SOURCE_PATHS = (
    "transactionId",
    "transactionType",
    "transactionStatus",
    "postedDate",
    "totalAmount",
    "description",
    "marketplaceDetails.marketplaceId",
    "sellingPartnerMetadata.marketplaceId",
    "relatedIdentifiers",
    "contexts[DeferredContext].deferralReason",
    "contexts[DeferredContext].maturityDate",
    "breakdowns",
    "items[].totalAmount",
    "items[].breakdowns",
    "items[].contexts[ProductContext].sku",
    "items[].contexts[ProductContext].asin",
    "items[].contexts[ProductContext].quantityShipped",
)
UNKNOWN = "(unknown)"
ZERO = Decimal(0)


@dataclass(frozen=True)
class TypeRule:
    """How a ``transactionType`` is booked: its kind, and for ``unmapped``
    the reason in words (shown to the accountant who books it by hand)."""

    kind: str
    reason: str | None = None


_ORDER = TypeRule("order")
_REFUND = TypeRule("refund")
_FEE = TypeRule("fee")
_REIMBURSEMENT = TypeRule("reimbursement")
_ADJUSTMENT = TypeRule("adjustment")
_PAYOUT = TypeRule("payout")

# Every type of Amazon's financesV0.json FinancialEvents (``<Type>EventList``)
# and those seen or decided for 2024-06-19 only (EXTRA_TYPES). A test derives
# the V0 names from the model file and fails on any type without a rule.
TRANSACTION_TYPES = {
    "Shipment": _ORDER,
    "ShipmentSettle": _ORDER,
    "RentalTransaction": _ORDER,
    "Refund": _REFUND,
    "GuaranteeClaim": _REFUND,  # A-to-z Guarantee claim paid from the sale
    "Chargeback": _REFUND,  # the buyer's card issuer took the money back
    "ServiceFee": _FEE,
    "ProductAdsPayment": _FEE,  # Sponsored Products (advertising)
    "SellerDealPayment": _FEE,  # deal fees
    "CouponPayment": _FEE,  # coupon clip and redemption charges
    "ImagingServicesFee": _FEE,
    "SellerReviewEnrollmentPayment": _FEE,  # Early Reviewer Program
    "TrialShipment": _FEE,
    "ValueAddedServiceCharge": _FEE,
    "CapacityReservationBilling": _FEE,  # FBA capacity reservation
    "AffordabilityExpense": _FEE,  # affordability promotion (India)
    "AffordabilityExpenseReversal": _FEE,  # its reversal: a positive fee
    "ChargeRefund": _FEE,  # Amazon refunding a charge: a positive fee
    "SAFETReimbursement": _REIMBURSEMENT,
    "TDSReimbursement": _REIMBURSEMENT,  # Tax-Deducted-at-Source (India)
    "EBTRefundReimbursementOnly": _REIMBURSEMENT,
    "FBALiquidation": _REIMBURSEMENT,  # proceeds of liquidated FBA inventory
    "FBAInventoryReimbursement": _REIMBURSEMENT,  # seen in 2024-06-19 replies
    "Adjustment": _ADJUSTMENT,
    "Retrocharge": _ADJUSTMENT,  # tax on an order charged back or reversed
    "NetworkComminglingTransaction": _ADJUSTMENT,
    "RemovalShipment": _ADJUSTMENT,  # removal order: fees, maybe revenue
    "RemovalShipmentAdjustment": _ADJUSTMENT,
    "TaxWithholding": _ADJUSTMENT,
    "LoanServicing": TypeRule("loan"),
    "Transfer": _PAYOUT,  # the settlement group's transfer to the bank
    "AdhocDisbursement": _PAYOUT,
    "FailedAdhocDisbursement": _PAYOUT,  # a failed one comes back: positive
    "DebtRecovery": _PAYOUT,  # Amazon charging the seller's card or bank
    "PayWithAmazon": TypeRule(
        "unmapped",
        "Amazon Pay (Pay with Amazon) transactions belong to an Amazon Pay "
        "merchant account, not to selling on the marketplace; book them by "
        "hand",
    ),
    "ServiceProviderCredit": TypeRule(
        "unmapped",
        "credits between a solution provider and the seller depend on their "
        "contract; book them by hand",
    ),
}
# Types not in financesV0.json: "Transfer" is this project's name for the
# payout (no public 2024-06-19 example of one), "FBAInventoryReimbursement" is
# quoted in amzn/selling-partner-api-models issue #4993.
EXTRA_TYPES = ("Transfer", "FBAInventoryReimbursement")

# The role lines take when no breakdown name says otherwise.
_DEFAULT_ROLE = {
    "order": "other",
    "refund": "other",
    "fee": "fee",
    "reimbursement": "reimbursement",
    "adjustment": "other",
    "loan": "loan",
    "payout": "payout",
    "unmapped": "other",
}
_STATUS = {
    "RELEASED": "released",
    "DEFERRED": "deferred",
    "DEFERRED_RELEASED": "deferred_released",
}
_IDENTIFIERS = {
    "ORDER_ID": "order_id",
    "FINANCIAL_EVENT_GROUP_ID": "settlement_group_id",
    "DEFERRED_TRANSACTION_ID": "deferred_transaction_id",
    "RELEASE_TRANSACTION_ID": "release_transaction_id",
    "DISBURSEMENT_ID": "disbursement_id",
    "REFUND_ID": "refund_id",
}

# Breakdown names, compared without spaces, "-", "_" and case (Amazon's own
# example writes "Product Charges").
_CONTAINERS = {"sales", "expenses"}
_FEE_GROUPS = {"amazonfees", "fees", "sellingfees"}
_PROCEEDS = {"productcharges", "principal", "principle", "charges", "itemprice"}
_PROCEEDS_PREFIXES = ("ourprice", "shipping", "giftwrap", "restocking")
_WITHHELD = {"taxwithheld", "taxeswithheld", "withheldtax", "marketplacewithheldtax"}


class FinanceDataError(ValueError):
    """Input the importer must not guess at. The message names the
    transaction and the problem (with Amazon's type names at most), never a
    description, so it may go to logs and sync errors."""

    def __init__(self, transaction_id, message):
        self.transaction_id = transaction_id
        self.message = message
        super().__init__(f"Amazon transaction {transaction_id}: {message}")


@dataclass(frozen=True)
class FinanceLine:
    """One leaf of the breakdown tree. ``code`` is the Amazon type that picks
    the account within the role (the fee type for fees); ``label`` is the
    path of Amazon's breakdown types, e.g. ``AmazonFees / Commission / Base``.
    """

    role: str
    code: str
    label: str
    amount: Decimal
    sku: str | None = None
    asin: str | None = None
    quantity: int | None = None


@dataclass(frozen=True)
class TransactionPlan:
    transaction_id: str
    transaction_type: str
    kind: str
    reason: str | None  # why an unmapped transaction is not booked
    status: str  # one of STATUSES
    posted: datetime  # naive UTC
    marketplace_id: str | None
    currency: str
    order_id: str | None
    settlement_group_id: str | None  # FINANCIAL_EVENT_GROUP_ID
    deferred_transaction_id: str | None  # on a release: the deferred one
    release_transaction_id: str | None  # on a released deferred: its release
    disbursement_id: str | None
    refund_id: str | None  # REFUND_ID: the refund of a Refund transaction
    deferral_reason: str | None  # DeferredContext, e.g. "B2B", "DD7"
    maturity_date: datetime | None  # DeferredContext: when it is released
    total: Decimal
    lines: tuple  # of FinanceLine, adding up to total


@dataclass(frozen=True)
class SettlementTotal:
    """One settlement group (FINANCIAL_EVENT_GROUP_ID) summed.

    ``expected_payout``: the group's released money (payouts left out), what
    Amazon should transfer; ``paid_out``: what its payout transactions moved
    to the bank (positive); ``difference``: expected minus paid out (zero once
    the group is paid and every transaction is known).
    """

    group_id: str
    currency: str
    expected_payout: Decimal
    paid_out: Decimal
    transaction_ids: tuple

    @property
    def difference(self):
        return self.expected_payout - self.paid_out


def rule_of(transaction_type):
    """The rule of ``transaction_type``; an explicit unmapped rule naming the
    type when this mapping does not know it."""
    rule = TRANSACTION_TYPES.get(transaction_type)
    if rule is not None:
        return rule
    return TypeRule(
        "unmapped",
        f"Amazon transaction type {_shown(transaction_type)} is not known to this "
        "mapping; book it by hand or extend TRANSACTION_TYPES",
    )


def transaction_id_of(transaction):
    """The transaction's id, or "(unknown)" whatever its shape."""
    if isinstance(transaction, dict):
        found = transaction.get("transactionId")
        if isinstance(found, str) and found:
            return found
    return UNKNOWN


# What malformed JSON can raise deep in the mapping; turned into a
# FinanceDataError so one bad transaction is parked and its page goes on.
_SHAPE_ERRORS = (TypeError, AttributeError, KeyError, IndexError, ArithmeticError)


@contextmanager
def _shape_checked(transaction):
    if not isinstance(transaction, dict):
        raise FinanceDataError(UNKNOWN, "the transaction is not a JSON object")
    try:
        yield
    except FinanceDataError:
        raise
    except (*_SHAPE_ERRORS, ValueError) as exc:
        raise FinanceDataError(
            transaction_id_of(transaction),
            f"a field has an unexpected type or value ({type(exc).__name__})",
        ) from None


def plan_transaction(transaction):
    """The accounting plan of ``transaction``; FinanceDataError for input
    that is malformed or whose parts do not add up."""
    with _shape_checked(transaction):
        return _plan(transaction)


def _plan(tx):
    tx_id = tx.get("transactionId")
    if not isinstance(tx_id, str) or not tx_id:
        raise FinanceDataError(UNKNOWN, "missing transactionId")
    tx_type = tx.get("transactionType")
    if not isinstance(tx_type, str) or not tx_type:
        raise FinanceDataError(tx_id, "missing transactionType")
    rule = rule_of(tx_type)
    money = _Money(tx_id, tx.get("totalAmount"))
    total = money.amount(tx.get("totalAmount"), "totalAmount")
    links = _links(tx_id, tx.get("relatedIdentifiers"))
    deferral_reason, maturity = _deferral(tx_id, tx.get("contexts"))
    lines = _Lines(money, rule.kind, tx).build(total)
    found = sum((line.amount for line in lines), ZERO)
    if found != total:
        raise FinanceDataError(tx_id, _differs("lines", found, "totalAmount", total))
    return TransactionPlan(
        transaction_id=tx_id,
        transaction_type=tx_type,
        kind=rule.kind,
        reason=rule.reason,
        status=_status(tx_id, tx.get("transactionStatus")),
        posted=_date(tx_id, tx.get("postedDate"), "postedDate", required=True),
        marketplace_id=_marketplace(tx),
        currency=money.currency,
        deferral_reason=deferral_reason,
        maturity_date=maturity,
        total=total,
        lines=lines,
        **links,
    )


class _Money:
    """Reads Currency objects, all in the transaction's one currency."""

    def __init__(self, tx_id, total):
        self.tx_id = tx_id
        code = total.get("currencyCode") if isinstance(total, dict) else None
        if not isinstance(code, str) or not code:
            raise FinanceDataError(tx_id, "totalAmount has no currencyCode")
        self.currency = code

    def amount(self, money, where):
        if not isinstance(money, dict):
            raise FinanceDataError(self.tx_id, f"{where}: no amount")
        code = money.get("currencyCode")
        if code != self.currency:
            raise FinanceDataError(
                self.tx_id,
                f"{where}: currency {_shown(code)} differs from the transaction's "
                f"{_shown(self.currency)}",
            )
        value = money.get("currencyAmount")
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise FinanceDataError(self.tx_id, f"{where}: no numeric amount")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise FinanceDataError(self.tx_id, f"{where}: no numeric amount") from None
        if not number.is_finite():
            raise FinanceDataError(self.tx_id, f"{where}: no numeric amount")
        return number


class _Lines:
    """The leaves of the breakdown tree of one transaction as lines.

    Where the items carry breakdowns, the lines come from them (with each
    item's product); the transaction-level breakdowns, Amazon's summary of
    the same money, are then only checked. Where no item does, the lines come
    from the transaction-level breakdowns (with the product when there is a
    single item); with no breakdowns at all, one line carries the total.
    Every tree used or checked must add up: children to their parent, the top
    level to the total of its item or transaction.
    """

    def __init__(self, money, kind, tx):
        self.money = money
        self.tx_id = money.tx_id
        self.kind = kind
        self.tx = tx

    def build(self, total):
        items = _list(self.tx_id, self.tx.get("items"), "items")
        summary = _breakdown_list(self.tx_id, self.tx.get("breakdowns"))
        if summary:
            self._check_top(summary, total, "transaction", ())
        if any(_breakdown_list(self.tx_id, i.get("breakdowns")) for i in items):
            lines = []
            for index, item in enumerate(items, 1):
                lines.extend(self._item_lines(item, index))
            return tuple(lines)
        product = _product(self.tx_id, items[0]) if len(items) == 1 else {}
        if summary:
            return tuple(self._leaf_lines(summary, (), product))
        code = self._fallback_code()
        line = FinanceLine(
            role=_DEFAULT_ROLE[self.kind], code=code, label=code, amount=total
        )
        return (_with(line, product),) if total else ()

    def _item_lines(self, item, index):
        where = f"item {index}"
        product = _product(self.tx_id, item)
        breakdowns = _breakdown_list(self.tx_id, item.get("breakdowns"))
        item_total = item.get("totalAmount")
        if not breakdowns:
            # An item without breakdowns beside items with: its total alone.
            amount = self.money.amount(item_total, f"{where} totalAmount")
            role = _DEFAULT_ROLE[self.kind]
            line = FinanceLine(role=role, code="Item", label="Item", amount=amount)
            return [_with(line, product)] if amount else []
        if item_total is not None:
            amount = self.money.amount(item_total, f"{where} totalAmount")
            self._check_top(breakdowns, amount, where, ())
        return list(self._leaf_lines(breakdowns, (), product, where))

    def _check_top(self, breakdowns, total, where, path):
        found = sum((self._node(node, where, path)[1] for node in breakdowns), ZERO)
        if found != total:
            raise FinanceDataError(
                self.tx_id,
                _differs(f"{where}: breakdowns", found, "totalAmount", total),
            )

    def _node(self, node, where, path):
        """(name, amount) of a breakdown, checked against its children."""
        if not isinstance(node, dict):
            raise FinanceDataError(self.tx_id, f"{where}: a breakdown is not an object")
        name = node.get("breakdownType")
        if not isinstance(name, str) or not name.strip():
            raise FinanceDataError(self.tx_id, f"{where}: a breakdown has no type")
        names = (*path, name.strip())
        label = " / ".join(names)
        amount = self.money.amount(node.get("breakdownAmount"), f"{where} {label}")
        children = _breakdown_list(self.tx_id, node.get("breakdowns"))
        if children:
            found = sum((self._node(c, where, names)[1] for c in children), ZERO)
            if found != amount:
                raise FinanceDataError(
                    self.tx_id,
                    _differs(f"{where} {label}: sub-breakdowns", found, "it", amount),
                )
        return name.strip(), amount

    def _leaf_lines(self, breakdowns, path, product, where="transaction"):
        for node in breakdowns:
            name, amount = self._node(node, where, path)
            names = (*path, name)
            children = _breakdown_list(self.tx_id, node.get("breakdowns"))
            if children:
                yield from self._leaf_lines(children, names, product, where)
            elif amount:
                role, code = classify(names, self.kind)
                line = FinanceLine(
                    role=role, code=code, label=" / ".join(names), amount=amount
                )
                yield _with(line, product)

    def _fallback_code(self):
        """With no breakdowns: Amazon's description when it is a type name
        (a fee's "FBAStorageBilling"), else the transaction type."""
        description = self.tx.get("description")
        if isinstance(description, str) and re.fullmatch(
            r"[A-Za-z0-9_]{1,64}", description
        ):
            return description
        return self.tx["transactionType"]


def _shown(value):
    """``value`` for an error message when it is a short code or number (an
    Amazon type name, a currency, a status), else only its type: messages
    never quote free text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value)
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", value):
        return repr(value)
    return f"(a {type(value).__name__})"


def _differs(parts, found, whole, expected):
    """The message of parts that do not add up, with the difference."""
    return (
        f"{parts} add up to {found} but {whole} is {expected} "
        f"(difference {found - expected:+})"
    )


def classify(names, kind):
    """(role, code) of a breakdown leaf from the path of Amazon breakdown
    types that leads to it, root first, in a transaction of ``kind``.

    Real 2024-06-19 replies (quoted in amzn/selling-partner-api-models issues
    #4245, #4993 and open-source integrations) nest ``ProductCharges >
    OurPricePrincipal``, ``Shipping > ShippingPrincipal``, ``Tax >
    OurPriceTax / ShippingTax`` and ``AmazonFees > Commission /
    FBAPerUnitFulfillmentFee / ShippingChargeback > Base / Tax`` on items, and
    summarise them as ``Sales`` and ``Expenses`` at transaction level. No
    public reply shows promotions or withheld tax; names are therefore read
    by pattern: ``*Promo*``/``*Discount`` (promotion),
    ``MarketplaceFacilitator*``/``TaxWithheld`` (facilitator_tax, V0's
    names). A name matching nothing takes the kind's role (``fee`` in a fee
    transaction, else ``other``), never dropped.
    """
    keys = [_key(name) for name in names]
    if any(_is_withheld(key) for key in keys):
        return "facilitator_tax", names[-1]
    fee_at = next((i for i, key in enumerate(keys) if _is_fee(key)), None)
    if fee_at is not None:
        if keys[fee_at] in _FEE_GROUPS and fee_at + 1 < len(keys):
            fee_at += 1
        is_tax = len(keys) > fee_at + 1 and _is_tax(keys[-1])
        return ("fee_tax" if is_tax else "fee"), names[fee_at]
    if any(_is_tax(key) for key in keys):
        return "tax", names[-1]
    for role, test in (
        ("promotion", _is_promotion),
        ("reimbursement", lambda key: "reimbursement" in key),
        ("reserve", lambda key: "reserve" in key),
    ):
        if any(test(key) for key in keys):
            return role, names[-1]
    if any(_is_proceeds(key) for key in keys):
        return ("refund" if kind == "refund" else "proceeds"), names[-1]
    if kind == "fee":
        first = next(
            (n for n, k in zip(names, keys, strict=True) if k not in _CONTAINERS), None
        )
        return "fee", first or names[-1]
    return _DEFAULT_ROLE.get(kind, "other"), names[-1]


def _key(name):
    return re.sub(r"[\s_\-]", "", name).lower()


def _is_withheld(key):
    return key.startswith("marketplacefacilitator") or key in _WITHHELD


def _is_fee(key):
    return (
        key in _FEE_GROUPS or key.endswith(("fee", "fees", "commission", "chargeback"))
    ) and not key.startswith("restocking")


def _is_tax(key):
    return key in ("tax", "taxes", "vat", "gst") or key.endswith(
        ("tax", "vat", "taxdiscount")
    )


def _is_promotion(key):
    return "promo" in key or key.endswith("discount")


def _is_proceeds(key):
    return key in _PROCEEDS or key.startswith(_PROCEEDS_PREFIXES)


def _with(line, product):
    if not product:
        return line
    return FinanceLine(
        role=line.role,
        code=line.code,
        label=line.label,
        amount=line.amount,
        sku=product.get("sku"),
        asin=product.get("asin"),
        quantity=product.get("quantity"),
    )


def _list(tx_id, value, where):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise FinanceDataError(tx_id, f"{where} is not a list of objects")
    return value


def _breakdown_list(tx_id, value):
    """A list of breakdowns; also reads the ``{"breakdowns": [...]}`` object
    of the example in Amazon's model (its docs say a list)."""
    if isinstance(value, dict) and set(value) == {"breakdowns"}:
        value = value["breakdowns"]
    return _list(tx_id, value, "breakdowns")


def _product(tx_id, item):
    """sku, asin and quantity of an item's ProductContext (never its
    description: Amazon's item description is the product title)."""
    for context in _list(tx_id, item.get("contexts"), "item contexts"):
        if context.get("contextType") != "ProductContext":
            continue
        quantity = context.get("quantityShipped")
        if quantity is not None and (type(quantity) is not int or quantity < 0):
            raise FinanceDataError(
                tx_id, f"quantityShipped {_shown(quantity)} is not a whole number >= 0"
            )
        return {
            "sku": context.get("sku") or None,
            "asin": context.get("asin") or None,
            "quantity": quantity,
        }
    return {}


def _links(tx_id, identifiers):
    links = dict.fromkeys(_IDENTIFIERS.values())
    for entry in _list(tx_id, identifiers, "relatedIdentifiers"):
        field = _IDENTIFIERS.get(entry.get("relatedIdentifierName"))
        if field is None:
            continue
        value = entry.get("relatedIdentifierValue")
        if not isinstance(value, str) or not value:
            raise FinanceDataError(
                tx_id, f"{entry['relatedIdentifierName']} has no value"
            )
        if links[field] not in (None, value):
            raise FinanceDataError(
                tx_id, f"two different {entry['relatedIdentifierName']} values"
            )
        links[field] = value
    return links


def _deferral(tx_id, contexts):
    for context in _list(tx_id, contexts, "contexts"):
        if context.get("contextType") == "DeferredContext":
            reason = context.get("deferralReason")
            maturity = _date(tx_id, context.get("maturityDate"), "maturityDate")
            return (reason if isinstance(reason, str) else None), maturity
    return None, None


def _status(tx_id, value):
    # Transactions that carry no status were released: Amazon reports
    # DEFERRED and DEFERRED_RELEASED explicitly. Amazon's example and real
    # replies write "Released", its documentation "RELEASED".
    if value is None or value == "":
        return "released"
    status = _STATUS.get(value.upper()) if isinstance(value, str) else None
    if status is None:
        raise FinanceDataError(tx_id, f"unknown transactionStatus {_shown(value)}")
    return status


def _marketplace(tx):
    for holder in ("marketplaceDetails", "sellingPartnerMetadata"):
        found = (tx.get(holder) or {}).get("marketplaceId")
        if isinstance(found, str) and found:
            return found
    return None


def _date(tx_id, text, what, required=False):
    """ISO 8601 -> naive UTC (what Odoo stores)."""
    if text is None or text == "":
        if required:
            raise FinanceDataError(tx_id, f"missing {what}")
        return None
    try:
        moment = amazon_time.parse(text)
    except (TypeError, ValueError):
        moment = None
    if moment is None:
        raise FinanceDataError(tx_id, f"{what}: not an ISO 8601 date")
    return moment


# -- Finality, booking once, settlement groups ---------------------------


def is_final(plan):
    """Whether the money of ``plan`` is settled: a DEFERRED transaction waits
    for its release (its lines may still change), released ones are final."""
    return plan.status != "deferred"


def booking_key(plan):
    """The id under which the Odoo layer books the economic event once.

    A release transaction (RELEASED, with DEFERRED_TRANSACTION_ID) and the
    deferred transaction it releases (DEFERRED, then DEFERRED_RELEASED, with
    RELEASE_TRANSACTION_ID) are one sale: both have the deferred
    transaction's id as key. Every other transaction is its own key. Book
    the first final plan of a key; a later one with a key already booked is
    not booked again (only linked), whichever of the two comes first.
    """
    return plan.deferred_transaction_id or plan.transaction_id


def bookable(plans, booked_keys=()):
    """The plans of ``plans`` to book now, in their order: final ones whose
    key is not in ``booked_keys``, one per key. Between a deferred original
    and its release it keeps the original (it carries the sale's detail at
    its posting date). Unmapped plans are returned too: the caller parks
    them with their reason instead of booking them."""
    booked = set(booked_keys)
    chosen = {}
    for plan in plans:
        if not is_final(plan):
            continue
        key = booking_key(plan)
        if key in booked:
            continue
        kept = chosen.get(key)
        if kept is None or (plan.transaction_id == key and kept.transaction_id != key):
            chosen[key] = plan
    return tuple(p for p in plans if chosen.get(booking_key(p)) is p)


def counts_toward_payout(plan):
    """Whether the money of ``plan`` is part of its settlement group's
    payout. Amazon: a payment is made of the group's RELEASED transactions
    (developer-docs "Determine payment transactions"). A DEFERRED_RELEASED
    original linked to its release is counted through that release; one
    without a link (released in place) is counted itself."""
    if plan.status == "released":
        return True
    return plan.status == "deferred_released" and not plan.release_transaction_id


def settlement_totals(plans):
    """``{settlement group id: SettlementTotal}`` over the plans that carry a
    group and count toward its payout. Payout plans make ``paid_out``; every
    other plan, unmapped ones included (their money is in Amazon's payout),
    makes ``expected_payout``. A group in two currencies is refused."""
    groups = {}
    for plan in plans:
        group = plan.settlement_group_id
        if not group or not counts_toward_payout(plan):
            continue
        entry = groups.setdefault(
            group,
            {"currency": plan.currency, "expected": ZERO, "paid": ZERO, "ids": []},
        )
        if plan.currency != entry["currency"]:
            raise FinanceDataError(
                plan.transaction_id,
                f"currency {_shown(plan.currency)} differs from settlement group "
                f"{_shown(group)}'s {_shown(entry['currency'])}",
            )
        if plan.kind == "payout":
            entry["paid"] -= plan.total
        else:
            entry["expected"] += plan.total
        entry["ids"].append(plan.transaction_id)
    return {
        group: SettlementTotal(
            group_id=group,
            currency=entry["currency"],
            expected_payout=entry["expected"],
            paid_out=entry["paid"],
            transaction_ids=tuple(entry["ids"]),
        )
        for group, entry in groups.items()
    }
