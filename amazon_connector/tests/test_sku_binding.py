"""One SKU-to-product binding: orders and listings of a SKU share amazon.offer."""

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestSkuBinding(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        us = cls.env.ref("amazon_connector.marketplace_us")
        ca = cls.env.ref("amazon_connector.marketplace_ca")
        cls.account = cls.env["amazon.account"].create(
            {
                "name": "Binding seller",
                "seller_id": "ABINDING",
                "region": "na",
                "marketplace_ids": [(6, 0, (us | ca).ids)],
            }
        )
        cls.us, cls.ca = us, ca
        cls.mug, cls.cup = cls.env["product.product"].create(
            [
                {"name": "Mug", "default_code": "MUG-1", "is_storable": True},
                {"name": "Cup", "default_code": "CUP-1", "is_storable": True},
            ]
        )
        cls.Offer = cls.env["amazon.offer"]

    def listing(self, sku, marketplace, **vals):
        return self.env["amazon.listing"].create(
            {
                "account_id": self.account.id,
                "marketplace_id": marketplace.id,
                "sku": sku,
            }
            | vals
        )

    def test_a_listing_binds_its_sku_for_orders(self):
        listing = self.listing("BOX-7", self.us, product_id=self.mug.id)
        offers = self.Offer.search([("account_id", "=", self.account.id)])
        self.assertEqual(len(offers), 1)
        self.assertEqual((offers.sku, offers.product_id), ("BOX-7", self.mug))
        self.assertEqual(listing.offer_id, offers)
        # What the order import reads for the SKU is the listing's product.
        self.assertEqual(self.Offer._for_skus(self.account, ["BOX-7"])["BOX-7"], offers)

    def test_one_product_per_sku_across_marketplaces_and_orders(self):
        us = self.listing("MUG-1", self.us)
        ca = self.listing("MUG-1", self.ca)
        self.assertEqual(us.offer_id, ca.offer_id)
        self.assertEqual(us.product_id, self.mug)  # matched by internal reference
        # Remapping the SKU (on the offer, as a person fixing a mapping does)
        # moves every listing of it at once: nothing to keep in step by hand.
        us.offer_id.product_id = self.cup
        self.assertEqual((us.product_id, ca.product_id), (self.cup, self.cup))
        # And remapping from a listing moves the order mapping.
        ca.product_id = self.mug
        self.assertEqual(
            self.Offer._for_skus(self.account, ["MUG-1"])["MUG-1"].product_id,
            self.mug,
        )
        self.assertEqual(us.product_id, self.mug)

    def test_renamed_sku_takes_its_product_to_the_new_binding(self):
        listing = self.listing("OLD-SKU", self.us, product_id=self.cup.id)
        old = listing.offer_id
        listing.sku = "NEW-SKU"
        self.assertNotEqual(listing.offer_id, old)
        self.assertEqual(listing.offer_id.sku, "NEW-SKU")
        self.assertEqual(listing.product_id, self.cup)
