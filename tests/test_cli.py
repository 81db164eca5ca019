"""The command line as scripts use it: real processes, real files, exit codes they can rely on."""

from __future__ import annotations

import csv
import io
import json

import pytest

from .helpers import kzgraph

MEMBERS_QUERY = "PREFIX kz: <https://w3id.org/kzgraph/ontology#> SELECT ?member ?org WHERE { ?member kz:memberOf ?org }"


@pytest.fixture
def built(small_data, tmp_path):
    build_dir = tmp_path / "build"
    result = kzgraph("build", "--data-dir", str(small_data), build_dir=build_dir)
    assert result.returncode == 0, result.stderr
    return build_dir


def test_build_reports_triples_and_dump(small_data, tmp_path):
    result = kzgraph("build", "--data-dir", str(small_data), build_dir=tmp_path / "b")
    assert result.returncode == 0
    assert "built" in result.stdout and "kzgraph.nq" in result.stdout


def test_query_answers_as_table_csv_and_json(built):
    table = kzgraph("query", MEMBERS_QUERY, build_dir=built)
    assert table.returncode == 0 and "state/KAZ" in table.stdout and "1 row(s)" in table.stdout
    rows = list(csv.DictReader(io.StringIO(kzgraph("query", MEMBERS_QUERY, "--format", "csv", build_dir=built).stdout)))
    assert rows == [{"member": "https://w3id.org/kzgraph/id/state/KAZ", "org": "https://w3id.org/kzgraph/id/org/CSTO"}]
    answer = json.loads(kzgraph("query", MEMBERS_QUERY, "--format", "json", build_dir=built).stdout)
    assert answer["head"]["vars"] == ["member", "org"]
    assert answer["results"]["bindings"][0]["org"]["value"] == "https://w3id.org/kzgraph/id/org/CSTO"


def test_query_reads_a_query_file(built, tmp_path):
    path = tmp_path / "members.rq"
    path.write_text(MEMBERS_QUERY)
    result = kzgraph("query", str(path), "--format", "csv", build_dir=built)
    assert result.returncode == 0 and "state/KAZ" in result.stdout


def test_a_malformed_query_exits_1_with_the_parser_position(built):
    result = kzgraph("query", "SELECT ?x WHERE { ?x", build_dir=built)
    assert result.returncode == 1
    assert "syntax error" in result.stderr and "line 1, column 19" in result.stderr


def test_an_unknown_query_name_exits_2_naming_the_closest_names(built):
    result = kzgraph("query", "lease", build_dir=built)
    assert result.returncode == 2 and "no query named 'lease'; did you mean 'leases'?" in result.stderr
    assert kzgraph("query", "no-such-query", build_dir=built).returncode == 2


def test_a_missing_query_file_exits_1(built):
    result = kzgraph("query", "missing.rq", build_dir=built)
    assert result.returncode == 1 and "missing.rq not found" in result.stderr


def test_query_without_a_build_exits_3(tmp_path):
    result = kzgraph("query", MEMBERS_QUERY, build_dir=tmp_path / "nothing")
    assert result.returncode == 3 and "kzgraph build" in result.stderr


def test_a_corrupt_data_file_fails_the_build_with_file_and_line(small_data, built):
    bad = small_data / "facts" / "bad.ttl"
    bad.write_text("@prefix kz: <https://w3id.org/kzgraph/ontology#> .\nkz:a kz:b .\n")
    result = kzgraph("build", "--data-dir", str(small_data), build_dir=built)
    assert result.returncode == 1
    assert f"{bad}:2" in result.stderr.replace("\n", "")
    assert (built / "current" / "kzgraph.nq").exists()


def test_validate_exits_1_on_a_violation_and_0_when_clean(small_data, tmp_path):
    clean = kzgraph("validate", str(small_data / "facts" / "csto-1992.ttl"), build_dir=tmp_path)
    assert clean.returncode == 0, clean.stdout
    bad = tmp_path / "uncited.ttl"
    bad.write_text("<https://w3id.org/kzgraph/id/exercise/x> a "
                   "<https://w3id.org/kzgraph/ontology#MilitaryExercise> .\n")
    result = kzgraph("validate", str(bad), "--format", "json", build_dir=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    assert report["results"][0]["focus"] == "https://w3id.org/kzgraph/id/exercise/x"


def test_every_verb_has_help(tmp_path):
    for verb in ["build", "validate", "query", "serve", "metrics", "export", "push", "settings"]:
        result = kzgraph(verb, "--help", build_dir=tmp_path)
        assert result.returncode == 0 and "Usage" in result.stdout, verb
