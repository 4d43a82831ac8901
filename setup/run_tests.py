"""The README's test command: lint, pure tests, Odoo tests, one summary line.

Usage: python3 setup/run_tests.py [--no-install] [--no-lint] [--no-odoo]
                                  [--keep-db] [-k PYTEST_EXPRESSION]

Ends with ``N passed, N failed`` (pure + Odoo tests, lint failures counted as
failed) and exits non-zero on any failure. Odoo tests run with Odoo's own runner
in a throwaway database; any ERROR or WARNING logged while installing or
testing fails the run, as OCA's CI does.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import bootstrap
import odoo_env
import skips
from secret_patterns import find_secrets

ROOT = odoo_env.ROOT
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>[\w.]+): (?P<message>.*)$"
)
# Deprecation warnings raised inside Odoo or its libraries (not by this
# repository's code) are counted and shown, not failed: they are Odoo's to fix.
FOREIGN_WARNING = re.compile(r"^(?P<path>/\S+?\.py):\d+: \w*DeprecationWarning")
RESULT = re.compile(
    r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<total>\d+) tests"
)


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.notes = []
        self.skipped = []  # (where, test, reason, how many tests)

    def add(self, name, passed, failed, note=""):
        self.passed += passed
        self.failed += failed
        self.notes.append(f"{name}: {passed} passed, {failed} failed {note}".rstrip())

    def skip(self, where, test, reason, count=1):
        self.skipped.append((where, test, reason, count))

    def judge_skips(self, patterns):
        """Every skip is listed; those outside the allow-list fail the run."""
        refused = [s for s in self.skipped if not skips.is_allowed(s[2], patterns)]
        total = sum(s[3] for s in self.skipped)
        for where, test, reason, count in self.skipped:
            mark = "!" if (where, test, reason, count) in refused else " "
            plural = f" ({count} tests)" if count > 1 else ""
            print(f"  {mark} skipped {where} {test}{plural}: {reason}")
        bad = sum(s[3] for s in refused)
        self.add(
            "skips",
            0,
            bad,
            f"({total} test(s) skipped, {bad} outside tests/skips-allowed.txt)",
        )


def run(cmd, **kwargs):
    print("$", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, check=False, **kwargs)


def install_requirements():
    result = run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            "requirements.txt",
            "-r",
            "requirements-test.txt",
        ]
    )
    if result.returncode != 0:
        raise SystemExit("Could not install requirements.txt/requirements-test.txt")
    # OCA addons: their packages depend on "odoo", which pip cannot see here.
    addons = run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "-r",
            "requirements-odoo-addons.txt",
        ]
    )
    if addons.returncode != 0:
        raise SystemExit("Could not install requirements-odoo-addons.txt")


def reference_data():
    """Amazon's models for the sandbox and the tests: ../shared/amazon, else
    the pinned copy, downloaded once into the cache. Without them the tests
    that need them skip, and those skips fail the run."""
    sys.path.insert(0, str(ROOT))
    from tests.sandbox import reference  # needs ROOT on the path

    if not reference.problems():
        return
    if reference.base_dir() == reference.SHARED:
        print(f"! {reference.SHARED} differs from tests/sandbox/reference.lock.json")
        return
    print("Amazon's reference models are missing: downloading the pinned files ...")
    try:
        reference.fetch()
    except reference.ReferenceError as exc:
        print(f"! {exc}\n! {reference.how_to()}")


def lint(tally):
    for name, cmd in (
        ("ruff", ["check", "--no-fix", "."]),
        ("ruff format", ["format", "--check", "."]),
    ):
        result = run([sys.executable, "-m", "ruff", *cmd])
        tally.add(name, int(result.returncode == 0), int(result.returncode != 0))
    pylint = run(
        [
            sys.executable,
            "-m",
            "pylint",
            "--rcfile=.pylintrc-mandatory",
            *odoo_env.ADDONS,
        ]
    )
    tally.add("pylint-odoo", int(pylint.returncode == 0), int(pylint.returncode != 0))


def pure_tests(tally, expression, marks="not odoo_db", label="pytest", env=None):
    """Pytest over ``tests/``: the pure tests, or with ``marks="odoo_db"``
    the few that need PostgreSQL and Odoo (run from the Odoo stage)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "pytest.xml"
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "tests",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
            "-m",
            marks,
        ]
        if expression:
            cmd += ["-k", expression]
        result = run(cmd, env=env)
        if not report.exists():
            tally.add(label, 0, 1, "(no report: pytest crashed)")
            return
        suite = ET.parse(report).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        total = int(suite.get("tests", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        if (result.returncode != 0 or total == 0) and bad == 0:
            bad = 1  # failed outside any test (collection, usage) or ran none
        tally.add(label, total - bad - skipped, bad, f"({skipped} skipped)")
        for case in suite.iter("testcase"):
            mark = case.find("skipped")
            if mark is not None:
                test = f"{case.get('classname')}::{case.get('name')}"
                tally.skip(label, test, mark.get("message", ""))


def odoo_tests(tally, keep_db):
    version = odoo_env.odoo_version()
    if version is None:
        print("Odoo is not importable: Odoo tests skipped (pure tests and lint ran).")
        return
    if version != 18:
        tally.add("odoo", 0, 1, f"(found Odoo {version}, need 18)")
        return
    db = odoo_env.ensure_postgres()
    dbname = odoo_env.throwaway_name("amazon_test")
    run_dir = odoo_env.RUN_DIR
    run_dir.mkdir(exist_ok=True)
    log_path = run_dir / "odoo-tests.log"
    env = dict(os.environ)
    key_file = odoo_env.ensure_key_file(run_dir / "test-keyring.json")
    env["AMAZON_PII_KEY_FILE"] = str(key_file)
    with tempfile.TemporaryDirectory() as data_dir:
        cmd = [
            sys.executable,
            "-m",
            "odoo",
            *odoo_env.sandbox_config(Path(data_dir) / "odoo.conf"),
            f"--addons-path={ROOT}",
            f"--data-dir={data_dir}",
            *db.odoo_args(),
            "-d",
            dbname,
            "-i",
            ",".join(odoo_env.ADDONS),
            "--without-demo=all",
            "--test-enable",
            "--test-tags=" + ",".join(f"/{a}" for a in odoo_env.ADDONS),
            "--stop-after-init",
            "--log-level=info",
            "--http-port=0",
            "--max-cron-threads=0",
        ]
        print("$", " ".join(cmd), flush=True)
        try:
            problems, results, skipped = _run_odoo(cmd, env, log_path)
            pure_tests(tally, "", "odoo_db", "pytest with PostgreSQL", _pg_env(db))
        finally:
            if not keep_db:
                db.drop(dbname)
            odoo_env.stop_postgres(db)
    total = sum(r[2] for r in results)
    bad = sum(r[0] + r[1] for r in results)
    # Odoo counts a skipped test as run; a class skipped in setUpClass is
    # not counted at all (its tests never started): neither passed.
    started_and_skipped = 0
    for what, reason, count in skipped:
        tally.skip("odoo", what, reason, count)
        started_and_skipped += 0 if what.startswith("setUpClass") else count
    total -= started_and_skipped
    if not results:
        problems.append("Odoo printed no test result line")
    elif total == 0:
        problems.append("Odoo ran no test")
    # Logged ERROR/WARNING lines outside failing tests count as one failure.
    stray = int(bool(problems) and bad == 0)
    tally.add("odoo", total - bad, bad + stray, f"(log: {log_path})")
    for line in problems[:50]:
        print("  !", line)


def _pg_env(db):
    """The environment that points libpq (and the tests) at ``db``."""
    env = dict(os.environ)
    for var, value in (
        ("PGHOST", db.host),
        ("PGPORT", db.port),
        ("PGUSER", db.user),
        ("PGPASSWORD", db.password),
    ):
        if value:
            env[var] = str(value)
    return env


def _run_odoo(cmd, env, log_path):
    problems, results, foreign, skipped = [], [], [], []
    with (
        open(log_path, "w", encoding="utf-8") as log,
        subprocess.Popen(
            cmd,
            cwd="/",
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        ) as proc,
    ):
        echo = False
        for line in proc.stdout:
            log.write(line)
            if secrets := find_secrets(line):
                problems.append(f"credential-shaped text in the Odoo log: {secrets}")
            match = LOG_LINE.match(line)
            if match:
                level, message = match["level"], match["message"]
                echo = level in ("WARNING", "ERROR", "CRITICAL")
                result = RESULT.search(message)
                if found := skips.odoo_skip(message):
                    skipped.append(found)
                    echo = True
                elif result and "when loading database" in message:
                    counts = (result["failed"], result["errors"], result["total"])
                    results.append(tuple(int(n) for n in counts))
                    echo = True
                elif echo and _foreign_warning(match["logger"], message):
                    foreign.append(message)
                    echo = False
                elif echo:
                    problems.append(f"{level} {match['logger']}: {message[:200]}")
            if echo:  # also echoes a traceback's continuation lines
                print(line, end="")
        returncode = proc.wait()
    if returncode != 0:
        problems.append(f"Odoo exited with status {returncode}")
    if foreign:
        print(f"  ({len(foreign)} deprecation warning(s) from Odoo's own code ignored)")
    return problems, results, skipped


def _foreign_warning(logger, message):
    match = FOREIGN_WARNING.match(message)
    return (
        logger == "py.warnings"
        and match is not None
        and not Path(match["path"]).resolve().is_relative_to(ROOT)
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-install", action="store_true")
    parser.add_argument("--no-lint", action="store_true")
    parser.add_argument("--no-odoo", action="store_true")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("-k", dest="expression", default="")
    args = parser.parse_args()
    # Without an importable Odoo: set up .venv/ and run again inside it.
    bootstrap.ensure_odoo()

    tally = Tally()
    if not args.no_install:
        install_requirements()
    reference_data()
    if not args.no_lint:
        lint(tally)
    pure_tests(tally, args.expression)
    if not args.no_odoo:
        odoo_tests(tally, args.keep_db)
    print()
    tally.judge_skips(skips.allowed_reasons())
    for note in tally.notes:
        print("  " + note)
    print(f"{tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
