"""Mutable sandbox state built from the dataset: orders by id, listings,
inventory, feed documents, feeds, reports, shipments and confirmations."""

from decimal import Decimal

from .dataset import MARKETPLACES


class Stores:
    def __init__(self, data, seller_id, documents):
        self.data = data
        self.orders = {order["orderId"]: order for order in data["orders"]}
        self.order_list = data["orders"]
        self.products = {p["sku"]: p for p in data["products"]}
        self.listings = {}  # (seller, sku) -> listing record
        for product in data["products"]:
            self.listings[(seller_id, product["sku"])] = {
                "sku": product["sku"],
                "productType": product["productType"],
                "asin": product["asin"],
                "attributes": {
                    "item_name": [
                        {
                            "value": product["title"],
                            "marketplace_id": MARKETPLACES[0][0],
                            # As Amazon returns a text: with its language.
                            "language_tag": "en_US",
                        }
                    ],
                    "purchasable_offer": [
                        {
                            "currency": "USD",
                            "marketplace_id": MARKETPLACES[0][0],
                            "our_price": [
                                {
                                    "schedule": [
                                        {"value_with_tax": float(product["priceUsd"])}
                                    ]
                                }
                            ],
                        }
                    ],
                    "fulfillment_availability": [
                        {"fulfillment_channel_code": "AMAZON_NA"}
                        if product["afn"]
                        else {"fulfillment_channel_code": "DEFAULT", "quantity": 25}
                    ],
                },
                "price": Decimal(product["priceUsd"]),
                "afn": product["afn"],
                "createdDate": data["now"],
                "lastUpdatedDate": data["now"],
            }
        self.documents = documents  # feedDocumentId -> {"contentType", "content"}
        self.feeds = {}  # feedId -> feed record
        self.reports = {}  # reportId -> report record (handlers/reports.py)
        self.shipments = {}  # shipmentId -> shipment record
        self.rate_requests = {}  # requestToken -> rates
        self.idempotency = {}  # idempotency key -> purchase reply
        # Accepted shipment confirmations, the seller's (confirmShipment) and
        # Amazon's own for labels bought for an Amazon order (/_sandbox/...).
        self.confirmations = []
