"""SP-API access layer: the only code that talks HTTP to Amazon.

Build a client with ``client_for(AccountConfig(...))`` and call one method
per operation; failures arrive as ``RetryableError`` or ``PermanentError``.

About python-amazon-sp-api: its request path cannot be configured the way
this layer must be. The LWA host is a class constant (no local sandbox);
its token cache is process-global, keyed by the refresh token only, with a
fixed TTL and no lock; the LWA call's timeout cannot be set.
``Client._request`` logs request headers (the access token) and whole
responses (buyer PII) at DEBUG, adds four marketplace parameters to most
calls, builds the ``host`` header by slicing off ``https://`` (wrong for
``http://`` loopback) and turns a non-JSON error body (a 500 page, a
truncated body) into a successful empty response. Fixing that would mean
patching it globally. So every request goes through
``transport.Transport.request`` on httpx (the HTTP client the library itself
uses), and from the library we take its marketplace table (marketplace id ->
regional endpoint) in ``endpoints``.
"""

from .client import AccountConfig, SellerClient, client_for
from .errors import PermanentError, RetryableError, SPAPIError
from .transport import RetryPolicy
