"""The build: loads, derives, validates, publishes atomically, and keeps the last good build on failure."""

from __future__ import annotations

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from kzgraph.build.pipeline import DUMP_NAME, STORE_NAME, BuildError, build, open_build, union_graph
from kzgraph.namespaces import KZ
from kzgraph.store.loading import DATA_DIR, ParseError

KAZ = URIRef("https://w3id.org/kzgraph/id/state/KAZ")
CSTO = URIRef("https://w3id.org/kzgraph/id/org/CSTO")


def test_a_build_publishes_dump_void_and_coverage(small_data, tmp_path):
    result = build(out=tmp_path / "build", data_dir=small_data, coverage_copy=small_data / "COVERAGE.md")
    folder = tmp_path / "build" / "current"
    assert {p.name for p in folder.iterdir()} == {"kzgraph.nq", "store", "void.ttl", "coverage.md"}
    void = Graph().parse(folder / "void.ttl")
    triples = void.value(URIRef("https://w3id.org/kzgraph/dataset"), URIRef("http://rdfs.org/ns/void#triples"))
    assert int(triples) == result.triples
    assert "kz:Membership | 1" in (folder / "coverage.md").read_text()
    assert (small_data / "COVERAGE.md").read_text() == (folder / "coverage.md").read_text()


def test_the_dump_round_trips_to_the_same_graph(small_data, tmp_path):
    build(out=tmp_path / "build", data_dir=small_data)
    reloaded = Dataset()
    reloaded.parse(tmp_path / "build" / "current" / DUMP_NAME, format="nquads")
    from_store = union_graph(open_build(out=tmp_path / "build"))
    from_file = Graph()
    for s, p, o, _ in reloaded.quads((None, None, None, None)):
        from_file.add((s, p, o))
    assert len(from_file) == len(from_store)
    assert isomorphic(from_file, from_store)


def test_the_build_store_holds_the_dump_and_is_read_by_several_processes_at_once(small_data, tmp_path):
    build(out=tmp_path / "build", data_dir=small_data)
    first, second = open_build(out=tmp_path / "build"), open_build(out=tmp_path / "build")
    assert first.read_only and first.location == str(tmp_path / "build" / "current" / STORE_NAME)
    assert isomorphic(union_graph(first), union_graph(open_build("oxigraph", out=tmp_path / "build")))
    assert sorted(g.identifier for g in second.dataset.graphs()) == sorted(
        g.identifier for g in open_build("oxigraph", out=tmp_path / "build").dataset.graphs())


def test_the_build_store_is_served_from_a_checkpoint_that_outlives_the_next_build(small_data, tmp_path):
    from kzgraph.service.guarded import GuardedStore

    build(out=tmp_path / "build", data_dir=small_data)
    with GuardedStore(open_build(out=tmp_path / "build")) as service:
        before = [tuple(row) for row in service.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")]
        build(out=tmp_path / "build", data_dir=small_data)
        assert [tuple(row) for row in service.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")] == before


def test_a_writable_store_of_the_build_is_its_dump_in_memory(small_data, tmp_path):
    build(out=tmp_path / "build", data_dir=small_data)
    kg = open_build(out=tmp_path / "build", writable=True)
    assert (kg.location, kg.read_only) == (None, False)


def test_writes_to_the_read_only_build_store_are_refused_and_say_how_to_write(small_data, tmp_path):
    from kzgraph.errors import NotServable
    from kzgraph.service.guarded import GuardedStore

    build(out=tmp_path / "build", data_dir=small_data)
    with GuardedStore(open_build(out=tmp_path / "build")) as service, \
            pytest.raises(NotServable, match=r"read-only.*--update-token"):
        service.update("INSERT DATA { GRAPH <http://example.org/g> { <http://a> <http://b> 1 } }")


def test_shortcuts_are_derived_from_memberships(small_data, tmp_path):
    build(out=tmp_path / "build", data_dir=small_data)
    kg = open_build(out=tmp_path / "build")
    assert bool(kg.query(f"ASK {{ <{KAZ}> <{KZ.memberOf}> <{CSTO}> }}").askAnswer)
    assert bool(kg.query(f"ASK {{ ?t a <{KZ.Agreement}> , <{KZ.Fact}> }}").askAnswer)


def test_memory_and_oxigraph_builds_hold_the_same_triples(small_data, tmp_path):
    oxigraph = build(out=tmp_path / "a", data_dir=small_data)
    memory = build(out=tmp_path / "b", data_dir=small_data, backend="memory")
    assert oxigraph.triples == memory.triples


def test_an_unparsable_file_names_file_and_line_and_keeps_the_previous_build(small_data, tmp_path):
    out = tmp_path / "build"
    build(out=out, data_dir=small_data)
    before = (out / "current" / DUMP_NAME).read_bytes()
    bad = small_data / "facts" / "broken.ttl"
    bad.write_text("@prefix kz: <https://w3id.org/kzgraph/ontology#> .\n\nkz:a kz:b kz:c ;\n  kz:d \"unterminated .\n")
    with pytest.raises(ParseError) as raised:
        build(out=out, data_dir=small_data)
    assert raised.value.path == bad and raised.value.line == 4
    assert (out / "current" / DUMP_NAME).read_bytes() == before
    assert [p.name for p in out.iterdir()] == ["current"]


def test_a_fact_without_citation_fails_validation_and_keeps_the_previous_build(small_data, tmp_path):
    out = tmp_path / "build"
    build(out=out, data_dir=small_data)
    before = (out / "current" / DUMP_NAME).read_bytes()
    (small_data / "facts" / "uncited.ttl").write_text(
        "@prefix kz: <https://w3id.org/kzgraph/ontology#> .\n"
        "<https://w3id.org/kzgraph/id/exercise/x> a kz:MilitaryExercise .\n")
    with pytest.raises(BuildError) as raised:
        build(out=out, data_dir=small_data)
    focus = {r.focus for r in raised.value.report.violations}
    assert focus == {"https://w3id.org/kzgraph/id/exercise/x"}
    assert (out / "current" / DUMP_NAME).read_bytes() == before


def test_the_real_build_validates(real_build):
    assert real_build.report.conforms
    assert real_build.triples > 0


def test_the_committed_coverage_report_is_the_one_the_build_generates(real_build):
    committed = (DATA_DIR / "COVERAGE.md").read_text(encoding="utf-8")
    generated = (real_build.folder / "coverage.md").read_text(encoding="utf-8")
    assert committed == generated, "data/COVERAGE.md is out of date: run `kzgraph build --no-imports --update-coverage` and commit it"


def test_every_triple_stands_in_exactly_one_named_graph(real_graph):
    (row,) = list(real_graph.query(
        "SELECT (COUNT(*) AS ?quads) WHERE { GRAPH ?g { ?s ?p ?o } }"))
    (distinct,) = list(real_graph.query(
        "SELECT (COUNT(*) AS ?triples) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"))
    assert int(row[0]) == int(distinct[0])


def test_a_fact_described_in_several_files_is_one_solution(real_graph):
    rows = list(real_graph.query(f"""SELECT ?m WHERE {{
        ?m a <{KZ.Membership}> ; <{KZ.member}> <{KAZ}> ; <{KZ.organisation}> <{CSTO}> ;
           <{KZ.role}> <https://w3id.org/kzgraph/id/concept/role-founding-member> }}"""))
    assert len(rows) == len(set(rows)) == 1
