"""Build each addon's README.md from its OCA-style ``readme/`` fragments.

Usage: python3 setup/addon_readme.py [--check]
The fragments are the source; README.md is generated so that Odoo's app
description and the repository agree. ``--check`` exits 1 when out of date.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("amazon_pii", "amazon_connector", "amazon_ai")
SECTIONS = (
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("ROADMAP.md", "Known issues / Roadmap"),
)


def render(addon):
    manifest = ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())
    parts = [f"# {manifest['name']}\n", f"{manifest['summary']}\n"]
    for filename, title in SECTIONS:
        fragment = ROOT / addon / "readme" / filename
        if fragment.exists():
            if title:
                parts.append(f"## {title}\n")
            parts.append(fragment.read_text().strip() + "\n")
    parts.append(
        f"License: {manifest['license']}. "
        "Generated from readme/ by setup/addon_readme.py; edit the fragments.\n"
    )
    return "\n".join(parts)


def main(check):
    stale = []
    for addon in ADDONS:
        target = ROOT / addon / "README.md"
        text = render(addon)
        if target.exists() and target.read_text() == text:
            continue
        if check:
            stale.append(addon)
        else:
            target.write_text(text)
    if stale:
        sys.stdout.write(
            f"README.md out of date for {', '.join(stale)}: "
            "run python3 setup/addon_readme.py\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
