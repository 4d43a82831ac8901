import logging

from odoo import models

_logger = logging.getLogger(__name__)


class AmazonOrderImport(models.AbstractModel):
    _inherit = "amazon.order.import"

    def _imported(self, account, orders):
        result = super()._imported(account, orders)
        try:
            with self.env.cr.savepoint():
                self.env["amazon.risk"]._score_imported(account, orders)
        except Exception as exc:  # noqa: BLE001 - scoring never stops the import
            # Only the type: the error's text could quote an order's content.
            _logger.error(
                "Risk scoring of a page of account %s failed: %s",
                account.id,
                type(exc).__name__,
            )
        try:
            with self.env.cr.savepoint():
                # Only queued here: the rates are fetched by a cron after
                # this page commits, off the import's critical path.
                self.env["amazon.fulfilment"]._queue_imported(account, orders)
        except Exception as exc:  # noqa: BLE001 - never stops the import
            _logger.error(
                "Fulfilment recommendation of a page of account %s not queued: %s",
                account.id,
                type(exc).__name__,
            )
        return result
