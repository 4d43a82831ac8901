{
    "name": "Amazon Connector",
    "summary": "Amazon Selling Partner API: orders, listings and shipments in Odoo",
    "version": "18.0.1.0.0",
    "category": "Sales/Amazon",
    "author": "Amazon Seller Suite Authors",
    "license": "LGPL-3",
    "depends": [
        "amazon_pii",
        "sale_management",
        "sale_stock",
        "stock_delivery",
        "account",
    ],
    "external_dependencies": {
        "python": ["python-amazon-sp-api", "jsonschema", "requests"],
    },
    "data": [
        "security/ir.model.access.csv",
        "data/amazon_marketplace_data.xml",
        "views/amazon_marketplace_views.xml",
    ],
    "application": True,
    "installable": True,
}
