"""Order risk: deterministic rules plus an anomaly model of one seller's history.

Rules carry the explanation and work from the first order; an IsolationForest
trained on the seller's own orders adds what rules cannot name. Its raw score
is mapped to a percentile of the training scores, so "more unusual than 99% of
your orders" means the same after every retrain. Amazon's AUP forbids mixing
sellers' data, so a model belongs to one seller and refuses any other.

Orders are reduced once, at import, to PII-free records (``records``); the
model trains on and scores those (``fit_records``, ``score_records``), so
history can be kept without buyers' names or addresses. ``dumps``/``loads``
persist a fitted model without its hash key, which stays in the vault.
"""

import io
import math
import pickle
import time
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import datetime, timezone

import numpy as np
from sklearn.ensemble import IsolationForest

from . import amazon_time
from .address_rules import POINTS as ADDRESS_POINTS
from .address_rules import UNDELIVERABLE, reference_data, same_trade_area
from .risk_features import (
    FIELDS_USED,
    RUSH_LEVEL,
    Hasher,
    OrderFacts,
    Profile,
    address_crowd,
    addresses_of,
    extract,
    seller_of,
)
from .risk_rules import DAY, evaluate

FEATURES = (
    ("log_value", "order value"),
    ("log_units", "number of units"),
    ("log_line_qty", "units of one item"),
    ("lines", "number of different items"),
    ("price_ratio", "unit price against the product's usual price"),
    ("qty_ratio", "quantity against the product's usual quantity"),
    ("rush", "shipping speed"),
    ("foreign", "destination outside the marketplace's country"),
    ("address_points", "address problems"),
    ("names_at_address", "buyer names at the address"),
    ("orders_at_address", "orders to the address"),
    ("business", "business order"),
)
RULES = (
    "Deterministic rules. Address plausibility per destination country from "
    "the reference data listed: the country code, the fields the country's "
    "addresses require, street lines that carry no street, the postal code "
    "format, the region (US states, DC, territories and military codes; "
    "Canadian provinces; the regions of the other countries whose addresses "
    "require one) and the postal code's prefix against the region; PO boxes "
    "and military post offices with courier or express services. An address "
    "that cannot be delivered as given scores high on its own. Then the "
    "ship-to against the marketplace's country, value, quantity and price far "
    "above the history (business orders against the seller's business orders, "
    "repeat buyers against their own earlier orders), several buyer names at "
    "one address, rushed shipping on high value (weighed by how often the "
    "seller's largest orders ship that fast), a first-time buyer with an "
    "unusual basket."
)
FOREST = (
    "Plus an IsolationForest on the seller's history (business orders measured "
    "against the business segment); its score is turned into a percentile of "
    "the training orders so scores stay comparable across retrains."
)
MIN_MODEL_ORDERS = 200  # below: rules only, an anomaly model would be noise
ML_POINTS = 35.0
STATE_VERSION = 1  # of the dumps() blob; loads refuses any other
# What a dumps() blob may contain: plain data, numpy arrays, sklearn estimators.
# Exact (module, name) pairs a model blob needs, spelled as the numpy and
# scikit-learn versions Odoo 18 runs with write them: whole packages would let
# a tampered blob call any function in them.
_LOADABLE_CLASSES = frozenset(
    {
        ("collections", "Counter"),
        ("datetime", "datetime"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("numpy", "dtype"),
        ("numpy", "ndarray"),
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy.random._pickle", "__randomstate_ctor"),
        ("numpy.random._pickle", "__bit_generator_ctor"),
        ("sklearn.ensemble._iforest", "IsolationForest"),
        ("sklearn.tree._classes", "ExtraTreeRegressor"),
        ("sklearn.tree._tree", "Tree"),
    }
)
_LOADABLE_BUILTINS = frozenset(
    {
        "bool",
        "bytearray",
        "bytes",
        "complex",
        "dict",
        "float",
        "frozenset",
        "int",
        "list",
        "set",
        "slice",
        "str",
        "tuple",
    }
)
ADDRESS_CODES = frozenset(ADDRESS_POINTS)


@dataclass(frozen=True)
class RiskResult:
    """One order's verdict; ``reasons`` are PII-free sentences, strongest first."""

    order_id: str
    score: float
    level: str
    reasons: tuple = field(default_factory=tuple)
    rule_points: float = 0.0
    anomaly_percentile: float | None = None


def level_for(score, thresholds=(30.0, 60.0)):
    """The level (low, medium or high) of a score under (medium, high) limits."""
    low, high = thresholds
    return "high" if score >= high else "medium" if score >= low else "low"


class _StateUnpickler(pickle.Unpickler):
    """Only rebuilds what dumps() writes: no arbitrary callables from a blob."""

    def find_class(self, module, name):
        if (module == "builtins" and name in _LOADABLE_BUILTINS) or (
            (module, name) in _LOADABLE_CLASSES
        ):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"Refused in a risk model blob: {module}.{name}")


class OrderRiskModel:
    """Risk scoring for one seller. ``fit`` is optional: unfitted means rules only."""

    def __init__(
        self,
        seller_id=None,
        seed=0,
        window_days=30,
        thresholds=(30.0, 60.0),
        n_estimators=150,
        marketplace_ids=None,
        hash_key=None,
    ):
        self.seller_id = seller_id
        # The seller account's marketplaces; when given, others are refused.
        self.marketplace_ids = frozenset(marketplace_ids or ())
        self.seed = seed
        self.window_days = window_days
        self.thresholds = thresholds
        self.n_estimators = n_estimators
        # A secret from the vault when given; never stored by dumps().
        self._hash_key = hash_key
        self._hasher = self._make_hasher()
        self.profile = Profile()
        self.forest = None
        self._train_scores = None
        self._center = self._scale = self._low = self._high = None
        self._trained = None

    @property
    def thresholds(self):
        """(medium, high) score limits; settable, e.g. from the Odoo account."""
        return self._thresholds

    @thresholds.setter
    def thresholds(self, value):
        low, high = (float(v) for v in value)
        if low > high:
            raise ValueError("The medium threshold must not exceed the high one.")
        self._thresholds = (low, high)

    def level_for(self, score):
        """The level of a (stored) score under this model's current thresholds."""
        return level_for(score, self.thresholds)

    def _make_hasher(self):
        if self._hash_key is not None:
            return Hasher(self._hash_key)
        return Hasher(f"{self.seller_id}:{self.seed}")

    # -- seller isolation -------------------------------------------------
    def _check_markets(self, pairs):
        """Refuse (marketplace id, order id) pairs outside the seller account."""
        if not self.marketplace_ids:
            return
        for market, order_id in pairs:
            if market not in self.marketplace_ids:
                raise ValueError(
                    "Order %s comes from a marketplace outside this seller "
                    "account." % order_id
                )

    def _check_marketplaces(self, orders):
        self._check_markets(
            (
                (order.get("salesChannel") or {}).get("marketplaceId"),
                order.get("orderId"),
            )
            for order in orders
        )

    def _check_records(self, records):
        self._check_markets(
            (record.get("marketplace_id"), record.get("order_id")) for record in records
        )
        owners = {record.get("seller_id") for record in records} - {None}
        if len(owners) > 1:
            raise ValueError("Records of several sellers cannot be used together.")
        if owners and self.seller_id is not None and owners != {self.seller_id}:
            raise ValueError(
                "These records belong to another seller than this model's."
            )
        return owners

    def _claim(self, orders, seller_id):
        self._check_marketplaces(orders)
        ids = {seller_of(order) for order in orders} - {None}
        if seller_id is not None:
            ids.add(seller_id)
        if self.seller_id is not None:
            ids.add(self.seller_id)
        if len(ids) > 1:
            raise ValueError(
                "Orders of several sellers (%d): a risk model learns from one "
                "seller's own orders only." % len(ids)
            )
        if not ids:
            raise ValueError("Unknown seller: pass seller_id or set it on the orders.")
        self._set_seller(ids.pop())

    def _set_seller(self, new_id):
        if new_id != self.seller_id:
            self.seller_id = new_id
            if self._hash_key is None:  # a given key is never replaced
                self._hasher = self._make_hasher()

    def _check_scoring(self, orders):
        self._check_marketplaces(orders)
        owners = {seller_of(order) for order in orders} - {None}
        if len(owners) > 1:
            raise ValueError("Orders of several sellers cannot be scored together.")
        if owners and self.seller_id is not None and owners != {self.seller_id}:
            raise ValueError("These orders belong to another seller than this model's.")

    # -- records ----------------------------------------------------------
    def records(self, orders):
        """One JSON-serialisable, PII-free dict per order, in the given order.

        Names, e-mails and the street survive only as keyed hashes, the
        address only as its findings; what ``fit_records`` and
        ``score_records`` need, to be stored instead of the orders.
        """
        orders = list(orders)
        self._check_scoring(orders)
        return [extract(order, self._hasher).to_record() for order in orders]

    # -- training ---------------------------------------------------------
    def fit(self, orders, seller_id=None):
        """Learn the seller's history; refuses orders of any other seller."""
        orders = list(orders)
        self._claim(orders, seller_id)
        return self.fit_records(self.records(orders))

    def fit_records(self, records, seller_id=None):
        """Learn from ``records``; the caller vouches they are this seller's.

        Records of a marketplace outside ``marketplace_ids`` (when given) or
        carrying a "seller_id" other than the model's are refused.
        """
        records = list(records)
        owners = self._check_records(records)
        if seller_id is not None:
            owners.add(seller_id)
        if self.seller_id is not None:
            owners.add(self.seller_id)
        if len(owners) > 1:
            raise ValueError(
                "Records of several sellers (%d): a risk model learns from one "
                "seller's own orders only." % len(owners)
            )
        if owners:
            self._set_seller(owners.pop())
        started = time.perf_counter()
        facts = [OrderFacts.from_record(record) for record in records]
        self.profile = Profile.build(facts)
        self.forest = self._train_scores = None
        if len(facts) >= MIN_MODEL_ORDERS:
            matrix = self._matrix(facts, self.profile.addresses)
            self._center = np.median(matrix, axis=0)
            spread = np.percentile(matrix, 90, axis=0) - np.percentile(
                matrix, 10, axis=0
            )
            spread = np.maximum(spread, matrix.std(axis=0))
            self._scale = np.where(spread > 0, spread, 1.0)
            self._low, self._high = matrix.min(axis=0), matrix.max(axis=0)
            self.forest = IsolationForest(
                n_estimators=self.n_estimators, random_state=self.seed
            ).fit(matrix)
            self._train_scores = np.sort(-self.forest.score_samples(matrix))
        times = [f.created for f in facts if f.created]
        self._trained = {
            "at": datetime.now(timezone.utc),
            "seconds": time.perf_counter() - started,
            "first": min(times) if times else None,
            "last": max(times) if times else None,
            "marketplaces": sorted({f.marketplace_id for f in facts} - {""}),
        }
        return self

    def _matrix(self, facts, index, findings=None, crowds=None):
        features = self._features
        if findings is None:
            rows = [features(f, index) for f in facts]
        else:
            rows = [
                features(f, index, found, crowd)
                for f, found, crowd in zip(facts, findings, crowds, strict=True)
            ]
        return np.asarray(rows, dtype=float)

    def _features(self, f, index, found=None, crowd=None):
        profile = self.profile
        value = f.value_usd
        if value is None:
            value = profile.value.get(0.5) or 0.0
        # Business orders in their own segment's units: bulk is their normal.
        value_scale, units_scale, qty_scale = (
            profile.business_scale() if f.business else (1.0, 1.0, 1.0)
        )
        price_ratio = qty_ratio = 0.0
        sku_price, sku_qty = profile.sku_price, profile.sku_qty
        for sku, quantity, unit in f.lines:
            usual = sku_price.get(sku)
            if unit and usual:
                price_ratio = max(price_ratio, math.log(unit / usual))
            usual_qty = sku_qty.get(sku)
            if quantity and usual_qty:
                qty_ratio = max(qty_ratio, math.log(quantity / (usual_qty * qty_scale)))
        if found is None:
            found = evaluate(f, profile, index, self.window_days)
        address_points = sum([p for code, p, _ in found if code in ADDRESS_CODES])
        orders, names = crowd or address_crowd(index, f, self.window_days * DAY)
        market, ship = f.market_country, f.ship_country
        foreign = 0.0
        if market and ship and market != ship:
            foreign = 0.5 if same_trade_area(market, ship) else 1.0
        return (
            math.log1p(value / value_scale),
            math.log1p(f.units / units_scale),
            math.log1p(max([line[1] for line in f.lines], default=0) / qty_scale),
            len(f.lines),
            price_ratio,
            qty_ratio,
            RUSH_LEVEL.get(f.service_level, 0),
            foreign,
            address_points / UNDELIVERABLE,
            names - 1,
            orders - 1,
            1.0 if f.business else 0.0,
        )

    # -- scoring ----------------------------------------------------------
    def score(self, orders):
        """One RiskResult per order, in the given order; deterministic.

        The same verdicts as ``score_records(records(orders))``, without
        the round trip through records.
        """
        orders = list(orders)
        self._check_scoring(orders)
        return self._score([extract(order, self._hasher) for order in orders])

    def score_records(self, records):
        """One RiskResult per record, in the given order; deterministic."""
        records = list(records)
        self._check_records(records)
        return self._score([OrderFacts.from_record(record) for record in records])

    def _score(self, facts):
        index = addresses_of(facts, self.profile.addresses)
        window = self.window_days * DAY
        crowds = [address_crowd(index, f, window) for f in facts]
        findings = [
            evaluate(f, self.profile, index, self.window_days, crowd)
            for f, crowd in zip(facts, crowds, strict=True)
        ]
        percentiles = [None] * len(facts)
        drivers = [()] * len(facts)
        if self.forest is not None and facts:
            matrix = self._matrix(facts, index, findings, crowds)
            raw = -self.forest.score_samples(matrix)
            # Mid-rank: ties (common in regular histories) sit mid-way, not on top.
            below = np.searchsorted(self._train_scores, raw, side="left")
            upto = np.searchsorted(self._train_scores, raw, side="right")
            percentiles = (below + upto) / (2 * len(self._train_scores))
            # Trees cannot split beyond the training range, so a value far
            # outside it would only look as odd as the most extreme history.
            margin = 0.25 * self._scale
            outside = (matrix > self._high + margin) | (matrix < self._low - margin)
            percentiles = np.where(outside.any(axis=1), 1.0, percentiles).tolist()
            deviations = np.abs(matrix - self._center) / self._scale
            drivers = np.argsort(-deviations, axis=1, kind="stable")[:, :2].tolist()
        return [
            self._result(f, found, pct, top)
            for f, found, pct, top in zip(
                facts, findings, percentiles, drivers, strict=True
            )
        ]

    def _result(self, facts, found, percentile, drivers):
        points = float(sum([p for _, p, _ in found]))
        reasons = [text for _, _, text in found]
        ml = 0.0
        if percentile is not None:
            # Steep on purpose: the model alone reaches "medium" only for an
            # order beyond anything in the history; rules carry the rest.
            ml = ML_POINTS * max(0.0, (percentile - 0.5) / 0.5) ** 8
            if percentile >= 0.95:
                named = " and ".join(FEATURES[i][1] for i in drivers)
                than = (
                    "any order in its history"
                    if percentile >= 1.0
                    else "%.0f%% of its history" % (100 * percentile)
                )
                reasons.append(
                    f"Unlike this seller's usual orders (more unusual than {than}), "
                    f"mainly by {named}."
                )
        total = round(min(100.0, points + ml), 1)
        return RiskResult(
            order_id=facts.order_id,
            score=total,
            level=self.level_for(total),
            reasons=tuple(reasons),
            rule_points=points,
            anomaly_percentile=percentile,
        )

    def forget(self, order_ids, buyer_keys):
        """Forget the hashes of purged orders (see ``Profile.forget``): no
        buyer hash outlives the buyer data's purge in the stored model."""
        self.profile.forget(order_ids, buyer_keys)

    # -- persistence ------------------------------------------------------
    def dumps(self):
        """The fitted model as bytes, without the hash key (it stays in the vault).

        Restore with ``OrderRiskModel.loads(blob, hash_key=...)``: the same key
        is needed for repeat buyers and addresses to be recognised.
        """
        state = {
            "version": STATE_VERSION,
            "seller_id": self.seller_id,
            "marketplace_ids": sorted(self.marketplace_ids),
            "seed": self.seed,
            "window_days": self.window_days,
            "thresholds": tuple(self.thresholds),
            "n_estimators": self.n_estimators,
            "profile": {
                f.name: getattr(self.profile, f.name)
                for f in dataclass_fields(Profile)
                if f.compare  # not what is derived on use
            },
            "forest": self.forest,
            "train_scores": self._train_scores,
            "center": self._center,
            "scale": self._scale,
            "low": self._low,
            "high": self._high,
            "trained": dict(self._trained) if self._trained else None,
        }
        return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def loads(cls, blob, hash_key=None):
        """A model back from ``dumps``; ``hash_key`` as in the constructor.

        Only the classes ``dumps`` writes are rebuilt; a blob of another
        format version raises ValueError (retrain instead).
        """
        try:
            state = _StateUnpickler(io.BytesIO(bytes(blob))).load()
        except (pickle.UnpicklingError, EOFError, TypeError) as exc:
            raise ValueError(f"Not a risk model blob: {exc}") from exc
        version = state.get("version") if isinstance(state, dict) else None
        if version != STATE_VERSION:
            raise ValueError(
                "Risk model blob of version %r, expected %d: retrain the model."
                % (version, STATE_VERSION)
            )
        model = cls(
            seller_id=state["seller_id"],
            seed=state["seed"],
            window_days=state["window_days"],
            thresholds=state["thresholds"],
            n_estimators=state["n_estimators"],
            marketplace_ids=state["marketplace_ids"],
            hash_key=hash_key,
        )
        model.profile = Profile(**state["profile"])
        model.forest = state["forest"]
        model._train_scores = state["train_scores"]
        model._center, model._scale = state["center"], state["scale"]
        model._low, model._high = state["low"], state["high"]
        model._trained = state["trained"]
        return model

    # -- transparency -----------------------------------------------------
    def model_card(self, now=None):
        """What the seller must be told: purpose, data, method, freshness, limits."""
        trained = self._trained or {}
        now = now or datetime.now(timezone.utc)

        def stamp(seconds):
            if seconds is None:
                return None
            moment = datetime.fromtimestamp(seconds, timezone.utc)
            return amazon_time.format(moment)

        last = trained.get("last")
        return {
            "purpose": (
                "Flag merchant-fulfilled orders likely to be fraudulent or "
                "undeliverable, so someone reviews them before shipping."
            ),
            "seller_id": self.seller_id,
            "data_used": {
                "source": "This seller's own Amazon orders (Orders API 2026-01-01); "
                "never another seller's.",
                "fields": list(FIELDS_USED),
                "date_range": [stamp(trained.get("first")), stamp(last)],
                "marketplaces": trained.get("marketplaces", []),
                "personal_data": "Names, addresses and e-mails are kept only as "
                "keyed hashes to recognise repeats; addresses are checked once "
                "when the order is imported and only the findings are kept; "
                "none appears in reasons.",
            },
            "method": (RULES + " " + FOREST)
            if self.forest is not None
            else RULES + " Too little history yet for the anomaly model.",
            "reference_data": reference_data(),
            "features": [label for _, label in FEATURES],
            "number_of_orders": self.profile.orders,
            "last_training": amazon_time.format(trained["at"]) if trained else None,
            "training_seconds": round(trained.get("seconds", 0.0), 3),
            "data_freshness_days": round((now.timestamp() - last) / DAY, 1)
            if last
            else None,
            "levels": {"medium": self.thresholds[0], "high": self.thresholds[1]},
            "known_limits": [
                "A new seller's first orders are judged by fixed rules only.",
                "Anomalies are not fraud: an unusual but genuine order scores high.",
                (
                    "Postal formats and regions are those of the reference data "
                    "listed; a country without a postal format there gets no "
                    "postal check, a region is judged only where the country's "
                    "addresses require one."
                ),
                "Amounts are compared across currencies with coarse fixed rates.",
                "Orders still pending payment have no street yet and no prices.",
                "Repeat buyers and addresses are known only from this seller.",
            ],
        }
