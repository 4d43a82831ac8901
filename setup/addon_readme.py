"""Build each addon's README.md and app description from its ``readme/`` fragments.

Usage: python3 setup/addon_readme.py [--check]
The OCA-style fragments are the source; README.md (for the repository) and
static/description/index.html (Odoo's app page, which otherwise parses the
README as reStructuredText) are generated from them. ``--check`` exits 1 when
either is out of date.
"""

import ast
import sys
from pathlib import Path

import markdown

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


def outputs(addon):
    text = render(addon)
    html = markdown.markdown(text, extensions=["fenced_code", "tables"])
    yield ROOT / addon / "README.md", text
    yield ROOT / addon / "static" / "description" / "index.html", html + "\n"


def main(check):
    stale = []
    for addon in ADDONS:
        for target, text in outputs(addon):
            if target.exists() and target.read_text() == text:
                continue
            if check:
                stale.append(str(target.relative_to(ROOT)))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
    if stale:
        sys.stdout.write(
            f"Out of date: {', '.join(stale)}: run python3 setup/addon_readme.py\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
