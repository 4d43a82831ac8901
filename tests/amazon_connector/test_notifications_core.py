"""Reading Amazon's notifications (core/notifications.py, issue 22).

The independent truth is Amazon's own examples inside its notification
schemas (../shared/amazon/sp-api-models/schemas/notifications): each one
must parse to the values written in it, and fit its schema."""

import copy
import json
from datetime import datetime

import pytest
from spapi_support import MODELS, how_to

from amazon_connector.core import notifications as n

SCHEMAS = MODELS.parent / "schemas" / "notifications"


def example(kind):
    """Amazon's first example of ``kind``, from its schema file."""
    path = SCHEMAS / n.TYPES[kind][1]
    if not path.is_file():
        pytest.skip(
            f"Amazon's notification schemas not found at {SCHEMAS}; " + how_to()
        )
    schema = json.loads(path.read_text(encoding="utf-8"))
    if schema.get("examples"):
        return copy.deepcopy(schema["examples"][0])
    # Amazon's FBA inventory schema has no whole example, only one per
    # property (and no metadata: the consumer falls back on SQS's id).
    return {
        key: copy.deepcopy((prop.get("examples") or prop.get("enum"))[0])
        for key, prop in schema["properties"].items()
    }


def test_order_change_reads_the_order_and_its_channel():
    data = example("ORDER_CHANGE")
    note = n.parse(json.dumps(data))
    assert note.type == "ORDER_CHANGE"
    assert note.notification_id == "d0e9e693-c3ad-4373-979f-ed4ec98dd746"
    assert note.seller_id == "A3TH9S8BH6GOGM"
    assert note.order_id == "903-8868176-2219830"
    # Bug caught: MFN read as Amazon-fulfilled (the import would not ask
    # for the shipping address of an order the seller must ship).
    assert note.fulfilled_by == "MERCHANT"
    assert note.order_status == "Unshipped"
    assert note.marketplace_ids == ("ATVPDKIKX0DER",)
    assert note.event_time == datetime(2020, 1, 11, 0, 9, 53, 109000)
    assert note.subject == "903-8868176-2219830"


def test_the_buyers_postal_code_is_not_kept():
    data = example("ORDER_CHANGE")
    body = json.dumps(data)
    postal = data["Payload"]["OrderChangeNotification"]["Summary"][
        "DestinationPostalCode"
    ]
    assert postal in body  # the check below can see it when present
    assert postal not in repr(n.parse(body))


def test_each_type_reads_what_the_connector_acts_on():
    fba = json.dumps(example("FBA_INVENTORY_AVAILABILITY_CHANGES"))
    with pytest.raises(n.Malformed, match="NotificationId is missing"):
        n.parse(fba)  # no id of Amazon's, none given: nothing to dedupe on
    inventory = n.parse(fba, message_id="sqs-1")
    assert inventory.notification_id == "sqs-1"
    assert (inventory.seller_id, inventory.sku) == ("A3TH9S8BH6GOGM", "SELLERSKU-1")
    assert inventory.marketplace_ids == ("ATVPDKIKX0DER", "A2EUQ1WTGCTBG2")
    status = n.parse(json.dumps(example("LISTINGS_ITEM_STATUS_CHANGE")))
    assert (status.sku, status.marketplace_ids) == ("NLS-SHOES-03", ("ATVPDKIKX0DER",))
    issues = n.parse(json.dumps(example("LISTINGS_ITEM_ISSUES_CHANGE")))
    assert issues.sku and issues.seller_id and issues.marketplace_ids
    offers = n.parse(json.dumps(example("ANY_OFFER_CHANGED")))
    assert offers.asin and offers.marketplace_ids and offers.seller_id
    # camelCase envelope (Amazon's older style).
    report = n.parse(json.dumps(example("REPORT_PROCESSING_FINISHED")))
    assert report.seller_id == "A3TH9S8BH6GOGM"
    assert report.extra["report"] == "54517018502"
    assert report.notification_id == "d0e9e693-c3ad-4373-979f-ed4ec98dd746"


@pytest.mark.parametrize("kind", sorted(n.TYPES))
def test_amazons_examples_fit_their_schemas(kind):
    # Bug caught: a wrong schema file name or payload version for a type
    # (the consumer would validate against nothing, or the wrong shape).
    assert n.schema_errors(example(kind), kind, SCHEMAS) == []


def test_a_schema_error_names_the_place_not_the_value():
    data = example("ORDER_CHANGE")
    summary = data["Payload"]["OrderChangeNotification"]["Summary"]
    summary["OrderItems"][0]["Quantity"] = "ten thousand"
    summary["DestinationPostalCode"] = 48110
    errors = n.schema_errors(data, "ORDER_CHANGE", SCHEMAS)
    assert len(errors) == 2
    assert any("OrderItems/0/Quantity" in e for e in errors)
    assert not any("ten thousand" in e or "48110" in e for e in errors)


@pytest.mark.parametrize(
    "body, reason",
    [
        ("", "empty"),
        ("not json {", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"NotificationType": "ORDER_CHANGE"}', "Payload is missing"),
        (
            '{"NotificationType": "MYSTERY", "Payload": {}}',
            "not one the app handles",
        ),
    ],
)
def test_malformed_bodies_say_why(body, reason):
    with pytest.raises(n.Malformed, match=reason):
        n.parse(body)


def test_a_missing_id_or_order_is_named_without_quoting_the_body():
    data = example("ORDER_CHANGE")
    del data["NotificationMetadata"]["NotificationId"]
    with pytest.raises(n.Malformed, match="NotificationMetadata.NotificationId"):
        n.parse(json.dumps(data))
    data = example("ORDER_CHANGE")
    change = data["Payload"]["OrderChangeNotification"]
    change["AmazonOrderId"] = 903
    with pytest.raises(n.Malformed) as refused:
        n.parse(json.dumps(data))
    assert "AmazonOrderId is not a string" in str(refused.value)
    assert "48110" not in str(refused.value)
