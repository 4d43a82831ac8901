"""Each addon's README.md is the rendering of its readme/ fragments."""

import subprocess
import sys

from conftest import ADDONS, ROOT


def test_readmes_match_their_fragments():
    result = subprocess.run(
        [sys.executable, str(ROOT / "setup" / "addon_readme.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_every_addon_has_a_description_fragment():
    for addon in ADDONS:
        assert (ROOT / addon / "readme" / "DESCRIPTION.md").read_text().strip()
