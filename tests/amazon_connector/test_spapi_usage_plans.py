"""The usage-plan table and the routes match Amazon's models (the source)."""

import pytest
from spapi_support import MODEL_OF, PLAN_ROW, find_operation

from amazon_connector.core.spapi.client import ROUTES
from amazon_connector.core.spapi.usage_plans import USAGE_PLANS


def test_every_wrapped_operation_has_a_plan_and_a_route():
    assert set(USAGE_PLANS) == set(ROUTES) == set(MODEL_OF)


@pytest.mark.parametrize("operation", sorted(USAGE_PLANS))
def test_usage_plan_matches_model(operation):
    _path, _method, op, _params = find_operation(operation)
    match = PLAN_ROW.search(op["description"])
    assert match, f"no usage plan table in {operation}'s description"
    assert USAGE_PLANS[operation] == (float(match.group(1)), int(match.group(2)))


@pytest.mark.parametrize("operation", sorted(ROUTES))
def test_route_matches_model(operation):
    path, method, _op, params = find_operation(operation)
    assert ROUTES[operation][:2] == (method, path)
    query = {p["name"] for p in params if p["in"] == "query"}
    assert set(ROUTES[operation][2]) == query
