"""Exceptions of the PII core.

Messages never carry key material or plaintext: they may end up in logs,
chatter or tracebacks (docs/data-protection.md #5, #6).
"""


class PIIError(Exception):
    """Base class of every error raised by ``amazon_pii.core``."""


class TamperError(PIIError):
    """Authentication failed: ciphertext, wrapped key or associated data changed."""


class KeyUnavailableError(PIIError):
    """The KEK version is missing or retired, or the data key was destroyed."""


class KeyRingMissingError(PIIError):
    """No key file is configured, or the configured file does not exist."""


class KeyRingConfigError(PIIError):
    """The key file exists but is unsafe (permissions) or malformed."""
