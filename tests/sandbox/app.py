"""Request pipeline for SP-API operations, independent of the HTTP server:
auth -> usage plan -> fault -> static case -> request validation -> handler
-> response validation."""

import hashlib
import json
import logging
import threading
import uuid

from . import handlers, validation
from .errors import ApiError, error_body
from .messages import Reply
from .models import GRANTLESS

log = logging.getLogger("sandbox")


# Responses whose list items are validated (and remembered) one by one.
SPLIT = {"searchOrders": ("orders", "Order")}


def _static_matches(op, case, values):
    for name, expected in case.parameters.items():
        found = None
        for key, value in values.items():
            if validation.static_key(op, key) == name or key == name:
                found = (value,)
                break
        if found is None or found[0] != expected:
            return False
    return True


class SpApi:
    """Serves the modelled operations for one sandbox instance."""

    def __init__(self, state):
        self.state = state
        self.catalog = state.catalog
        self.schemas = {}
        self._schema_lock = threading.Lock()
        self._valid_items = set()

    def schema_set(self, op):
        with self._schema_lock:
            if op.model_file not in self.schemas:
                self.schemas[op.model_file] = validation.SchemaSet(op.definitions)
            return self.schemas[op.model_file]

    def handle(self, request, op, path_params):
        state = self.state
        headers = {"x-amzn-RateLimit-Limit": state.limiter.header(op.usage_plan)}
        state.stats.bump(op.op_id, "calls")
        try:
            token = request.headers.get("x-amz-access-token")
            seller = state.tokens.seller_for(token)
            self._authorize(op, seller, token)
            if not state.limiter.allow(seller, op.op_id, op.usage_plan):
                state.stats.bump(op.op_id, "throttled")
                raise ApiError(
                    429,
                    "QuotaExceeded",
                    "You exceeded your quota for the requested resource.",
                )
            fault = state.faults.draw()
            if fault:
                state.stats.fault(op.op_id, fault)
                if fault in ("500", "503", "timeout"):
                    return self._fault_reply(fault, headers)
            reply = self._serve(request, op, path_params, seller)
            if request.method != "GET" and reply.status < 300:
                # A seller's action may change what notifications say: the
                # publisher looks now rather than at its next tick.
                state.notifications.wake()
            if fault == "truncated":
                # An empty body cannot be cut short: answer 503 instead.
                reply.fault = "truncated" if reply.payload() else None
                if reply.fault is None:
                    reply = self._fault_reply("503", headers)
        except ApiError as exc:
            if exc.status >= 400 and exc.status not in (429,):
                state.stats.bump(op.op_id, "errors")
            reply = Reply(exc.status, exc.body, dict(exc.headers))
            if op.modelled and exc.status != 500:
                self._check_error(op, reply)
        reply.headers = {**headers, **reply.headers}
        return reply

    def _authorize(self, op, seller, token):
        """Grantless operations take only a client_credentials token with
        their scope; every other operation only a seller's token (Amazon
        answers both mistakes 403 Unauthorized)."""
        scope = GRANTLESS.get(op.op_id)
        if scope is None and seller != "grantless":
            return
        if scope is not None and scope in self.state.tokens.scopes_for(token):
            return
        raise ApiError(
            403,
            "Unauthorized",
            "Access to requested resource is denied.",
            "",
        )

    def _check_error(self, op, reply):
        """Error bodies follow the model too; a mismatch is counted, not raised."""
        schema = op.responses.get(reply.status)
        if schema is None:
            problems = [f"error status {reply.status} is not modelled"]
        else:
            errors = self.schema_set(op).errors(schema, reply.body)
            problems = [validation.describe(e) for e in errors[:5]]
        if problems:
            self.state.stats.invalid_response(op.op_id, problems)
            log.error("error reply of %s fails the model: %s", op.op_id, problems)

    def _fault_reply(self, kind, headers):
        if kind == "500":
            body = error_body("InternalFailure", "We encountered an internal error.")
            return Reply(500, body, dict(headers))
        body = error_body("ServiceUnavailable", "Service temporarily unavailable.")
        return Reply(
            503, body, dict(headers), fault="timeout" if kind == "timeout" else None
        )

    def _parse_body(self, request, op):
        if not request.body:
            return None
        try:
            return json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            if op.body_parameter is None:
                return None
            raise ApiError(
                400, "InvalidInput", "Invalid Input", f"body: {exc}"
            ) from exc

    def _serve(self, request, op, path_params, seller):
        body = self._parse_body(request, op)
        collect = (
            validation.collect_parameters
            if op.modelled
            else validation.fallback_parameters
        )
        values = collect(op, path_params, request.query, request.headers, body)
        if op.modelled:
            for case in op.static_cases:
                if (case.constraints or self.state.static_only) and _static_matches(
                    op, case, values
                ):
                    self.state.stats.bump(op.op_id, "static")
                    return Reply(case.status, case.response)
            if self.state.static_only:
                raise ApiError(
                    400, "InvalidInput", "Could not match input arguments", ""
                )
            problems = validation.request_errors(op, self.schema_set(op), values)
            if problems:
                raise ApiError(
                    400, "InvalidInput", "Invalid Input", "; ".join(problems)
                )
        handler = handlers.HANDLERS[op.op_id]
        try:
            reply = handler(self.state.context(seller, request), values)
        except (KeyError, TypeError, AttributeError, IndexError) as exc:
            if op.modelled:
                raise  # the model vetted the request: this is a sandbox bug
            # Unvalidated (no models): a malformed request, not a sandbox bug.
            raise ApiError(400, "InvalidInput", "Invalid Input", repr(exc)) from exc
        if op.modelled:
            self._check_response(op, reply)
        return reply

    def _check_response(self, op, reply):
        """Our own generated data must match Amazon's model: a mismatch is a
        sandbox bug, reported as a 500 and counted in /_sandbox/stats."""
        if not self.state.validate_responses:
            return
        if reply.status not in op.responses:
            self._invalid(op, reply, [f"status {reply.status} is not modelled"])
        schema = op.responses[reply.status]
        if schema is None or isinstance(reply.body, bytes):
            return
        schemas, strict = self.schema_set(op), self.state.strict
        body = reply.body
        split = SPLIT.get(op.op_id) if reply.status < 300 else None
        problems = []
        if split and isinstance(body.get(split[0]), list):
            # Validate list items one by one, remembering the ones already seen:
            # validating whole pages of orders dominates the sandbox's CPU time.
            key, definition = split
            item_schema = {"$ref": f"#/definitions/{definition}"}
            for item in body[key]:
                problems += self._item_errors(schemas, item_schema, item, strict)
            body = {**body, key: []}
        problems += [
            validation.describe(e) for e in schemas.errors(schema, body, strict)[:5]
        ]
        if problems:
            self._invalid(op, reply, problems[:5])

    def _item_errors(self, schemas, schema, item, strict):
        digest = hashlib.sha1(
            json.dumps(item, sort_keys=True).encode(), usedforsecurity=False
        ).digest()
        with self._schema_lock:
            if digest in self._valid_items:
                return []
        errors = schemas.errors(schema, item, strict)
        if errors:
            return [validation.describe(e) for e in errors[:5]]
        with self._schema_lock:
            if len(self._valid_items) > 100_000:
                self._valid_items.clear()
            self._valid_items.add(digest)
        return []

    def _invalid(self, op, reply, problems):
        self.state.stats.invalid_response(op.op_id, problems)
        log.error("response of %s fails the model: %s", op.op_id, problems)
        raise ApiError(
            500,
            "InternalFailure",
            "Sandbox response failed model validation",
            problems[0],
        )


def request_id():
    return str(uuid.uuid4())
