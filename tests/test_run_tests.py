"""The test command's reading of Odoo's log decides pass or fail: test it."""

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "setup"))
import run_tests


def test_result_line_is_parsed():
    line = (
        "2026-11-28 05:39:43,516 11540 ERROR db odoo.tests.result: "
        "2 failed, 1 error(s) of 39 tests when loading database 'db'"
    )
    match = run_tests.LOG_LINE.match(line)
    assert match["level"] == "ERROR" and match["logger"] == "odoo.tests.result"
    result = run_tests.RESULT.search(match["message"])
    assert (result["failed"], result["errors"], result["total"]) == ("2", "1", "39")


def test_only_foreign_deprecation_warnings_are_ignored():
    odoo = "/opt/odoo/addons/mail/models/x.py:3: DeprecationWarning: old"
    ours = f"{ROOT}/amazon_pii/models/pii_vault.py:3: DeprecationWarning: old"
    other = "/opt/odoo/addons/mail/models/x.py:3: UserWarning: careful"
    assert run_tests._foreign_warning("py.warnings", odoo)
    assert not run_tests._foreign_warning("py.warnings", ours)
    assert not run_tests._foreign_warning("py.warnings", other)
    assert not run_tests._foreign_warning("odoo.models", odoo)


def test_tally_fails_when_anything_failed():
    tally = run_tests.Tally()
    tally.add("a", 3, 0)
    tally.add("b", 1, 1)
    assert (tally.passed, tally.failed) == (4, 1)
