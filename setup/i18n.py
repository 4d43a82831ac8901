"""The addons' translation templates and their German and French catalogues.

Usage (repository root, a database with the three addons installed):

    python3 setup/i18n.py export --db DB  # <addon>/i18n/<addon>.pot, de.po, fr.po
    python3 setup/i18n.py check --db DB   # exit 1 when a .pot is out of date

Odoo's own exporter (``--i18n-export``) extracts the terms, so the templates
hold exactly what Odoo translates at run time. ``export`` then merges each
template into ``de.po`` and ``fr.po``: existing translations are kept, new
terms arrive with an empty msgstr (the pure test tests/test_translations.py
fails until someone translates them), terms gone from the code are dropped.
Database options come from the PG* variables or ``-c odoo.conf``.
"""

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import polib  # Odoo's own dependency, also in requirements-test.txt

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("amazon_pii", "amazon_connector", "amazon_ai")
LANGUAGES = ("de", "fr")
# Odoo stamps each export with the time: not a difference worth failing for.
DATE_LINE = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"$', re.MULTILINE)


def fresh_templates(db, odoo_args=(), env=None):
    """``{addon: pot text}`` exported by Odoo from database ``db``.

    One export per addon, as Odoo's own templates are made: exporting the
    three at once files a record several addons define (a model they all
    extend) under one addon only.
    """
    templates = {}
    with tempfile.TemporaryDirectory() as tmp:
        for addon in ADDONS:
            out = Path(tmp) / f"{addon}.pot"
            cmd = [
                sys.executable,
                "-m",
                "odoo",
                *odoo_args,
                f"--addons-path={ROOT}",
                "-d",
                db,
                f"--i18n-export={out}",
                f"--modules={addon}",
                "--log-level=warn",
                "--stop-after-init",
            ]
            result = subprocess.run(cmd, cwd="/", env=env, check=False)
            if result.returncode != 0 or not out.exists():
                raise SystemExit(
                    f"Odoo's export of {addon} failed ({result.returncode})"
                )
            templates[addon] = out.read_text(encoding="utf-8")
    return templates


def template_path(addon):
    return ROOT / addon / "i18n" / f"{addon}.pot"


def merge_catalogue(pot_text, po_path, lang):
    """Bring ``po_path`` in line with the template: keep what is translated,
    add new terms untranslated, drop terms the template no longer has."""
    pot = polib.pofile(pot_text)
    po = polib.pofile(str(po_path)) if po_path.exists() else polib.POFile()
    po.merge(pot)
    for entry in po.obsolete_entries():
        po.remove(entry)
    po.header = pot.header
    po.metadata = {**pot.metadata, "Language": lang, "Plural-Forms": ""}
    order = {(e.msgctxt, e.msgid): n for n, e in enumerate(pot)}  # the template's
    po.sort(key=lambda e: order[e.msgctxt, e.msgid])
    write_unless_only_dates_change(po_path, str(po))


def write_unless_only_dates_change(path, text):
    """A new date stamp alone is no change: rewriting for it would only make
    every branch's export conflict with every other's."""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if DATE_LINE.sub("", old) == DATE_LINE.sub("", text):
            return
    path.write_text(text, encoding="utf-8")


def export(templates):
    for addon, text in templates.items():
        path = template_path(addon)
        path.parent.mkdir(exist_ok=True)
        write_unless_only_dates_change(path, text)
        for lang in LANGUAGES:
            merge_catalogue(text, path.parent / f"{lang}.po", lang)
        print(f"{path.relative_to(ROOT)}: {len(polib.pofile(text))} terms")


def differences(templates):
    """Lines saying how the committed templates differ from ``templates``."""
    problems = []
    for addon, text in templates.items():
        path = template_path(addon)
        committed = path.read_text(encoding="utf-8") if path.exists() else ""
        if DATE_LINE.sub("", committed) == DATE_LINE.sub("", text):
            continue
        old = {e.msgid for e in polib.pofile(committed)} if committed else set()
        new = {e.msgid for e in polib.pofile(text)}
        for msgid in sorted(new - old):
            problems.append(f"{addon}: missing term {msgid[:80]!r}")
        for msgid in sorted(old - new):
            problems.append(f"{addon}: obsolete term {msgid[:80]!r}")
        if old == new:
            problems.append(f"{addon}: same terms, other sources or comments")
    if problems:
        problems.append("run `python3 setup/i18n.py export --db DB`, then translate")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["export", "check"])
    parser.add_argument("--db", required=True, help="a database with the addons")
    parser.add_argument("-c", "--config", help="odoo.conf (database options)")
    args = parser.parse_args()
    odoo_args = [f"--config={args.config}"] if args.config else []
    templates = fresh_templates(args.db, odoo_args)
    if args.action == "export":
        export(templates)
        return 0
    problems = differences(templates)
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
