"""Notifications API v1: destinations (grantless, the application's) and
subscriptions (the seller's; by id, grantless). The publisher that sends
what the subscriptions ask for lives in ``tests/sandbox/notifications.py``.

Refusals follow what Amazon answers (its error texts as seen in
amzn/selling-partner-api-models issues):

- a second destination for the same SQS ARN: 409 ``Conflict``, "The
  requested resource conflict with a resource in the server.", "A
  destination with arn X already exists for the application Y";
- a destination with both sqs and eventBridge: 400 ``InvalidInput`` "A
  destination cannot be created with multiple resource types";
- deleting a destination that subscriptions use: 403 ``Unauthorized``, "The
  requested action is forbidden.", "Destination has subscriptions";
- a subscription to a destination the application does not have: 400
  ``InvalidInput`` "No destination with id X for applicationId Y";
- a second subscription for the same type and payload version: 409
  ``StateConflict``, "The resource specified conflicts with the current
  state.", "Subscription already exist for notification type T";
- an unknown subscription: 404 ``NotFound``.

The sandbox's own refusals (400 ``InvalidInput``): a notification type or
payload version it does not know, an eventFilter on a type without one, a
``filterExpression`` (not evaluated here), and with ``--sqs-endpoint`` an SQS
ARN whose queue the endpoint does not have (Amazon checks it can reach the
queue).
"""

import uuid

from .. import pagination
from ..errors import ApiError
from ..messages import Reply
from ..notifications import EVENT_FILTERS, PAYLOAD_VERSIONS

PARSE = "Request has missing or invalid parameters and cannot be parsed."
NOT_FOUND = "The resource specified does not exist."


def _invalid(details, message=PARSE):
    return ApiError(400, "InvalidInput", message, details)


def _not_found(details):
    return ApiError(404, "NotFound", NOT_FOUND, details)


def _registry(ctx):
    return ctx.state.notifications


def _type(values):
    kind = values["notificationType"]
    if kind not in PAYLOAD_VERSIONS:
        known = ", ".join(sorted(PAYLOAD_VERSIONS))
        raise _invalid(
            f"{kind} is not a notification type the sandbox supports ({known})"
        )
    return kind


# -- destinations (grantless) ------------------------------------------------


def get_destinations(ctx, values):
    with ctx.state.lock:
        found = [dict(d) for d in _registry(ctx).destinations.values()]
    return Reply(200, {"payload": found})


def _resource(ctx, spec):
    sqs, bridge = spec.get("sqs"), spec.get("eventBridge")
    if sqs and bridge:
        raise _invalid(
            "A destination cannot be created with multiple resource types",
            "Invalid input.",
        )
    if sqs:
        problem = _registry(ctx).check_queue(sqs["arn"])
        if problem:
            raise _invalid(problem)
        return {"sqs": {"arn": sqs["arn"]}}
    if bridge:
        name = (
            f"aws.partner/sellingpartnerapi.amazon.com/{bridge['accountId']}/"
            f"{ctx.state.application_id}"
        )
        return {
            "eventBridge": {
                "name": name[:256],
                "region": bridge["region"],
                "accountId": bridge["accountId"],
            }
        }
    raise _invalid("resourceSpecification needs sqs or eventBridge")


def create_destination(ctx, values):
    body = values["body"]
    name = body["name"]
    if not name or len(name) > 256:
        raise _invalid("name: 1 to 256 characters")
    resource = _resource(ctx, body["resourceSpecification"])
    registry = _registry(ctx)
    with ctx.state.lock:
        for destination in registry.destinations.values():
            if destination["resource"] == resource:
                taken = resource.get("sqs", {}).get("arn") or str(resource)
                raise ApiError(
                    409,
                    "Conflict",
                    "The requested resource conflict with a resource in the server.",
                    f"A destination with arn {taken} already exists for the "
                    f"application {ctx.state.application_id}",
                )
        destination = {
            "name": name,
            "destinationId": str(uuid.uuid4()),
            "resource": resource,
        }
        registry.destinations[destination["destinationId"]] = destination
    return Reply(200, {"payload": dict(destination)})


def _destination(ctx, destination_id):
    found = _registry(ctx).destinations.get(destination_id)
    if found is None:
        raise _not_found(f"No destination with id {destination_id}")
    return found


def get_destination(ctx, values):
    with ctx.state.lock:
        return Reply(200, {"payload": dict(_destination(ctx, values["destinationId"]))})


def delete_destination(ctx, values):
    registry = _registry(ctx)
    with ctx.state.lock:
        destination = _destination(ctx, values["destinationId"])
        used = any(
            sub["destinationId"] == destination["destinationId"]
            for sub in registry.subscriptions.values()
        )
        if used:
            raise ApiError(
                403,
                "Unauthorized",
                "The requested action is forbidden.",
                "Destination has subscriptions",
            )
        del registry.destinations[destination["destinationId"]]
    return Reply(200, {})


# -- subscriptions -------------------------------------------------------------


def _directive(kind, directive):
    if directive is None:
        if kind == "ORDER_CHANGE":
            # Sellers report Amazon refusing an ORDER_CHANGE subscription
            # without one (abuzuhri/Amazon-SP-API-CSharp#621); Amazon's
            # tutorial subscribes with an eventFilter of orderChangeTypes.
            raise _invalid("Processing Directive is required for ORDER_CHANGE")
        return None
    if "filterExpression" in directive:
        raise _invalid("filterExpression is not evaluated by the sandbox")
    event_filter = directive.get("eventFilter")
    if event_filter is None:
        return directive
    if kind not in EVENT_FILTERS:
        raise _invalid(f"{kind} does not support eventFilter")
    if event_filter.get("eventFilterType") != kind:
        raise _invalid(f"eventFilterType must be {kind}")
    if len(event_filter) == 1:
        raise _invalid("Processing Directive eventFilter must not be empty")
    return directive


def _owned(ctx, kind, version=None):
    """The caller's subscriptions of ``kind`` (of ``version``), newest first."""
    found = [
        sub
        for sub in _registry(ctx).subscriptions.values()
        if sub["seller"] == ctx.seller
        and sub["notificationType"] == kind
        and (version is None or sub["payloadVersion"] == version)
    ]
    return sorted(found, key=lambda sub: -sub["created"])


def create_subscription(ctx, values):
    kind = _type(values)
    body = values["body"]
    version = body["payloadVersion"]
    if version not in PAYLOAD_VERSIONS[kind]:
        accepted = " or ".join(PAYLOAD_VERSIONS[kind])
        raise _invalid(
            f"payloadVersion {version} is not supported for {kind} (use {accepted})"
        )
    directive = _directive(kind, body.get("processingDirective"))
    registry = _registry(ctx)
    with ctx.state.lock:
        if body["destinationId"] not in registry.destinations:
            raise _invalid(
                f"No destination with id {body['destinationId']} for applicationId "
                f"{ctx.state.application_id}"
            )
        if _owned(ctx, kind, version):
            raise ApiError(
                409,
                "StateConflict",
                "The resource specified conflicts with the current state.",
                f"Subscription already exist for notification type {kind}",
            )
        subscription = registry.subscribe(
            ctx.seller, kind, version, body["destinationId"], directive
        )
        return Reply(200, {"payload": registry.view(subscription)})


def get_subscription(ctx, values):
    kind = _type(values)
    with ctx.state.lock:
        found = _owned(ctx, kind, values.get("payloadVersion"))
        if not found:
            raise _not_found(f"No subscription for notification type {kind}")
        return Reply(200, {"payload": _registry(ctx).view(found[0])})


def get_subscriptions(ctx, values):
    token = values.get("nextToken")
    if token:
        page = pagination.decode(token, "nextToken", required=("o", "t"))
        kinds, version, size = page["t"], page.get("v"), page.get("n", 30)
    else:
        kinds = values["notificationTypes"]
        for kind in kinds:
            _type({"notificationType": kind})
        version, size = values.get("payloadVersion"), values.get("pageSize", 30)
        page = {"o": 0}
    with ctx.state.lock:
        found = [
            sub
            for kind in kinds
            for sub in sorted(_owned(ctx, kind, version), key=lambda s: s["created"])
        ]
        views = [_registry(ctx).view(sub) for sub in found]
    start = page["o"]
    payload = {"subscriptions": views[start : start + size]}
    if start + size < len(views):
        payload["nextToken"] = pagination.encode(
            {"o": start + size, "t": kinds, "v": version, "n": size}
        )
    return Reply(200, {"payload": payload})


def _by_id(ctx, values):
    kind = _type(values)
    found = _registry(ctx).subscriptions.get(values["subscriptionId"])
    if found is None or found["notificationType"] != kind:
        raise _not_found(
            f"No subscription {values['subscriptionId']} for notification type {kind}"
        )
    return found


def get_subscription_by_id(ctx, values):
    with ctx.state.lock:
        return Reply(200, {"payload": _registry(ctx).view(_by_id(ctx, values))})


def delete_subscription_by_id(ctx, values):
    with ctx.state.lock:
        found = _by_id(ctx, values)
        del _registry(ctx).subscriptions[found["subscriptionId"]]
    return Reply(200, {})
