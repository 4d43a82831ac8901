"""The recommended fulfilment path of merchant-fulfilled Amazon orders.

The order import only queues a work item per delivery to the buyer
(``fulfil_recommend``): rates are HTTP calls, one per warehouse, too slow for
the import's page. A cron (triggered at once) computes each through
``amazon.work._send``: the attempt is recorded, the rates are fetched and
ranked (``core/fulfilment_rank.py``), the result recorded. When Amazon's
rates cannot be had (an error, the rate limit), the delivery says "not
available" with why, and the item is retried with the suite's one backoff.
The late-risk model is learned per account from its own labels' tracking
(``core/fulfilment_risk.py``) and stored as plain numbers on the account.
"""

import logging
from contextlib import ExitStack
from datetime import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.amazon_connector.core import shipping
from odoo.addons.amazon_connector.core.spapi import SPAPIError
from odoo.addons.amazon_pii.core.work import BUSY

from ..core.fulfilment_rank import (
    MCF_CARRIER,
    Order,
    RatesUnavailable,
    Service,
    Source,
    recommend,
)
from ..core.fulfilment_risk import LateRiskModel, NotOneSeller

_logger = logging.getLogger(__name__)

KIND = "fulfil_recommend"
TO_SHIP = ("UNSHIPPED", "PARTIALLY_SHIPPED")
BATCH = 20
FINAL_OK = ("Delivered",)
FINAL_MISSED = ("Lost", "Undeliverable", "Rejected")


class AmazonFulfilment(models.AbstractModel):
    _name = "amazon.fulfilment"
    _description = "Amazon Fulfilment Recommendation"

    # -- queueing ------------------------------------------------------------------
    @api.model
    def _queue_imported(self, account, pairs):
        """A sync page: queue a recommendation for each merchant order's
        delivery to the buyer that has none yet; the cron computes them
        after the page's transaction commits."""
        if not account.fulfil_recommend:
            return
        orders = self.env["sale.order"].union(*(order for order, _raw in pairs))
        pickings = orders.filtered(
            lambda o: o.amazon_channel == "mfn" and o.amazon_status in TO_SHIP
        ).picking_ids.filtered(
            lambda p: (
                p.state not in ("done", "cancel")
                and p._amazon_ships_to_buyer()
                and not p.amazon_rec_state
            )
        )
        if not pickings:
            return
        pickings.sudo().amazon_rec_state = "pending"
        Item = self.env["amazon.work.item"].sudo()
        Item._for(KIND, pickings, account)._queue()
        self.env.ref("amazon_ai.ir_cron_amazon_fulfil_recommend").sudo()._trigger()

    # -- the cron ------------------------------------------------------------------
    @api.model
    def _cron_recommend(self):
        due = self.env["amazon.shipment"]._due_items(KIND)
        for item_id in due[:BATCH]:
            self._recommend_item(item_id)
        self.env.invalidate_all()
        self.env["ir.cron"]._notify_progress(
            done=len(due[:BATCH]),
            remaining=len(self.env["amazon.shipment"]._due_items(KIND)),
        )

    def _recommend_item(self, item_id, manual=False):
        """One delivery: claim, fetch rates and rank, settle. BUSY when
        another worker holds it."""

        def claim(env):
            item = env["amazon.work.item"].browse(item_id)
            picking = env["stock.picking"].browse(item.res_id).exists()
            if not picking or (not manual and not picking._amazon_rec_wanted()):
                item._succeeded()
                return None
            if manual:
                item._queue()
            item._claim()
            return {"item_id": item_id, "picking_id": picking.id}

        def settle(env, intent, outcome, error):
            return env["amazon.fulfilment"]._settle(intent, outcome, error)

        return self.env["amazon.work"]._send(
            claim,
            self._call,
            settle,
            rows=[("amazon.work.item", [item_id])],
        )

    def _call(self, intent):
        picking = self.env["stock.picking"].sudo().browse(intent["picking_id"])
        return self._compute(picking)

    def _settle(self, intent, outcome, error):
        item = self.env["amazon.work.item"].browse(intent["item_id"])
        picking = self.env["stock.picking"].browse(intent["picking_id"])
        if error is not None:
            # Only the type in the log: an unexpected error's text may quote anything.
            _logger.warning(
                "Fulfilment recommendation of picking %s failed: %s",
                picking.id,
                type(error).__name__,
            )
            why = (
                str(error)
                if isinstance(error, SPAPIError | RatesUnavailable)
                else self.env._(
                    "unexpected error (%(error)s)", error=type(error).__name__
                )
            )
            outcome = {"choice": None, "runner_up": None, "problems": [why]}
        picking._amazon_rec_store(outcome)
        if outcome["choice"] is None and outcome.get("retry", True):
            item._failed("; ".join(outcome["problems"]) or "-", retry=True)
        else:
            item._succeeded()
        return True

    def _recommend_now(self, pickings):
        """The on-demand refresh (button): computed and recorded at once."""
        work = self.env["amazon.work"]
        for picking in pickings:
            account_id, picking_id = picking.sale_id.amazon_account_id.id, picking.id
            item_id = work._run(
                lambda env, a=account_id, p=picking_id: (
                    env["amazon.work.item"]
                    ._for(
                        KIND,
                        env["stock.picking"].browse(p),
                        env["amazon.account"].browse(a),
                    )
                    .id
                )
            )
            if self._recommend_item(item_id, manual=True) is BUSY:
                return False
        pickings.invalidate_recordset()
        return True

    # -- computing one delivery ----------------------------------------------------
    def _compute(self, picking):
        """``{"choice", "runner_up", "problems", "retry"}`` for a delivery:
        plain values, worded in the user's language."""
        order = picking.sale_id
        account = order.amazon_account_id.sudo()
        lines = {}
        for move in picking.move_ids.filtered(
            lambda m: m.sale_line_id.amazon_item_id and m.state != "cancel"
        ):
            key = move.sale_line_id.amazon_item_id
            lines[key] = lines.get(key, 0) + move.product_uom._compute_quantity(
                move.product_uom_qty, move.product_id.uom_id
            )
        if not lines:
            return {
                "choice": None,
                "runner_up": None,
                "problems": [self.env._("the delivery has no Amazon items")],
                "retry": False,
            }
        moves = {
            m.sale_line_id.amazon_item_id: m
            for m in picking.move_ids
            if m.sale_line_id.amazon_item_id
        }
        sources = self._sources(account, picking, moves, lines)
        partner = order.partner_id
        region = partner.country_id.code or ""
        if region and partner.state_id.code:
            region = f"{region}-{partner.state_id.code}"
        penalty = account.fulfil_late_penalty / 100.0 * order.amount_total
        now = fields.Datetime.now()
        spec = Order(
            lines=lines,
            promise=order.amazon_latest_delivery_date or None,
            ship_at=now,
            region=region,
            penalty=penalty,
        )
        stack = ExitStack()
        client_box = {"stack": stack}

        def rates_for(source, wanted):
            return self._rates(account, order, source, wanted, moves, client_box)

        def mcf_for(_wanted):
            return self._mcf_options(picking)

        with stack:  # one SP-API client for all the delivery's rate calls
            result = recommend(
                spec,
                sources,
                rates_for,
                risk_model=self._risk_model(account),
                mcf_for=mcf_for,
            )
        words = self.env["stock.picking"]._amazon_rec_words
        problems = [words(code, params) for code, params in result.problems]
        return {
            "choice": _plain(result.choice, words),
            "runner_up": _plain(result.runner_up, words),
            "problems": problems,
            # No stock anywhere is not a failure to retry: new stock or a
            # refresh brings a new recommendation.
            "retry": not all(code == "no_stock" for code, _p in result.problems),
            "at": now,
        }

    def _sources(self, account, picking, moves, lines):
        """Own warehouses of the company (FBA warehouses aside) and, where
        FBA stock exists, the account's FBA warehouse as the MCF source:
        on-hand units per Amazon item."""
        fba = (
            self.env["amazon.account"]
            .sudo()
            .search([("company_id", "=", account.company_id.id)])
            .fba_warehouse_id
        )
        warehouses = (
            self.env["stock.warehouse"]
            .sudo()
            .search([("company_id", "=", picking.company_id.id)])
            - fba
        )

        def source(warehouse, key, kind):
            """The warehouse as a source when it holds any of the units."""
            stock = {
                item: moves[item]
                .product_id.with_context(warehouse_id=warehouse.id)
                .qty_available
                for item in lines
            }
            if not any(stock.values()):
                return None
            return Source(
                key=key,
                kind=kind,
                name=warehouse.name,
                stock=stock,
                warehouse_id=warehouse.id,
            )

        sources = [
            source(warehouse, f"wh:{warehouse.id}", "warehouse")
            for warehouse in warehouses.sorted("id")
        ]
        if account.fba_warehouse_id:
            sources.append(source(account.fba_warehouse_id, "mcf", "mcf"))
        return [s for s in sources if s]

    def _parcel(self, account, order, wanted, moves):
        """One parcel for ``wanted`` (``{Amazon item: units}``) in the
        account's default box, built as a label's parcel is
        (``amazon.shipment._parcel``). RatesUnavailable (said plainly) when
        a weight or the box is missing: a guessed parcel would be priced
        wrong."""
        box = account.package_type_id
        if not box or not (box.packaging_length and box.width and box.height):
            raise RatesUnavailable(
                self.env._(
                    "no default box with dimensions on the Amazon account "
                    "(Amazon account > Shipping)"
                )
            )
        contents = []
        for key, qty in sorted(wanted.items()):
            move = moves[key]
            product = move.product_id
            if not product.weight:
                raise RatesUnavailable(
                    self.env._(
                        "product %(product)s has no weight",
                        product=product.display_name,
                    )
                )
            contents.append(
                (move, product.uom_id._compute_quantity(qty, move.product_uom))
            )
        return self.env["amazon.shipment"]._parcel(
            "1", contents, box, order.currency_id.name
        )

    def _rates(self, account, order, source, wanted, moves, client_box):
        """Shipping v2 getRates for ``wanted`` shipped from ``source``; the
        recipient is not sent: for an Amazon order Amazon uses the order's
        own address, so no buyer data is revealed for a recommendation."""
        warehouse = self.env["stock.warehouse"].sudo().browse(source.warehouse_id)
        partner = warehouse.partner_id or warehouse.company_id.partner_id
        try:
            body = shipping.rates_request(
                order_id=order.amazon_order_id,
                ship_from={
                    "name": partner.name,
                    "addressLine1": partner.street,
                    "addressLine2": partner.street2,
                    "city": partner.city,
                    "stateOrRegion": partner.state_id.code or partner.city,
                    "postalCode": partner.zip,
                    "countryCode": partner.country_id.code,
                    "phoneNumber": partner.phone,
                },
                ship_to=None,
                parcels=[self._parcel(account, order, wanted, moves)],
            )
            if "client" not in client_box:
                client_box["client"] = client_box["stack"].enter_context(
                    account._client()
                )
            _token, rates = shipping.parse_rates(client_box["client"].get_rates(body))
        except (shipping.ShipmentDataError, SPAPIError, UserError) as exc:
            # UserError: the account cannot call Amazon now (its LWA secret).
            raise RatesUnavailable(str(exc)) from None
        return [
            Service(
                carrier_id=rate.carrier_id,
                carrier=rate.carrier_name,
                service_id=rate.service_id,
                service=rate.service_name,
                cost=float(rate.price),
                currency=rate.currency,
                delivery_end=rate.delivery_end,
                delivery_start=rate.delivery_start,
                rate_id=rate.rate_id,
            )
            for rate in rates
        ]

    def _mcf_options(self, picking):
        """The MCF preview's fulfillable speeds as services (h-mcf's
        ``_amazon_mcf_preview`` contract); its UserError says why not."""
        try:
            speeds = picking._amazon_mcf_preview()
        except UserError as exc:
            raise RatesUnavailable(str(exc)) from None
        return [
            Service(
                carrier_id=MCF_CARRIER,
                carrier="Amazon MCF",
                service_id=speed["speed"],
                service=f"Amazon MCF {speed['speed']}",
                cost=float(speed["fee"]),
                currency=speed["currency"],
                delivery_end=_naive(speed.get("latest")),
                delivery_start=_naive(speed.get("earliest")),
            )
            for speed in speeds
            if speed.get("fulfillable") and speed.get("fee") is not None
        ]

    # -- the late-risk model -------------------------------------------------------
    def _risk_model(self, account):
        state = account.sudo().fulfil_risk_state
        if state:
            try:
                return LateRiskModel.from_state(state, seller_id=account.seller_id)
            except (ValueError, KeyError, TypeError):
                _logger.warning(
                    "Late-risk model of account %s unreadable; rules until it "
                    "is retrained",
                    account.id,
                )
        return LateRiskModel(seller_id=account.seller_id)

    def _history(self, account):
        """PII-free records of the account's labels with a final tracking
        status: warehouse, service, destination region, dates."""
        pickings = (
            self.env["stock.picking"]
            .sudo()
            .search(
                [
                    ("sale_id.amazon_account_id", "=", account.id),
                    ("amazon_label_carrier", "!=", False),
                    ("amazon_tracking_status", "in", [*FINAL_OK, *FINAL_MISSED]),
                    ("date_done", "!=", False),
                ]
            )
        )
        records = []
        for picking in pickings:
            order = picking.sale_id
            if not order.amazon_latest_delivery_date:
                continue
            partner = order.partner_id
            region = partner.country_id.code or ""
            if region and partner.state_id.code:
                region = f"{region}-{partner.state_id.code}"
            missed = picking.amazon_tracking_status in FINAL_MISSED
            records.append(
                {
                    "seller_id": account.seller_id,
                    "warehouse": f"wh:{picking.picking_type_id.warehouse_id.id}",
                    "carrier_id": picking.amazon_label_carrier,
                    "service": picking.amazon_label_service,
                    "region": region,
                    "shipped": picking.date_done,
                    "promise": order.amazon_latest_delivery_date,
                    "delivered": None if missed else picking.amazon_tracking_time,
                    "outcome": "lost" if missed else "delivered",
                }
            )
        return records

    @api.model
    def _retrain(self, account):
        account = account.sudo()
        model = LateRiskModel(seller_id=account.seller_id)
        try:
            model.fit(self._history(account))
        except NotOneSeller:
            _logger.error("Late-risk history of account %s mixes sellers", account.id)
            return None
        state = model.state()
        trained = state.get("trained") or {}
        for key in ("first", "last"):
            if isinstance(trained.get(key), datetime):
                trained[key] = fields.Datetime.to_string(trained[key])
        account.write(
            {
                "fulfil_risk_state": state,
                "fulfil_risk_trained_at": fields.Datetime.now(),
            }
        )
        return model


def _naive(value):
    if not value:
        return None
    if isinstance(value, str):
        return shipping.parse_time(value)
    return value.replace(tzinfo=None)


def _plain(option, words):
    """An Option as JSON-safe values for the delivery."""
    if option is None:
        return None
    data = option.as_dict()
    data["delivery_date"] = (
        fields.Datetime.to_string(data["delivery_date"])
        if data["delivery_date"]
        else None
    )
    data["summary"] = option.label
    data["reasons"] = [words(code, params) for code, params in option.reasons]
    data["parts"] = [
        {
            "warehouse_id": part.source.warehouse_id
            if part.source.kind == "warehouse"
            else None,
            "source": part.source.name,
            "carrier_id": part.service.carrier_id,
            "service_id": part.service.service_id,
            "service": part.service.service,
            "cost": part.service.cost,
            "lines": [[key, qty] for key, qty in part.lines],
        }
        for part in option.parts
    ]
    data["expected_cost"] = round(option.expected_cost, 2)
    return data
