"""A small local OpenAI-compatible chat completions server for tests.

It speaks the shape Ollama's and OpenAI's ``POST /v1/chat/completions``
speak (request: ``model``, ``messages`` of ``{role, content}``; reply:
``choices[0].message.content`` with ``usage``), refuses a request without
the configured bearer key (401) or of the wrong shape (400), and keeps every
request it received so a test can read what left the caller. The answer is
whatever the test sets (``server.answer``: a string, or a callable taking
the request body), so tests exercise the real HTTP path of the caller with
answers they choose, good or rule-breaking.

    with ChatServer(api_key="k") as server:
        server.answer = '{"title": "..."}'
        ... server.url  # "http://127.0.0.1:<port>/v1"
        server.requests  # [(headers, body), ...]
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROLES = {"system", "user", "assistant"}


def _valid(body):
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        return "model: a string is required"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: a non-empty list is required"
    for message in messages:
        if (
            not isinstance(message, dict)
            or message.get("role") not in ROLES
            or not isinstance(message.get("content"), str)
        ):
            return "messages: each needs a role and a string content"
    return None


class _Handler(BaseHTTPRequestHandler):
    server_version = "chat-completions-sandbox"

    def log_message(self, *args):  # quiet: tests read requests, not logs
        pass

    def _reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        owner.requests.append((dict(self.headers), body))
        if self.path.rstrip("/") != "/v1/chat/completions":
            return self._reply(404, {"error": {"message": "not found"}})
        if owner.api_key and self.headers.get("Authorization") != (
            f"Bearer {owner.api_key}"
        ):
            return self._reply(401, {"error": {"message": "invalid api key"}})
        problem = _valid(body)
        if problem:
            return self._reply(400, {"error": {"message": problem}})
        answer = owner.answer(body) if callable(owner.answer) else owner.answer
        return self._reply(
            200,
            {
                "id": f"chatcmpl-{len(owner.requests)}",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0},
            },
        )


class ChatServer:
    def __init__(self, api_key=None, answer="{}"):
        self.api_key = api_key
        self.answer = answer
        self.requests = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
