"""Amazon's default usage plans (requests per second, burst) per operation.

Copied from the "Usage Plan" table in each operation's description in
Amazon's models; ``tests/amazon_connector/test_spapi_usage_plans.py``
checks this table against the models. Amazon may grant a seller more: the
``x-amzn-RateLimit-Limit`` header then adapts the rate at runtime.
"""

USAGE_PLANS = {
    # Orders 2026-01-01
    "searchOrders": (0.0056, 20),
    "getOrder": (0.5, 30),
    # Orders v0
    "confirmShipment": (2.0, 10),
    # Listings Items 2021-08-01
    "getListingsItem": (5.0, 10),
    "putListingsItem": (5.0, 10),
    "patchListingsItem": (5.0, 5),
    "deleteListingsItem": (5.0, 5),
    "searchListingsItems": (5.0, 5),
    # Listings Restrictions 2021-08-01
    "getListingsRestrictions": (5.0, 10),
    # Product Type Definitions 2020-09-01
    "searchDefinitionsProductTypes": (5.0, 10),
    "getDefinitionsProductType": (5.0, 10),
    # Feeds 2021-06-30
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "getFeedDocument": (0.0222, 10),
    # Reports 2021-06-30
    "createReport": (0.0167, 15),
    "getReport": (2.0, 15),
    "getReportDocument": (0.0167, 15),
    # Shipping API v2
    "getRates": (80.0, 100),
    "purchaseShipment": (80.0, 100),
    "getTracking": (80.0, 100),
    "cancelShipment": (80.0, 100),
    # Product Pricing 2022-05-01
    "getCompetitiveSummary": (0.033, 1),
    "getFeaturedOfferExpectedPriceBatch": (0.033, 1),
    # Product Fees v0
    "getMyFeesEstimates": (0.5, 1),
    # FBA Inventory v1
    "getInventorySummaries": (2.0, 2),
    # Fulfillment Outbound 2020-07-01
    "getFulfillmentPreview": (2.0, 30),
    "createFulfillmentOrder": (2.0, 30),
    "getFulfillmentOrder": (2.0, 30),
    "cancelFulfillmentOrder": (2.0, 30),
    "getPackageTrackingDetails": (2.0, 30),
    # Finances 2024-06-19
    "listTransactions": (0.5, 10),
    # Notifications v1
    "getSubscriptions": (1.0, 5),
    "getSubscription": (1.0, 5),
    "createSubscription": (1.0, 5),
    "deleteSubscriptionById": (1.0, 5),
    "getDestinations": (1.0, 5),
    "createDestination": (1.0, 5),
    "deleteDestination": (1.0, 5),
}
