import base64
import datetime
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from amazon_pii.core.errors import (
    KeyRingConfigError,
    KeyRingMissingError,
    KeyUnavailableError,
    PIIError,
)
from amazon_pii.core.keyring import KeyRing, fingerprint, load_keyring

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "amazon_pii" / "core" / "keyring.py"
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _secrets(ring):
    """Every textual form key material could leak in."""
    out = []
    for ns in ring.status()["namespaces"]:
        for version in ring.versions(ns):
            key = ring.kek(ns, version)
            out += [base64.b64encode(key).decode(), key.hex(), repr(key)]
    return out


def _write(path, ring, mode=0o600):
    path.write_text(ring.to_json())
    path.chmod(mode)
    return path


def test_generate_has_one_fresh_key_per_namespace():
    ring, other = KeyRing.generate(), KeyRing.generate()
    assert ring.versions("vault") == ("v1",) and ring.active_version("vault") == "v1"
    assert (
        ring.versions("archive") == ("a1",) and ring.active_version("archive") == "a1"
    )
    assert len(ring.kek("vault", "v1")) == 32
    assert ring.kek("vault", "v1") != ring.kek("archive", "a1")
    assert ring.kek("vault", "v1") != other.kek("vault", "v1")


def test_json_round_trip_matches_documented_format():
    ring = KeyRing.generate().with_new_version("vault")
    data = json.loads(ring.to_json())
    assert data["format"] == 1
    assert data["vault"]["active"] == "v2"
    assert set(data["vault"]["keys"]) == {"v1", "v2"}
    assert base64.b64decode(data["archive"]["keys"]["a1"]) == ring.kek("archive", "a1")
    again = KeyRing.from_mapping(data)
    assert again.status() == ring.status()


def test_rotation_returns_new_ring_and_keeps_old_versions():
    ring = KeyRing.generate()
    rotated = ring.with_new_version("vault")
    assert ring.versions("vault") == ("v1",)  # original untouched
    assert rotated.active_version("vault") == "v2"
    assert rotated.kek("vault", "v1") == ring.kek("vault", "v1")
    assert rotated.kek("vault", "v2") != ring.kek("vault", "v1")
    assert rotated.active_version("archive") == "a1"
    assert rotated.with_new_version("archive").active_version("archive") == "a2"
    with pytest.raises(AttributeError):
        ring._rings = {}


def test_retire_version():
    ring = KeyRing.generate().with_new_version("vault")
    retired = ring.without_version("vault", "v1")
    assert retired.versions("vault") == ("v2",)
    with pytest.raises(KeyUnavailableError):
        retired.kek("vault", "v1")
    with pytest.raises(KeyRingConfigError, match="active"):
        ring.without_version("vault", "v2")
    with pytest.raises(KeyUnavailableError):
        ring.without_version("vault", "v9")
    # Numbering never reuses a retired name.
    assert retired.with_new_version("vault").active_version("vault") == "v3"


def test_missing_namespace_and_version_raise_key_unavailable():
    ring = KeyRing.from_mapping(
        {"format": 1, "vault": {"active": "v1", "keys": {"v1": "A" * 43 + "="}}}
    )
    with pytest.raises(KeyUnavailableError):
        ring.kek("archive", "a1")
    with pytest.raises(KeyUnavailableError):
        ring.active_version("archive")
    with pytest.raises(KeyUnavailableError):
        ring.kek("vault", "v2")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(format=2),
        lambda d: d["vault"].update(active="v7"),
        lambda d: d["vault"]["keys"].update(v1="not base64!"),
        lambda d: d["vault"]["keys"].update(v1=base64.b64encode(b"k" * 16).decode()),
        lambda d: [d.pop(ns) for ns in ("vault", "archive", "audit", "backup")],
        lambda d: d["vault"]["keys"].update({"bad|name": d["vault"]["keys"]["v1"]}),
    ],
)
def test_malformed_mapping_is_config_error_without_key_text(mutate):
    ring = KeyRing.generate()
    data = json.loads(ring.to_json())
    mutate(data)
    with pytest.raises(KeyRingConfigError) as info:
        KeyRing.from_mapping(data)
    for secret in _secrets(ring) + ["not base64!"]:
        assert secret not in str(info.value)


def test_no_key_material_in_repr_str_status_or_errors():
    ring = KeyRing.generate().with_new_version("vault")
    status = ring.status()
    texts = [repr(ring), str(ring), json.dumps(status)]
    for call in (
        lambda: ring.kek("vault", "v9"),
        lambda: ring.without_version("vault", "v2"),
        lambda: ring.with_new_version("nope"),
    ):
        with pytest.raises(PIIError) as info:
            call()
        texts.append(str(info.value))
    for text in texts:
        for secret in _secrets(ring):
            assert secret not in text
    assert status["namespaces"]["vault"]["active"] == "v2"
    assert status["namespaces"]["vault"]["versions"]["v1"] == fingerprint(
        ring.kek("vault", "v1")
    )
    assert len(status["namespaces"]["archive"]["versions"]["a1"]) == 8


@posix_only
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_group_or_world_readable_key_file_is_refused(tmp_path, mode):
    path = _write(tmp_path / "pii.key", KeyRing.generate(), mode)
    with pytest.raises(KeyRingConfigError) as info:
        load_keyring(str(path))
    assert str(path) in str(info.value) and "chmod 600" in str(info.value)


@posix_only
def test_private_key_file_loads_the_file_it_is_given(tmp_path, monkeypatch):
    ring = KeyRing.generate()
    path = _write(tmp_path / "pii.key", ring)
    other = _write(tmp_path / "other.key", KeyRing.generate())
    # The loader reads the path it is given, never the environment: finding
    # the path (odoo.conf option, then variable) is the Odoo layer's job.
    monkeypatch.setenv("AMAZON_PII_KEY_FILE", str(other))
    loaded = load_keyring(str(path))
    assert loaded.kek("vault", "v1") == ring.kek("vault", "v1")


@pytest.mark.parametrize("path", [None, "", "  "])
def test_unconfigured_key_file_explains_how_to_generate(path, monkeypatch, tmp_path):
    other = _write(tmp_path / "other.key", KeyRing.generate())
    monkeypatch.setenv("AMAZON_PII_KEY_FILE", str(other))
    with pytest.raises(KeyRingMissingError) as info:
        load_keyring(path)
    message = str(info.value)
    assert "generate --out" in message
    assert "amazon_pii_key_file" in message and "AMAZON_PII_KEY_FILE" in message


def test_absent_key_file_is_missing_with_hint(tmp_path):
    path = tmp_path / "absent.key"
    with pytest.raises(KeyRingMissingError) as info:
        load_keyring(str(path))
    assert str(path) in str(info.value) and "generate --out" in str(info.value)


def test_unparsable_key_file_is_config_error(tmp_path):
    path = tmp_path / "pii.key"
    path.write_text("{not json")
    path.chmod(0o600)
    with pytest.raises(KeyRingConfigError):
        load_keyring(str(path))


# -- command line ----------------------------------------------------------
@pytest.fixture
def no_odoo(tmp_path):
    """PYTHONPATH with an ``odoo`` package that explodes when imported."""
    fake = tmp_path / "poison" / "odoo"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise RuntimeError('odoo imported')\n")
    env = dict(os.environ, PYTHONPATH=str(fake.parent))
    env.pop("AMAZON_PII_KEY_FILE", None)
    return env


def _cli(env, *args):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@posix_only
def test_cli_generate_and_rotate(tmp_path, no_odoo):
    path = tmp_path / "pii.key"
    done = _cli(no_odoo, "generate", "--out", str(path))
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ring = load_keyring(str(path))
    assert ring.active_version("vault") == "v1"
    first = path.read_text()

    again = _cli(no_odoo, "generate", "--out", str(path))
    assert again.returncode != 0 and "refusing to overwrite" in again.stderr
    assert path.read_text() == first

    rotated = _cli(no_odoo, "rotate", "--file", str(path))
    assert rotated.returncode == 0, rotated.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    new = load_keyring(str(path))
    assert new.active_version("vault") == "v2"
    assert new.kek("vault", "v1") == ring.kek("vault", "v1")
    assert new.active_version("archive") == "a1"

    archive = _cli(no_odoo, "rotate", "--file", str(path), "--namespace", "archive")
    assert archive.returncode == 0, archive.stderr
    final = load_keyring(str(path))
    assert final.active_version("archive") == "a2"
    assert final.versions("vault") == ("v1", "v2")
    assert list(tmp_path.glob(".keyring-*")) == []  # temp file replaced, not left

    for out in (done.stdout, rotated.stdout, archive.stdout):
        for secret in _secrets(final):
            assert secret not in out
    assert json.loads(archive.stdout)["namespaces"]["archive"]["active"] == "a2"


@posix_only
def test_cli_rotate_adds_backup_namespace_to_an_old_key_file(tmp_path, no_odoo):
    # Key files made before backups existed have no "backup" namespace; the
    # README tells their owners to run this rotate (bug caught: the CLI
    # refusing the namespace, or rotate losing the other keys on the way).
    old = KeyRing.generate()
    data = json.loads(old.to_json())
    del data["backup"]
    path = tmp_path / "pii.key"
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    with pytest.raises(KeyUnavailableError):
        load_keyring(str(path)).active_version("backup")
    done = _cli(no_odoo, "rotate", "--file", str(path), "--namespace", "backup")
    assert done.returncode == 0, done.stderr
    new = load_keyring(str(path))
    assert new.versions("backup") == ("b1",)
    assert new.kek("vault", "v1") == old.kek("vault", "v1")
    assert new.kek("audit", "h1") == old.kek("audit", "h1")
    assert new.kek("backup", "b1") not in (
        old.kek("vault", "v1"),
        old.kek("backup", "b1"),
    )


@posix_only
def test_cli_rotate_refuses_loose_permissions(tmp_path, no_odoo):
    path = _write(tmp_path / "pii.key", KeyRing.generate(), 0o644)
    done = _cli(no_odoo, "rotate", "--file", str(path))
    assert done.returncode != 0 and "chmod 600" in done.stderr
    assert KeyRing.from_mapping(json.loads(path.read_text())).versions("vault") == (
        "v1",
    )


def test_core_modules_never_import_odoo(no_odoo):
    code = (
        "import sys, types\n"
        "for name in ('amazon_pii', 'amazon_pii.core'):\n"
        "    m = types.ModuleType(name); m.__path__ = [name.replace('.', '/')]\n"
        "    sys.modules[name] = m\n"
        "import amazon_pii.core.keyring, amazon_pii.core.envelope\n"
        "import amazon_pii.core.hashchain, amazon_pii.core.masking\n"
        "import amazon_pii.core.registry, amazon_pii.core.errors\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'odoo']\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=ROOT,
        env=dict(no_odoo, PYTHONPATH=no_odoo["PYTHONPATH"] + os.pathsep + str(ROOT)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


# -- creation dates (docs/data-protection.md #12: the status page shows key ages)
def test_generate_and_rotate_record_each_versions_creation_date():
    born, rotated = datetime.date(2025, 1, 10), datetime.date(2025, 4, 20)
    ring = KeyRing.generate(today=born).with_new_version("vault", today=rotated)
    assert ring.created("vault", "v1") == "2025-01-10"
    assert ring.created("vault", "v2") == "2025-04-20"
    # Rotating one namespace does not re-date another.
    assert ring.created("archive", "a1") == "2025-01-10"
    # Survives the file format, and retirement drops the retired version's date.
    again = KeyRing.from_mapping(json.loads(ring.to_json()))
    assert again.status()["namespaces"]["vault"]["created"] == {
        "v1": "2025-01-10",
        "v2": "2025-04-20",
    }
    assert again.without_version("vault", "v1").created("vault", "v1") is None


def test_a_key_file_without_dates_still_loads_and_bad_dates_are_refused():
    ring = KeyRing.generate()
    data = json.loads(ring.to_json())
    for ns in ("vault", "archive", "audit"):
        del data[ns]["created"]
    old = KeyRing.from_mapping(data)
    assert old.created("vault", "v1") is None
    assert old.kek("vault", "v1") == ring.kek("vault", "v1")
    data["vault"]["created"] = {"v1": "last spring"}
    with pytest.raises(KeyRingConfigError, match="not YYYY-MM-DD"):
        KeyRing.from_mapping(data)
