"""Shapes of Amazon and AWS credentials (docs/data-protection.md #6): none may
appear in the repository or in captured logs. Built from pieces so this file
never matches."""

import re

PREFIXES = ("Atz" + "r|", "Atz" + "a|", "Atz" + ".sprdt|", "amzn1" + ".oa2-cs.")
TOKEN = re.compile(
    "|".join(re.escape(p) + r"[A-Za-z0-9_\-.]{8,}" for p in PREFIXES)
    + "|"
    + "AK"
    + r"IA[0-9A-Z]{16}"
)


def find_secrets(text):
    return [m.group(0)[:12] + "..." for m in TOKEN.finditer(text)]
