"""Late-delivery risk of a shipping option, learned from one seller's history.

History is the seller's own shipments whose outcome is known: Amazon
Shipping labels whose tracking reached a final status, each reduced to a
PII-free record (warehouse, carrier, service, destination region as country
and state code, ship time, promised latest delivery, delivery time or lost).
A logistic regression (scikit-learn) learns P(miss the promise) from the
slack between shipping and the promise and from the warehouse, the service
and the region. Below ``MIN_SHIPMENTS`` known outcomes (or with no late or no
on-time shipment at all, when there is nothing to learn the difference from)
rules decide: the service's stated delivery date against the promise, with
a margin.

A model belongs to one seller: records of another seller are refused, and
its state (plain JSON numbers, no pickle) carries the seller id.
"""

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sklearn.linear_model import LogisticRegression

MIN_SHIPMENTS = 30  # known outcomes before the learned model is used
MIN_CLASS = 3  # of late and of on-time shipments among them
MARGIN_DAYS = 1.0  # rules: a stated date closer than this to the promise is a risk
RULE_RISK = {"late": 0.9, "tight": 0.35, "safe": 0.05, "unknown": 0.5}
RULE_CONFIDENCE = 0.4
STATE_VERSION = 1
SLACK_CLIP = 15.0  # days; beyond it more slack says nothing new
SLACK_SCALE = 3.0  # days: slack in units the regularisation treats fairly
MISSED = ("lost",)


class NotOneSeller(ValueError):
    """Records of several sellers, or of another seller than the model's."""


def _days(delta):
    return delta.total_seconds() / 86400.0


def service_key(carrier_id, service):
    return f"{carrier_id or ''}|{service or ''}"


@dataclass(frozen=True)
class Risk:
    """P(miss the promise) of one option, how sure, and on what basis."""

    p_late: float
    confidence: float
    basis: str  # "learned" | "rules"
    # learned: shipments like it in the history; rules: slack in days
    similar: int = 0
    slack_days: float | None = None


def rules_risk(stated_end, promise, margin_days=MARGIN_DAYS):
    """The fallback: the service's stated delivery date against the promise."""
    if stated_end is None or promise is None:
        return Risk(RULE_RISK["unknown"], RULE_CONFIDENCE * 0.5, "rules")
    slack = _days(promise - stated_end)
    if slack < 0:
        kind = "late"
    elif slack < margin_days:
        kind = "tight"
    else:
        kind = "safe"
    return Risk(RULE_RISK[kind], RULE_CONFIDENCE, "rules", slack_days=slack)


def outcome_late(record):
    """True when the shipment missed its promise (delivered after it, or lost)."""
    if record.get("outcome") in MISSED:
        return True
    delivered, promise = record.get("delivered"), record.get("promise")
    if not delivered or not promise:
        return None
    return _parse(delivered) > _parse(promise)


def _parse(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).replace(
        tzinfo=None
    )


class LateRiskModel:
    """P(late) per option for one seller; unfitted or short history: rules."""

    def __init__(self, seller_id=None, margin_days=MARGIN_DAYS, c=10.0):
        self.seller_id = seller_id
        self.margin_days = margin_days
        self.c = c
        self.vocab = {}  # feature name -> column (after the slack column)
        self.coef = None
        self.intercept = 0.0
        self.counts = {}  # "service@warehouse@country" -> shipments
        self.trained = None

    @property
    def learned(self):
        return self.coef is not None

    # -- training ---------------------------------------------------------------
    def _own(self, records):
        owners = {r.get("seller_id") for r in records} - {None}
        if self.seller_id is not None:
            owners.add(self.seller_id)
        if len(owners) > 1:
            raise NotOneSeller(
                "Shipments of several sellers: a late-risk model learns from "
                "one seller's own shipments only."
            )
        if owners:
            self.seller_id = owners.pop()

    @staticmethod
    def _names(warehouse, carrier_id, service, region):
        key = service_key(carrier_id, service)
        country = (region or "").split("-")[0]
        return (
            f"w={warehouse}",
            f"s={key}",
            f"r={region}",
            f"c={country}",
            f"s@c={key}@{country}",
            f"s@w={key}@{warehouse}",
        )

    def fit(self, records):
        """Learn from ``records`` (dicts, see the module docstring)."""
        records = list(records)
        self._own(records)
        rows, labels = [], []
        for record in records:
            late = outcome_late(record)
            if late is None or not record.get("shipped") or not record.get("promise"):
                continue
            slack = _days(_parse(record["promise"]) - _parse(record["shipped"]))
            rows.append((record, slack))
            labels.append(1 if late else 0)
        self.coef, self.intercept, self.vocab, self.counts = None, 0.0, {}, {}
        late_count = sum(labels)
        self.trained = {
            "shipments": len(labels),
            "late": late_count,
            "first": min((r["shipped"] for r, _ in rows), default=None),
            "last": max((r["shipped"] for r, _ in rows), default=None),
        }
        if (
            len(labels) < MIN_SHIPMENTS
            or late_count < MIN_CLASS
            or len(labels) - late_count < MIN_CLASS
        ):
            return self
        for record, _slack in rows:
            for name in self._names(
                record.get("warehouse"),
                record.get("carrier_id"),
                record.get("service"),
                record.get("region"),
            ):
                self.vocab.setdefault(name, len(self.vocab))
            key = self._count_key(record)
            self.counts[key] = self.counts.get(key, 0) + 1
        matrix = np.zeros((len(rows), 1 + 2 * len(self.vocab)))
        for i, (record, slack) in enumerate(rows):
            matrix[i] = self._vector(
                record.get("warehouse"),
                record.get("carrier_id"),
                record.get("service"),
                record.get("region"),
                slack,
            )
        model = LogisticRegression(C=self.c, max_iter=1000).fit(matrix, labels)
        self.coef = [float(v) for v in model.coef_[0]]
        self.intercept = float(model.intercept_[0])
        return self

    @staticmethod
    def _count_key(record):
        country = (record.get("region") or "").split("-")[0]
        key = service_key(record.get("carrier_id"), record.get("service"))
        return f"{key}@{record.get('warehouse')}@{country}"

    def _vector(self, warehouse, carrier_id, service, region, slack):
        """Slack (days, clipped), the one-hot names, and the slack per
        service: each service has its own transit time, so the slack it
        needs is its own."""
        size = len(self.vocab)
        row = np.zeros(1 + 2 * size)
        scaled = max(-SLACK_CLIP, min(SLACK_CLIP, slack)) / SLACK_SCALE
        row[0] = scaled
        for name in self._names(warehouse, carrier_id, service, region):
            column = self.vocab.get(name)
            if column is not None:
                row[1 + column] = 1.0
                if name.startswith("s"):  # service, service@country/warehouse
                    row[1 + size + column] = scaled
        return row

    # -- prediction ---------------------------------------------------------------
    def risk(
        self, *, warehouse, carrier_id, service, region, ship_at, promise, stated_end
    ):
        """The option's Risk. Learned when the model is fitted; a service that
        itself states a date after the promise is never judged safer than
        the rules judge it."""
        rules = rules_risk(stated_end, promise, self.margin_days)
        if not self.learned or promise is None or ship_at is None:
            return rules
        slack = _days(promise - ship_at)
        z = self.intercept + float(
            np.dot(
                self.coef, self._vector(warehouse, carrier_id, service, region, slack)
            )
        )
        p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        country = (region or "").split("-")[0]
        similar = self.counts.get(
            f"{service_key(carrier_id, service)}@{warehouse}@{country}", 0
        )
        confidence = 0.5 + 0.5 * min(1.0, similar / 20.0)
        if rules.slack_days is not None and rules.slack_days < 0:
            p = max(p, rules.p_late)
        return Risk(round(p, 4), round(confidence, 3), "learned", similar, slack)

    # -- persistence -------------------------------------------------------------
    def state(self):
        """Plain JSON: numbers and names, nothing executable."""
        return {
            "version": STATE_VERSION,
            "seller_id": self.seller_id,
            "margin_days": self.margin_days,
            "vocab": dict(self.vocab),
            "coef": self.coef,
            "intercept": self.intercept,
            "counts": dict(self.counts),
            "trained": self.trained,
        }

    @classmethod
    def from_state(cls, state, seller_id=None):
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise ValueError("Late-risk model state of another version: retrain.")
        if seller_id is not None and state.get("seller_id") not in (None, seller_id):
            raise NotOneSeller("This late-risk model belongs to another seller.")
        model = cls(seller_id=state.get("seller_id"), margin_days=state["margin_days"])
        model.vocab = {str(k): int(v) for k, v in state["vocab"].items()}
        coef = state.get("coef")
        model.coef = [float(v) for v in coef] if coef is not None else None
        if model.coef is not None and len(model.coef) != 1 + 2 * len(model.vocab):
            raise ValueError("Late-risk model state is inconsistent: retrain.")
        model.intercept = float(state.get("intercept") or 0.0)
        model.counts = {str(k): int(v) for k, v in state["counts"].items()}
        model.trained = state.get("trained")
        return model

    # -- transparency -------------------------------------------------------------
    def model_card(self):
        trained = self.trained or {}
        method = (
            "Logistic regression (scikit-learn) of 'missed the promise' on the "
            "days between shipping and the promised latest delivery, the "
            "warehouse, the carrier and service, the destination region and "
            "the service in that country and from that warehouse."
            if self.learned
            else "Rules only: the service's stated delivery date against the "
            "promised latest delivery, with a margin of %.1f day(s) "
            "until this seller's history has enough for a learned model: %d "
            "shipments with a known outcome, at least %d late and %d on time."
            % (self.margin_days, MIN_SHIPMENTS, MIN_CLASS, MIN_CLASS)
        )
        return {
            "purpose": (
                "Recommend how to fulfil each merchant-fulfilled Amazon order: "
                "from which warehouse, with which carrier and service, or through "
                "Amazon (MCF), ranked by cost plus the risk of missing Amazon's "
                "delivery promise times a penalty."
            ),
            "seller_id": self.seller_id,
            "data_used": {
                "source": "This seller's own Amazon Shipping labels whose tracking "
                "reached a final status; never another seller's.",
                "fields": [
                    "warehouse",
                    "carrier and service",
                    "destination country and state code",
                    "ship date",
                    "promised latest delivery",
                    "delivery date or lost",
                ],
                "date_range": [trained.get("first"), trained.get("last")],
                "personal_data": "None: no names or addresses, only the "
                "destination's country and state code.",
            },
            "method": method,
            "number_of_shipments": trained.get("shipments", 0),
            "late_shipments": trained.get("late", 0),
            "rules": {
                "margin_days": self.margin_days,
                "late_risk": dict(RULE_RISK),
                "minimum_history": MIN_SHIPMENTS,
            },
            "known_limits": [
                (
                    "Only shipments with an Amazon Shipping label and a final "
                    "tracking status are learned from; others are unknown outcomes."
                ),
                (
                    "A service, warehouse or region never seen in the history is "
                    "judged by what is known of the others, with low confidence."
                ),
                (
                    "MCF options are judged by rules (Amazon's preview dates): the "
                    "history holds no MCF shipments."
                ),
                "Rates and MCF fees are quotes at recommendation time; they change.",
            ],
        }
