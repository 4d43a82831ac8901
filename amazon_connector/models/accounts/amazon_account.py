from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ...core.spapi import AccountConfig, PermanentError, SPAPIError, client_for
from ..accounts.amazon_marketplace import REGIONS

CREDENTIALS = ("lwa_client_id", "lwa_client_secret", "refresh_token")
# Write-only fields whose values go to the vault.
SECRET_FIELDS = (*CREDENTIALS, "tracking_share_key")
# Code of the liability account marketplace facilitator tax is booked to.
FACILITATOR_TAX_CODE = "AMZFACTAX"


class AmazonAccount(models.Model):
    """One seller authorization: credentials (in the vault), the marketplaces
    it sells on, where its orders land in Odoo, and the order sync state."""

    _name = "amazon.account"
    _description = "Amazon Seller Account"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _check_company_auto = True
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users",
        "Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        help="Gets an activity when background work for this account gives up.",
    )
    region = fields.Selection(REGIONS, required=True, default="na", tracking=True)
    seller_id = fields.Char("Seller ID", required=True, tracking=True)
    endpoint_url = fields.Char(
        "Endpoint URL",
        groups="base.group_system",
        help="Leave empty for Amazon's production endpoint of the region. Set it "
        "to Amazon's sandbox host of the region, or to a local sandbox when the "
        "server's configuration file allows local endpoints. Changing it needs "
        "two-factor authentication and is audited.",
    )
    lwa_url = fields.Char(
        "Login with Amazon URL",
        groups="base.group_system",
        help="Token endpoint; empty means Amazon's (api.amazon.com). Only "
        "Amazon's token hosts of the region, or a local sandbox's "
        "<endpoint>/auth/o2/token when the server's configuration file allows "
        "local endpoints. Changing it needs two-factor authentication and is "
        "audited.",
    )
    # Credentials live encrypted in the vault; these fields only accept new
    # values (write-only) and always read back empty.
    lwa_client_id = fields.Char(
        "LWA client ID",
        compute="_compute_credentials",
        inverse="_inverse_credentials",
        groups="base.group_system",
    )
    lwa_client_secret = fields.Char(
        "LWA client secret",
        compute="_compute_credentials",
        inverse="_inverse_credentials",
        groups="base.group_system",
    )
    refresh_token = fields.Char(
        compute="_compute_credentials",
        inverse="_inverse_credentials",
        groups="base.group_system",
    )
    credentials_status = fields.Char(
        compute="_compute_credentials_status", groups="base.group_system"
    )
    marketplace_ids = fields.Many2many(
        "amazon.marketplace",
        string="Marketplaces",
        domain="[('region', '=', region)]",
        tracking=True,
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        check_company=True,
        default=lambda self: self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
        help="Merchant-fulfilled orders ship from this warehouse.",
    )
    fba_warehouse_id = fields.Many2one(
        "stock.warehouse",
        "Amazon (FBA) warehouse",
        check_company=True,
        help="Stock Amazon holds for you. Amazon-fulfilled orders are delivered "
        "from its stock location; created on save when empty.",
    )
    fba_location_id = fields.Many2one(
        related="fba_warehouse_id.lot_stock_id", string="Amazon (FBA) location"
    )
    team_id = fields.Many2one("crm.team", "Sales team", check_company=True)
    pricelist_ids = fields.Many2many(
        "product.pricelist",
        string="Pricelists",
        check_company=True,
        help="One per marketplace currency; missing ones are created on sync.",
    )
    shipped_elsewhere = fields.Selection(
        [
            ("validate", "Validate the delivery (shipped outside Odoo)"),
            ("activity", "Keep it open with an activity"),
        ],
        "Merchant orders Amazon reports shipped",
        required=True,
        default="validate",
        help="When Amazon reports a merchant-fulfilled order shipped (on "
        "Seller Central, another tool, or before this connector was set up) "
        "while its Odoo delivery is open: validate the delivery with the "
        "quantities Amazon shipped, so stock leaves once and nothing is sent "
        "back to Amazon; or, for sellers who ship everything from Odoo, keep it "
        "open and give its responsible person an activity.",
    )
    auto_invoice = fields.Boolean(
        "Invoice shipped orders",
        help="Create and post the invoice when Amazon reports an order shipped. "
        "Otherwise invoices follow your usual invoicing policy.",
    )
    unknown_product_id = fields.Many2one(
        "product.product",
        "Product for unknown SKUs",
        check_company=True,
        required=True,
        default=lambda self: self._charge_product("product_unknown_sku"),
    )
    shipping_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        required=True,
        default=lambda self: self._charge_product("product_shipping"),
    )
    gift_wrap_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        required=True,
        default=lambda self: self._charge_product("product_gift_wrap"),
    )
    discount_product_id = fields.Many2one(
        "product.product",
        "Promotion product",
        check_company=True,
        required=True,
        default=lambda self: self._charge_product("product_promotion"),
    )
    fee_product_id = fields.Many2one(
        "product.product",
        "Other charges product",
        check_company=True,
        required=True,
        default=lambda self: self._charge_product("product_other_charge"),
        help="Cash-on-delivery fees, delivery tips and other charges.",
    )
    tax_product_id = fields.Many2one(
        "product.product",
        "Seller-collected tax product",
        check_company=True,
        required=True,
        default=lambda self: self._charge_product("product_tax"),
    )
    mf_tax_product_id = fields.Many2one(
        "product.product",
        "Amazon-collected tax product",
        check_company=True,
        required=True,
        default=lambda self: self._charge_product("product_mf_tax"),
        help="Tax Amazon collects and remits as marketplace facilitator: the "
        "buyer paid it but you do not owe it. Book it to a clearing account.",
    )
    # -- shipments -----------------------------------------------------------
    label_format = fields.Selection(
        [("PDF", "PDF (office printers)"), ("ZPL", "ZPL (thermal printers)")],
        default="PDF",
        required=True,
        help="Format of the Amazon Shipping labels bought from deliveries.",
    )
    package_type_id = fields.Many2one(
        "stock.package.type",
        "Default package",
        check_company=True,
        help="Dimensions (and empty weight) of the box used for label rates "
        "when the delivery's items are not put in packages.",
    )
    tracking_share_url = fields.Char(
        "Tracking provider URL",
        groups="base.group_system",
        help="Optional: HTTPS endpoint of your tracking provider, on a host the "
        "server's configuration file allows (amazon_tracking_provider_hosts). "
        "Only the order id, tracking number and carrier are sent to it, "
        "nothing else. Changing it needs two-factor authentication and is "
        "audited.",
    )
    tracking_share_key = fields.Char(
        "Tracking provider key",
        compute="_compute_credentials",
        inverse="_inverse_credentials",
        groups="base.group_system",
    )
    # -- listings ------------------------------------------------------------
    sync_listings = fields.Boolean(
        "Push price and stock",
        tracking=True,
        help="A cron sends the marketplace pricelist's price and the free "
        "quantity of the warehouse to merchant-fulfilled listings that changed.",
    )
    stock_warehouse_ids = fields.Many2many(
        "stock.warehouse",
        string="Stock pushed from",
        check_company=True,
        help="Warehouses whose free quantity is offered on Amazon for "
        "merchant-fulfilled listings. Empty: the warehouse orders ship from.",
    )
    stock_buffer = fields.Integer(
        "Safety buffer",
        default=0,
        help="Units kept back from Amazon: the quantity offered is the free "
        "quantity of the warehouse minus this buffer.",
    )
    listing_ids = fields.One2many("amazon.listing", "account_id")
    listing_count = fields.Integer(compute="_compute_listing_count")
    # -- order sync ---------------------------------------------------------
    sync_orders = fields.Boolean("Synchronize orders", default=True, tracking=True)
    orders_interval = fields.Integer(
        "Sync every", default=15, help="How often the order cron runs."
    )
    orders_sync_from = fields.Datetime(
        "Import orders updated since",
        required=True,
        default=lambda self: fields.Datetime.now() - timedelta(days=7),
    )
    orders_cursor = fields.Datetime(
        "Orders synchronized up to",
        readonly=True,
        copy=False,
        help="Amazon's time up to which every order update is in Odoo. Moves "
        "only after the orders it covers are committed.",
    )
    orders_overlap = fields.Integer(
        "Overlap",
        default=10,
        help="Each sync asks again for this much time before the cursor, so "
        "updates Amazon records late are not missed.",
    )
    # Page state of an unfinished sync: it resumes from here.
    orders_phase = fields.Selection(
        [("MERCHANT", "Merchant-fulfilled"), ("AMAZON", "Amazon-fulfilled")],
        readonly=True,
        copy=False,
    )
    orders_window_start = fields.Datetime(readonly=True, copy=False)
    orders_window_end = fields.Datetime(readonly=True, copy=False)
    orders_page_token = fields.Char(readonly=True, copy=False)
    cron_id = fields.Many2one("ir.cron", readonly=True, copy=False)
    sale_order_ids = fields.One2many("sale.order", "amazon_account_id")
    order_count = fields.Integer(compute="_compute_counts")
    parked_count = fields.Integer(compute="_compute_counts")
    failed_work_count = fields.Integer(compute="_compute_counts")

    _sql_constraints = [
        (
            "seller_company_uniq",
            "unique(company_id, seller_id, region)",
            "This seller is already connected in this company for that region.",
        ),
    ]

    @api.constrains("region", "marketplace_ids")
    def _check_marketplace_region(self):
        """One authorization covers one selling region: Amazon serves each
        region from its own endpoint and refuses the others' marketplaces, so
        a mixed account would fail on every call. A seller on several regions
        connects one account per region."""
        regions = dict(self._fields["region"]._description_selection(self.env))
        for account in self:
            foreign = account.marketplace_ids.filtered(
                lambda m, a=account: m.region != a.region
            )
            if foreign:
                raise ValidationError(
                    self.env._(
                        "Amazon account %(account)s is for region %(region)s and "
                        "cannot sell on %(marketplaces)s. Connect one account per "
                        "region.",
                        account=account.name,
                        region=regions[account.region],
                        marketplaces=", ".join(
                            f"{m.name} ({regions[m.region]})" for m in foreign
                        ),
                    )
                )

    @api.onchange("region")
    def _onchange_region(self):
        # The form offers the region's marketplaces only: drop the others
        # rather than leave the seller facing the constraint on save.
        self.marketplace_ids = self.marketplace_ids.filtered(
            lambda m: m.region == self.region
        )

    @api.onchange("company_id")
    def _onchange_company_id(self):
        # The account's orders land in its company: what was picked for
        # another company (the defaults are the current company's) would be
        # refused on save, so follow the new company instead.
        company = self.company_id
        if self.warehouse_id.company_id != company:
            self.warehouse_id = self.env["stock.warehouse"].search(
                [("company_id", "=", company.id)], limit=1
            )
        if self.fba_warehouse_id.company_id != company:
            self.fba_warehouse_id = False  # created on save
        self.stock_warehouse_ids = self.stock_warehouse_ids.filtered(
            lambda w: w.company_id == company
        )
        for field in ("pricelist_ids", "team_id", "package_type_id"):
            self[field] = self[field].filtered(
                lambda r: not r.company_id or r.company_id == company
            )

    def _ensure_facilitator_tax_account(self):
        """Marketplace facilitator tax is collected and paid by Amazon: never
        the seller's revenue. Its product books to a liability account of the
        company (created once), which Amazon's withholding clears."""
        self.ensure_one()
        product = self.sudo().mf_tax_product_id.with_company(self.company_id)
        income = product.property_account_income_id
        if not product or (income and income.account_type == "liability_current"):
            return
        Account = self.env["account.account"].sudo().with_company(self.company_id)
        name = self.env._("Marketplace facilitator tax collected by Amazon")
        found = Account.search(
            [
                *Account._check_company_domain(self.company_id),
                ("code", "=", FACILITATOR_TAX_CODE),
            ],
            limit=1,
        ) or Account.create(
            {
                "name": name,
                "code": FACILITATOR_TAX_CODE,
                "account_type": "liability_current",
                "company_ids": [Command.link(self.company_id.id)],
            }
        )
        product.property_account_income_id = found

    def _home_marketplace(self):
        """The marketplace of the company's own country, else the first one."""
        self.ensure_one()
        country = self.company_id.country_id
        return (
            self.marketplace_ids.filtered(lambda m: m.country_id == country)[:1]
            or self.marketplace_ids[:1]
        )

    def _stock_warehouses(self):
        """Warehouses whose free stock is offered on Amazon."""
        self.ensure_one()
        return self.stock_warehouse_ids or self.warehouse_id

    def _charge_product(self, xmlid):
        """Default of the product fields: this module's placeholder product."""
        return self.env.ref(f"amazon_connector.{xmlid}", raise_if_not_found=False)

    # -- credentials ----------------------------------------------------------
    def _compute_credentials(self):
        for account in self:
            for key in SECRET_FIELDS:
                account[key] = False

    def _inverse_credentials(self):
        vault = self.env["amazon.pii.vault"]
        for account in self:
            values = {key: account[key] for key in SECRET_FIELDS if account[key]}
            if values:
                vault.store_secrets(account, values)

    @api.depends_context("uid")
    def _compute_credentials_status(self):
        vault = self.env["amazon.pii.vault"].sudo()
        labels = {
            "lwa_client_id": self.env._("client ID"),
            "lwa_client_secret": self.env._("client secret"),
            "refresh_token": self.env._("refresh token"),
        }
        for account in self:
            stored = set(vault.stored_keys(account)) if account.id else set()
            missing = [labels[k] for k in CREDENTIALS if k not in stored]
            account.credentials_status = (
                self.env._("Missing: %(keys)s", keys=", ".join(missing))
                if missing
                else self.env._("Stored encrypted")
            )

    def _client(self):
        """The SP-API client of this account (server side only)."""
        config = self._client_config()
        # Buckets in the database: every worker, cron and server of this
        # database draws on the same usage plan, as Amazon counts it.
        limiter = self.env["amazon.rate.bucket"]._limiter(config.rate_scale)
        return client_for(config, limiter=limiter)

    def _client_config(self, **overrides):
        """The ``AccountConfig`` of this account from the vault's credentials;
        ``overrides`` replace credentials (a new client secret being tested)."""
        self.ensure_one()
        secrets = {
            **self.env["amazon.pii.vault"]._secrets(self, CREDENTIALS),
            **overrides,
        }
        missing = [k for k in CREDENTIALS if not secrets.get(k)]
        if missing:
            raise UserError(
                self.env._(
                    "Amazon account %(name)s has no %(keys)s: enter the "
                    "credentials on the account first.",
                    name=self.name,
                    keys=", ".join(missing),
                )
            )
        account = self.sudo()
        endpoint_url = account._usable_url("endpoint_url")
        lwa_url = account._usable_url("lwa_url")
        params = self.env["ir.config_parameter"].sudo()
        return AccountConfig(
            seller_id=account.seller_id,
            lwa_client_id=secrets["lwa_client_id"],
            lwa_client_secret=secrets["lwa_client_secret"],
            refresh_token=secrets["refresh_token"],
            region=account.region,
            endpoint_url=endpoint_url or None,
            lwa_url=lwa_url or None,
            marketplace_ids=tuple(account.marketplace_ids.mapped("amazon_id")),
            # Local sandboxes run Amazon's usage plans multiplied by a factor.
            rate_scale=float(params.get_param("amazon_connector.rate_scale", 1)),
        )

    def action_test_connection(self):
        """Call searchOrders for the last day once and report plainly
        (managers of the account: it uses the account's credentials)."""
        self.ensure_one()
        self.check_access("write")
        try:
            with self._client() as client:
                client.search_orders(
                    last_updated_after=self.orders_cursor or self.orders_sync_from,
                    max_results_per_page=1,
                )
        except SPAPIError as exc:
            kind = "danger" if isinstance(exc, PermanentError) else "warning"
            return self._notify(
                self.env._("Amazon refused the connection"), str(exc), kind
            )
        return self._notify(
            self.env._("Connection works"),
            self.env._("Amazon accepted the credentials of %(name)s.", name=self.name),
            "success",
        )

    def _notify(self, title, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": title, "message": message, "type": kind},
        }

    # -- records created with the account --------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        accounts = super().create(vals_list)
        accounts._ensure_fba_warehouse()
        accounts._ensure_cron()
        return accounts

    def write(self, vals):
        result = super().write(vals)
        if {"orders_interval", "sync_orders", "active", "name"} & set(vals):
            self._ensure_cron()
        return result

    def unlink(self):
        # Rights first: the credentials' purge below runs as superuser.
        self.check_access("unlink")
        crons = self.sudo().cron_id
        # The credentials go with the account (retention never purges them).
        self.env["amazon.pii.vault"].sudo().purge(self, reason="account deleted")
        result = super().unlink()
        crons.unlink()
        return result

    def _ensure_fba_warehouse(self):
        """The account's FBA warehouse, named so that a clerk reading a
        location or a transfer knows whose stock it is: its short code says
        the region (FBANA, FBAEU, FBAFE: Odoo allows five characters, and
        Amazon pools FBA stock per region), its stock location the account
        ("FBAEU/<account>")."""
        Warehouse = self.env["stock.warehouse"].sudo()
        for account in self.filtered(lambda a: not a.fba_warehouse_id):
            codes = set(
                Warehouse.with_context(active_test=False)
                .search([("company_id", "=", account.company_id.id)])
                .mapped("code")
            )
            region = (account.region or "").upper()[:2]
            # A second account of the region (another seller) numbered after.
            candidates = [f"FBA{region}"] + [f"FB{region}{n}" for n in range(2, 10)]
            candidates += [f"FBA{n or ''}" for n in range(100)]
            code = next(c for c in candidates if c not in codes)
            warehouse = Warehouse.create(
                {
                    "name": self.env._("Amazon FBA (%(name)s)", name=account.name),
                    "code": code,
                    "company_id": account.company_id.id,
                    "partner_id": account.company_id.partner_id.id,
                }
            )
            warehouse.lot_stock_id.name = account.name
            account.fba_warehouse_id = warehouse

    def _ensure_cron(self):
        Cron = self.env["ir.cron"].sudo()
        model = self.env["ir.model"]._get_id(self._name)
        for account in self.sudo():
            vals = {
                "name": self.env._(
                    "Amazon: sync orders of %(name)s", name=account.name
                ),
                "model_id": model,
                "state": "code",
                "code": f"model.browse({account.id})._cron_sync_orders()",
                "interval_number": max(1, account.orders_interval),
                "interval_type": "minutes",
                "active": account.active and account.sync_orders,
                "user_id": self.env.ref("base.user_root").id,
            }
            if account.cron_id:
                account.cron_id.write(vals)
            else:
                account.cron_id = Cron.create(vals)

    @api.model
    def _for_marketplace(self, marketplace):
        """An active account of the user's companies selling in ``marketplace``."""
        account = self.search([("marketplace_ids", "in", marketplace.ids)], limit=1)
        if not account:
            raise UserError(
                self.env._(
                    "No active Amazon account sells in %(marketplace)s.",
                    marketplace=marketplace.name,
                )
            )
        return account

    def _compute_listing_count(self):
        counts = dict(
            self.env["amazon.listing"]._read_group(
                [("account_id", "in", self.ids)], ["account_id"], ["__count"]
            )
        )
        for account in self:
            account.listing_count = counts.get(account, 0)

    def action_view_listings(self):
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_listings"
        )
        action["domain"] = [("account_id", "in", self.ids)]
        action["context"] = {"default_account_id": self.id}
        return action

    # -- pricelists --------------------------------------------------------------
    def _pricelist_for(self, currency):
        """The account's pricelist in ``currency``, created when missing."""
        self.ensure_one()
        pricelist = self.pricelist_ids.filtered(lambda p: p.currency_id == currency)[:1]
        if not pricelist:
            pricelist = (
                self.env["product.pricelist"]
                .sudo()
                .create(
                    {
                        "name": f"Amazon {currency.name}",
                        "currency_id": currency.id,
                        "company_id": self.company_id.id,
                    }
                )
            )
            self.sudo().pricelist_ids = [Command.link(pricelist.id)]
        return pricelist

    # -- actions -----------------------------------------------------------------
    def _compute_counts(self):
        orders = dict(
            self.env["sale.order"]._read_group(
                [("amazon_account_id", "in", self.ids)],
                ["amazon_account_id"],
                ["__count"],
            )
        )
        parked = dict(
            self.env["amazon.parked.order"]._read_group(
                [("account_id", "in", self.ids)], ["account_id"], ["__count"]
            )
        )
        failed = dict(
            self.env["amazon.work.item"]._read_group(
                [
                    ("account_id", "in", self.ids),
                    ("state", "in", ("retrying", "gave_up")),
                ],
                ["account_id"],
                ["__count"],
            )
        )
        for account in self:
            account.order_count = orders.get(account, 0)
            account.parked_count = parked.get(account, 0)
            account.failed_work_count = failed.get(account, 0)

    def action_sync_orders(self):
        """Run the order sync now, in the background (a cron worker): a first
        sync of a big backlog outlives any web request."""
        self.check_access("write")
        off = self.filtered(lambda a: not (a.active and a.sync_orders))
        if off:
            raise UserError(
                self.env._(
                    "Turn on order synchronization of %(names)s first.",
                    names=", ".join(off.mapped("name")),
                )
            )
        for cron in self.sudo().cron_id:
            cron._trigger()
        return self._notify(
            self.env._("Order sync started"),
            self.env._("It runs in the background; see Amazon > Sync Logs."),
            "info",
        )

    def _cron_sync_orders(self):
        for account in self.filtered(lambda a: a.active and a.sync_orders):
            if account._orders_search_waits():
                continue
            self.env["amazon.order.sync"].run(account)

    def _orders_search_waits(self):
        """Whether this run of the order search may be left out (Amazon's
        notifications bring the orders; see amazon_account_notifications)."""
        return False

    def _orders_every(self):
        """Minutes between two order searches of this account now."""
        self.ensure_one()
        return self.orders_interval

    def action_view_orders(self):
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_orders"
        )
        action["domain"] = [("amazon_account_id", "in", self.ids)]
        return action

    def action_view_failed_work(self):
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_work_items"
        )
        action["domain"] = [("account_id", "in", self.ids)]
        action["context"] = {"search_default_failing": 1}
        return action

    def action_view_parked(self):
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_parked_orders"
        )
        action["domain"] = [("account_id", "in", self.ids)]
        return action
