"""Feeds API 2021-06-30. Uploaded JSON_LISTINGS_FEED documents are really
processed against the listings store; the result is a processing report in
Amazon's v2 report schema. getFeed moves IN_QUEUE -> IN_PROGRESS -> DONE over
successive polls."""

import json
import uuid
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft7Validator

from ..dataset import iso
from ..errors import ApiError, invalid_input
from ..messages import Reply
from ..product_types import family_issues
from . import listings

REPORT_SCHEMA = "schemas/feeds/listings-feed-processing-report-schema-v2.json"
FEED_SCHEMA = "schemas/feeds/listings-feed-schema-v2.json"


def create_feed_document(ctx, values):
    doc_id = str(uuid.uuid4())
    with ctx.state.lock:
        ctx.stores.documents[doc_id] = {
            "contentType": values["body"]["contentType"],
            "content": None,
            "upload": True,
            "seller": ctx.seller,
        }
    path = f"/_sandbox/documents/{doc_id}"
    return Reply(201, {"feedDocumentId": doc_id, "url": ctx.state.sign(path)})


def _owned(ctx, doc_id):
    """Documents live in one shared table (presigned URLs name no seller)."""
    doc = ctx.stores.documents.get(doc_id)
    return doc is not None and doc.get("seller") == ctx.seller


def get_feed_document(ctx, values):
    doc_id = values["feedDocumentId"]
    if not _owned(ctx, doc_id):
        raise ApiError(404, "NotFound", "The feed document was not found.", doc_id)
    path = f"/_sandbox/documents/{doc_id}"
    return Reply(200, {"feedDocumentId": doc_id, "url": ctx.state.sign(path)})


def create_feed(ctx, values):
    body = values["body"]
    stores = ctx.stores
    with ctx.state.lock:
        if not _owned(ctx, body["inputFeedDocumentId"]):
            raise invalid_input("inputFeedDocumentId: unknown feed document")
        feed_id = str(50000000000 + next(ctx.state.feed_numbers))
        stores.feeds[feed_id] = {
            "feedId": feed_id,
            "feedType": body["feedType"],
            "marketplaceIds": list(body["marketplaceIds"]),
            "createdTime": iso(ctx.now),
            "processingStatus": "IN_QUEUE",
            "input": body["inputFeedDocumentId"],
            "seller": ctx.seller,
            "polls": 0,
        }
    return Reply(202, {"feedId": feed_id})


def get_feed(ctx, values):
    feed_id = values["feedId"]
    with ctx.state.lock:
        feed = ctx.stores.feeds.get(feed_id)
        if feed is None or feed["seller"] != ctx.seller:
            raise ApiError(404, "NotFound", "The feed was not found.", feed_id)
        feed["polls"] += 1
        if feed["processingStatus"] == "IN_QUEUE" and feed["polls"] >= 2:
            feed["processingStatus"] = "IN_PROGRESS"
            feed["processingStartTime"] = iso(ctx.now)
        elif feed["processingStatus"] == "IN_PROGRESS" and feed["polls"] >= 3:
            _process(ctx, feed)
        view = {k: feed[k] for k in _FEED_FIELDS if k in feed}
    return Reply(200, view)


_FEED_FIELDS = (
    "feedId",
    "feedType",
    "marketplaceIds",
    "createdTime",
    "processingStatus",
    "processingStartTime",
    "processingEndTime",
    "resultFeedDocumentId",
)


def _process(ctx, feed):
    stores = ctx.stores
    content = stores.documents[feed["input"]]["content"]
    report = {
        "header": {"sellerId": ctx.seller, "version": "2.0", "feedId": feed["feedId"]},
        "issues": [],
        "summary": dict.fromkeys(
            (
                "errors",
                "warnings",
                "messagesProcessed",
                "messagesAccepted",
                "messagesInvalid",
            ),
            0,
        ),
    }
    status = "DONE"
    if content is None:
        status = "FATAL"
        _fatal(report, "The feed document was never uploaded.")
    elif feed["feedType"] == "JSON_LISTINGS_FEED":
        messages, problem = _read_listings_feed(ctx, content)
        if problem:
            status = "FATAL"
            _fatal(report, problem)
        for message in messages[:25000]:
            _message(ctx, feed, message, report)
    _check_report(ctx, report)
    result_id = str(uuid.uuid4())
    stores.documents[result_id] = {
        "contentType": "application/json",
        "content": json.dumps(report, ensure_ascii=False).encode("utf-8"),
        "upload": False,
        "seller": ctx.seller,
    }
    feed.update(
        processingStatus=status,
        processingEndTime=iso(ctx.now),
        resultFeedDocumentId=result_id,
    )


def _read_listings_feed(ctx, content):
    """(messages, fatal problem): the header and envelope must match Amazon's
    feed schema and name the calling seller; messages are checked one by one."""
    try:
        document = json.loads(content.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return [], "The feed document is not valid JSON."
    envelope = _schema_validator(ctx, FEED_SCHEMA, envelope_only=True)
    if envelope is not None:
        errors = list(envelope.iter_errors(document))
        if errors:
            return [], f"The feed document is invalid: {errors[0].message[:300]}"
    if not isinstance(document, dict) or not isinstance(document.get("messages"), list):
        return [], "The feed document has no messages."
    if (document.get("header") or {}).get("sellerId") != ctx.seller:
        return [], "header.sellerId does not match the seller submitting the feed."
    return document["messages"], None


def _message_errors(ctx, message):
    validator = _schema_validator(ctx, FEED_SCHEMA, envelope_only=False)
    if validator is None:
        return []
    return [error.message[:300] for error in validator.iter_errors(message)][:5]


def _schema_validator(ctx, relative, envelope_only):
    catalog = ctx.state.catalog
    if not catalog.available:
        return None
    return _feed_validators(str(catalog.models_dir / relative))[envelope_only]


@lru_cache(maxsize=2)
def _feed_validators(path):
    """(message validator, envelope validator) of the listings feed schema."""
    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    message = dict(schema["properties"]["messages"]["items"])
    envelope = json.loads(json.dumps(schema))
    envelope["properties"]["messages"] = {"type": "array", "minItems": 1}
    return {False: Draft7Validator(message), True: Draft7Validator(envelope)}


def _check_report(ctx, report):
    """The report must match Amazon's processing report schema (v2)."""
    catalog = ctx.state.catalog
    if not catalog.available:
        return
    path = catalog.models_dir / REPORT_SCHEMA
    validator = _report_validator(str(path))
    problems = [error.message for error in validator.iter_errors(report)]
    if problems:
        ctx.state.stats.invalid_response("getFeed", problems[:5])


@lru_cache(maxsize=2)
def _report_validator(path):
    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    return Draft7Validator(schema)


def _fatal(report, message):
    report["issues"].append({"code": "100001", "severity": "ERROR", "message": message})
    report["summary"]["errors"] += 1


def _message(ctx, feed, message, report):
    summary = report["summary"]
    summary["messagesProcessed"] += 1
    message_id = message.get("messageId") if isinstance(message, dict) else None
    sku = message.get("sku") if isinstance(message, dict) else None
    if not isinstance(message_id, int) or message_id < 1 or not sku:
        _fatal(report, "Message lacks messageId or sku.")
        summary["messagesInvalid"] += 1
        return
    invalid = _message_errors(ctx, message)
    if invalid:
        for problem in invalid:
            entry = {"messageId": message_id, "sku": sku, "code": "100002"}
            report["issues"].append(dict(entry, severity="ERROR", message=problem))
            summary["errors"] += 1
        summary["messagesInvalid"] += 1
        return
    operation = message.get("operationType")
    key = (ctx.seller, sku)
    stores = ctx.stores
    issues = []
    if operation == "DELETE":
        stores.listings.pop(key, None)
    elif operation in ("UPDATE", "PARTIAL_UPDATE", "PATCH"):
        issues = _apply(ctx, feed, message, operation, key)
    else:
        issues = [
            {
                "code": "4000001",
                "severity": "ERROR",
                "message": "Unknown operationType.",
            }
        ]
    for issue in issues:
        entry = {
            "messageId": message_id,
            "sku": sku,
            "code": issue["code"],
            "severity": issue["severity"],
            "message": issue["message"],
        }
        if issue.get("attributeNames"):
            entry["attributeName"] = issue["attributeNames"][0]
        report["issues"].append(entry)
        summary["errors" if issue["severity"] == "ERROR" else "warnings"] += 1
    if any(i["severity"] == "ERROR" for i in issues):
        summary["messagesInvalid"] += 1
    else:
        summary["messagesAccepted"] += 1


def _apply(ctx, feed, message, operation, key):
    stores = ctx.stores
    existing = stores.listings.get(key)
    product_type = message.get("productType") or (existing or {}).get("productType")
    marketplace = feed["marketplaceIds"][0]
    if operation == "UPDATE":
        attributes = message.get("attributes") or {}
        requirements = message.get("requirements", "LISTING")
    else:
        if existing is None:
            return [
                {"code": "4000003", "severity": "ERROR", "message": "SKU not found."}
            ]
        attributes = dict(existing["attributes"])
        if operation == "PARTIAL_UPDATE":
            attributes.update(message.get("attributes") or {})
        for patch in message.get("patches") or ():
            listings.apply_patch(attributes, patch)
        requirements = "LISTING_OFFER_ONLY"
    # Messages are applied in order: a parent earlier in the feed is known
    # to its children further down, as at Amazon.
    issues = listings.issues_for(
        product_type, attributes, requirements, marketplace
    ) + family_issues(stores.listings, ctx.seller, attributes, marketplace)
    if any(i["severity"] == "ERROR" for i in issues):
        return issues
    now = iso(ctx.now)
    stores.listings[key] = {
        "sku": key[1],
        "productType": product_type or "PRODUCT",
        "asin": (existing or {}).get("asin"),
        "attributes": attributes,
        "price": (existing or {}).get("price"),
        "afn": bool(existing and existing.get("afn")),
        "createdDate": existing["createdDate"] if existing else now,
        "lastUpdatedDate": now,
    }
    listings.reprice(stores.listings[key])
    listings.derive_afn(stores.listings[key])
    return issues
