"""The ``pyshacl`` engine: pySHACL (https://github.com/RDFLib/pySHACL), the reference implementation.

pySHACL passes the W3C SHACL test suite (its own tests run the data-shapes manifests); kzgraph uses it to
check the ``sparql`` engine and as a fallback for shapes that engine refuses. It runs without inference
and without SHACL Advanced Features (the shapes use none), on the data graph as given. Only the results of
the report (the values of ``sh:result``, SHACL §3.6.1) are read: the nested results pySHACL adds under
``sh:detail`` explain a result and are not results of their own.
"""

from __future__ import annotations

from pyshacl import validate as pyshacl_validate
from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery

from kzgraph.validation.shacl.results import SH, Result, make_result


class PreparedQueryGraph(Graph):
    """The same triples (the same store), with each distinct SPARQL text parsed once.

    pySHACL evaluates a SHACL-SPARQL constraint once per focus node, with the same text and ``$this`` in
    ``initBindings``; rdflib parses the text again each time, which took most of pySHACL's time. rdflib
    evaluates a prepared query with bindings exactly as the text (``Graph.query`` prepares the text with
    the graph's namespaces as ``initNs``, as here).
    """

    def __init__(self, data: Graph):
        super().__init__(store=data.store, identifier=data.identifier, namespace_manager=data.namespace_manager)
        self._prepared: dict = {}

    def query(self, query_object, processor="sparql", result="sparql", initNs=None, initBindings=None,  # noqa: N803
              use_store_provided=True, **kwargs):
        if isinstance(query_object, str) and processor == "sparql" and "base" not in kwargs:
            namespaces = dict(initNs or self.namespaces())
            key = (query_object, tuple(sorted(namespaces.items())))
            if key not in self._prepared:
                self._prepared[key] = prepareQuery(query_object, initNs=namespaces)
            query_object = self._prepared[key]
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


def validate(data: Graph, shapes: Graph) -> list[Result]:
    """Validate a data graph against a shapes graph with pySHACL, without inference (SHACL §3)."""
    own_copy = Graph()  # pySHACL adds axioms (owl:Class rdfs:subClassOf rdfs:Class …) to the shapes graph
    own_copy += shapes
    _, report, _ = pyshacl_validate(PreparedQueryGraph(data), shacl_graph=own_copy, inference="none", advanced=False,
                                    inplace=True, allow_warnings=True, meta_shacl=False)
    if not isinstance(report, Graph):
        raise ValueError(f"the shapes are not valid SHACL: {report}")
    results = []
    for node in report.objects(None, SH.result):
        results.append(make_result(
            shapes,
            severity=report.value(node, SH.resultSeverity),
            focus=report.value(node, SH.focusNode),
            path=report.value(node, SH.resultPath),
            value=report.value(node, SH.value),
            source_shape=report.value(node, SH.sourceShape),
            component=report.value(node, SH.sourceConstraintComponent),
            messages=report.objects(node, SH.resultMessage),
            path_graph=report,
            source_constraint=report.value(node, SH.sourceConstraint),
        ))
    return results
