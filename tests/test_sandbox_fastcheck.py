"""The fast validity check must never accept what jsonschema rejects."""

import copy

import pytest
from sandbox_fixtures import require_models

from tests.sandbox import dataset, orders_view
from tests.sandbox.fastcheck import compile_check
from tests.sandbox.models import DEFAULT_MODELS_DIR, Catalog
from tests.sandbox.validation import FORMATS, SchemaSet, to_json_schema

EVERYTHING = ("BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION")
EVERYTHING += ("CANCELLATION", "FULFILLMENT", "PACKAGES", "TAX", "FULFILLMENT_ORDERS")


@pytest.fixture(scope="module")
def catalog():
    require_models()
    return Catalog(DEFAULT_MODELS_DIR)


def _verdicts(schemas, schema, value, strict):
    fast = compile_check(to_json_schema(schema, strict), schemas._defs(strict), FORMATS)
    assert fast is not None
    slow = not list(schemas.validator(schema, strict).iter_errors(value))
    return fast(value), slow


def test_agrees_with_jsonschema_on_amazons_own_examples(catalog):
    compared = 0
    for op in catalog.operations:
        schemas = SchemaSet(op.definitions)
        for case in op.static_cases:
            schema = op.responses.get(case.status)
            if schema is None or case.response is None:
                continue
            for strict in (False, True):
                fast, slow = _verdicts(schemas, schema, case.response, strict)
                assert fast == slow, (op.op_id, case.status, strict)
                compared += 1
    assert compared >= 60


def _mutations(order):
    """Broken copies of a valid order, each with one defect."""
    broken = []

    def variant(change):
        copied = copy.deepcopy(order)
        change(copied)
        broken.append(copied)

    variant(lambda o: o.pop("orderId"))
    variant(lambda o: o.update(createdTime="yesterday"))
    variant(lambda o: o.update(orderItems="none"))
    variant(lambda o: o["orderItems"][0].update(quantityOrdered="2"))
    variant(lambda o: o["orderItems"][0].update(quantityOrdered=True))
    variant(lambda o: o["fulfillment"].update(fulfillmentStatus="LOST"))
    variant(lambda o: o["salesChannel"].pop("channelName"))
    variant(lambda o: o["orderItems"][0]["product"].update(colour="red"))
    variant(lambda o: o["recipient"]["deliveryAddress"].update(name=None))
    variant(lambda o: o.update(programs=[1]))
    return broken


def test_rejects_what_jsonschema_rejects(catalog):
    op = catalog.by_id["getOrder"]
    schemas = SchemaSet(op.definitions)
    data = dataset.generate(seed=2, orders=40)
    now = dataset.parse_time(data["now"])
    views = [orders_view.render(o, now, EVERYTHING) for o in data["orders"]]
    priced = [
        v for v in views if v and v["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    ]
    schema = op.responses[200]
    for view in views:
        if view:
            assert _verdicts(schemas, schema, {"order": view}, True) == (True, True)
    for broken in _mutations(priced[0]):
        fast, slow = _verdicts(schemas, schema, {"order": broken}, True)
        assert not slow
        assert not fast, broken
