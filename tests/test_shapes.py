"""The SHACL shapes (W3C SHACL, https://www.w3.org/TR/shacl/) and the two engines that check them.

Every node shape in ontology/shapes/kzgraph-shapes.ttl has two examples in tests/fixtures/shapes/:
``<Shape>.valid.ttl`` conforms to it, ``<Shape>.invalid.ttl`` breaks it and lists the results it must
produce in comment lines ``# expect: <severity> <focus> <path or -> <shape>``. A shape without examples
fails this suite. Each example is validated together with the ontology, data/sources.ttl and
data/reference/, with the derived triples of the build (class closure, citation typing, shortcuts).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from kzgraph.build.pipeline import assemble
from kzgraph.store.loading import project_files
from kzgraph.validation.shacl.shapes import read_shapes
from kzgraph.validation.validator import SHAPES_DIR, shapes_graph, validate_store

SH = Namespace("http://www.w3.org/ns/shacl#")
EXAMPLES = Path(__file__).parent / "fixtures" / "shapes"
SHAPES = shapes_graph()
TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)


def node_shapes() -> list[str]:
    """The named node shapes of the shapes files (SHACL §2.1: instances of sh:NodeShape)."""
    answer = SHAPES.query("PREFIX sh: <http://www.w3.org/ns/shacl#> SELECT ?shape WHERE { ?shape a sh:NodeShape "
                          "FILTER(isIRI(?shape)) }")
    return sorted(str(row.shape) for row in answer)


def local_name(shape: str) -> str:
    return shape.rsplit("#", 1)[1]


NODE_SHAPES = node_shapes()


def reporting_shapes(shape: str) -> set[str]:
    """The shapes whose results report a breach of ``shape``.

    A shape with targets reports its own results. A shape without targets is only reached through
    sh:node, and SHACL §4.7.1 reports its breaches at the shape that uses it (the sh:node constraint's
    source shape), so these are the targeted shapes that use it, directly or through other such shapes.
    """
    node = URIRef(shape)
    if any(SHAPES.value(node, target) is not None for target in TARGETS):
        return {shape}
    users = set()
    for referrer in SHAPES.subjects(SH.node, node):
        owner = SHAPES.value(None, SH.property, referrer) or referrer
        if isinstance(owner, URIRef) and owner != node:
            users |= reporting_shapes(str(owner))
    return users


def shapes_of(shape: str) -> Graph:
    """The shapes graph in which only ``shape`` (or the shapes reporting it) select focus nodes.

    The other node shapes lose their targets, and all but ``shape`` lose their SHACL-SPARQL constraints
    (each is compared on its own shape's examples), so that the reference engine spends its time on the
    shape under test; the value shapes reached through sh:node stay whole.
    """
    keep = {URIRef(s) for s in reporting_shapes(shape)}
    subset = Graph()
    for s, p, o in SHAPES:
        if p in TARGETS and s not in keep and (s, RDF.type, SH.NodeShape) in SHAPES:
            continue
        if p == SH.sparql and s != URIRef(shape):
            continue
        subset.add((s, p, o))
    return subset


def example(shape: str, kind: str) -> Path:
    return EXAMPLES / f"{local_name(shape)}.{kind}.ttl"


@cache
def assembled(path: Path):
    """The example in the context the build gives it: ontology, sources, reference data, derivations."""
    return assemble(project_files(data=[path]))


def validate(path: Path, engine: str = "sparql", shapes: Graph | None = None):
    return validate_store(assembled(path), shapes=shapes, engine=engine)


def _term(token: str, prefixes: dict[str, str]) -> str | None:
    if token == "-":
        return None
    if token.startswith("<") and token.endswith(">"):
        return token[1:-1]
    prefix, _, name = token.partition(":")
    return prefixes[prefix] + name


def expected_results(path: Path) -> set[tuple]:
    """The ``# expect:`` lines of an example as (severity, focus, path, shape), prefixed names expanded."""
    text = path.read_text(encoding="utf-8")
    prefixes = dict(re.findall(r"@prefix\s+([\w-]*):\s*<([^>]*)>", text))
    expected = set()
    for line in re.findall(r"^# expect:(.*)$", text, re.MULTILINE):
        severity, focus, result_path, shape = line.split()
        expected.add((severity, _term(focus, prefixes), _term(result_path, prefixes), _term(shape, prefixes)))
    return expected


def test_the_shapes_files_define_the_node_shapes_the_examples_cover():
    assert SHAPES_DIR.joinpath("kzgraph-shapes.ttl").is_file()
    assert len(NODE_SHAPES) >= 37


def reporting_constraints() -> list[tuple[str, str]]:
    """(shape, what) for every constraint that can give a result: the constraints of targeted node shapes,
    of their property shapes (at any depth), and their SHACL-SPARQL constraints (SHACL §3.6.2)."""
    shapes = read_shapes(SHAPES)
    found = []

    def visit(shape, owner):
        if shape.constraints:
            found.append((shape, owner))
        for child in shape.properties:
            visit(shapes[child], owner)

    for shape in shapes.values():
        if shape.targets:
            visit(shape, shape.node)
            found += [(constraint, shape.node) for constraint in shape.sparql]
    return found


def test_the_table_of_shapes_in_the_documentation_is_generated_from_the_shapes():
    from kzgraph.validation.shacl.shapes_doc import shapes_table

    documented = (Path(__file__).parents[1] / "docs" / "shacl.md").read_text(encoding="utf-8")
    assert documented.endswith("\n\n" + shapes_table(SHAPES)), "run: python -m kzgraph.validation.shacl.shapes_doc"


def test_every_constraint_that_reports_a_result_has_its_own_english_message():
    missing = [f"{local_name(str(owner))} {getattr(item, 'path', None) or 'sh:sparql'}"
               for item, owner in reporting_constraints()
               if not any(getattr(m, "language", None) in (None, "en") for m in item.messages)]
    assert len(reporting_constraints()) > 100
    assert missing == []


@pytest.mark.parametrize("shape", NODE_SHAPES, ids=local_name)
def test_every_node_shape_has_a_valid_and_an_invalid_example(shape):
    assert example(shape, "valid").is_file(), f"add {example(shape, 'valid').name}"
    assert example(shape, "invalid").is_file(), f"add {example(shape, 'invalid').name}"


def test_every_example_belongs_to_a_node_shape():
    names = {local_name(shape) for shape in NODE_SHAPES}
    orphans = [p.name for p in EXAMPLES.glob("*.ttl") if p.name.split(".")[0] not in names]
    assert orphans == []


def test_every_value_shape_without_targets_is_used_by_a_targeted_shape():
    assert all(reporting_shapes(shape) for shape in NODE_SHAPES)


@pytest.mark.parametrize("shape", NODE_SHAPES, ids=local_name)
def test_the_valid_example_gives_no_result_for_its_shape(shape):
    report = validate(example(shape, "valid"))
    assert [r for r in report.results if r.shape in reporting_shapes(shape)] == []


@pytest.mark.parametrize("shape", NODE_SHAPES, ids=local_name)
def test_the_invalid_example_gives_exactly_the_expected_results(shape):
    path = example(shape, "invalid")
    expected = expected_results(path)
    assert any(result[3] in reporting_shapes(shape) for result in expected), "expect a result of the shape"
    checked = reporting_shapes(shape) | {result[3] for result in expected}
    report = validate(path)
    actual = {(r.severity, r.focus, r.path, r.shape) for r in report.results if r.shape in checked}
    assert actual == expected


@pytest.mark.parametrize("kind", ["valid", "invalid"])
@pytest.mark.parametrize("shape", NODE_SHAPES, ids=local_name)
def test_the_sparql_and_the_pyshacl_engines_give_the_same_results(shape, kind):
    path = example(shape, kind)
    shapes = shapes_of(shape)
    fast, reference = (validate(path, engine, shapes) for engine in ("sparql", "pyshacl"))

    def results(report) -> Counter:
        return Counter((r.severity, r.focus, r.path, r.value, r.shape, r.component, r.message)
                       for r in report.results)

    if kind == "invalid":
        assert results(reference), "an invalid example gives results to compare"
    assert results(fast) == results(reference)
    assert fast.conforms == reference.conforms


def test_both_engines_give_the_same_results_on_the_whole_curated_graph(real_graph):
    fast, reference = (validate_store(real_graph, SHAPES, engine=engine) for engine in ("sparql", "pyshacl"))

    def results(report) -> Counter:
        return Counter((r.severity, r.focus, r.path, r.value, r.shape, r.component, r.message)
                       for r in report.results)

    assert len(fast.results) > 100
    assert results(fast) == results(reference)


BROKEN_EXERCISE = """@prefix kz:       <https://w3id.org/kzgraph/ontology#> .
@prefix src:      <https://w3id.org/kzgraph/id/source/> .
@prefix state:    <https://w3id.org/kzgraph/id/state/> .
@prefix exercise: <https://w3id.org/kzgraph/id/exercise/> .
@prefix rdfs:     <http://www.w3.org/2000/01/rdf-schema#> .

exercise:steppe-eagle-undated a kz:MilitaryExercise ;
    rdfs:label "Steppe Eagle"@en ;
    kz:participant state:KAZ ;
    kz:citation [ kz:document src:dissertation-diversification ; kz:lineStart 6491 ; kz:lineEnd 6500 ] .
"""
UNDATED = "https://w3id.org/kzgraph/id/exercise/steppe-eagle-undated"
EXERCISE_SHAPE = "https://w3id.org/kzgraph/shapes#MilitaryExerciseShape"


@pytest.fixture(scope="module")
def broken_exercise(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "undated-exercise.ttl"
    path.write_text(BROKEN_EXERCISE, encoding="utf-8")
    return path


def kzgraph_validate(path: Path, fmt: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kzgraph", "validate", str(path), "--format", fmt],
                          capture_output=True, text=True, check=False)


def test_build_fails_on_an_undated_exercise_naming_file_line_node_and_rule_and_keeps_the_last_build(
        small_data, tmp_path):
    env = dict(os.environ, KZGRAPH_BUILD=str(tmp_path / "build"))

    def build():
        return subprocess.run([sys.executable, "-m", "kzgraph", "build", "--data-dir", str(small_data)],
                              capture_output=True, text=True, env=env, check=False)

    assert build().returncode == 0
    dump = tmp_path / "build" / "current" / "kzgraph.nq"
    before = dump.read_bytes()
    broken = small_data / "facts" / "undated-exercise.ttl"
    broken.write_text(BROKEN_EXERCISE, encoding="utf-8")
    run = build()
    assert run.returncode == 1
    assert f"{broken}:7" in run.stderr
    assert UNDATED in run.stderr and f"[{EXERCISE_SHAPE}]" in run.stderr
    assert "An exercise must have a date" in run.stderr
    assert "the previous build is unchanged" in run.stderr
    assert dump.read_bytes() == before


def test_validate_names_file_line_node_and_rule_of_an_undated_exercise_as_text(broken_exercise):
    run = kzgraph_validate(broken_exercise, "text")
    assert run.returncode == 1
    assert f"{broken_exercise}:7" in run.stdout
    assert UNDATED in run.stdout
    assert f"[{EXERCISE_SHAPE}]" in run.stdout
    assert "An exercise must have a date" in run.stdout
    assert "does not conform: 1 violation(s)" in run.stdout


TWO_ROLES = """@prefix kz:         <https://w3id.org/kzgraph/ontology#> .
@prefix kzc:        <https://w3id.org/kzgraph/id/concept/> .
@prefix src:        <https://w3id.org/kzgraph/id/source/> .
@prefix state:      <https://w3id.org/kzgraph/id/state/> .
@prefix io:         <https://w3id.org/kzgraph/id/org/> .
@prefix membership: <https://w3id.org/kzgraph/id/membership/> .

membership:kaz-csto-two-roles a kz:Membership ;
    kz:member state:KAZ ; kz:organisation io:CSTO ; kz:role kzc:role-member , kzc:role-observer ;
    kz:startDate "2002"^^<http://www.w3.org/2001/XMLSchema#gYear> ;
    kz:citation [ kz:document src:dissertation-diversification ; kz:lineStart 6491 ; kz:lineEnd 6500 ] .
"""


def test_validate_names_file_line_node_path_and_rule_of_a_membership_with_two_roles(tmp_path):
    broken = tmp_path / "two-roles.ttl"
    broken.write_text(TWO_ROLES, encoding="utf-8")
    run = kzgraph_validate(broken, "text")
    assert run.returncode == 1
    block = run.stdout[run.stdout.index("A membership has exactly one role"):]
    assert block.startswith("A membership has exactly one role from the scheme kzc:role")
    assert "[https://w3id.org/kzgraph/shapes#MembershipShape]" in block.splitlines()[0]
    assert "  - https://w3id.org/kzgraph/id/membership/kaz-csto-two-roles" in block
    assert f"defined at: {broken}:8" in block
    assert "path: https://w3id.org/kzgraph/ontology#role" in block


def test_validate_reports_an_undated_exercise_as_json(broken_exercise):
    run = kzgraph_validate(broken_exercise, "json")
    assert run.returncode == 1
    report = json.loads(run.stdout)
    assert report["conforms"] is False
    [result] = [r for r in report["results"] if r["severity"] == "Violation"]
    assert result["focus"] == UNDATED
    assert result["shape"] == EXERCISE_SHAPE
    assert result["location"] == f"{broken_exercise}:7"
    # the date rule is one sh:or over kz:eventDate, kz:startDate, kz:endDate and kz:dateNote (SHACL §4.6.3):
    # a node-level constraint, so the result has no sh:resultPath and the message names the properties
    assert result["path"] is None
    assert all(name in result["message"] for name in ("kz:eventDate", "kz:startDate", "kz:endDate", "kz:dateNote"))


def test_validate_with_the_reference_engine_reports_the_same(broken_exercise):
    fast = json.loads(kzgraph_validate(broken_exercise, "json").stdout)
    reference = subprocess.run([sys.executable, "-m", "kzgraph", "validate", str(broken_exercise), "--format", "json",
                                "--engine", "pyshacl"], capture_output=True, text=True, check=False)
    assert reference.returncode == 1
    assert json.loads(reference.stdout) == fast


def test_validate_writes_a_standard_validation_report_as_turtle(broken_exercise):
    run = kzgraph_validate(broken_exercise, "turtle")
    assert run.returncode == 1
    report = Graph().parse(data=run.stdout, format="turtle")
    [node] = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(node, SH.conforms) == Literal(False)
    [result] = [r for r in report.objects(node, SH.result) if report.value(r, SH.resultSeverity) == SH.Violation]
    assert report.value(result, SH.focusNode) == URIRef(UNDATED)
    assert report.value(result, SH.sourceShape) == URIRef(EXERCISE_SHAPE)
    assert report.value(result, SH.sourceConstraintComponent) == SH.OrConstraintComponent
