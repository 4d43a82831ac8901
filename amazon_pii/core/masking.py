"""Pseudonyms and masked fragments shown to users who may not reveal PII.

Everything here is one-way and deterministic: the output never contains more
than the documented fragment, whatever the input (None, empty, non-ASCII).
Text is NFC-normalised first so "Zoë" masks the same whether or not the ë
arrived decomposed.
"""

import re
import unicodedata

_STANDARD_ORDER_ID = re.compile(r"^(\d{3})-\d{7}-\d{3}(\d{4})$")
PSEUDONYM_PREFIX = "Amazon buyer"


def _clean(value):
    if value is None:
        return ""
    return unicodedata.normalize("NFC", str(value)).strip()


def pseudonym(amazon_order_id):
    """``"Amazon buyer 113-...-4421"``: derived from the order id, never a name."""
    order_id = _clean(amazon_order_id)
    if not order_id:
        return PSEUDONYM_PREFIX
    match = _STANDARD_ORDER_ID.match(order_id)
    if match:
        return f"{PSEUDONYM_PREFIX} {match.group(1)}-...-{match.group(2)}"
    if len(order_id) <= 7:  # too short to shorten meaningfully; ids are not PII
        return f"{PSEUDONYM_PREFIX} {order_id}"
    return f"{PSEUDONYM_PREFIX} {order_id[:3]}...{order_id[-4:]}"


def _mask_word(word):
    # Keep the first character with its combining marks; one '*' per other
    # visible character, so the output never leaks more than an initial.
    head = word[0]
    rest = word[1:]
    while rest and unicodedata.combining(rest[0]):
        head, rest = head + rest[0], rest[1:]
    return head + "".join("*" for c in rest if not unicodedata.combining(c))


def _keep_last(text, keep_last):
    """Mask every letter/digit except the last ``keep_last`` ones; keep separators."""
    total = sum(c.isalnum() for c in text)
    out, seen = [], 0
    for c in text:
        if c.isalnum():
            seen += 1
            out.append(c if seen > total - keep_last else "*")
        else:
            out.append(c)
    return "".join(out)


def mask(value, keep_last=2):
    """Names and words: ``"John Doe" -> "J*** D**"`` (initial of each word).

    Values without any letter (reference numbers and the like) keep only their
    last ``keep_last`` digits: ``"12345" -> "***45"``.
    """
    text = _clean(value)
    if not text:
        return ""
    if not any(c.isalpha() for c in text):
        return _keep_last(text, keep_last)
    return " ".join(_mask_word(w) for w in text.split())


def mask_email(value):
    """``"john.doe@example.com" -> "j***@e***.com"`` (fixed-length masks)."""
    text = _clean(value)
    if not text:
        return ""
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return mask(text)
    labels = domain.split(".")
    tld = "." + labels[-1] if len(labels) > 1 else ""
    return f"{local[0]}***@{domain[0]}***{tld}"


def mask_phone(value):
    """Only the last 2 digits survive: ``"+1 206-555-0142" -> "********42"``."""
    digits = [c for c in _clean(value) if c.isdigit()]
    if not digits:
        return ""
    if len(digits) <= 2:
        return "*" * len(digits)
    return "*" * (len(digits) - 2) + "".join(digits[-2:])


def mask_postal(value):
    """Keep the first 2 characters (the broad area): ``"SW1A 1AA" -> "SW** ***"``."""
    text = _clean(value)
    if not text:
        return ""
    out, seen = [], 0
    for c in text:
        if c.isalnum():
            seen += 1
            out.append(c if seen <= 2 else "*")
        else:
            out.append(c)
    return "".join(out)
