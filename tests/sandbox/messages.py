"""What flows between the HTTP server, the pipeline and the handlers."""

import json
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    query: dict  # name -> list of raw values
    headers: dict
    body: bytes = b""


@dataclass
class Reply:
    status: int
    body: object = None  # JSON-able, or bytes sent as they are
    headers: dict = field(default_factory=dict)
    fault: str = None  # "timeout" / "truncated": the server acts on it
    content_type: str = "application/json"

    def payload(self):
        if self.body is None or self.status == 204:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")
