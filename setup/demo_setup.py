"""The demo database's contents: what a seller's admin would set up, then a sync.

``setup/demo.py`` runs :func:`main` inside ``odoo shell`` (as superuser, on a
freshly installed database) with the local sandbox's URLs and credentials in
``options``. Each step commits, as a person clicking through would: the
order sync and the listing import each run in transactions of their own and
must see the account.
"""

from datetime import timedelta

from odoo import fields

# The sandbox's six marketplaces by selling region: Amazon authorizes a seller
# per region, so the demo connects one account per region.
REGIONS = {
    "na": ("North America", ("us", "ca")),
    "eu": ("Europe", ("uk", "de", "fr")),
    "fe": ("Far East", ("jp",)),
}
COST_SHARE = 0.6  # the demo products' cost, as a share of their price
STOCK_ON_HAND = 20  # units of every product: orders still to ship can ship


def main(env, options):
    """Set up the demo company, catalogue and account, then sync.

    ``options``: ``seller_id``, ``endpoint``, ``token_url``, ``client_id``,
    ``client_secret``, ``refresh_token`` (the sandbox's), ``rate_scale``,
    ``products``, a list of ``(sku, title, price)``,
    ``admin_totp_secret``, the administrator's two-factor secret, and
    ``queue_url`` and ``sqs_keys``, the local SQS queue of notifications.
    """
    admin = env.ref("base.user_admin")
    admin.groups_id += env.ref("amazon_pii.group_amazon_pii_officer")
    admin.groups_id += env.ref("amazon_pii.group_amazon_shipping")
    # The accountant's screens (journal items, bank statement lines).
    admin.groups_id += env.ref("account.group_account_user")
    _exchange_rates(env)
    enrol_totp(admin, options["admin_totp_secret"])
    box = _prepare_shipping(env)
    _create_catalogue(env, options["products"])
    params = env["ir.config_parameter"]
    params.set_param("amazon_pii.incident_contact_id", admin.id)
    params.set_param("amazon_connector.rate_scale", options["rate_scale"])
    accounts = _create_accounts(env, options, box)
    _configure_taxes(env, accounts)
    env.cr.commit()
    for account in accounts:
        _first_sync(env, account)
    _listen(env, accounts, options)
    _read_fba_stock(env, accounts)
    _count_stock(env)
    _import_listings(env, accounts[0])
    _price_listings(env, accounts[0])
    _book_money(env, accounts)
    _report(env, accounts)


def enrol_totp(user, secret):
    """Enrol ``user`` in TOTP with ``secret`` (what auth_totp stores once a
    person has scanned it and typed a first code): reveals, rates and labels
    need two-factor authentication, and administrators must have it."""
    user.sudo().totp_secret = secret.replace(" ", "").upper()


def _prepare_shipping(env):
    """A ship-from address, a default box and a carrier Amazon knows; the box."""
    if not env.company.street:
        env.company.write(
            {
                "street": "1 Demo Way",
                "city": "Reno",
                "zip": "89501",
                "state_id": env.ref("base.state_us_23").id,
                "country_id": env.ref("base.us").id,
            }
        )
    box = env["stock.package.type"].create(
        {
            "name": "Demo box 30x20x10 cm",
            "packaging_length": 300,
            "width": 200,
            "height": 100,
            "base_weight": 0.5,
        }
    )
    env["delivery.carrier"].create(
        {
            "name": "UPS",
            "amazon_carrier_code": "UPS",
            "product_id": env["product.product"]
            .create({"name": "UPS shipping", "type": "service"})
            .id,
        }
    )
    return box


def _create_catalogue(env, products):
    """The sandbox's products."""
    for sku, title, price in products:
        env["product.product"].create(
            {
                "name": title,
                "default_code": sku,
                "list_price": price,
                # What the seller paid: the floor of the pricing suggestions.
                "standard_price": round(price * COST_SHARE, 2),
                "is_storable": True,
                "weight": 0.5,
            }
        )


def _count_stock(env):
    """The shelf as counted now, after the first sync: what Amazon shipped
    before today left already (the sync validated those deliveries), so the
    count sets what is there, and orders still to ship reserve from it."""
    stock = (
        env["stock.warehouse"]
        .search([("company_id", "=", env.company.id)], limit=1)
        .lot_stock_id
    )
    for product in env["product.product"].search([("default_code", "!=", False)]):
        if not product.is_storable:
            continue
        env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": product.id,
                "inventory_quantity": STOCK_ON_HAND,
                "location_id": stock.id,
            }
        ).action_apply_inventory()
    env.cr.commit()


def _create_accounts(env, options, box):
    """One account per region (North America first), all on the sandbox."""
    return env["amazon.account"].create(
        [
            {
                "name": f"Demo seller {label} (local sandbox)",
                "seller_id": options["seller_id"],
                "region": region,
                "endpoint_url": options["endpoint"],
                "lwa_url": options["token_url"],
                "lwa_client_id": options["client_id"],
                "lwa_client_secret": options["client_secret"],
                "refresh_token": options["refresh_token"],
                "marketplace_ids": [
                    fields.Command.set(
                        [
                            env.ref(f"amazon_connector.marketplace_{code}").id
                            for code in codes
                        ]
                    )
                ],
                # Further back than the sandbox's 30 days of orders: all of them.
                "orders_sync_from": fields.Datetime.now() - timedelta(days=35),
                "auto_invoice": True,
                "sync_finances": True,
                "sync_returns": True,
                "package_type_id": box.id,
            }
            for region, (label, codes) in REGIONS.items()
        ]
    )


# The demo's VAT: what the sandbox charges (tests/sandbox/orders_view.py).
DEMO_VAT = {"UK": 20, "DE": 19, "FR": 20, "JP": 10}


# Units of each currency per US dollar (the demo company's currency), as the
# sandbox's dataset converts its prices (tests/sandbox/dataset.py).
DEMO_RATES = {"CAD": 1.35, "GBP": 0.79, "EUR": 0.92, "JPY": 150.0}


def _exchange_rates(env):
    """Rates for the marketplaces' currencies from well before the orders, so
    Amazon's euros, pounds and yen are converted, not counted one for one."""
    for code, rate in DEMO_RATES.items():
        currency = (
            env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", code)], limit=1)
        )
        currency.active = True
        env["res.currency.rate"].create(
            {"currency_id": currency.id, "name": "2026-01-01", "rate": rate}
        )


def _configure_taxes(env, accounts):
    """Price-included VAT per European and Japanese marketplace, with a
    reverse-charge fiscal position for VAT-registered business buyers: the
    orders' invoices then show the VAT Amazon charged (the account's Taxes
    page says so)."""
    # Copies of the company's sales tax keep its tax accounts (VAT collected
    # to the tax payable account, not to revenue); each rate its own group.
    base = env.company.account_sale_tax_id
    Group = env["account.tax.group"]

    def tax(name, rate, **extra):
        return base.copy(
            {
                "name": name,
                "amount": rate,
                "tax_group_id": Group.create({"name": f"VAT {rate}%"}).id,
                **extra,
            }
        )

    zero = tax("0% (reverse charge)", 0)
    taxes = {
        code: tax(
            f"{code} VAT {rate}% (incl.)",
            rate,
            price_include_override="tax_included",
        )
        for code, rate in DEMO_VAT.items()
    }
    business = env["account.fiscal.position"].create(
        {
            "name": "EU/UK business buyers (reverse charge)",
            "tax_ids": [
                fields.Command.create({"tax_src_id": tax.id, "tax_dest_id": zero.id})
                for code, tax in taxes.items()
                if code != "JP"
            ],
        }
    )
    settings = []
    for account in accounts:
        for marketplace in account.marketplace_ids:
            code = marketplace.code
            if code in taxes:
                settings.append(
                    {
                        "account_id": account.id,
                        "marketplace_id": marketplace.id,
                        "tax_id": taxes[code].id,
                        "business_fiscal_position_id": (
                            business.id if code != "JP" else False
                        ),
                    }
                )
    env["amazon.account.tax"].create(settings)


def _book_money(env, accounts):
    """Amazon's transactions of the past month booked (sales, fees, refunds,
    payouts reconciled with their bank statement lines) and its returns
    reports requested (they are ready minutes later: the hourly cron or
    *Sync returns now* collects them)."""
    for account in accounts:
        account._finances_sync()
        account._returns_sync()
    env.cr.commit()


def _listen(env, accounts, options):
    """Amazon's notifications on: the queue and its keys on each account,
    then *Set up notifications* (the sandbox publishes to the queue)."""
    for account in accounts:
        account.notification_queue_url = options["queue_url"]
        env["amazon.pii.vault"].store_secrets(account, options["sqs_keys"])
        env.cr.commit()
        account.action_notifications_setup()
        env.cr.commit()
    print(
        f"Notifications set up: {len(accounts.notification_subscription_ids)} "
        "subscriptions; new orders now arrive within seconds."
    )


def _first_sync(env, account):
    log = env["amazon.order.sync"].run(account)
    env.cr.commit()
    log.invalidate_recordset()
    print(
        f"First sync of {account.name}: {log.created} orders imported, "
        f"{log.failed} parked, "
        f"{log.api_calls} SP-API calls, {log.throttled} throttled"
    )


def _read_fba_stock(env, accounts):
    """Amazon's FBA stock into each account's FBA location, after the first
    sync: its FBA orders already shipped were delivered from that location
    (below zero until now); the read sets it to what Amazon holds, one
    inventory adjustment per SKU. The hourly cron reads it from now on."""
    counts = {"synced": 0, "unknown": 0}
    for account in accounts:
        outcome = account._fba_stock_sync()
        env.cr.commit()
        for key in counts:
            counts[key] += outcome[key]
    below_zero = env["stock.quant"].search_count(
        [
            ("location_id", "in", accounts.fba_location_id.ids),
            ("quantity", "<", 0),
        ]
    )
    print(
        f"FBA stock read: {counts['synced']} SKUs into the FBA locations, "
        f"{counts['unknown']} unknown to Odoo (Amazon > FBA Stock); "
        f"{below_zero} FBA quantities below zero"
    )


def _import_listings(env, account):
    """What the seller already sells on amazon.com, matched by SKU; the cron
    pushes their price and stock from now on."""
    created, _updated = env["amazon.listing.import"]._run(
        account, env.ref("amazon_connector.marketplace_us")
    )
    account.sync_listings = True
    env.cr.commit()
    print(
        f"Listings imported: {len(created)} "
        f"({len(created.filtered('product_id'))} matched to a product)"
    )


def _price_listings(env, account):
    """A pricing rule for the whole catalogue (win the featured offer, 10%
    minimum margin, suggestions only) and a first reading of the market:
    Amazon > Pricing shows where each listing stands and what to change."""
    env["amazon.pricing.rule"].create(
        {
            "categ_id": env.ref("product.product_category_all").id,
            "strategy": "win",
            "min_margin_percent": 10,
        }
    )
    # Imported here: the addons are on the path once Odoo runs this script.
    from odoo.addons.amazon_connector.core.spapi import RetryableError

    Listing = env["amazon.listing"].with_company(account.company_id)
    for _call in range(10):  # the catalogue fits one or two calls
        # Each reading commits in its own unit: a fresh transaction sees it.
        env.cr.commit()
        env.invalidate_all()
        due = Listing._market_due(account)
        if not due:
            break
        try:
            due._read_market()
        except RetryableError as exc:  # the cron reads the rest
            print(f"Pricing: market reading paused ({exc}); the cron goes on")
            break
    listings = Listing.search(
        [("account_id", "=", account.id), ("market_snapshot_id", "!=", False)]
    )
    pending = env["amazon.price.suggestion"].search_count(
        [("listing_id", "in", listings.ids), ("state", "=", "pending")]
    )
    print(
        f"Pricing: the market of {len(listings)} listings read "
        f"({len(listings.filtered('featured_is_ours'))} hold the featured offer); "
        f"{pending} price suggestions wait in Amazon > Pricing"
    )


def _report(env, accounts):
    """What a seller checks first: do Odoo and Amazon agree?"""
    env["amazon.listing"]._cron_push_offers()
    env.cr.commit()
    orders = env["sale.order"].search([("amazon_account_id", "in", accounts.ids)])
    shipped_open = orders.filtered(
        lambda o: (
            o.amazon_status == "SHIPPED"
            and o.picking_ids.filtered(
                lambda p: (
                    p.picking_type_code == "outgoing"
                    and p.state not in ("done", "cancel")
                )
            )
        )
    )
    listings = env["amazon.listing"].search(
        [("account_id", "in", accounts.ids), ("pushed_quantity", ">=", 0)]
    )
    invoices = orders.invoice_ids.filtered(lambda m: m.state == "posted")
    today = fields.Date.context_today(accounts[0])
    taxed = orders.filtered("amazon_tax_checked")
    print(
        f"Check: {len(shipped_open)} shipped orders with an open delivery; "
        f"{len(listings.filtered(lambda lst: lst.pushed_quantity == 0))} of "
        f"{len(listings)} merchant listings pushed with quantity 0; "
        f"{len(invoices.filtered(lambda m: m.invoice_date == today))} of "
        f"{len(invoices)} invoices dated today; "
        f"{len(taxed.filtered('amazon_tax_mismatch'))} of {len(taxed)} orders "
        "with VAT whose tax differs from Amazon's"
    )
    payouts = env["amazon.payout"].search([("account_id", "in", accounts.ids)])
    paid = payouts.filtered("statement_line_id")
    unmatched = env["amazon.finance.transaction"].search_count(
        [
            ("account_id", "in", accounts.ids),
            "|",
            ("state", "in", ("parked", "unmapped")),
            ("match_state", "in", ("no_order", "no_invoice", "differs")),
        ]
    )
    print(
        f"Money: {len(paid.filtered(lambda p: p.state == 'reconciled'))} of "
        f"{len(paid)} Amazon payouts reconciled with their bank statement line; "
        f"{unmatched} transaction(s) not matched (Amazon > Accounting)"
    )
    print(
        f"{len(orders)} Amazon orders in Odoo now. The sandbox releases more "
        "over the next two days: Amazon's notifications bring each within "
        "seconds, the order search runs hourly as the safety net (move the "
        "sandbox's clock to see one now: POST /_sandbox/clock "
        '{"advanceSeconds": 3600}).'
    )
