"""Every term of each addon's template is translated into German and French,
and no translation drops or alters a placeholder or a markup tag (Odoo then
fails at run time: ``"%s" % ()`` raises, a lost ``<t t-out=...>`` loses data).

The templates themselves are kept current by the test command's Odoo stage
(setup/i18n.py check); this test needs only the files.
"""

import re
import sys
from collections import Counter

import polib
import pytest
from conftest import ADDONS, ROOT

LANGUAGES = ("de", "fr")
# "%%" first: a literal per cent sign followed by " de" is not "% d".
PRINTF = re.compile(r"%%|%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]")
BRACES = re.compile(r"\{\{.*?\}\}|\{\w*(?:\.\w+)*\}")  # {{ expr }} of mail subjects
TAG = re.compile(r"</?[a-zA-Z][\w.-]*(?:\s[^<>]*)?/?>")
# Attributes a translator translates; every other one (t-out, href, class)
# must come back unchanged.
TRANSLATED_ATTRIBUTE = re.compile(
    r'\s(?:title|alt|placeholder|aria-label|string|help|data-tooltip|confirm)="[^"]*"'
)


def placeholders(text):
    tags = [TRANSLATED_ATTRIBUTE.sub("", tag) for tag in TAG.findall(text)]
    return Counter(PRINTF.findall(text) + BRACES.findall(text) + tags)


def test_placeholders_are_found():
    """The comparison below sees each kind of placeholder (else it proves nothing)."""
    found = placeholders(
        '%s %(count)d {name} {{ object.id }} <a href="/x" title="Hi">x</a>'
    )
    expected = ["%s", "%(count)d", "{name}", "{{ object.id }}", '<a href="/x">', "</a>"]
    assert found == Counter(expected), found
    assert placeholders("50 % off, 100%") == Counter()


@pytest.mark.parametrize("addon", ADDONS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_term_is_translated_with_its_placeholders(addon, lang):
    template = ROOT / addon / "i18n" / f"{addon}.pot"
    assert template.exists(), f"run `python3 setup/i18n.py export --db DB`: {template}"
    terms = [e.msgid for e in polib.pofile(str(template))]
    assert len(terms) > 20, f"{template} holds only {len(terms)} terms"
    catalogue = polib.pofile(str(template.parent / f"{lang}.po"))
    catalogue = {e.msgid: e.msgstr for e in catalogue}
    untranslated = [t for t in terms if not catalogue.get(t)]
    assert not untranslated, f"{lang}.po: {len(untranslated)}: {untranslated[:5]}"
    broken = [
        (term, catalogue[term])
        for term in terms
        if placeholders(term) != placeholders(catalogue[term])
    ]
    assert not broken, f"{addon} {lang}.po: placeholders differ in {broken[:5]}"


def test_a_stale_template_is_reported_with_its_missing_term():
    """The test command's check names a term the committed .pot lacks, and
    ignores the export's date stamp."""
    sys.path.insert(0, str(ROOT / "setup"))
    import i18n

    committed = i18n.template_path("amazon_ai").read_text(encoding="utf-8")
    redated = committed.replace("POT-Creation-Date: 20", "POT-Creation-Date: 19")
    assert redated != committed
    assert i18n.differences({"amazon_ai": redated}) == []
    fresh = committed + '\n#. module: amazon_ai\nmsgid "A brand new label"\nmsgstr ""\n'
    problems = i18n.differences({"amazon_ai": fresh})
    assert "amazon_ai: missing term 'A brand new label'" in problems, problems
