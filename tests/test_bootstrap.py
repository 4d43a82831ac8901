"""Setup from nothing (setup/bootstrap.py): source kinds, reuse, failures, and
one real bootstrap into a temporary venv from a Python that cannot import odoo.
"""

import http.server
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "setup"))
import bootstrap

LOCAL_ODOO = Path(os.environ.get("ODOO_TEST_SOURCE", "/opt/odoo18"))


def fake_source(path, major=18, requirements="pytz\n", top=None):
    """A minimal Odoo source tree: odoo/release.py (+ requirements.txt)."""
    root = path / top if top else path
    (root / "odoo").mkdir(parents=True)
    (root / "odoo" / "__init__.py").write_text(
        "MIN_PY_VERSION = (3, 10)\nMAX_PY_VERSION = (3, 12)\n"
    )
    (root / "odoo" / "release.py").write_text(
        f"version_info = ({major}, 0, 0, 'final', 0, '')\n"
    )
    if requirements is not None:
        (root / "requirements.txt").write_text(requirements)
    return root


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """Files of a folder served over HTTP on loopback; counts the requests."""

    def __init__(self, folder):
        hits = self.hits = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(folder), **kwargs)

            def log_message(self, *args):
                hits.append(self.path)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def one_sentence(message):
    """The failures promise one sentence saying what to do."""
    text = str(message)
    assert text.endswith("."), text
    assert "\n" not in text, text
    # A sentence-ending period followed by a capital would start a second one.
    assert not any(
        text[i] == "." and text[i + 1] == " " and text[i + 2].isupper()
        for i in range(len(text) - 2)
    ), text
    return text


# -- source kinds ---------------------------------------------------------------


def test_source_kind_tells_url_directory_and_archives(tmp_path):
    fake_source(tmp_path / "src")
    tgz = tmp_path / "odoo.tar.gz"
    with tarfile.open(tgz, "w:gz") as tarred:
        tarred.add(tmp_path / "src", arcname="odoo-18.0")
    zipped = tmp_path / "odoo.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("odoo-18.0/odoo/release.py", "version_info = (18, 0)\n")
    assert bootstrap.source_kind("https://example.invalid/odoo.tar.gz") == "url"
    assert bootstrap.source_kind("HTTP://example.invalid/x.zip") == "url"
    assert bootstrap.source_kind(str(tmp_path / "src")) == "directory"
    assert bootstrap.source_kind(str(tgz)) == "archive"
    assert bootstrap.source_kind(str(zipped)) == "archive"


def test_source_kind_refuses_missing_and_non_archives(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(bootstrap.BootstrapError) as caught:
        bootstrap.source_kind(str(missing))
    assert f"ODOO_SOURCE={missing} does not exist" in one_sentence(caught.value)
    # Named like an archive but not one: refused, not unpacked into garbage.
    fake = tmp_path / "odoo.tar.gz"
    fake.write_text("not an archive")
    with pytest.raises(bootstrap.BootstrapError) as caught:
        bootstrap.source_kind(str(fake))
    assert "neither an Odoo source directory nor" in one_sentence(caught.value)


def test_odoo_root_is_the_folder_or_the_archives_top_folder(tmp_path):
    direct = fake_source(tmp_path / "direct")
    assert bootstrap.odoo_root(direct) == direct
    nested = fake_source(tmp_path / "unpacked", top="odoo-18.0.post20250101")
    assert bootstrap.odoo_root(tmp_path / "unpacked") == nested
    (tmp_path / "empty").mkdir()
    with pytest.raises(bootstrap.BootstrapError) as caught:
        bootstrap.odoo_root(tmp_path / "empty")
    assert "holds no Odoo source (no odoo/release.py)" in one_sentence(caught.value)


def test_another_odoo_version_is_refused(tmp_path):
    fake_source(tmp_path / "v17", major=17)
    with pytest.raises(bootstrap.BootstrapError) as caught:
        bootstrap.resolve_source(str(tmp_path / "v17"), tmp_path / "run")
    assert "is Odoo 17, not 18" in one_sentence(caught.value)


def test_archive_is_unpacked_once_under_the_run_dir(tmp_path):
    fake_source(tmp_path / "src", top="odoo-18.0")
    tgz = tmp_path / "odoo.tgz"
    with tarfile.open(tgz, "w:gz") as tarred:
        tarred.add(tmp_path / "src" / "odoo-18.0", arcname="odoo-18.0")
    run = tmp_path / "run"
    root = bootstrap.resolve_source(str(tgz), run)
    assert root.is_relative_to(run / "odoo-src")
    assert (root / "odoo" / "release.py").is_file()
    marker = root / "unpacked-once"
    marker.write_text("")
    # Same archive again: the unpacked tree is reused, not unpacked anew.
    assert bootstrap.resolve_source(str(tgz), run) == root and marker.exists()


def test_source_without_requirements_needs_odoo_requirements(tmp_path):
    root = fake_source(tmp_path / "bare", requirements=None)
    with pytest.raises(bootstrap.BootstrapError) as caught:
        bootstrap.odoo_requirements(root)
    assert "set ODOO_REQUIREMENTS" in one_sentence(caught.value)
    given = tmp_path / "reqs.txt"
    given.write_text("pytz\n")
    assert bootstrap.odoo_requirements(root, str(given)) == given
    with pytest.raises(bootstrap.BootstrapError) as caught:
        bootstrap.odoo_requirements(root, str(tmp_path / "absent.txt"))
    assert "ODOO_REQUIREMENTS=" in one_sentence(caught.value)
    # The source's own file wins over the override.
    own = fake_source(tmp_path / "full")
    assert bootstrap.odoo_requirements(own, str(given)) == own / "requirements.txt"


# -- Python versions ------------------------------------------------------------


@pytest.mark.parametrize("version", [(3, 9), (3, 13), (2, 7)])
def test_unsupported_python_stops_with_one_sentence(version):
    with pytest.raises(bootstrap.BootstrapError) as caught:
        bootstrap.check_python(version)
    text = one_sentence(caught.value)
    assert f"Python {version[0]}.{version[1]} cannot run Odoo 18" in text
    assert "3.10 to 3.12" in text and "PYTHON=" in text


@pytest.mark.parametrize("version", [(3, 10), (3, 11), (3, 12)])
def test_supported_python_passes(version):
    bootstrap.check_python(version)


@pytest.mark.skipif(not LOCAL_ODOO.is_dir(), reason="no local Odoo 18 source")
def test_python_range_is_read_from_odoo_itself():
    # Odoo 18's odoo/__init__.py declares MIN_PY_VERSION (3, 10) and
    # MAX_PY_VERSION (3, 12): the bootstrap's range must be that one.
    assert bootstrap.odoo_python_bounds(LOCAL_ODOO) == ((3, 10), (3, 12))
    assert bootstrap.odoo_major(LOCAL_ODOO) == 18


# -- downloads ------------------------------------------------------------------


def test_unreachable_url_stops_with_one_sentence(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/odoo_18.0.latest.tar.gz"
    with pytest.raises(bootstrap.BootstrapError) as caught:
        bootstrap.resolve_source(url, tmp_path)
    text = one_sentence(caught.value)
    assert text.startswith(f"Could not download Odoo 18.0 from {url}")
    assert "set ODOO_SOURCE to a local Odoo 18.0 checkout" in text
    # No half-downloaded file is left to be mistaken for the archive later.
    assert not list((tmp_path / "odoo-download").iterdir())


def test_missing_file_on_the_server_stops_with_one_sentence(tmp_path):
    served = Served(tmp_path)
    try:
        with pytest.raises(bootstrap.BootstrapError) as caught:
            bootstrap.download(f"{served.url}/absent.tar.gz", tmp_path / "dl")
    finally:
        served.close()
    assert "(HTTP 404 " in one_sentence(caught.value)


def test_url_is_downloaded_once(tmp_path):
    fake_source(tmp_path / "src", top="odoo-18.0")
    (tmp_path / "www").mkdir()
    with tarfile.open(tmp_path / "www" / "odoo.tar.gz", "w:gz") as tarred:
        tarred.add(tmp_path / "src" / "odoo-18.0", arcname="odoo-18.0")
    served = Served(tmp_path / "www")
    try:
        url = f"{served.url}/odoo.tar.gz"
        root = bootstrap.resolve_source(url, tmp_path / "run")
        again = bootstrap.resolve_source(url, tmp_path / "run")
    finally:
        served.close()
    assert root == again and bootstrap.odoo_major(root) == 18
    assert served.hits == ["/odoo.tar.gz"], served.hits


# -- Odoo's requirements as installed -------------------------------------------

ODOO_LIKE = """\
psycopg2==2.9.5 ; python_version == '3.11'
python-ldap==3.4.0 ; sys_platform != 'win32' and python_version < '3.12'
Werkzeug==2.3.8 ; python_version > '3.10' and python_version < '3.12'  # CVE
"""


def test_requirements_keep_markers_drop_ldap_and_need_no_pg_headers():
    with_headers = bootstrap.applied_requirements(ODOO_LIKE, have_pg_config=True)
    lines = with_headers.splitlines()
    assert lines[0] == "psycopg2==2.9.5 ; python_version == '3.11'"
    assert lines[1].startswith("# left out by setup/bootstrap.py: python-ldap")
    assert lines[2] == ODOO_LIKE.splitlines()[2]  # markers and comment intact
    without = bootstrap.applied_requirements(ODOO_LIKE, have_pg_config=False)
    assert without.splitlines()[0] == (
        "psycopg2-binary==2.9.5 ; python_version == '3.11'"
    )
    assert without.splitlines()[1:] == lines[1:]


def test_project_requirements_split_addons_for_no_deps():
    regular, addons = bootstrap.project_requirements(ROOT)
    names = {f.name for f in regular}
    assert {"requirements.txt", "requirements-test.txt"} <= names
    assert [f.name for f in addons] == ["requirements-odoo-addons.txt"]


# -- reuse and updates ----------------------------------------------------------


class Recorder(bootstrap.Bootstrap):
    """A Bootstrap whose side effects (venv, .pth, pip) are only recorded."""

    def _create_venv(self):
        self.log.append("venv")
        shutil.rmtree(self.venv, ignore_errors=True)
        (self.venv / "bin").mkdir(parents=True)
        bootstrap.venv_python(self.venv).symlink_to(sys.executable)
        (self.venv / "pyvenv.cfg").write_text(
            "version = %d.%d.%d\n" % sys.version_info[:3]
        )

    def _link_odoo(self, odoo):
        self.log.append(f"odoo:{odoo}")

    def _pip(self, what, *args):
        self.log.append(f"pip:{what}:{' '.join(map(str, args))}")


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "requirements.txt").write_text("httpx\n")
    (tmp_path / "repo" / "requirements-odoo-addons.txt").write_text("odoo-addon-x\n")
    monkeypatch.setattr(bootstrap, "odoo_major_in", lambda python: 18)
    return tmp_path


def make(project, source, **kw):
    return Recorder(
        root=project / "repo",
        venv=project / "venv",
        run_dir=project / "run",
        source=str(source),
        **kw,
    )


def test_first_run_installs_then_later_runs_reuse(project):
    src = fake_source(project / "src")
    first = make(project, src)
    first.prepare()
    assert first.log[0] == "venv" and first.log[1] == f"odoo:{src.resolve()}"
    pips = [step.split(":")[1] for step in first.log if step.startswith("pip:")]
    assert pips == [
        "Odoo's requirements",
        "requirements.txt",
        "requirements-odoo-addons.txt",
    ]
    addons_step = next(s for s in first.log if "odoo-addons" in s)
    assert "--no-deps" in addons_step
    marker = json.loads((project / "venv" / bootstrap.MARKER).read_text())
    assert marker["source"] == str(src)
    again = make(project, src)
    again.prepare()
    assert again.log == ["reused"]


def test_changed_source_or_requirements_update_the_venv(project):
    src = fake_source(project / "src")
    make(project, src).prepare()
    other = fake_source(project / "other")
    moved = make(project, other)
    moved.prepare()
    # Same Python: the venv is kept, Odoo relinked and requirements installed.
    assert "venv" not in moved.log and f"odoo:{other.resolve()}" in moved.log
    assert any(s.startswith("pip:Odoo's requirements") for s in moved.log)
    (project / "repo" / "requirements.txt").write_text("httpx\njsonschema\n")
    bumped = make(project, other)
    bumped.prepare()
    assert "reused" not in bumped.log and any("pip:" in s for s in bumped.log)
    (other / "requirements.txt").write_text("pytz\nbabel\n")
    odoo_bumped = make(project, other)
    odoo_bumped.prepare()
    assert any(s.startswith("pip:Odoo's requirements") for s in odoo_bumped.log)


def test_another_python_recreates_the_venv(project):
    src = fake_source(project / "src")
    make(project, src).prepare()
    path = project / "venv" / bootstrap.MARKER
    marker = json.loads(path.read_text())
    marker["python"] = "3.10"
    path.write_text(json.dumps(marker))
    again = make(project, src)
    again.prepare()
    assert again.log[0] == "venv"


def test_interrupted_install_is_not_taken_for_a_done_one(project):
    src = fake_source(project / "src")

    class Failing(Recorder):
        def _pip(self, what, *args):
            raise bootstrap.BootstrapError("pip could not install x.")

    with pytest.raises(bootstrap.BootstrapError):
        Failing(
            root=project / "repo",
            venv=project / "venv",
            run_dir=project / "run",
            source=str(src),
        ).prepare()
    assert not (project / "venv" / bootstrap.MARKER).exists()
    retry = make(project, src)
    retry.prepare()
    # Installed again into the same venv (its pyvenv.cfg names this Python).
    assert "reused" not in retry.log and "venv" not in retry.log
    assert any("pip:" in s for s in retry.log)


def test_odoo_namespace_of_pypi_addons_is_not_odoo(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True
    )
    python = bootstrap.venv_python(venv)
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # What `pip install --no-deps odoo-addon-x` leaves: odoo/addons/x only.
    (Path(site) / "odoo" / "addons" / "x").mkdir(parents=True)
    (Path(site) / "odoo" / "addons" / "x" / "__init__.py").write_text("")
    assert not bootstrap.odoo_importable(python)
    src = fake_source(tmp_path / "src")
    (Path(site) / bootstrap.PTH).write_text(f"{src}\n")
    assert bootstrap.odoo_importable(python)


def test_reexecuted_command_without_odoo_stops_instead_of_looping(monkeypatch):
    monkeypatch.setenv(bootstrap.REEXEC_VAR, "1")
    monkeypatch.setattr(bootstrap, "odoo_importable", lambda python=None: False)
    monkeypatch.setattr(
        os, "execve", lambda *a: pytest.fail("re-executed a second time")
    )
    with pytest.raises(bootstrap.BootstrapError) as caught:
        bootstrap.ensure_odoo()
    assert "still cannot import odoo after the bootstrap" in one_sentence(caught.value)


# -- the real thing -------------------------------------------------------------


def requirements_for(python):
    """Pins of the distributions ``import odoo`` loads in ``python`` (where
    the local Odoo imports), each with a marker for this Python, plus one
    line for another Python that pip must ignore: a requirements file shaped
    like Odoo's, for a local source without its own."""
    program = (
        "import sys, importlib.metadata as md\n"
        "before = {m.split('.')[0] for m in sys.modules}\n"
        "import odoo\n"
        "loaded = {m.split('.')[0] for m in sys.modules} - before\n"
        "dists = md.packages_distributions()\n"
        "names = {d for m in loaded for d in dists.get(m, [])}\n"
        "for name in sorted(names):\n"
        "    if not name.startswith('odoo-addon'):\n"
        "        print(f'{name}=={md.version(name)}')\n"
    )
    probe = subprocess.run(
        [python, "-c", program], capture_output=True, text=True, cwd="/", check=True
    )
    here = "%d.%d" % sys.version_info[:2]
    lines = [f'{pin} ; python_version == "{here}"' for pin in probe.stdout.split()]
    lines.append('Werkzeug==0.0.0 ; python_version < "3.0"  # never installable')
    return "\n".join(lines) + "\n"


def core_archive(folder, requirements):
    """A tar.gz of a copy of the local Odoo's core (its addons left out but
    ``odoo/addons/__init__.py``: ``import odoo`` needs none) laid out as
    Odoo's source archives are, in a top folder."""
    top = folder / "copy" / "odoo-18.0.test"
    shutil.copytree(
        LOCAL_ODOO / "odoo",
        top / "odoo",
        ignore=lambda d, names: (
            [n for n in names if n != "__init__.py"]
            if Path(d) == LOCAL_ODOO / "odoo" / "addons"
            else [n for n in names if n == "__pycache__"]
        ),
    )
    (top / "requirements.txt").write_text(requirements)
    (folder / "www").mkdir()
    archive = folder / "www" / "odoo_18.0.test.tar.gz"
    with tarfile.open(archive, "w:gz") as tarred:
        tarred.add(top, arcname=top.name)
    return archive


def run(python, *args, env, check=True):
    done = subprocess.run(
        [str(python), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    if check and done.returncode != 0:
        pytest.fail(f"{args} failed:\n{done.stdout}\n{done.stderr}")
    return done


# The OCA addon is only located (importing it needs Odoo's auth_signup addon,
# which the core-only archive leaves out).
IMPORT_ODOO = (
    "import importlib.util, odoo, odoo.release as r; "
    "print(r.version_info[0]); print(odoo.__file__); "
    "print(importlib.util.find_spec('odoo.addons.password_security').origin)"
)


@pytest.mark.slow
@pytest.mark.skipif(not LOCAL_ODOO.is_dir(), reason="no local Odoo 18 source")
def test_bootstrap_from_nothing(tmp_path):
    """From a Python that cannot import odoo: a venv with Odoo 18 from a
    downloaded archive, then from the local directory, reused after, and
    the test command re-run inside it. Minutes (pip); pip's cache is kept."""
    outer = tmp_path / "outer"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(outer)], check=True
    )
    outer_python = outer / "bin" / "python"
    venv = tmp_path / "venv"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ODOO_", "AMAZON_", "PYTHON"))
    }
    env.update(AMAZON_VENV=str(venv), AMAZON_BOOTSTRAP_RUN_DIR=str(tmp_path / "run"))
    before = run(outer_python, "-c", "import odoo", env=env, check=False)
    assert before.returncode != 0 and "No module named 'odoo'" in before.stderr

    requirements = requirements_for(sys.executable)
    archive = core_archive(tmp_path, requirements)
    served = Served(archive.parent)
    try:
        env["ODOO_SOURCE"] = f"{served.url}/{archive.name}"
        first = run(outer_python, "setup/bootstrap.py", env=env)
    finally:
        served.close()
    python = venv / "bin" / "python"
    assert first.stdout.strip().splitlines()[-1] == str(python)
    assert "Creating" in first.stdout and served.hits == [f"/{archive.name}"]
    major, odoo_file, addon_file = run(
        python, "-c", IMPORT_ODOO, env=env
    ).stdout.split()
    assert major == "18"
    # Odoo from the unpacked archive, the OCA addon from the venv's site-packages.
    assert Path(odoo_file).is_relative_to(tmp_path / "run" / "odoo-src")
    assert Path(addon_file).is_relative_to(venv)

    # The local directory instead: same venv, Odoo relinked.
    env["ODOO_SOURCE"] = str(LOCAL_ODOO)
    env["ODOO_REQUIREMENTS"] = str(tmp_path / "requirements.txt")
    Path(env["ODOO_REQUIREMENTS"]).write_text(requirements)
    second = run(outer_python, "setup/bootstrap.py", env=env)
    assert "Creating" not in second.stdout and "Installing" in second.stdout
    major, odoo_file, _ = run(python, "-c", IMPORT_ODOO, env=env).stdout.split()
    assert major == "18"
    assert odoo_file == str(LOCAL_ODOO.resolve() / "odoo" / "__init__.py")

    # Unchanged: reused, nothing installed.
    third = run(outer_python, "setup/bootstrap.py", env=env)
    assert "Installing" not in third.stdout and "Creating" not in third.stdout

    # The test command from the Python without odoo re-runs itself inside.
    tests = run(
        outer_python,
        "setup/run_tests.py",
        "--no-install",
        "--no-lint",
        "--no-odoo",
        "-k",
        "test_result_line_is_parsed",
        env=env,
    )
    assert f"Running with {python}" in tests.stdout
    assert f"$ {python} -m pytest" in tests.stdout
    assert tests.stdout.strip().splitlines()[-1] == "1 passed, 0 failed"

    # Odoo is seen only through what the bootstrap installed: without its
    # .pth the venv cannot import odoo.
    site = run(
        python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", env=env
    ).stdout.strip()
    (Path(site) / bootstrap.PTH).unlink()
    after = run(python, "-c", "import odoo.release", env=env, check=False)
    assert after.returncode != 0 and "No module named 'odoo." in after.stderr
    assert not bootstrap.odoo_importable(python)


def test_default_source_is_odoos_official_18_archive():
    assert bootstrap.DEFAULT_SOURCE.startswith("https://nightly.odoo.com/18.0/")
    assert bootstrap.source_kind(bootstrap.DEFAULT_SOURCE) == "url"


def test_tarball_members_cannot_escape(tmp_path):
    # An archive whose member climbs out of the unpack folder is refused.
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tarred:
        data = b"x"
        info = tarfile.TarInfo("../escaped.txt")
        info.size = len(data)
        tarred.addfile(info, io.BytesIO(data))
    with pytest.raises(bootstrap.BootstrapError):
        bootstrap.unpack(archive, tmp_path / "run")
    assert not (tmp_path / "escaped.txt").exists()


# -- PostgreSQL from PyPI -------------------------------------------------------


@pytest.fixture
def shared_dir():
    """A folder the "postgres" user can reach: PostgreSQL refuses to run as
    root and runs as that user then (pytest's own folders are root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="amazon-pgtest-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_postgres_from_pypi_when_forced(shared_dir, monkeypatch):
    """Debian's server is installed here: AMAZON_PG_SERVER=pypi forces the
    path a machine without it takes. A private cluster of the PyPI wheel's
    PostgreSQL 18 is created under the run folder, answers, and is reused."""
    import odoo_env

    base = shared_dir
    monkeypatch.setattr(odoo_env, "RUN_DIR", base)
    monkeypatch.setenv("PGHOST", str(base / "no-server-here"))
    monkeypatch.setenv(odoo_env.SERVER_VAR, "pypi")
    db = odoo_env.ensure_postgres()
    try:
        assert db.started_dir == base / "postgres" / "data"
        assert db.started_bindir.is_relative_to(base / "postgres" / "server")
        conn = db.connect()
        with conn.cursor() as cr:
            cr.execute("SHOW server_version")
            version = cr.fetchone()[0]
        conn.close()
        assert version.startswith("18."), version  # the wheel's, not Debian's 15
        again = odoo_env.ensure_postgres()
        assert again.started_dir is None  # already running: reused, not started
    finally:
        odoo_env.stop_postgres(db)
    assert not (base / "postgres" / "data" / "postmaster.pid").exists()


def test_without_any_postgres_debian_mode_says_what_to_do(monkeypatch, tmp_path):
    import odoo_env

    monkeypatch.setenv("PGHOST", str(tmp_path / "no-server-here"))
    monkeypatch.setenv(odoo_env.SERVER_VAR, "debian")
    monkeypatch.setattr(odoo_env, "_postgres_bindir", lambda: None)
    monkeypatch.setattr(
        odoo_env, "pypi_postgres", lambda base: pytest.fail("fell back to PyPI")
    )
    with pytest.raises(SystemExit) as caught:
        odoo_env.ensure_postgres()
    assert "apt-get install postgresql" in one_sentence(caught.value)
