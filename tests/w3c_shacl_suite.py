"""Reading and running the W3C SHACL test suite (data-shapes-test-suite, https://w3c.github.io/data-shapes/
data-shapes-test-suite/) from shared/reference/w3c-shacl-tests beside the project.

A test (``sht:Validate``) names a data graph and a shapes graph (``<>`` is the test file itself) and an
expected result: a ``sh:ValidationReport``, or ``sht:Failure`` when a validator must fail instead of
reporting. The suite's rule for a report is isomorphism with the expected one after the
``sh:resultMessage`` triples are removed; here that is: the same ``sh:conforms`` and the same results, each
as its focus node, path (blank-node paths by their structure), value, severity, source shape, source
constraint component and source constraint, counted with repetition. A blank node of the test file keeps
its identity (a shape, or a focus node of data in the test file); other blank nodes are any blank node.

    PYTHONPATH=src python tests/w3c_shacl_suite.py sparql pyshacl     # counts per engine, and each miss
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace
from rdflib.collection import Collection
from rdflib.namespace import XSD
from rdflib.term import Node

from kzgraph.store.loading import PROJECT_ROOT
from kzgraph.validation.shacl.results import SH, path_text

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")


def _find_suite() -> Path:
    """shared/reference/w3c-shacl-tests in the nearest folder above the project that has it."""
    for folder in PROJECT_ROOT.parents:
        candidate = folder / "shared" / "reference" / "w3c-shacl-tests"
        if candidate.is_dir():
            return candidate
    return PROJECT_ROOT.parent / "shared" / "reference" / "w3c-shacl-tests"


SUITE = _find_suite()

#: One result as compared: focus, path, value, severity, source shape, component, source constraint.
Key = tuple


@dataclass
class SuiteTest:
    name: str  # the test's IRI relative to the suite: core/node/datatype-001
    label: str
    status: str  # approved or proposed
    file: Path
    data: Path
    shapes: Path
    failure: bool  # a validator must fail (sht:Failure)
    conforms: bool | None = None
    results: Counter = field(default_factory=Counter)

    def __str__(self) -> str:
        return self.name


@cache
def parsed(path: Path) -> Graph:
    """A test file as one graph; the same object each time, so that its blank nodes keep their identity
    between the data, the shapes and the expected report."""
    import rdflib

    normalize, rdflib.NORMALIZE_LITERALS = rdflib.NORMALIZE_LITERALS, False  # "none"^^xsd:boolean as written
    try:
        return Graph().parse(path, format="turtle", publicID=path.as_uri())
    finally:
        rdflib.NORMALIZE_LITERALS = normalize


def local_path(iri: Node) -> Path:
    return Path(str(iri).removeprefix("file://"))


def term_key(term: Node | None, known: set):
    """A term as compared: blank nodes of the test file are themselves, other blank nodes any blank node;
    ``"a"`` and ``"a"^^xsd:string`` are one RDF term (RDF 1.1 §3.3), which rdflib keeps apart."""
    if isinstance(term, BNode) and term not in known:
        return "[]"
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def result_key(graph: Graph, node: Node, known: set) -> Key:
    path = graph.value(node, SH.resultPath)
    return (term_key(graph.value(node, SH.focusNode), known), path_text(graph, path),
            term_key(graph.value(node, SH.value), known), graph.value(node, SH.resultSeverity),
            term_key(graph.value(node, SH.sourceShape), known), graph.value(node, SH.sourceConstraintComponent),
            term_key(graph.value(node, SH.sourceConstraint), known))


def graph_nodes(graph: Graph) -> set:
    return {t for triple in graph for t in triple if isinstance(t, BNode)}


def read_suite(manifest: Path | None = None) -> list[SuiteTest]:
    """Every test of a manifest and of the manifests it includes, in order."""
    manifest = manifest or SUITE / "manifest.ttl"
    graph = parsed(manifest)
    tests = []
    root = graph.value(None, RDF.type, MF.Manifest)
    for included in sorted(graph.objects(root, MF.include), key=str):
        tests += read_suite(local_path(included))
    entries = graph.value(root, MF.entries)
    for entry in Collection(graph, entries) if entries is not None else ():
        action, result = graph.value(entry, MF.action), graph.value(entry, MF.result)
        test = SuiteTest(
            name=str(local_path(entry).relative_to(SUITE)), label=str(graph.value(entry, RDFS.label) or ""),
            status=str(graph.value(entry, MF.status)).rsplit("#", 1)[-1], file=manifest,
            data=local_path(graph.value(action, SHT.dataGraph)),
            shapes=local_path(graph.value(action, SHT.shapesGraph)),
            failure=result == SHT.Failure)
        if not test.failure:
            test.conforms = graph.value(result, SH.conforms).toPython()
            known = graph_nodes(graph)
            test.results = Counter(result_key(graph, r, known) for r in graph.objects(result, SH.result))
        tests.append(test)
    return tests


# -- running a test with an engine ---------------------------------------------------------------------

@dataclass
class Outcome:
    """What an engine did with a test: ``refused`` (it raised, with ``message``), or a report."""

    refused: bool
    message: str = ""
    conforms: bool | None = None
    results: Counter = field(default_factory=Counter)
    error: Exception | None = None


def run_kzgraph(engine: str, data: Graph, shapes: Graph) -> tuple[Graph, list]:
    from kzgraph.validation.validator import validate_graph

    report = validate_graph(data, shapes, engine=engine)
    return report.graph, report.results


def run_turbo(data: Graph, shapes: Graph) -> tuple[Graph, list]:
    """pyshacl-turbo (a Rust engine with pySHACL's API), where it is installed; the options of the pyshacl
    engine (no inference, no SHACL Advanced Features), except that Warnings make ``sh:conforms`` false,
    as SHACL defines it."""
    import pyshacl_turbo

    shapes_copy = Graph()
    shapes_copy += shapes
    _, report, text = pyshacl_turbo.validate(data, shacl_graph=shapes_copy, inference="none", advanced=False,
                                             meta_shacl=False)
    if not isinstance(report, Graph):
        raise ValueError(f"pyshacl-turbo failed: {text}")
    return report, []


def outcome(engine: str, test: SuiteTest) -> Outcome:
    data, shapes = parsed(test.data), parsed(test.shapes)
    try:
        report, _ = run_turbo(data, shapes) if engine == "turbo" else run_kzgraph(engine, data, shapes)
    except Exception as error:  # a refusal or failure of any kind is what is recorded
        return Outcome(True, f"{type(error).__name__}: {error}", error=error)
    known = graph_nodes(parsed(test.file))
    root = report.value(None, RDF.type, SH.ValidationReport)
    conforms = report.value(root, SH.conforms)
    results = Counter(result_key(report, r, known) for r in report.objects(root, SH.result))
    return Outcome(False, conforms=conforms.toPython() if isinstance(conforms, Literal) else None, results=results)


def verdict(test: SuiteTest, got: Outcome, engine: str = "") -> str:
    """passed, refused or failed: a failure test passes when the engine refuses it. The sparql engine
    refuses with :class:`UnsupportedShapeError` only; any other error is a failure."""
    from kzgraph.errors import UnsupportedShapeError

    if got.refused and engine == "sparql" and not isinstance(got.error, UnsupportedShapeError):
        return "failed"
    if test.failure:
        return "passed" if got.refused else "failed"
    if got.refused:
        return "refused"
    return "passed" if (got.conforms, got.results) == (test.conforms, test.results) else "failed"


def difference(test: SuiteTest, got: Outcome) -> str:
    if got.refused:
        return got.message
    lines = [f"conforms: expected {test.conforms}, got {got.conforms}"]
    lines += [f"missing: {k}" for k in (test.results - got.results).elements()]
    lines += [f"extra:   {k}" for k in (got.results - test.results).elements()]
    return "\n".join(lines)


def main(engines: list[str]) -> None:
    tests = read_suite()
    for engine in engines:
        counts = Counter()
        for test in tests:
            got = outcome(engine, test)
            kind = verdict(test, got, engine)
            counts[kind] += 1
            if kind != "passed":
                detail = difference(test, got).replace("\n", "\n      ")
                print(f"  {engine} {kind}: {test.name}\n      {detail}")
        print(f"{engine}: {len(tests)} tests, {counts['passed']} passed, {counts['refused']} refused, "
              f"{counts['failed']} failed")


if __name__ == "__main__":
    main(sys.argv[1:] or ["sparql", "pyshacl"])
