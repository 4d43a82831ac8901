"""Stdlib HTTP(S) server around the sandbox pipeline."""

import logging
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import admin
from .app import SpApi, request_id
from .errors import error_body
from .messages import Reply, Request

log = logging.getLogger("sandbox")
MAX_BODY = 20 * 1024 * 1024


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, state, ssl_context=None):
        self.state = state
        self.api = SpApi(state)
        self.ssl_context = ssl_context
        super().__init__(address, Handler)

    def get_request(self):
        sock, address = self.socket.accept()
        if self.ssl_context is not None:
            # Handshake later, in the handler thread: a slow client must not
            # hold up the accept loop.
            sock = self.ssl_context.wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False
            )
        return sock, address

    def handle_error(self, request, client_address):
        # Clients that gave up (timeouts, truncated bodies) are expected here.
        kind = sys.exc_info()[0]
        if kind is not None and issubclass(
            kind, (ConnectionError, TimeoutError, ssl.SSLError)
        ):
            log.debug("connection from %s dropped: %s", client_address, kind.__name__)
            return
        log.exception("error while serving %s", client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SPAPISandbox/1.0"
    timeout = 30  # idle keep-alive connections do not pin threads forever
    disable_nagle_algorithm = True  # headers and body go out as two writes

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()

    def log_message(self, fmt, *args):
        log.debug("%s %s", self.address_string(), fmt % args)

    def _request(self):
        url = urlsplit(self.path)
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = self._read_chunked()
        else:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                raise ValueError("body too large")
            body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        query = parse_qs(url.query, keep_blank_values=True)
        return Request(self.command, url.path, query, headers, body)

    def _read_chunked(self):
        parts, total = [], 0
        while True:
            size = int(self.rfile.readline(64).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline(64)  # the blank line after the last chunk
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise ValueError("body too large")
            parts.append(self.rfile.read(size))
            self.rfile.readline(64)

    def _dispatch(self):
        try:
            request = self._request()
        except ValueError as exc:
            too_large = "too large" in str(exc)
            status, code = (
                (413, "RequestTooLarge") if too_large else (400, "InvalidInput")
            )
            self.close_connection = True  # the rest of the stream is unreadable
            self._send(Reply(status, error_body(code, "Unreadable request body")))
            return
        state = self.server.state
        try:
            if request.path == "/auth/o2/token":
                reply = admin.lwa_route(state, request)
            elif request.path.startswith("/_sandbox/"):
                reply = admin.sandbox_route(state, request)
            else:
                op, params = state.catalog.route(request.method, request.path)
                if op is None:
                    reply = Reply(404, error_body("NotFound", "Resource not found"))
                else:
                    reply = self.server.api.handle(request, op, params)
        except Exception:  # a sandbox bug must not kill the connection silently
            log.exception("sandbox failure on %s %s", request.method, request.path)
            reply = Reply(500, error_body("InternalFailure", "Sandbox internal error"))
        self._send(reply)

    def _send(self, reply):
        payload = reply.payload()
        if reply.fault == "timeout":
            time.sleep(self.server.state.options.fault_delay)
        self.send_response(reply.status)
        self.send_header("x-amzn-RequestId", request_id())
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if payload or reply.status != 204:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(payload)))
        if reply.fault == "truncated":
            self.send_header("Connection", "close")
            self.close_connection = True
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            return
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch
