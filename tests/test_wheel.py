"""A wheel built from the repository and installed, not editable, into a fresh virtual environment builds,
validates and serves the graph it carries, from any folder, and writes nothing into site-packages."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .helpers import free_port

ROOT = Path(__file__).resolve().parents[1]
SOURCES = Path(os.environ.get("KZGRAPH_SOURCES", ROOT.parent / "shared" / "seeds"))

pytestmark = pytest.mark.xdist_group("wheel")


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtual environment with the kzgraph wheel installed (its dependencies are those of this
    environment, made visible by a path file, so that nothing is downloaded)."""
    folder = tmp_path_factory.mktemp("wheel")
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", folder / "dist", ROOT)
    assert built.returncode == 0, built.stderr
    [wheel] = (folder / "dist").glob("kzgraph-*.whl")
    venv = folder / "venv"
    assert run(sys.executable, "-m", "venv", venv).returncode == 0
    python = venv / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    Path(purelib, "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    installed = run(python, "-m", "pip", "install", "--no-deps", "--no-index", wheel)
    assert installed.returncode == 0, installed.stderr
    return venv, Path(purelib)


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory):
    """An empty working folder and an environment that points kzgraph at nothing of the checkout."""
    cwd = tmp_path_factory.mktemp("elsewhere")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZGRAPH_")}
    env.update(KZGRAPH_SOURCES=str(SOURCES), XDG_CACHE_HOME=str(cwd / "cache"), PYTHONPATH="")
    return cwd, env


def test_the_installed_package_is_not_the_checkout(installed, elsewhere):
    venv, purelib = installed
    cwd, env = elsewhere
    where = run(venv / "bin" / "python", "-c", "import kzgraph, kzgraph.project as p; print(kzgraph.__file__);"
                "print(p.Project.locate().root)", cwd=cwd, env=env)
    module, project = where.stdout.split()
    assert Path(module).is_relative_to(purelib) and Path(project) == purelib / "kzgraph" / "_project"


def test_the_wheel_builds_validates_and_serves_the_packaged_graph(installed, elsewhere):
    venv, purelib = installed
    cwd, env = elsewhere
    kzgraph = venv / "bin" / "kzgraph"
    before = sorted(p.relative_to(purelib) for p in purelib.rglob("*") if "__pycache__" not in p.parts)
    built = run(kzgraph, "build", cwd=cwd, env=env)
    assert built.returncode == 0, built.stderr
    assert str(cwd / "cache" / "kzgraph" / "build" / "current" / "kzgraph.nq") in built.stdout
    after = sorted(p.relative_to(purelib) for p in purelib.rglob("*") if "__pycache__" not in p.parts)
    assert after == before  # nothing written into site-packages
    assert run(kzgraph, "validate", cwd=cwd, env=env).returncode == 0
    port = free_port()
    server = subprocess.Popen([str(kzgraph), "serve", "--port", str(port), "--workers", "1"], cwd=cwd, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        answer = None
        for _ in range(300):
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/sparql",
                                   params={"query": "ASK { state:KAZ kz:memberOf io:CSTO }"},
                                   headers={"Accept": "application/sparql-results+json"})
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read()
                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200 and answer.json()["boolean"] is True
        editor = httpx.get(f"http://127.0.0.1:{port}/static/yasgui/yasgui.min.js")
        assert editor.status_code == 200 and len(editor.content) > 100_000, "the query editor ships in the wheel"
    finally:
        server.terminate()
        server.wait(10)
