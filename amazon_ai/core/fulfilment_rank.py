"""A recommended fulfilment path for one merchant-fulfilled order.

Candidates:

- each warehouse holding all the order's units: its services (Amazon
  Shipping v2 rates for the parcel) that deliver by the promised latest
  delivery date, or, when none does, all of them with their lateness;
- Amazon MCF when FBA stock holds all the units (the MCF preview's fee and
  arrival dates per shipping speed; fulfillable speeds only);
- when no single source holds everything: a split over the fewest own
  warehouses (then the cheapest such split), each part with its own best
  service.

Each is ranked by expected cost = cost + P(miss the promise) x penalty;
ties go to the cheaper, then the earlier, then the fewer sources, then a
stable order of names, so the same input always gives the same answer.
Rates come from ``rates_for(source, lines)``, MCF options from
``mcf_for(lines)``: both injected, so the ranking needs no network.
Reasons are ``(code, params)`` pairs: the Odoo layer words them (and
translates); ``reason_text`` gives the English.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import combinations, product

from .fulfilment_risk import rules_risk

KIND_ORDER = {"warehouse": 0, "mcf": 1, "split": 2}
MAX_ASSIGNMENTS = 64  # whole-line choices tried per combination of sources
MCF_CARRIER = "AMAZON_MCF"


class RatesUnavailable(Exception):
    """Rates could not be had for a source (the message says why, no PII)."""


@dataclass(frozen=True)
class Service:
    """One priced way to ship a parcel (a Shipping v2 rate or an MCF speed)."""

    carrier_id: str
    carrier: str
    service_id: str
    service: str
    cost: float
    currency: str
    delivery_end: datetime | None
    rate_id: str | None = None
    delivery_start: datetime | None = None


@dataclass(frozen=True)
class Source:
    key: str  # stable: "wh:<id>" or "mcf"
    kind: str  # "warehouse" | "mcf"
    name: str
    stock: dict  # line key -> units available
    warehouse_id: int | None = None


@dataclass(frozen=True)
class Order:
    lines: dict  # line key -> units ordered
    promise: datetime | None  # latest delivery date Amazon promised
    ship_at: datetime  # when it would ship (now, for a recommendation)
    region: str = ""  # destination "CC" or "CC-STATE": never an address
    penalty: float = 0.0  # cost of missing the promise, in the rates' currency


@dataclass(frozen=True)
class Part:
    source: Source
    lines: tuple  # ((line key, units), ...)
    service: Service
    p_late: float
    confidence: float
    basis: str
    similar: int = 0


@dataclass(frozen=True)
class Option:
    kind: str
    parts: tuple
    cost: float
    currency: str
    delivery_date: datetime | None
    promise_met: bool
    late_risk: float
    confidence: float
    expected_cost: float
    reasons: tuple = field(default_factory=tuple)

    def sort_key(self):
        return (
            round(self.expected_cost, 6),
            round(self.cost, 6),
            self.delivery_date or datetime.max,
            len(self.parts),
            KIND_ORDER[self.kind],
            tuple(
                (p.source.key, p.service.carrier_id, p.service.service_id)
                for p in self.parts
            ),
        )

    @property
    def label(self):
        """e.g. "UPS Ground 6.20 EUR" (the API's summary)."""
        if self.kind == "split":
            names = " + ".join(_service_name(p.service) for p in self.parts)
        else:
            names = _service_name(self.parts[0].service)
        return f"{names} {self.cost:.2f} {self.currency}"

    def as_dict(self):
        """The shape ``picking._amazon_recommendation()`` returns."""
        first = self.parts[0]
        service = first.service
        return {
            "kind": self.kind,
            "warehouse_id": first.source.warehouse_id if self.kind != "mcf" else None,
            "carrier_id": service.carrier_id,
            "carrier": service.carrier,
            "service_id": service.service_id,
            "service": service.service,
            "rate_id": service.rate_id,
            "cost": round(self.cost, 2),
            "currency": self.currency,
            "delivery_date": self.delivery_date,
            "promise_met": self.promise_met,
            "confidence": round(self.confidence, 3),
            "late_risk": round(self.late_risk, 3),
        }


@dataclass(frozen=True)
class Recommendation:
    choice: Option | None
    runner_up: Option | None
    options: tuple  # every option ranked, best first
    problems: tuple = ()  # (code, params) of what could not be priced


def _service_name(service):
    name = service.service or service.service_id
    carrier = service.carrier or ""
    return name if name.startswith(carrier) else f"{carrier} {name}".strip()


def _covers(stock, lines):
    return all(stock.get(key, 0) >= qty for key, qty in lines.items())


class _Rates:
    """Rates per (source, lines), asked once each."""

    def __init__(self, rates_for, problems):
        self.rates_for = rates_for
        self.cache = {}
        self.problems = problems

    def get(self, source, lines):
        key = (source.key, tuple(sorted(lines.items())))
        if key not in self.cache:
            try:
                self.cache[key] = list(self.rates_for(source, dict(lines)))
            except RatesUnavailable as exc:
                self.cache[key] = None
                self.problems.append(
                    ("rates_unavailable", {"place": source.name, "why": str(exc)})
                )
        return self.cache[key]


def _parts(order, source, lines, services, risk_model, spare=False):
    """The source's ways to ship ``lines``, best first: the services whose
    stated date meets the promise (all of them when none does), ranked by
    expected cost. ``spare``: the others instead (those that do not meet it
    while some do), only ever a runner-up."""
    if not services:
        return []
    meeting = [s for s in services if _meets(s.delivery_end, order.promise)]
    if spare:
        pool = [s for s in services if s not in meeting] if meeting else []
    else:
        pool = meeting or services
    ranked = []
    for service in pool:
        if source.kind == "mcf" or risk_model is None:
            risk = rules_risk(service.delivery_end, order.promise)
        else:
            risk = risk_model.risk(
                warehouse=source.key,
                carrier_id=service.carrier_id,
                service=_service_name(service),
                region=order.region,
                ship_at=order.ship_at,
                promise=order.promise,
                stated_end=service.delivery_end,
            )
        part = Part(
            source,
            tuple(sorted(lines.items())),
            service,
            risk.p_late,
            risk.confidence,
            risk.basis,
            risk.similar,
        )
        rank = (
            round(service.cost + risk.p_late * order.penalty, 6),
            service.cost,
            service.delivery_end or datetime.max,
            service.carrier_id,
            service.service_id,
        )
        ranked.append((rank, part))
    ranked.sort(key=lambda pair: pair[0])
    return [part for _rank, part in ranked]


def _part(order, source, lines, services, risk_model):
    """The source's best way to ship ``lines`` (a split's part), or None."""
    parts = _parts(order, source, lines, services, risk_model)
    return parts[0] if parts else None


def _meets(end, promise):
    if promise is None:
        return True
    return end is not None and end <= promise


def _option(order, kind, parts):
    currencies = {p.service.currency for p in parts}
    if len(currencies) != 1:
        return None  # parts priced in different currencies cannot be summed
    cost = sum(p.service.cost for p in parts)
    ends = [p.service.delivery_end for p in parts]
    date = None if any(e is None for e in ends) else max(ends)
    on_time = 1.0
    for p in parts:
        on_time *= 1.0 - p.p_late
    late_risk = 1.0 - on_time
    confidence = min(p.confidence for p in parts)
    met = all(_meets(e, order.promise) for e in ends)
    reasons = _reasons(order, kind, parts, met, late_risk)
    return Option(
        kind=kind,
        parts=tuple(parts),
        cost=round(cost, 2),
        currency=currencies.pop(),
        delivery_date=date,
        promise_met=met,
        late_risk=late_risk,
        confidence=confidence,
        expected_cost=cost + late_risk * order.penalty,
        reasons=tuple(reasons),
    )


def _reasons(order, kind, parts, met, late_risk):
    reasons = []
    if kind == "split":
        reasons.append(("split", {"sources": len(parts)}))
    if kind == "mcf":
        reasons.append(("mcf", {}))
    for p in parts:
        end = p.service.delivery_end
        if order.promise is not None and end is not None and end > order.promise:
            late_days = (end - order.promise).total_seconds() / 86400.0
            reasons.append(
                (
                    "late_stated",
                    {"service": _service_name(p.service), "days": round(late_days, 1)},
                )
            )
        if p.basis == "learned":
            reasons.append(
                (
                    "risk_learned",
                    {
                        "service": _service_name(p.service),
                        "risk": round(100 * p.p_late),
                        "similar": p.similar,
                    },
                )
            )
        else:
            reasons.append(
                (
                    "risk_rules",
                    {
                        "service": _service_name(p.service),
                        "risk": round(100 * p.p_late),
                    },
                )
            )
    if met and order.promise is not None:
        reasons.insert(0, ("meets_promise", {}))
    return reasons


def recommend(order, sources, rates_for, risk_model=None, mcf_for=None):
    """The Recommendation for ``order`` from ``sources`` (see module doc).

    ``mcf_for(lines)`` returns MCF Services (fulfillable speeds) or raises
    RatesUnavailable; it is asked only when an "mcf" source holds everything.
    """
    problems = []
    rates = _Rates(rates_for, problems)
    options = []
    own = sorted((s for s in sources if s.kind == "warehouse"), key=lambda s: s.key)
    mcf = [s for s in sources if s.kind == "mcf"]
    whole = [s for s in own if _covers(s.stock, order.lines)]
    for source in whole:
        for part in _parts(
            order, source, order.lines, rates.get(source, order.lines), risk_model
        ):
            option = _option(order, "warehouse", [part])
            if option:
                options.append(option)
    for source in mcf:
        if mcf_for is None or not _covers(source.stock, order.lines):
            continue
        try:
            services = list(mcf_for(dict(order.lines)))
        except RatesUnavailable as exc:
            problems.append(("mcf_unavailable", {"why": str(exc)}))
            continue
        for part in _parts(order, source, order.lines, services, None):
            option = _option(order, "mcf", [part])
            if option:
                options.append(option)
    if not whole and not any(o.kind == "mcf" for o in options):
        options.extend(_splits(order, own, rates, risk_model, problems))
    options.sort(key=Option.sort_key)
    if not options and not problems and not whole:
        problems.append(("no_stock", {}))
    choice = options[0] if options else None
    runner = options[1] if len(options) > 1 else None
    if choice is not None and runner is None:
        # A single candidate: the runner-up is the best service it left out
        # for missing the promise, so the choice is still shown against one.
        spares = []
        for source in whole:
            for part in _parts(
                order,
                source,
                order.lines,
                rates.get(source, order.lines),
                risk_model,
                spare=True,
            ):
                option = _option(order, "warehouse", [part])
                if option:
                    spares.append(option)
        runner = min(spares, key=Option.sort_key) if spares else None
    if choice is not None and runner is not None:
        runner = replace(runner, reasons=why_lost(choice, runner) + runner.reasons)
    return Recommendation(choice, runner, tuple(options), tuple(problems))


def why_lost(choice, runner):
    """Why ``runner`` ranks after ``choice``, as reasons (first the one that
    decided): it misses the promise the choice meets, its late risk is
    higher, it costs more, it arrives later; equal on all of these, the
    tie-break. Compared as the ranking compares (expected cost first), so a
    dearer runner-up that is also riskier says both."""
    reasons = []
    if choice.promise_met and not runner.promise_met:
        reasons.append(("lost_promise", {}))
    if runner.late_risk > choice.late_risk + 0.005:
        reasons.append(
            (
                "lost_risk",
                {
                    "risk": round(100 * runner.late_risk),
                    "choice_risk": round(100 * choice.late_risk),
                },
            )
        )
    if runner.currency == choice.currency and runner.cost > choice.cost + 0.005:
        reasons.append(
            (
                "lost_cost",
                {
                    "more": f"{runner.cost - choice.cost:.2f}",
                    "currency": runner.currency,
                },
            )
        )
    if (
        runner.delivery_date
        and choice.delivery_date
        and runner.delivery_date > choice.delivery_date
    ):
        days = (runner.delivery_date - choice.delivery_date).total_seconds() / 86400.0
        reasons.append(("lost_later", {"days": round(days, 1)}))
    if not reasons:
        reasons.append(("lost_tie", {}))
    return tuple(reasons)


def _splits(order, own, rates, risk_model, problems):
    """Splits over the fewest warehouses that together hold every unit."""
    total = {key: sum(s.stock.get(key, 0) for s in own) for key in order.lines}
    if not _covers(total, order.lines):
        problems.append(("no_stock", {}))
        return []
    for size in range(2, len(own) + 1):
        found = []
        for combo in combinations(own, size):
            for allocation in _allocations(order.lines, combo):
                parts = []
                for source in combo:
                    lines = allocation.get(source.key)
                    if not lines:
                        break
                    part = _part(
                        order, source, lines, rates.get(source, lines), risk_model
                    )
                    if part is None:
                        break
                    parts.append(part)
                else:
                    option = _option(order, "split", parts)
                    if option:
                        found.append(option)
        if found:
            return found
    return []


def _allocations(lines, combo):
    """Ways to ship ``lines`` from the sources of ``combo``, each source
    shipping something: every line whole from one source that has it, tried
    exhaustively up to MAX_ASSIGNMENTS; a line no source of the combination
    holds whole is split by units, the fullest source first."""
    choices, split_lines = [], {}
    for key, qty in sorted(lines.items()):
        holders = [s.key for s in combo if s.stock.get(key, 0) >= qty]
        if holders:
            choices.append([(key, qty, h) for h in holders])
            continue
        left, parts = qty, []
        for source in sorted(combo, key=lambda s: (-s.stock.get(key, 0), s.key)):
            take = min(left, source.stock.get(key, 0))
            if take > 0:
                parts.append((source.key, take))
                left -= take
        if left > 0:
            return []
        split_lines[key] = parts
    results = []
    for count, pick in enumerate(product(*choices)):
        if count >= MAX_ASSIGNMENTS:
            break
        allocation = {}
        for key, qty, holder in pick:
            allocation.setdefault(holder, {})[key] = qty
        for key, parts in split_lines.items():
            for holder, qty in parts:
                allocation.setdefault(holder, {})[key] = qty
        if all(allocation.get(s.key) for s in combo):
            results.append(allocation)
    return results


REASONS_EN = {
    "meets_promise": "Delivers by the date Amazon promised the buyer.",
    "late_stated": "{service} states a delivery {days} day(s) after the promise.",
    "risk_learned": "{service}: late risk {risk}% learned from this seller's "
    "shipments ({similar} like it).",
    "risk_rules": "{service}: late risk {risk}% by rules (stated delivery date "
    "against the promise).",
    "split": "No single source holds every unit: shipped from {sources} sources.",
    "mcf": "Amazon ships it from FBA stock (MCF). For an Amazon order, Amazon "
    "does not reimburse lost MCF units.",
    "rates_unavailable": "No rates for {place}: {why}",
    "mcf_unavailable": "No MCF option: {why}",
    "no_stock": "No warehouse or FBA stock holds every unit of the order.",
    "lost_promise": "Lost: it arrives after the date Amazon promised the buyer.",
    "lost_risk": "Lost: higher late risk ({risk}% against {choice_risk}%).",
    "lost_cost": "Lost: dearer by {more} {currency}.",
    "lost_later": "Lost: arrives {days} day(s) later.",
    "lost_tie": "Lost: same cost, date and risk; the choice comes first by "
    "source and carrier.",
}


def reason_text(code, params):
    return REASONS_EN[code].format(**params)
