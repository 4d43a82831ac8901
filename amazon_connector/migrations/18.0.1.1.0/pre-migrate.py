"""Crons were renamed ``ir_cron_amazon_<what>``: keep each existing cron (its
schedule and activity, noupdate) under its new id instead of creating a second
one next to it."""

RENAMED = {
    "cron_amazon_listing_feeds": "ir_cron_amazon_listing_feeds",
    "cron_amazon_listing_offers": "ir_cron_amazon_listing_offers",
    "cron_amazon_product_types": "ir_cron_amazon_product_types",
}


def migrate(cr, version):
    for old, new in RENAMED.items():
        cr.execute(
            """UPDATE ir_model_data SET name = %s
                WHERE module = 'amazon_connector' AND name = %s
                  AND NOT EXISTS (SELECT 1 FROM ir_model_data
                                   WHERE module = 'amazon_connector' AND name = %s)""",
            (new, old, new),
        )
