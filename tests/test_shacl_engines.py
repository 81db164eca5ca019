"""The sparql engine against the SHACL specification and against pySHACL, the reference engine.

tests/fixtures/w3c-shacl/ holds small cases written for kzgraph after the edge cases that the W3C SHACL
core test suite checks (ill-typed literals, sub-classes, literals against IRIs and blank nodes, language
ranges, nested and qualified shapes, paths, targets, severities, deactivated shapes, SHACL-SPARQL). Each
case is one Turtle graph holding the shapes and the data, and lists the results SHACL defines for it in
lines ``# expect: <severity> <focus> <path or -> <value or -> <component> <source shape>`` (``[]`` for a
blank node, the component without "ConstraintComponent", a path other than a predicate in the SPARQL
syntax of :func:`kzgraph.shacl.results.sparql_path`). Both engines must give exactly these results.

Property-based tests then generate small data graphs (and shapes) at random and require both engines to
give the same results.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import XSD

from kzgraph.shacl.shapes import UnsupportedShapeError
from kzgraph.store import open as open_store
from kzgraph.validation import SH, shapes_graph, validate_graph, validate_store

CASES = Path(__file__).parent / "fixtures" / "w3c-shacl"
EX = Namespace("http://example.org/ns#")
TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"(?:@[\w-]+|\^\^\S+)?|\^?\((?:[^()]|\([^()]*\))*\)[*+?]?|\S+')


def case_files() -> list[Path]:
    return sorted(CASES.glob("*.ttl"))


def where_pyshacl_differs(case: Path):
    """A case named ``pyshacl-differs-*`` shows where pySHACL departs from the specification (its first
    comment says how): pySHACL is expected to fail it, and the test fails once pySHACL passes it."""
    if not case.stem.startswith("pyshacl-differs-"):
        return case
    reason = case.read_text(encoding="utf-8").split("\n", 1)[0].lstrip("# ")
    return pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=reason), id=case.stem)


def _term(token: str, prefixes: str):
    """A token of an expect line as an RDF term, read by the Turtle parser; ``[]`` is any blank node."""
    if token == "-":
        return None
    if token == "[]":
        return "[]"
    graph = Graph().parse(data=f"{prefixes}\n<urn:s> <urn:p> {token} .", format="turtle")
    return _plain(next(iter(graph.objects())))


def _path(token: str, prefixes: dict[str, str]) -> str | None:
    if token == "-":
        return None
    expand = lambda m: f"<{prefixes[m.group(1)]}{m.group(2)}>"  # noqa: E731
    if token[0] in "(^":
        return re.sub(r"\b([a-z]+):(\w+)", expand, token)
    return str(_term(token, "\n".join(f"@prefix {p}: <{n}> ." for p, n in prefixes.items())))


def _plain(term):
    """A term as the store holds it: Oxigraph keeps typed literals in canonical form ("1.0"^^xsd:decimal
    is "1"), and a literal without datatype is an xsd:string (RDF 1.1), which rdflib keeps apart."""
    if isinstance(term, Literal):
        kg = open_store("oxigraph")
        kg.graph(URIRef("urn:g")).add((URIRef("urn:s"), URIRef("urn:p"), term))
        term = next(kg.dataset.objects(URIRef("urn:s"), URIRef("urn:p")))
        if term.datatype == XSD.string:
            return Literal(str(term))
    return term


def expected_results(path: Path) -> Counter:
    text = path.read_text(encoding="utf-8")
    prefixes = dict(re.findall(r"@prefix\s+([\w-]*):\s*<([^>]*)>", text))
    declarations = "\n".join(f"@prefix {p}: <{n}> ." for p, n in prefixes.items())
    expected = Counter()
    lines = re.findall(r"^# expect:(.*)$", text, re.MULTILINE)
    assert lines, f"{path.name} lists no expected results"
    if lines == [" none"]:
        return expected
    for line in lines:
        severity, focus, result_path, value, component, shape = TOKEN.findall(line)
        expected[(severity, _term(focus, declarations), _path(result_path, prefixes), _term(value, declarations),
                  str(SH[component + "ConstraintComponent"]), str(_term(shape, declarations)))] += 1
    return expected


def actual_results(report) -> Counter:
    def term(node):
        return "[]" if isinstance(node, BNode) else _plain(node)

    return Counter((r.severity, term(r.nodes.focus), r.path, term(r.nodes.value), r.component, r.shape)
                   for r in report.results)


def comparable(report, shapes: Graph) -> Counter:
    """The results as both engines must give them; messages too where the shape gives its own
    (SHACL leaves the wording of a default message to the engine)."""
    def message(r):
        own = r.component == str(SH.SPARQLConstraintComponent) or shapes.value(r.nodes.source_shape, SH.message)
        return r.message if own else None

    return Counter((r.severity, r.focus, r.path, r.value, r.shape, r.component, message(r)) for r in report.results)


def stored(graph: Graph):
    """A store holding the graph, as kzgraph validates data: both engines read the same terms."""
    kg = open_store("oxigraph")
    target = kg.graph(URIRef("urn:x-test:data"))
    target.addN((s, p, o, target) for s, p, o in graph)
    return kg


@lru_cache(maxsize=None)
def validated(case: Path):
    """A case validated by both engines on one store; its graph is the data graph and the shapes graph
    at once, as in the W3C test suite."""
    graph = Graph().parse(case, format="turtle")
    kg = stored(graph)
    return graph, {engine: validate_store(kg, graph, engine=engine) for engine in ("sparql", "pyshacl")}


@pytest.mark.parametrize("case", case_files(), ids=lambda p: p.stem)
def test_the_sparql_engine_gives_the_results_shacl_defines(case):
    _, reports = validated(case)
    assert actual_results(reports["sparql"]) == expected_results(case)


@pytest.mark.parametrize("case", [where_pyshacl_differs(c) for c in case_files()], ids=lambda p: p.stem)
def test_pyshacl_gives_the_results_shacl_defines(case):
    _, reports = validated(case)
    assert actual_results(reports["pyshacl"]) == expected_results(case)


@pytest.mark.parametrize("case", [where_pyshacl_differs(c) for c in case_files()], ids=lambda p: p.stem)
def test_both_engines_give_the_same_results_and_messages(case):
    shapes, reports = validated(case)
    assert comparable(reports["sparql"], shapes) == comparable(reports["pyshacl"], shapes)
