"""Validating a change: only the focus nodes a change can affect are checked again, with the same result
as a full validation (kzgraph.validation.validator.validate_changes, for the writes of the SPARQL endpoint)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kzgraph.build.pipeline import assemble
from kzgraph.namespaces import KZ
from kzgraph.store.loading import project_files
from kzgraph.store.local import open as open_store
from kzgraph.validation.validator import affected_focus, shapes_graph, validate_changes, validate_store
from tests.test_shacl_engines import PREDICATES, SMALL_NODES, SMALL_VALUES, shapes_and_data, stored

FIXTURE = Path(__file__).parent / "fixtures" / "multivector.ttl"
SHAPES = shapes_graph()
CHANGES = URIRef("urn:x-test:changes")
ID = "https://w3id.org/kzgraph/id/"


@pytest.fixture(scope="module")
def quads():
    """The quads of the fixture with the ontology and reference data, after the build's derivations."""
    return list(assemble(project_files(data=[FIXTURE])).dataset.quads((None, None, None, None)))


def store(quads):
    kg = open_store("oxigraph")
    for s, p, o, graph in quads:
        target = kg.graph(graph.identifier if hasattr(graph, "identifier") else graph)
        target.add((s, p, o))
    return kg


def apply(kg, added, removed) -> None:
    for triple in removed:
        kg.dataset.remove((*triple, None))
    kg.graph(CHANGES).addN((s, p, o, kg.graph(CHANGES)) for s, p, o in added)


def results(report) -> Counter:
    return Counter((r.severity, r.focus, r.path, r.value, r.shape, r.component, r.message) for r in report.results)


def test_removing_an_agents_type_is_reported_at_the_facts_that_name_it(quads):
    kg = store(quads)
    before = validate_store(kg, SHAPES)
    kaz = URIRef(ID + "state/KAZ")
    removed = [(kaz, RDF.type, t) for t in kg.dataset.objects(kaz, RDF.type)]
    apply(kg, [], removed)
    after = validate_changes(kg, before, [], removed, SHAPES)
    assert results(after) == results(validate_store(kg, SHAPES))
    named = {r.focus for r in after.violations if r.value == str(kaz)}
    assert named and str(kaz) not in named, "the class violations stand at the facts, not at the state"


def test_a_change_to_a_citation_is_checked_at_the_blank_node(quads):
    kg = store(quads)
    before = validate_store(kg, SHAPES)
    citation = next(c for c in kg.dataset.objects(None, KZ.citation) if isinstance(c, BNode))
    removed = [(citation, KZ.lineStart, v) for v in kg.dataset.objects(citation, KZ.lineStart)]
    added = [(citation, KZ.lineStart, Literal(0))]
    apply(kg, added, removed)
    assert citation in affected_focus(kg, added, removed, SHAPES)
    after = validate_changes(kg, before, added, removed, SHAPES)
    assert results(after) == results(validate_store(kg, SHAPES))
    assert any(r.nodes.focus == citation and r.path == str(KZ.lineStart) for r in after.violations)


def test_a_change_of_the_class_hierarchy_needs_a_full_validation(quads):
    kg = store(quads)
    added = [(KZ.State, RDFS.subClassOf, KZ.Fact)]
    apply(kg, added, [])
    assert affected_focus(kg, added, [], SHAPES) is None


@st.composite
def changes(draw, triples):
    """Up to four triples removed and four added; types and vocabulary links are drawn as often as the
    rest, because a change to them alters results at other focus nodes (those that link to them)."""
    linking = [t for t in triples if t[1] in (RDF.type, SKOS.inScheme)]
    removed = draw(st.lists(st.one_of(st.sampled_from(linking), st.sampled_from(triples)), max_size=4, unique=True))
    subjects = sorted({s for s, _, _ in triples}, key=str)
    predicates = sorted({p for _, p, _ in triples}, key=str)
    objects = [*sorted({o for _, _, o in triples}, key=str), Literal("1999-13", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#gYearMonth")), Literal("no date"), Literal(-1)]
    added = draw(st.lists(st.tuples(st.sampled_from(subjects), st.sampled_from(predicates), st.sampled_from(objects)),
                          max_size=4, unique=True))
    return added, removed


def data_triples(quads) -> list:
    """The triples of the data files (not the ontology): what a write changes."""
    return sorted({(s, p, o) for s, p, o, g in quads if "/graph/data/" in str(getattr(g, "identifier", g))
                   or "/graph/file/" in str(getattr(g, "identifier", g))}, key=str)


def test_validating_random_changes_gives_the_results_of_a_full_validation(quads):
    triples = data_triples(quads)
    assert len(triples) > 100

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(changes(triples))
    def check(change):
        added, removed = change
        kg = store(quads)
        before = validate_store(kg, SHAPES)
        apply(kg, added, removed)
        assert results(validate_changes(kg, before, added, removed, SHAPES)) == results(validate_store(kg, SHAPES))

    check()


@st.composite
def shapes_data_and_change(draw):
    """Random shapes and data (as in tests/test_shacl_engines.py) and a random change of the data."""
    shapes, data = draw(shapes_and_data())
    triples = sorted(data, key=str)
    removed = draw(st.lists(st.sampled_from(triples), max_size=3, unique=True)) if triples else []
    terms = Graph().parse(data="@prefix ex: <http://example.org/ns#> . "
                          "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
                          + "\n".join(f"<urn:t> <urn:v> {t} ." for t in SMALL_NODES + SMALL_VALUES
                                      if not t.startswith("_:")), format="turtle")
    values = sorted(terms.objects(), key=str)
    subjects = [v for v in values if isinstance(v, URIRef)]
    predicates = [URIRef(p.replace("ex:", "http://example.org/ns#")) for p in PREDICATES] + [RDF.type]
    added = draw(st.lists(st.tuples(st.sampled_from(subjects), st.sampled_from(predicates), st.sampled_from(values)),
                          max_size=3, unique=True))
    return shapes, data, added, removed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shapes_data_and_change())
def test_validating_a_random_change_against_random_shapes_gives_the_results_of_a_full_validation(case):
    shapes, data, added, removed = case
    kg = stored(data)
    before = validate_store(kg, shapes)
    apply(kg, added, removed)
    assert results(validate_changes(kg, before, added, removed, shapes)) == results(validate_store(kg, shapes))
