"""Cached Product Type Definitions: one per (product type, marketplace,
locale, requirements), with the schema and meta-schema Amazon links to.

Validation reads the stored copies only; a daily cron asks Amazon for the
current version and downloads the schemas again only when it changed.
"""

import logging
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError

from ...core import listings as core_listings
from ...core import ptd_definitions
from ...core.ptd import PTDSchemaError, PTDValidator, load_meta_schema
from ...core.spapi import SPAPIError

_logger = logging.getLogger(__name__)

REQUIREMENTS = [
    ("LISTING", "Product and offer"),
    ("LISTING_OFFER_ONLY", "Offer only (existing ASIN)"),
    ("LISTING_PRODUCT_ONLY", "Product only"),
]
FRESH_FOR = timedelta(hours=24)


class AmazonProductType(models.Model):
    _name = "amazon.product.type"
    _description = "Amazon Product Type Definition"
    _order = "name, marketplace_id, requirements"

    name = fields.Char("Product type", required=True, readonly=True)
    label = fields.Char("Amazon's name", readonly=True)
    marketplace_id = fields.Many2one(
        "amazon.marketplace", required=True, readonly=True, ondelete="cascade"
    )
    locale = fields.Char(required=True, readonly=True)
    requirements = fields.Selection(
        REQUIREMENTS, required=True, default="LISTING", readonly=True
    )
    version = fields.Char(readonly=True)
    schema = fields.Json(readonly=True, prefetch=False)
    meta_schema = fields.Json(readonly=True, prefetch=False)
    property_groups = fields.Json(readonly=True, prefetch=False)
    fetched_on = fields.Datetime("Downloaded on", readonly=True)
    checked_on = fields.Datetime("Version checked on", readonly=True)
    requirements_html = fields.Html(
        "Required attributes", compute="_compute_requirements_html", sanitize=False
    )

    _sql_constraints = [
        (
            "definition_uniq",
            "unique(name, marketplace_id, locale, requirements)",
            "A product type is cached once per marketplace, locale and requirements.",
        ),
    ]

    @api.depends("version")
    def _compute_requirements_html(self):
        for definition in self:
            rows = Markup("").join(
                Markup("<tr><td>%s</td><td><code>%s</code></td><td>%s</td></tr>")
                % (
                    title,
                    name,
                    ", ".join(depends) if depends else self.env._("Always"),
                )
                for name, title, depends in definition._requirements()
            )
            definition.requirements_html = (
                Markup(
                    "<table class='table table-sm'><thead><tr><th>%s</th><th>%s</th>"
                    "<th>%s</th></tr></thead><tbody>%s</tbody></table>"
                )
                % (
                    self.env._("Attribute"),
                    self.env._("Name"),
                    self.env._("Required when"),
                    rows,
                )
                if rows
                else escape("")
            )

    def _requirements(self):
        """``[(name, title, depends_on titles)]`` of this definition."""
        self.ensure_one()
        return core_listings.requirements(self.schema or {})

    # -- fetching ------------------------------------------------------------------
    @api.model
    def _get(self, account, marketplace, name, requirements="LISTING"):
        """The cached definition, fetched when missing or not checked today."""
        locale = ptd_definitions.language_tag(marketplace.code)
        definition = self.sudo().search(
            [
                ("name", "=", name),
                ("marketplace_id", "=", marketplace.id),
                ("locale", "=", locale),
                ("requirements", "=", requirements),
            ],
            limit=1,
        )
        if not definition:
            definition = self.sudo().create(
                {
                    "name": name,
                    "marketplace_id": marketplace.id,
                    "locale": locale,
                    "requirements": requirements,
                }
            )
        if not definition.schema or not definition.checked_on:
            definition._refresh(account)
        elif definition.checked_on < fields.Datetime.now() - FRESH_FOR:
            try:
                definition._refresh(account)
            except UserError as exc:
                # The stored version stays usable; checked again next time.
                _logger.info("Product type %s not checked: %s", definition.id, exc)
        return self.browse(definition.id)

    def _refresh(self, account):
        """Ask Amazon for the current version; download again when it moved."""
        for definition in self.sudo():
            try:
                with account._client() as client:
                    found = ptd_definitions.fetch(
                        client,
                        definition.name,
                        definition.marketplace_id.amazon_id,
                        requirements=definition.requirements,
                        locale=definition.locale,
                        known_version=definition.version if definition.schema else None,
                    )
            except SPAPIError as exc:
                raise UserError(
                    self.env._(
                        "Amazon did not give the definition of product type "
                        "%(type)s (%(marketplace)s): %(error)s",
                        type=definition.name,
                        marketplace=definition.marketplace_id.name,
                        error=exc,
                    )
                ) from exc
            now = fields.Datetime.now()
            vals = {"checked_on": now, "label": found.display_name}
            if found.schema is not None:
                vals.update(
                    schema=found.schema,
                    meta_schema=found.meta_schema,
                    version=found.version,
                    property_groups=found.property_groups,
                    fetched_on=now,
                )
            definition.write(vals)
        return True

    def action_refresh(self):
        """Fetch the definitions again (managers: it calls Amazon with an
        account's credentials and rewrites the shared definitions)."""
        self.check_access("write")
        for definition in self:
            account = self.env["amazon.account"]._for_marketplace(
                definition.marketplace_id
            )
            definition._refresh(account)
        return True

    @api.model
    def _cron_refresh(self):
        """Check the version of every definition listings use, once a day."""
        used = (
            self.env["amazon.listing"]
            .sudo()
            ._read_group(
                [("product_type_id", "!=", False)], ["product_type_id", "account_id"]
            )
        )
        seen = set()
        for definition, account in used:
            if definition.id in seen or not account.active:
                continue
            seen.add(definition.id)
            try:
                definition._refresh(account)
            except UserError:
                continue  # tried again tomorrow; the stored version stays usable

    # -- validation ----------------------------------------------------------------
    def _validator(self):
        """The local validator of this definition (compiled once per version)."""
        self.ensure_one()
        if not self.schema:
            raise UserError(
                self.env._(
                    "Product type %(type)s has no schema yet: refresh it from Amazon.",
                    type=self.name,
                )
            )
        try:
            return PTDValidator(
                self.schema,
                # Amazon's version is shared across marketplaces, locales and
                # requirements, whose schemas differ: key the cache per record.
                version=f"{self.id}:{self.version}" if self.version else None,
                meta_schema=self.meta_schema or load_meta_schema(),
            )
        except PTDSchemaError as exc:
            raise UserError(
                self.env._(
                    "The schema of product type %(type)s cannot be used: %(error)s",
                    type=self.name,
                    error=exc,
                )
            ) from exc
