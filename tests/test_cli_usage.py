"""The command line with wrong values: exit 2 and one line that says what is wrong (with the closest names),
never a traceback; empty windows said aloud; missing folders made; progress on a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import kzgraph

MEMBERS = "SELECT ?member ?org WHERE { ?member kz:memberOf ?org }"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A build of the small data set (the reference names and one membership)."""
    import shutil

    from kzgraph.store.loading import DATA_DIR

    from .conftest import FIXTURES

    folder = tmp_path_factory.mktemp("data")
    shutil.copy(DATA_DIR / "sources.ttl", folder / "sources.ttl")
    shutil.copytree(DATA_DIR / "reference", folder / "reference")
    (folder / "facts").mkdir()
    shutil.copy(FIXTURES / "csto-1992.ttl", folder / "facts" / "csto-1992.ttl")
    build_dir = tmp_path_factory.mktemp("build")
    result = kzgraph("build", "--data-dir", str(folder), build_dir=build_dir)
    assert result.returncode == 0, result.stderr
    return build_dir


BAD = {
    # verb and arguments: what the one line must say
    "query format": (["query", MEMBERS, "--format", "tabel"], "did you mean 'table'?"),
    "query list format": (["query", "--list", "--format", "yml"], "no list format named 'yml'"),
    "query name": (["query", "lease"], "did you mean 'leases'?"),
    "query parameter": (["query", "memberships-over-time", "-p", "stat=KAZ"], "did you mean 'state'?"),
    "query parameter value": (["query", "memberships-over-time", "-p", "state=Kazakhstan"], "'state'"),
    "query parameter form": (["query", "memberships-over-time", "-p", "state"], "write NAME=VALUE"),
    "query without query": (["query"], "give a query"),
    "validate format": (["validate", "--format", "jsn"], "did you mean 'json'?"),
    "validate engine": (["validate", "--engine", "pyshac"], "did you mean 'pyshacl'?"),
    "build backend": (["build", "--backend", "memry"], "did you mean 'memory'?"),
    "build engine": (["build", "--engine", "sparq"], "did you mean 'sparql'?"),
    "metrics format": (["metrics", "-f", "jsno"], "did you mean 'json'?"),
    "metrics state": (["metrics", "--state", "KZA"], "did you mean 'KAZ'"),
    "metrics month": (["metrics", "--as-of", "2014-13-01"], "there is no month 13"),
    "metrics day": (["metrics", "--as-of", "2014-02-30"], "day is out of range for month"),
    "metrics as-of form": (["metrics", "--as-of", "May 2014"], "expected YYYY, YYYY-MM or YYYY-MM-DD"),
    "metrics window": (["metrics", "--from", "2020", "--to", "2010"], "starts after it ends"),
    "metrics view": (["metrics", "--view", "pold"], "unknown view 'pold'"),
    "metrics basis": (["metrics", "--basis", "tv"], "unknown basis 'tv'"),
    "export format": (["export", "-f", "graphm", "-o", "x.graphml"], "did you mean 'graphml'?"),
    "export projection": (["export", "-f", "gexf", "-p", "cooperatio", "-o", "x.gexf"], "did you mean 'cooperation'?"),
    "export graph": (["export", "-f", "gexf", "--graph", "kgg", "-o", "x.gexf"], "did you mean 'kg'?"),
    "export undated": (["export", "-f", "gexf", "--undated", "omt", "-o", "x.gexf"], "did you mean 'omit'?"),
    "export state": (["export", "-f", "gexf", "--state", "UZBB", "-o", "x.gexf"], "no state 'UZBB'"),
    "export month": (["export", "-f", "gexf", "--as-of", "2014-13-01", "-o", "x.gexf"], "there is no month 13"),
    "export day": (["export", "-f", "gexf", "--as-of", "2014-02-30", "-o", "x.gexf"], "day is out of range"),
    "serve port": (["serve", "--port", "99999"], "a port is a number from 1 to 65535"),
    "push method": (["push", "http://127.0.0.1:9/sparql", "--method", "gps"], "did you mean 'gsp'?"),
    "push auth": (["push", "http://127.0.0.1:9/sparql", "--auth", "digst"], "did you mean 'digest'?"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_value_exits_2_with_one_line_that_says_what_and_no_traceback(built, tmp_path, case):
    args, reason = BAD[case]
    # run in an empty folder, to see that nothing is written; the import path made absolute for it
    path = os.pathsep.join(str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)
    result = subprocess.run([sys.executable, "-m", "kzgraph", *args], capture_output=True, text=True, timeout=300,
                            cwd=tmp_path, env=dict(os.environ, KZGRAPH_BUILD=str(built), COLUMNS="300",
                                                   PYTHONPATH=path))
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert reason in lines[0]
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("args", [["serve", "--port", "abc"], ["metrics", "--from", "1990s"],
                                  ["push", "http://127.0.0.1:9/sparql", "--batch-size", "0"]])
def test_a_value_of_the_wrong_type_exits_2_with_its_reason_on_one_line(built, args):
    result = kzgraph(*args, build_dir=built)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    reasons = [line for line in result.stderr.splitlines() if line.startswith("Error: Invalid value for")]
    assert len(reasons) == 1 and "╭" not in result.stderr and args[-2] in reasons[0]


def test_an_undeclared_prefix_is_named_with_the_prefixes_there_are(built):
    result = kzgraph("query", "SELECT ?x WHERE { ?x nope:p ?y }", build_dir=built)
    assert result.returncode == 1
    assert "prefix 'nope:' is not bound; declare it with PREFIX or use one of: kz, " in result.stderr
    assert all(f" {prefix}," in result.stderr for prefix in ("state", "io", "membership", "transfer"))
    assert "state" in result.stderr and "Expected" not in result.stderr


def test_a_table_without_rows_has_its_header_and_a_whole_footer(built):
    result = kzgraph("query", "SELECT ?thing ?other WHERE { ?thing kz:noSuchProperty ?other }", build_dir=built)
    assert result.returncode == 0
    lines = result.stdout.rstrip("\n").splitlines()
    assert "thing" in lines[1] and "other" in lines[1]
    assert lines[-1] == "0 row(s)" and lines[-2].startswith("└")
    one = kzgraph("query", MEMBERS, build_dir=built).stdout.rstrip("\n").splitlines()
    assert one[-1] == "1 row(s)"


def test_an_empty_window_warns_and_still_writes(built, tmp_path):
    output = tmp_path / "empty.graphml"
    result = kzgraph("export", "-f", "graphml", "--from", "1800", "--to", "1801", "-o", str(output), build_dir=built)
    assert result.returncode == 0 and output.is_file()
    assert "warning: no tie falls in the window (from 1800 to 1801): the file holds an empty network" in result.stderr
    full = kzgraph("export", "-f", "graphml", "-o", str(tmp_path / "full.graphml"), build_dir=built)
    assert full.returncode == 0 and "warning" not in full.stderr
    metrics = kzgraph("metrics", "--from", "1800", "--to", "1801", "-f", "csv", build_dir=built)
    assert metrics.returncode == 0 and "1800" in metrics.stdout
    assert "warning: no fact of KAZ falls in the window (from 1800 to 1801): every row is empty" in metrics.stderr


def test_missing_folders_are_made_for_exports_as_for_charts(built, real_build, tmp_path):
    output = tmp_path / "new" / "deeper" / "network.gexf"
    result = kzgraph("export", "-f", "gexf", "-o", str(output), build_dir=built)
    assert result.returncode == 0, result.stderr
    assert output.is_file() and output.stat().st_size > 0
    charts = tmp_path / "also" / "new"
    drawn = kzgraph("metrics", "--from", "2010", "--to", "2011", "--chart", str(charts),
                    build_dir=real_build.folder.parent)
    assert drawn.returncode == 0, drawn.stderr
    assert any(charts.glob("*.svg"))
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    refused = kzgraph("export", "-f", "gexf", "-o", str(blocked / "x.gexf"), build_dir=built)
    assert refused.returncode == 2 and "cannot make the folder" in refused.stderr
    assert "Traceback" not in refused.stderr


def _on_a_terminal(args: list[str], build_dir: Path) -> tuple[int, str]:
    """Run the command line with its stderr on a pseudo-terminal; its exit code and what the terminal got."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "kzgraph", *args], stdout=subprocess.DEVNULL,
                               stderr=follower, stdin=subprocess.DEVNULL,
                               env=dict(os.environ, KZGRAPH_BUILD=str(build_dir), TERM="xterm", COLUMNS="120"))
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    return process.wait(timeout=300), seen.decode("utf-8", "replace")


def test_validation_shows_progress_on_a_terminal_and_not_in_a_pipe(built):
    code, terminal = _on_a_terminal(["validate", "--format", "json"], built)
    assert code in (0, 1)
    assert "validating with SHACL (sparql engine)" in terminal
    piped = kzgraph("validate", "--format", "json", build_dir=built)
    assert "validating" not in piped.stderr


def test_the_build_shows_progress_on_a_terminal(built, tmp_path):
    from kzgraph.store.loading import DATA_DIR

    code, terminal = _on_a_terminal(["build", "--data-dir", str(DATA_DIR), "--no-provenance"], tmp_path / "b")
    assert code == 0 and "building (loading, deriving, validating, publishing)" in terminal


def test_export_and_metrics_show_progress_on_a_terminal(built, tmp_path):
    code, terminal = _on_a_terminal(["export", "-f", "gexf", "-o", str(tmp_path / "x.gexf")], built)
    assert code == 0 and "exporting to" in terminal
    code, terminal = _on_a_terminal(["metrics", "--from", "1992", "--to", "1993"], built)
    assert code == 0 and "computing the metrics" in terminal


@pytest.mark.parametrize("args, env, code, reason", [
    (["settings"], {"KZGRAPH_PORT": "abc"}, 2, "KZGRAPH_PORT: 'abc' is not a valid value (int expected)"),
    (["query", MEMBERS], {"KZGRAPH_TIMEOUT": "-1"}, 2, "KZGRAPH_TIMEOUT: '-1' is below the smallest value"),
    (["import", "sipri", "no-such-register.csv"], {}, 3, "no such file: no-such-register.csv"),
])
def test_bad_settings_and_missing_files_get_one_line_and_no_traceback(built, args, env, code, reason):
    result = kzgraph(*args, build_dir=built, **env)
    assert result.returncode == code and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and reason in lines[0]
