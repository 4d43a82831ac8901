"""Operation handlers by operationId: ``handler(context, values) -> Reply``."""

from . import (
    definitions,
    feeds,
    fulfillment,
    inventory,
    listings,
    orders,
    pricing,
    shipping,
)

HANDLERS = {
    "searchOrders": orders.search_orders,
    "getOrder": orders.get_order,
    "confirmShipment": orders.confirm_shipment,
    "getListingsItem": listings.get_listings_item,
    "putListingsItem": listings.put_listings_item,
    "patchListingsItem": listings.patch_listings_item,
    "deleteListingsItem": listings.delete_listings_item,
    "searchListingsItems": listings.search_listings_items,
    "searchDefinitionsProductTypes": definitions.search_definitions,
    "getDefinitionsProductType": definitions.get_definition,
    "createFeedDocument": feeds.create_feed_document,
    "getFeedDocument": feeds.get_feed_document,
    "createFeed": feeds.create_feed,
    "getFeed": feeds.get_feed,
    "getRates": shipping.get_rates,
    "purchaseShipment": shipping.purchase_shipment,
    "getTracking": shipping.get_tracking,
    "getCompetitiveSummary": pricing.get_competitive_summary,
    "getInventorySummaries": inventory.get_inventory_summaries,
    "getFulfillmentPreview": fulfillment.get_fulfillment_preview,
    "createFulfillmentOrder": fulfillment.create_fulfillment_order,
    "getFulfillmentOrder": fulfillment.get_fulfillment_order,
    "cancelFulfillmentOrder": fulfillment.cancel_fulfillment_order,
    "getPackageTrackingDetails": fulfillment.get_package_tracking_details,
}
