"""Setup from nothing: a private ``.venv`` with Odoo 18 when ``import odoo`` fails.

Usage: python3 setup/bootstrap.py [--force]   (prints the venv's Python)

``setup/run_tests.py`` and ``setup/demo.py`` call :func:`ensure_odoo` first:
when the Python running them cannot ``import odoo``, it creates ``.venv/``
(``python -m venv``, no root), installs Odoo 18.0 from ``ODOO_SOURCE``, Odoo's
own ``requirements.txt`` (its ``python_version`` markers pick the pins for
this Python), then the project's ``requirements*.txt``, and runs the command
again inside the venv. A marker file in the venv records what was installed;
later runs reuse the venv, and a changed source or requirements file updates
it.

``ODOO_SOURCE`` is a directory holding ``odoo/release.py`` (a git checkout or
an unpacked archive), a source archive (.tar.gz, .tgz, .tar.xz, .tar.bz2,
.tar or .zip: unpacked under ``.run/odoo-src/``) or an http(s) URL of one
(downloaded once into ``.run/odoo-download/``). Odoo joins the venv through a
``.pth`` file naming the source directory: nothing is copied, and addons
installed from PyPI still land under ``odoo/addons`` in site-packages, which
Odoo's namespace ``odoo.addons`` finds.

Standard library only: it runs before anything is installed. Every failure
the user can fix stops with one sentence saying what to do.
"""

import argparse
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Odoo's official 18.0 source archive (nightly build of the 18.0 branch).
DEFAULT_SOURCE = "https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"
# Odoo 18's range (odoo/__init__.py MIN_PY_VERSION / MAX_PY_VERSION): checked
# before any download; the source's own values are checked again once known.
SUPPORTED_PYTHON = ((3, 10), (3, 12))
MARKER = "amazon-bootstrap.json"
PTH = "odoo-source.pth"
# Bump when the steps change, so existing venvs are brought up to date.
FORMAT = 1
# Environment: where things go and what to force.
SOURCE_VAR = "ODOO_SOURCE"
# Odoo's requirements.txt for a source without one (such as a bare odoo/ tree).
REQUIREMENTS_VAR = "ODOO_REQUIREMENTS"
VENV_VAR = "AMAZON_VENV"  # default: <repository>/.venv
RUN_DIR_VAR = "AMAZON_BOOTSTRAP_RUN_DIR"  # downloads, unpacked sources: .run/
FORCE_VAR = "AMAZON_BOOTSTRAP_FORCE"  # "1": bootstrap even when odoo imports
REEXEC_VAR = "AMAZON_BOOTSTRAPPED"  # set in the re-executed command: no loop
ARCHIVE_SUFFIXES = (
    ".tar.gz",
    ".tgz",
    ".tar.xz",
    ".txz",
    ".tar.bz2",
    ".tbz2",
    ".tar",
    ".zip",
)


class BootstrapError(SystemExit):
    """A failure the user can fix; its message is one sentence saying how."""


def supported(version, bounds=SUPPORTED_PYTHON):
    low, high = bounds
    return low <= tuple(version[:2]) <= high


def check_python(version=None, bounds=SUPPORTED_PYTHON):
    version = tuple((version or sys.version_info)[:2])
    if not supported(version, bounds):
        low, high = (".".join(map(str, b)) for b in bounds)
        raise BootstrapError(
            f"Python {'.'.join(map(str, version))} cannot run Odoo 18, which "
            f"supports Python {low} to {high}: run the command with one of "
            f"those, for example `make test PYTHON=python{high}`."
        )


def source_kind(source):
    """``"url"``, ``"directory"`` or ``"archive"``; BootstrapError otherwise."""
    if re.match(r"^https?://", source, re.IGNORECASE):
        return "url"
    path = Path(source).expanduser()
    if path.is_dir():
        return "directory"
    if path.is_file():
        if path.name.lower().endswith(ARCHIVE_SUFFIXES) and (
            zipfile.is_zipfile(path) or tarfile.is_tarfile(path)
        ):
            return "archive"
        raise BootstrapError(
            f"{SOURCE_VAR}={source} is neither an Odoo source directory nor a "
            f".tar.gz/.zip source archive: point it at an Odoo 18.0 checkout, "
            f"archive or URL."
        )
    raise BootstrapError(
        f"{SOURCE_VAR}={source} does not exist: point it at an Odoo 18.0 "
        f"checkout, source archive or http(s) URL (unset, the official 18.0 "
        f"archive is downloaded)."
    )


def odoo_root(directory):
    """The folder holding ``odoo/release.py``: ``directory`` or its one child
    (archives put everything in a top folder such as ``odoo-18.0.post2025...``)."""
    directory = Path(directory)
    if (directory / "odoo" / "release.py").is_file():
        return directory
    children = [c for c in directory.iterdir() if (c / "odoo" / "release.py").is_file()]
    if len(children) == 1:
        return children[0]
    raise BootstrapError(
        f"{directory} holds no Odoo source (no odoo/release.py): point "
        f"{SOURCE_VAR} at an Odoo 18.0 checkout, source archive or URL."
    )


def odoo_major(root):
    """Odoo's major version read from release.py, without importing it."""
    text = (Path(root) / "odoo" / "release.py").read_text(encoding="utf-8")
    match = re.search(r"^version_info\s*=\s*\(\s*(\d+)", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def odoo_python_bounds(root):
    """The Python range the source declares (odoo/__init__.py), else Odoo 18's."""
    init = Path(root) / "odoo" / "__init__.py"
    text = init.read_text(encoding="utf-8") if init.is_file() else ""
    found = {
        name: tuple(int(n) for n in value.split(","))
        for name, value in re.findall(
            r"^(MIN_PY_VERSION|MAX_PY_VERSION)\s*=\s*\(\s*(\d+\s*,\s*\d+)",
            text,
            re.MULTILINE,
        )
    }
    return (
        found.get("MIN_PY_VERSION", SUPPORTED_PYTHON[0]),
        found.get("MAX_PY_VERSION", SUPPORTED_PYTHON[1]),
    )


def _digest(*parts):
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part if isinstance(part, bytes) else str(part).encode())
        sha.update(b"\0")
    return sha.hexdigest()


def download(url, directory):
    """The archive at ``url``, downloaded once into ``directory``."""
    name = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or "odoo.tar.gz"
    if not name.lower().endswith(ARCHIVE_SUFFIXES):
        name += ".tar.gz"
    target = Path(directory) / f"{_digest(url)[:12]}-{name}"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    print(f"Downloading Odoo 18.0 from {url} ...", flush=True)
    try:
        with (
            urllib.request.urlopen(url, timeout=60) as response,
            open(partial, "wb") as out,
        ):
            shutil.copyfileobj(response, out, 1 << 20)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        partial.unlink(missing_ok=True)
        reason = getattr(exc, "reason", None) or exc
        if isinstance(exc, urllib.error.HTTPError):
            reason = f"HTTP {exc.code} {exc.reason}"
        raise BootstrapError(
            f"Could not download Odoo 18.0 from {url} ({reason}): check the "
            f"network, or set {SOURCE_VAR} to a local Odoo 18.0 checkout or "
            f"source archive."
        ) from None
    partial.rename(target)
    return target


def unpack(archive, directory):
    """``archive`` unpacked once under ``directory``; its Odoo root."""
    archive = Path(archive)
    stat = archive.stat()
    key = _digest(archive.resolve(), stat.st_size, stat.st_mtime_ns)[:12]
    target = Path(directory) / key
    if not target.is_dir():
        print(f"Unpacking {archive} ...", flush=True)
        partial = target.with_name(key + ".part")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        try:
            if zipfile.is_zipfile(archive):
                with zipfile.ZipFile(archive) as zipped:
                    zipped.extractall(partial)
            else:
                with tarfile.open(archive) as tarred:
                    # "data" refuses links and paths leaving the folder.
                    if hasattr(tarfile, "data_filter"):
                        tarred.extractall(partial, filter="data")
                    else:  # pragma: no cover - Python without the filter
                        tarred.extractall(partial)
        except (OSError, tarfile.TarError, zipfile.BadZipFile) as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise BootstrapError(
                f"Could not unpack {archive} ({exc}): set {SOURCE_VAR} to a "
                f"complete Odoo 18.0 source archive."
            ) from None
        partial.rename(target)
    return odoo_root(target)


def resolve_source(source, run_dir):
    """The local Odoo 18 root for ``source`` (downloaded/unpacked as needed)."""
    kind = source_kind(source)
    if kind == "url":
        root = unpack(download(source, run_dir / "odoo-download"), run_dir / "odoo-src")
    elif kind == "archive":
        root = unpack(source, run_dir / "odoo-src")
    else:
        root = odoo_root(Path(source).expanduser())
    major = odoo_major(root)
    if major != 18:
        raise BootstrapError(
            f"{SOURCE_VAR}={source} is Odoo {major}, not 18: point it at an "
            f"Odoo 18.0 checkout, source archive or URL."
        )
    return root.resolve()


def odoo_requirements(root, override=None):
    """Odoo's own requirements file: the source's, else ``override``."""
    own = Path(root) / "requirements.txt"
    if own.is_file():
        return own
    if override:
        path = Path(override).expanduser()
        if path.is_file():
            return path.resolve()
        raise BootstrapError(
            f"{REQUIREMENTS_VAR}={override} does not exist: point it at Odoo "
            f"18.0's requirements.txt."
        )
    raise BootstrapError(
        f"{root} has no requirements.txt (Odoo's own pins): point "
        f"{SOURCE_VAR} at a complete Odoo 18.0 checkout or archive, or set "
        f"{REQUIREMENTS_VAR} to Odoo 18.0's requirements.txt."
    )


def _requirement_name(line):
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
    return match.group(1).lower().replace("_", "-") if match else None


def applied_requirements(text, have_pg_config):
    """Odoo's requirements as this bootstrap installs them.

    Two changes, both so that a machine without build headers needs no root:
    python-ldap (only Odoo's auth_ldap addon, unused by the suite) is left out,
    as it needs libldap/libsasl headers to build; without ``pg_config``
    (libpq's headers), psycopg2 is replaced by psycopg2-binary at the same pin,
    the same ``psycopg2`` module shipped prebuilt. Markers are kept: pip picks
    the pins for the Python in use.
    """
    out = []
    for line in text.splitlines():
        name = _requirement_name(line.split("#", 1)[0])
        if name == "python-ldap":
            out.append(f"# left out by setup/bootstrap.py: {line}")
        elif name == "psycopg2" and not have_pg_config:
            binary = re.sub(r"^(\s*)psycopg2", r"\1psycopg2-binary", line, count=1)
            out.append(binary)
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def project_requirements(root=ROOT):
    """The project's requirements files: (regular ones, addons ones).

    Addons files (``requirements-odoo-addons*.txt``) hold OCA addons whose
    packages depend on "odoo", which pip cannot see: installed with --no-deps.
    """
    files = sorted(Path(root).glob("requirements*.txt"))
    addons = [f for f in files if f.name.startswith("requirements-odoo-addons")]
    return [f for f in files if f not in addons], addons


def venv_python(venv):
    return Path(venv) / "bin" / "python"


def read_marker(venv):
    try:
        return json.loads((Path(venv) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def wanted_state(source, root, requirements_text, project_files):
    """What the venv must hold; compared with the marker to reuse or update."""
    return {
        "format": FORMAT,
        "python": "%d.%d" % sys.version_info[:2],
        "base_python": os.path.realpath(
            getattr(sys, "_base_executable", sys.executable)
        ),
        "source": source,
        "odoo_root": str(root),
        "odoo_requirements": _digest(requirements_text),
        "project_requirements": {
            f.name: _digest(f.read_bytes()) for f in project_files
        },
    }


class Bootstrap:
    """One bootstrap: where the venv and downloads go, which source."""

    def __init__(
        self, root=ROOT, venv=None, run_dir=None, source=None, requirements=None
    ):
        self.root = Path(root)
        self.venv = Path(venv or os.environ.get(VENV_VAR) or self.root / ".venv")
        self.run_dir = Path(
            run_dir or os.environ.get(RUN_DIR_VAR) or self.root / ".run"
        )
        self.source = source or os.environ.get(SOURCE_VAR) or DEFAULT_SOURCE
        self.requirements = requirements or os.environ.get(REQUIREMENTS_VAR)
        self.log = []  # steps done, for tests and the user

    def prepare(self):
        """The venv's Python, created or updated as needed."""
        check_python()
        odoo = resolve_source(self.source, self.run_dir)
        check_python(bounds=odoo_python_bounds(odoo))
        odoo_reqs = odoo_requirements(odoo, self.requirements)
        applied = applied_requirements(
            odoo_reqs.read_text(encoding="utf-8"), shutil.which("pg_config") is not None
        )
        regular, addons = project_requirements(self.root)
        wanted = wanted_state(self.source, odoo, applied, regular + addons)
        have = read_marker(self.venv)
        python = venv_python(self.venv)
        if have == wanted and python.exists():
            self.log.append("reused")
            return python
        if not self._venv_fits(have, wanted):
            self._create_venv()
        (self.venv / MARKER).unlink(missing_ok=True)  # half-done until rewritten
        self._link_odoo(odoo)
        applied_file = self.venv / "odoo-requirements.txt"
        applied_file.write_text(applied, encoding="utf-8")
        self._pip("Odoo's requirements", "-r", applied_file)
        if regular:
            self._pip(
                ", ".join(f.name for f in regular),
                *(a for f in regular for a in ("-r", f)),
            )
        if addons:
            self._pip(
                ", ".join(f.name for f in addons),
                "--no-deps",
                *(a for f in addons for a in ("-r", f)),
            )
        version = odoo_major_in(python)
        if version != 18:
            raise BootstrapError(
                f"{python} still cannot import Odoo 18 after the bootstrap "
                f"(see the output above): remove {self.venv} and run this again."
            )
        (self.venv / MARKER).write_text(json.dumps(wanted, indent=1), encoding="utf-8")
        return python

    def _venv_fits(self, have, wanted):
        """Whether the existing venv runs the wanted Python: the marker says
        so, or, after an interrupted first run (no marker yet), its
        pyvenv.cfg names the same version."""
        if not venv_python(self.venv).exists():
            return False
        if have is not None:
            return (have.get("python"), have.get("base_python")) == (
                wanted["python"],
                wanted["base_python"],
            )
        try:
            cfg = (self.venv / "pyvenv.cfg").read_text(encoding="utf-8")
        except OSError:
            return False
        match = re.search(r"^version(?:_info)?\s*=\s*(\d+\.\d+)", cfg, re.MULTILINE)
        return bool(match) and match.group(1) == wanted["python"]

    def _create_venv(self):
        print(f"Creating {self.venv} with {sys.executable} ...", flush=True)
        self.log.append("venv")
        created = subprocess.run(
            [sys.executable, "-m", "venv", "--clear", str(self.venv)],
            capture_output=True,
            text=True,
            check=False,
        )
        if created.returncode != 0:
            said = (created.stderr or created.stdout).strip().splitlines()
            raise BootstrapError(
                f"{sys.executable} could not create a virtual environment at "
                f"{self.venv} ({said[-1] if said else 'no message'}): install "
                f"Python's venv module (Debian: apt-get install "
                f"python3-venv) or choose another Python with PYTHON=..., then "
                f"run this again."
            )

    def _link_odoo(self, odoo):
        site = subprocess.run(
            [
                str(venv_python(self.venv)),
                "-c",
                "import sysconfig; print(sysconfig.get_path('purelib'))",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        (Path(site) / PTH).write_text(f"{odoo}\n", encoding="utf-8")
        self.log.append(f"odoo:{odoo}")

    def _pip(self, what, *args):
        print(f"Installing {what} into {self.venv} ...", flush=True)
        self.log.append(f"pip:{what}")
        cmd = [
            str(venv_python(self.venv)),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *(str(a) for a in args),
        ]
        if subprocess.run(cmd, cwd=self.root, check=False).returncode != 0:
            raise BootstrapError(
                f"pip could not install {what} into {self.venv} (its output is "
                f"above): fix what it names, such as a missing build tool, then "
                f"run this again."
            )


def odoo_major_in(python):
    """Odoo's major version as ``python`` imports it, or None."""
    probe = subprocess.run(
        [str(python), "-c", "import odoo.release as r; print(r.version_info[0])"],
        capture_output=True,
        text=True,
        cwd="/",
        check=False,
    )
    try:
        return int(probe.stdout.strip()) if probe.returncode == 0 else None
    except ValueError:
        return None


def odoo_importable(python=None):
    """Whether ``python`` (this one by default) can ``import odoo``.

    Probes ``odoo.release``: addons installed from PyPI create an ``odoo``
    namespace folder in site-packages, so a bare ``import odoo`` succeeds
    even where Odoo itself is absent.
    """
    if python is None and importlib.util.find_spec("odoo") is None:
        return False  # no need to start a process to learn that
    probe = subprocess.run(
        [str(python or sys.executable), "-c", "import odoo.release"],
        capture_output=True,
        cwd="/",
        check=False,
    )
    return probe.returncode == 0


def ensure_odoo(argv=None):
    """Return when this Python imports Odoo; else bootstrap and re-run inside.

    ``argv``: the command to re-run (default: this script and its arguments).
    """
    if os.environ.get(REEXEC_VAR):
        if odoo_importable():
            return
        raise BootstrapError(
            f"{sys.executable} still cannot import odoo after the bootstrap: "
            f"remove {Bootstrap().venv} and run the command again."
        )
    if os.environ.get(FORCE_VAR) != "1" and odoo_importable():
        return
    python = Bootstrap().prepare()
    if argv is None:
        argv = [os.path.abspath(sys.argv[0]), *sys.argv[1:]]
    print(f"Running with {python} (Odoo 18 from the bootstrap).", flush=True)
    env = dict(os.environ, **{REEXEC_VAR: "1"})
    env.pop(FORCE_VAR, None)
    sys.stdout.flush()
    os.execve(python, [str(python), *map(str, argv)], env)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--force", action="store_true", help="prepare the venv even when odoo imports"
    )
    args = parser.parse_args()
    if not args.force and odoo_importable():
        print(sys.executable)
        return 0
    print(Bootstrap().prepare())
    return 0


if __name__ == "__main__":
    sys.exit(main())
