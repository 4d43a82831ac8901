"""Variation families and extra images against the local SP-API sandbox:
a size x colour template becomes a parent and four children in one feed,
comes back linked by an import, a template no theme fits is refused by
name, and a product's extra images reach Amazon as its other images."""

import base64
import io
import json

from lxml import etree
from PIL import Image, ImageDraw

from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools.misc import verify_limited_field_access_token

from odoo.addons.amazon_pii.tests.common import new_test_user

from .test_listings import COMMON, ListingCase, Recorder
from .test_screens import ScreensCase

APPAREL = "SANDBOX_APPAREL"  # the sandbox's PRODUCT schema plus size
# What a parent needs besides its template's data (Amazon's rules when no
# offer channel is given ask for the package and batteries).
FAMILY_COMMON = {
    **COMMON,
    "batteries_required": [{"value": False}],
    "item_package_dimensions": [
        {
            "length": {"value": 30, "unit": "centimeters"},
            "width": {"value": 20, "unit": "centimeters"},
            "height": {"value": 3, "unit": "centimeters"},
        }
    ],
}


def ean(body):
    """A valid EAN-13 for a 12-digit body (GS1 check digit)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def png(colour):
    """A photo Amazon accepts (1,000 px, a ``colour`` product filling 90% of
    a white frame): with amazon_ai installed, a tiny image is a compliance
    error that keeps the listing from being sent."""
    image = Image.new("RGB", (1000, 1000), "white")
    ImageDraw.Draw(image).rectangle((50, 50, 950, 950), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue())


class FamilyCase(ListingCase):
    """Templates with variants and their family wizard (no tests here: the
    compliance tests of amazon_ai reuse it)."""

    def make_template(self, name, axes, code, first_barcode=0):
        """A storable template varying on ``axes`` ({attribute: [values]}),
        its variants' references ``<code>-<value>-<value>``."""
        lines = []
        for attribute_name, values in axes.items():
            attribute = self.env["product.attribute"].create(
                {
                    "name": attribute_name,
                    "value_ids": [(0, 0, {"name": value}) for value in values],
                }
            )
            lines.append(
                (
                    0,
                    0,
                    {
                        "attribute_id": attribute.id,
                        "value_ids": [(6, 0, attribute.value_ids.ids)],
                    },
                )
            )
        template = self.env["product.template"].create(
            {
                "name": name,
                "is_storable": True,
                "list_price": 25.0,
                "description_sale": "A plain cotton shirt.",
                "country_of_origin": self.germany.id,
                "attribute_line_ids": lines,
            }
        )
        for index, variant in enumerate(template.product_variant_ids):
            values = variant.product_template_attribute_value_ids.mapped("name")
            variant.write(
                {
                    "default_code": "-".join([code, *values]).upper(),
                    "barcode": ean(
                        f"40{sum(map(ord, code)):05d}{index + first_barcode:05d}"
                    ),
                    # A template's weight reaches no variant once it has several.
                    "weight": 0.3,
                }
            )
        return template

    def family_wizard(self, template, product_type=APPAREL):
        return self.wizard(
            template.product_variant_ids,
            product_type=product_type,
            common_attributes=json.dumps(FAMILY_COMMON),
        )


@tagged("post_install", "-at_install")
class TestListingFamilies(FamilyCase):
    def test_size_colour_template_is_one_family_in_one_feed_and_imports_back(self):
        template = self.make_template(
            "Shirt", {"Size": ["S", "M"], "Colour": ["Red", "Blue"]}, "shirt"
        )
        variants = template.product_variant_ids
        self.assertEqual(len(variants), 4)
        with Recorder("create_feed") as feeds:
            action = self.family_wizard(template).action_submit_feed()
        # One feed for the whole family (a feed per listing would be 5).
        self.assertEqual(len(feeds.calls), 1)
        feed = self.env["amazon.listing.feed"].search(action["domain"])
        self.assertEqual(len(feed), 1)
        self.assertEqual(feed.message_count, 5)
        # The parent SKU: the variants' common reference, kept on the template.
        self.assertEqual(template.amazon_parent_sku, "SHIRT-PARENT")
        parent = self.env["amazon.listing"].search([("sku", "=", "SHIRT-PARENT")])
        self.assertEqual(len(parent), 1)
        # The parent goes first: Amazon refuses a child whose parent it lacks.
        self.assertEqual(feed.messages[0]["listing"], parent.id)
        self.assertEqual(parent.parentage, "parent")
        self.assertEqual(parent.variation_theme, "SIZE/COLOR")
        self.assertFalse(parent.product_id)  # no offer, no stock to push
        self.assertEqual(parent.family_template_id, template)
        self.assertNotIn("purchasable_offer", parent.attributes)
        children = parent.child_ids
        self.assertEqual(len(children), 4)
        self.assertEqual(children.product_id, variants)
        for child in children:
            self.assertEqual(child.parentage, "child")
            values = child.product_id.product_template_attribute_value_ids
            size = values.filtered(lambda v: v.attribute_id.name == "Size").name
            colour = values.filtered(lambda v: v.attribute_id.name == "Colour").name
            self.assertEqual(child.attributes["size"][0]["value"], size)
            self.assertEqual(child.attributes["color"][0]["value"], colour)
            self.assertEqual(
                child.attributes["child_parent_sku_relationship"][0]["parent_sku"],
                "SHIRT-PARENT",
            )

        self.poll_until_done(feed)
        self.assertEqual(feed.state, "DONE")
        self.assertEqual((feed.accepted_count, feed.invalid_count), (5, 0))
        # The sandbox holds the family (its relationships, Amazon's view).
        held = self.on_amazon("SHIRT-PARENT", included=("relationships",))
        relation = held["relationships"][0]["relationships"][0]
        self.assertEqual(sorted(relation["childSkus"]), sorted(children.mapped("sku")))
        self.assertEqual(relation["variationTheme"]["theme"], "SIZE/COLOR")

        # Imported back after the listings and SKU mappings are gone: the
        # family is rebuilt from Amazon's attributes, children matched to
        # their variants by internal reference.
        skus = (parent | children).mapped("sku")
        offers = (parent | children).offer_id
        (parent | children).unlink()
        offers.sudo().unlink()
        self.env.flush_all()
        created, _updated = self.env["amazon.listing.import"]._run(
            self.account, self.us
        )
        family = created.filtered(lambda lst: lst.sku in skus)
        self.assertEqual(len(family), 5)
        parent = family.filtered(lambda lst: lst.parentage == "parent")
        self.assertEqual(parent.sku, "SHIRT-PARENT")
        self.assertEqual(len(parent.child_ids), 4)
        self.assertEqual(parent.child_ids, family - parent)
        self.assertEqual(parent.family_template_id, template)
        for child in parent.child_ids:
            self.assertEqual(child.product_id.default_code, child.sku)
        self.assertEqual(parent.child_ids.product_id, variants)

    def test_children_of_an_invalid_parent_are_held_back(self):
        template = self.make_template("Scarf", {"Colour": ["Red", "Blue"]}, "scarf")
        # Without the batteries answer Amazon's rules refuse the parent.
        common = {k: v for k, v in FAMILY_COMMON.items() if k != "batteries_required"}
        self.wizard(
            template.product_variant_ids,
            product_type=APPAREL,
            common_attributes=json.dumps(common),
        ).action_generate()
        parent = self.env["amazon.listing"].search([("sku", "=", "SCARF-PARENT")])
        self.assertEqual(len(parent), 1)
        self.assertEqual(parent.state, "invalid")
        self.assertIn("batteries_required", parent.issue_ids.mapped("attribute"))
        self.assertEqual(parent.variation_theme, "COLOR")
        self.assertEqual(len(parent.child_ids), 2)
        for child in parent.child_ids:
            # Valid on their own (they have an offer channel), held for the parent.
            self.assertEqual(child.state, "invalid")
            self.assertIn("SCARF-PARENT", " ".join(child.issue_ids.mapped("message")))

    def test_two_templates_sharing_a_reference_prefix_get_their_own_parents(self):
        # Bug: both got SHIRT-PARENT, and the second family's generation
        # rewrote the first family's parent (its title, its children's link).
        small = self.make_template("Shirt S-M", {"Size": ["S", "M"]}, "shirt")
        large = self.make_template(
            "Shirt L-XL", {"Size": ["L", "XL"]}, "shirt", first_barcode=10
        )
        self.assertEqual(
            sorted(large.product_variant_ids.mapped("default_code")),
            ["SHIRT-L", "SHIRT-XL"],
        )
        for template in (small, large):
            self.family_wizard(template).action_generate()
        self.assertEqual(small.amazon_parent_sku, "SHIRT-PARENT")
        self.assertEqual(large.amazon_parent_sku, f"TMPL{large.id}-PARENT")
        Listing = self.env["amazon.listing"]
        for template in (small, large):
            parent = Listing.search([("sku", "=", template.amazon_parent_sku)])
            self.assertEqual(len(parent), 1)
            self.assertEqual(parent.family_template_id, template)
            self.assertEqual(parent.attributes["item_name"][0]["value"], template.name)
            self.assertEqual(parent.child_ids.product_id, template.product_variant_ids)
        # A parent SKU set by hand to another family's is refused by name.
        large.amazon_parent_sku = "SHIRT-PARENT"
        with self.assertRaisesRegex(UserError, "Shirt S-M"):
            self.family_wizard(large).action_generate()

    def test_a_template_no_theme_fits_is_named(self):
        engraved = self.make_template("Pen", {"Engraving": ["None", "Initials"]}, "pen")
        with self.assertRaises(UserError) as caught:
            self.family_wizard(engraved).action_generate()
        message = str(caught.exception)
        self.assertIn("Pen", message)
        self.assertIn("Engraving", message)
        # Amazon's PRODUCT has color but no size: a size x colour shirt has
        # no theme there, and the message says which attribute is missing.
        shirt = self.make_template(
            "Tee", {"Size": ["S", "M"], "Colour": ["Red", "Blue"]}, "tee"
        )
        with self.assertRaises(UserError) as caught:
            self.family_wizard(shirt, product_type="PRODUCT").action_generate()
        self.assertIn("Tee", str(caught.exception))
        self.assertIn("Size", str(caught.exception))
        # ...and what the product type's themes can vary on instead.
        self.assertIn("vary on: color.", str(caught.exception))
        # Nothing half-made: no listing for either template.
        self.assertFalse(
            self.env["amazon.listing"].search(
                [("product_id.product_tmpl_id", "in", (engraved | shirt).ids)]
            )
        )

    def test_extra_images_become_other_images_on_amazon(self):
        product = self.make_product(
            "IMG-1", ean("400000009999"), image_1920=png("gray")
        )
        extras = self.env["amazon.product.image"].create(
            [
                {
                    "name": f"Side {index}",
                    "sequence": index,
                    "image_1920": png(colour),
                    "product_tmpl_id": product.product_tmpl_id.id,
                }
                for index, colour in enumerate(("red", "blue"), start=1)
            ]
        )
        listing_images = None
        self.wizard(product).action_generate()
        listing = self.listings(product)
        self.assertEqual(len(listing), 1)
        listing_images = listing._amazon_listing_images()
        self.assertEqual(len(listing_images), 3)
        self.assertEqual(
            [name for name, _data in listing_images],
            [
                "main_product_image_locator",
                "other_product_image_locator_1",
                "other_product_image_locator_2",
            ],
        )
        self.assertEqual(
            [data for _name, data in listing_images],
            [base64.b64decode(r.image_1920) for r in (product, *extras)],
        )
        listing.action_submit()
        held = self.on_amazon("IMG-1")["attributes"]
        self.assertNotIn("other_product_image_locator_3", held)
        for index, image in enumerate(extras, start=1):
            url = held[f"other_product_image_locator_{index}"][0]["media_location"]
            path, token = url.split("&access_token=")
            self.assertIn(
                f"/web/image/amazon.product.image/{image.id}/image_1920", path
            )
            self.assertTrue(
                verify_limited_field_access_token(image, "image_1920", token)
            )
        main = held["main_product_image_locator"][0]["media_location"]
        self.assertIn(f"/web/image/product.product/{product.id}/", main)


@tagged("post_install", "-at_install")
class TestFamilyScreens(ScreensCase):
    def test_parent_form_lists_its_children_and_a_child_names_its_parent(self):
        family = {
            "parentage_level": [
                {"marketplace_id": self.us.amazon_id, "value": "parent"}
            ],
            "variation_theme": [{"name": "COLOR"}],
        }
        parent = self.listing("SCR-PARENT", attributes=family)
        parent.offer_id.product_id = False  # a parent sells nothing
        child = self.listing(
            "SCR-RED",
            attributes={
                **family,
                "parentage_level": [
                    {"marketplace_id": self.us.amazon_id, "value": "child"}
                ],
                "child_parent_sku_relationship": [
                    {
                        "marketplace_id": self.us.amazon_id,
                        "child_relationship_type": "variation",
                        "parent_sku": "SCR-PARENT",
                    }
                ],
            },
        )
        child._link_families()
        self.assertEqual(child.parent_id, parent)
        arch = etree.fromstring(
            self.env["amazon.listing"]
            .with_user(self.user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        pages = arch.xpath("//page[@name='family']")
        self.assertEqual(len(pages), 1)
        self.assertTrue(pages[0].xpath("field[@name='child_ids']"))
        # Bug caught: a parent opened without its children (or a single
        # listing with an empty family tab).
        with Form(parent.with_user(self.user)) as form:
            self.assertEqual(form.parentage, "parent")
            self.assertEqual(len(form.child_ids), 1)
            self.assertEqual(form.child_ids._records[0]["sku"], "SCR-RED")
        with Form(child.with_user(self.user)) as form:
            self.assertEqual(form.parent_id, parent)

    def test_amazon_tab_with_extra_images_for_amazon_users_only(self):
        def arch(user):
            return etree.fromstring(
                self.env["product.template"]
                .with_user(user)
                .get_views([(False, "form")])["views"]["form"]["arch"]
            )

        self.assertTrue(arch(self.user).xpath("//field[@name='amazon_image_ids']"))
        clerk = new_test_user(
            self.env, login="family_clerk", groups="sales_team.group_sale_salesman"
        )
        self.assertFalse(arch(clerk).xpath("//field[@name='amazon_image_ids']"))
