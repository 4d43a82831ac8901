"""Presigned-URL lookalikes: feed document upload/download and Product Type
Definition schema downloads (served from Amazon's reference data, see reference.py)."""

from .messages import Reply
from .reference import base_dir

PTD_DIR = base_dir() / "ptd"
_DENIED = b"<?xml version='1.0'?><Error><Code>AccessDenied</Code></Error>"
_MISMATCH = _DENIED.replace(b"AccessDenied", b"SignatureDoesNotMatch")


def _normal(content_type):
    return content_type.replace(" ", "").lower()


def route(state, request):
    parts = request.path.strip("/").split("/")
    if len(parts) != 3 or parts[1] not in ("documents", "schemas"):
        return None
    if not state.signature_ok(request.path, request.query):
        return Reply(403, _DENIED, content_type="application/xml")
    if parts[1] == "schemas":
        return _schema(parts[2])
    return _document(state, request, parts[2])


def _schema(name):
    from .product_types import schema_bytes  # it reads PTD_DIR from here

    if name == "meta-schema.json":
        path = PTD_DIR / name
        data = path.read_bytes() if path.is_file() else None
    else:
        data = schema_bytes(name.removesuffix(".json"))
    if data is None:
        return Reply(404, b"", content_type="application/xml")
    return Reply(200, data)


def _document(state, request, doc_id):
    with state.lock:
        doc = state.documents.get(doc_id)
        if doc is None:
            return Reply(
                404,
                _DENIED.replace(b"AccessDenied", b"NoSuchKey"),
                content_type="application/xml",
            )
        if request.method == "PUT":
            if not doc.get("upload"):
                return Reply(403, _DENIED, content_type="application/xml")
            # S3 signs the content type given to createFeedDocument: a PUT with
            # another one fails, as it does against Amazon.
            sent = request.headers.get("content-type", "")
            if _normal(sent) != _normal(doc["contentType"]):
                return Reply(403, _MISMATCH, content_type="application/xml")
            doc["content"] = request.body
            doc["uploadedContentType"] = request.headers.get("content-type", "")
            return Reply(200, b"", content_type="application/xml")
        if request.method == "GET":
            return Reply(
                200, doc.get("content") or b"", content_type=doc["contentType"]
            )
    return Reply(405, b"", content_type="application/xml")
