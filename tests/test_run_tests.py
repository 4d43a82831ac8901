"""The test command's reading of Odoo's log decides pass or fail: test it."""

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "setup"))
import run_tests
import skips


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


# -- skips: counted, and refused outside the allow-list -------------------


def _addon(tmp_path):
    """A fake addon whose test class inherits two tests from another file."""
    tests = tmp_path / "amazon_x" / "tests"
    tests.mkdir(parents=True)
    (tests / "common.py").write_text(
        "class Base:\n"
        "    def test_one(self): pass\n"
        "    def test_two(self): pass\n"
        "    def helper(self): pass\n"
    )
    (tests / "test_y.py").write_text(
        "from .common import Base\n\n"
        "class TestY(Base):\n"
        "    def test_three(self): pass\n\n"
        "class TestZ:\n"
        "    def test_other(self): pass\n"
    )
    return tmp_path


def test_a_skipped_class_counts_its_own_and_inherited_tests(tmp_path):
    root = _addon(tmp_path)
    path = "odoo.addons.amazon_x.tests.test_y.TestY"
    # 1 defined + 2 inherited; the helper and the other class do not count.
    assert skips.count_class_tests(path, root) == 3
    assert skips.count_class_tests("odoo.addons.amazon_x.tests.test_y.Nope", root) == 0


def test_odoo_skip_lines_are_read():
    line = (
        "2026-12-06 10:00:00,000 1 INFO db odoo.tests.suite: skipped setUpClass "
        "(odoo.addons.amazon_connector.tests.test_label_vault.TestLabelVault) : "
        "Amazon's models are missing"
    )
    match = run_tests.LOG_LINE.match(line)
    what, reason, count = skips.odoo_skip(match["message"])
    assert reason == "Amazon's models are missing"
    assert what.startswith("setUpClass (")
    # The class's tests as its source has them (an independent count).
    source = (ROOT / "amazon_connector/tests/test_label_vault.py").read_text()
    tail = source.split("class TestLabelVault", 1)[1].split("\nclass ", 1)[0]
    assert count == tail.count("    def test_") >= 5
    single = skips.odoo_skip("skipped TestX.test_a : Chrome executable not found")
    assert single == ("TestX.test_a", "Chrome executable not found", 1)
    assert skips.odoo_skip("2 failed, 0 error(s) of 9 tests") is None


def test_skips_outside_the_allow_list_fail_the_run(capsys):
    patterns = skips.allowed_reasons()
    tally = run_tests.Tally()
    tally.add("odoo", 10, 0)
    tally.skip("odoo", "TestB.test_tour", "Chrome executable not found")
    assert (tally.passed, tally.failed) == (10, 0)
    tally.judge_skips(patterns)
    assert tally.failed == 0  # allowed: counted and shown, not failed
    tally.skip("odoo", "setUpClass (x.TestListings)", "models are missing", 7)
    tally.skip("pytest", "tests.t::test_a", "models are missing")
    tally.judge_skips(patterns)
    assert tally.failed == 8  # the 7 tests of the class and the pure one
    shown = capsys.readouterr().out
    assert "! skipped odoo setUpClass (x.TestListings) (7 tests)" in shown
    assert "  skipped odoo TestB.test_tour: Chrome executable not found" in shown
