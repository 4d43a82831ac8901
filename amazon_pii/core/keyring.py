"""Versioned key ring for the PII vault, loaded from a key file outside the DB.

docs/data-protection.md #5: keys live outside the database, have versions,
rotate without downtime and can be destroyed. The key file is JSON::

    {"format": 1,
     "vault":   {"active": "v2", "keys": {"v1": "<base64 32 bytes>", "v2": "..."}},
     "archive": {"active": "a1", "keys": {"a1": "<base64 32 bytes>"}},
     "audit":   {"active": "h1", "keys": {"h1": "<base64 32 bytes>"}},
     "backup":  {"active": "b1", "keys": {"b1": "<base64 32 bytes>"}}}

"vault" key-encryption keys (KEKs) wrap the per-entry data keys of the vault;
"audit" keys authenticate the audit log's hash chain (HMAC), so rows edited in
SQL cannot be re-chained without the key file; "archive" KEKs are a separate
namespace used only by the legal-hold cold archive, so the archive can be
kept unreadable in ordinary use (a ring may omit a namespace entirely);
"backup" keys encrypt backup archives (``core/backup_format.py``), so a backup
cannot be read with the vault's keys alone. A key file made before the
"backup" namespace existed gets one with ``rotate --namespace backup``.
Rotation adds a new active version; entries are then re-wrapped in the
background and the old version is retired once no entry depends on it (the
caller checks that).

The odoo.conf option ``amazon_pii_key_file`` names the file, otherwise the
environment variable ``AMAZON_PII_KEY_FILE`` does; the Odoo layer reads them
and hands the path to :func:`load_keyring`. The file must be mode 0600 (not
group/world readable).

Command line (no Odoo needed)::

    python3 amazon_pii/core/keyring.py generate --out /path/to/keyfile
    python3 amazon_pii/core/keyring.py rotate --file KEYFILE [--namespace NS]
    python3 amazon_pii/core/keyring.py status --file /path/to/keyfile

``python3 -m amazon_pii.core.keyring ...`` is equivalent, but only where the
``amazon_pii`` package is importable (its ``__init__`` imports odoo); the plain
file path form always works because this module then imports nothing from the
addon except the sibling ``errors.py``.
"""

import argparse
import base64
import binascii
import datetime
import hashlib
import json
import os
import re
import stat
import sys
import tempfile
from types import MappingProxyType

if __package__:
    from .errors import KeyRingConfigError, KeyRingMissingError, KeyUnavailableError
else:  # run as a plain file: sys.path[0] is this directory
    from errors import KeyRingConfigError, KeyRingMissingError, KeyUnavailableError

FORMAT = 1
KEY_SIZE = 32
NAMESPACES = ("vault", "archive", "audit", "backup")
_PREFIX = {"vault": "v", "archive": "a", "audit": "h", "backup": "b"}
ENV_VAR = "AMAZON_PII_KEY_FILE"
CONFIG_OPTION = "amazon_pii_key_file"
GENERATE_HINT = (
    "Generate one with `python3 -m amazon_pii.core.keyring generate --out "
    "/path/to/keyfile` (or `python3 amazon_pii/core/keyring.py generate --out "
    f"/path/to/keyfile` from the repository root), then point `{CONFIG_OPTION}` "
    f"in odoo.conf or the environment variable {ENV_VAR} at it."
)
_VERSION_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


def fingerprint(key):
    """Short, non-reversible identifier of a key (for status and audit)."""
    return hashlib.sha256(key).hexdigest()[:8]


def _check_namespace(namespace):
    if namespace not in NAMESPACES:
        raise KeyRingConfigError(f"unknown key namespace {namespace!r}")


class KeyRing:
    """Immutable set of KEKs per namespace; every change returns a new ring."""

    __slots__ = ("_created", "_rings")

    def __init__(self, rings, created=None):
        # rings: {namespace: (active_version, {version: key_bytes})}
        # created: {namespace: {version: "YYYY-MM-DD"}}, when each version was
        # made (not secret; files written before dates were kept have none).
        # _rings is set last: __setattr__ freezes the ring once it exists.
        self._created = MappingProxyType(
            {
                ns: MappingProxyType(
                    {v: d for v, d in (created or {}).get(ns, {}).items() if v in keys}
                )
                for ns, (_active, keys) in rings.items()
            }
        )
        self._rings = MappingProxyType(
            {
                ns: (active, MappingProxyType(dict(keys)))
                for ns, (active, keys) in rings.items()
            }
        )

    def __setattr__(self, name, value):
        if hasattr(self, "_rings"):
            raise AttributeError("KeyRing is immutable")
        object.__setattr__(self, name, value)

    def __repr__(self):
        parts = [
            f"{ns}={active}[{','.join(sorted(keys))}]"
            for ns, (active, keys) in sorted(self._rings.items())
        ]
        return f"<KeyRing {' '.join(parts)}>"

    __str__ = __repr__

    # -- construction -------------------------------------------------------
    @classmethod
    def from_mapping(cls, data):
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise KeyRingConfigError(
                f"key file must be a JSON object with format {FORMAT}"
            )
        rings, created = {}, {}
        for ns in NAMESPACES:
            if ns not in data:
                continue
            section = data[ns]
            if not isinstance(section, dict) or not isinstance(
                section.get("keys"), dict
            ):
                raise KeyRingConfigError(f"key namespace {ns!r} needs a 'keys' object")
            keys = {}
            for version, encoded in section["keys"].items():
                keys[version] = cls._decode(ns, version, encoded)
            active = section.get("active")
            if active not in keys:
                raise KeyRingConfigError(
                    f"active version of {ns!r} is not among its keys"
                )
            rings[ns] = (active, keys)
            created[ns] = cls._dates(ns, section.get("created", {}))
        if not rings:
            raise KeyRingConfigError("key file holds no 'vault' or 'archive' keys")
        return cls(rings, created)

    @staticmethod
    def _dates(namespace, dates):
        """A section's optional ``created`` object: version -> ISO date."""
        if not isinstance(dates, dict):
            raise KeyRingConfigError(f"'created' of {namespace!r} must be an object")
        for version, day in dates.items():
            try:
                datetime.date.fromisoformat(day)
            except (TypeError, ValueError):
                raise KeyRingConfigError(
                    f"creation date of {namespace}/{version} is not YYYY-MM-DD"
                ) from None
        return dict(dates)

    @staticmethod
    def _decode(namespace, version, encoded):
        # Messages name the slot only: never echo the (possibly valid) key text.
        if not isinstance(version, str) or not _VERSION_RE.match(version):
            raise KeyRingConfigError(f"invalid key version name in {namespace!r}")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise KeyRingConfigError(
                f"key {namespace}/{version} is not valid base64"
            ) from None
        if len(key) != KEY_SIZE:
            raise KeyRingConfigError(
                f"key {namespace}/{version} must be {KEY_SIZE} bytes"
            )
        return key

    @classmethod
    def from_file(cls, path):
        path = os.fspath(path)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise KeyRingMissingError(
                f"PII key file {path} not found. {GENERATE_HINT}"
            ) from None
        if os.name == "posix" and st.st_mode & 0o077:
            raise KeyRingConfigError(
                f"PII key file {path} is readable by group or others "
                f"(mode {stat.S_IMODE(st.st_mode):04o}); fix it with: chmod 600 {path}"
            )
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            raise KeyRingConfigError(
                f"PII key file {path} is unreadable or not JSON"
            ) from None
        return cls.from_mapping(data)

    @classmethod
    def generate(cls, today=None):
        today = (today or datetime.date.today()).isoformat()
        return cls(
            {
                ns: (f"{_PREFIX[ns]}1", {f"{_PREFIX[ns]}1": os.urandom(KEY_SIZE)})
                for ns in NAMESPACES
            },
            {ns: {f"{_PREFIX[ns]}1": today} for ns in NAMESPACES},
        )

    def _created_dict(self):
        return {ns: dict(dates) for ns, dates in self._created.items()}

    def to_json(self):
        data = {"format": FORMAT}
        for ns, (active, keys) in self._rings.items():
            data[ns] = {
                "active": active,
                "keys": {
                    v: base64.b64encode(k).decode("ascii") for v, k in keys.items()
                },
            }
            if self._created.get(ns):
                data[ns]["created"] = dict(self._created[ns])
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    # -- rotation and retirement -------------------------------------------
    def with_new_version(self, namespace="vault", today=None):
        _check_namespace(namespace)
        _active, keys = self._rings.get(namespace, (None, {}))
        prefix = _PREFIX[namespace]
        numbers = [
            int(v[len(prefix) :])
            for v in keys
            if v.startswith(prefix) and v[len(prefix) :].isdigit()
        ]
        version = f"{prefix}{max(numbers, default=0) + 1}"
        while version in keys:  # hand-edited names: never reuse one
            version += "x"
        rings = dict(self._rings)
        rings[namespace] = (version, {**keys, version: os.urandom(KEY_SIZE)})
        created = self._created_dict()
        created.setdefault(namespace, {})[version] = (
            today or datetime.date.today()
        ).isoformat()
        return KeyRing(rings, created)

    def without_version(self, namespace, version):
        """Retire ``version``: entries still wrapped by it become unreadable."""
        active, keys = self._ring(namespace)
        if version not in keys:
            raise KeyUnavailableError(
                f"key {namespace}/{version} is not in the key ring"
            )
        if version == active:
            raise KeyRingConfigError(
                f"cannot retire the active key {namespace}/{version}; rotate first"
            )
        rings = dict(self._rings)
        rings[namespace] = (active, {v: k for v, k in keys.items() if v != version})
        return KeyRing(rings, self._created_dict())

    # -- lookup -------------------------------------------------------------
    def _ring(self, namespace):
        try:
            return self._rings[namespace]
        except KeyError:
            raise KeyUnavailableError(
                f"no {namespace!r} keys in this key ring"
            ) from None

    def active_version(self, namespace="vault"):
        return self._ring(namespace)[0]

    def versions(self, namespace="vault"):
        return tuple(sorted(self._ring(namespace)[1]))

    def kek(self, namespace, version):
        try:
            return self._ring(namespace)[1][version]
        except KeyError:
            raise KeyUnavailableError(
                f"key {namespace}/{version} is not available (missing or retired)"
            ) from None

    def created(self, namespace, version):
        """The ISO date ``version`` was made, or None when the file predates
        creation dates."""
        return self._created.get(namespace, {}).get(version)

    def status(self):
        """Namespaces, versions, active version, fingerprints and creation
        dates; no key material."""
        return {
            "format": FORMAT,
            "namespaces": {
                ns: {
                    "active": active,
                    "versions": {v: fingerprint(k) for v, k in sorted(keys.items())},
                    "created": dict(sorted(self._created.get(ns, {}).items())),
                }
                for ns, (active, keys) in sorted(self._rings.items())
            },
        }


def load_keyring(path):
    """The key ring in the key file at ``path``: the one loader of the suite.

    Callers find the path: the Odoo layer in odoo.conf or the environment
    (``models/keyring_service.py``, which also caches the ring), the command
    line in ``--file``. An empty path means nothing is configured.
    """
    if not path or not str(path).strip():
        raise KeyRingMissingError(f"No PII key file is configured. {GENERATE_HINT}")
    return KeyRing.from_file(path)


# -- command line -----------------------------------------------------------
def write_new(path, ring):
    """Create ``path`` with mode 0600; refuse to overwrite an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(ring.to_json())


def write_private_atomically(path, text, prefix):
    """Replace ``path`` with ``text``: a 0600 temp file (named ``prefix``...)
    in the same directory, fsynced, then os.replace, so a reader sees the old
    file or the new one, never a torn one, and nobody else can read either."""
    fd, tmp = tempfile.mkstemp(
        dir=os.path.dirname(os.path.abspath(path)), prefix=prefix
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def replace_atomically(path, ring):
    """Replace the key file ``path`` with ``ring``."""
    write_private_atomically(path, ring.to_json(), ".keyring-")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="keyring", description="Manage the PII key file."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("generate", help="write a new key file").add_argument(
        "--out", required=True
    )
    rotate = sub.add_parser("rotate", help="add a new active key version in place")
    rotate.add_argument("--file", required=True)
    rotate.add_argument("--namespace", default="vault", choices=NAMESPACES)
    sub.add_parser("status", help="show versions and fingerprints").add_argument(
        "--file", required=True
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "generate":
            ring = KeyRing.generate()
            try:
                write_new(args.out, ring)
            except FileExistsError:
                raise KeyRingConfigError(
                    f"{args.out} exists; refusing to overwrite"
                ) from None
        else:
            ring = load_keyring(args.file)
            if args.command == "rotate":
                ring = ring.with_new_version(args.namespace)
                replace_atomically(args.file, ring)
    except (
        KeyRingConfigError,
        KeyRingMissingError,
        KeyUnavailableError,
        OSError,
    ) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    sys.stdout.write(json.dumps(ring.status(), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
