"""Documentation generated from the ontology: a Mermaid class diagram and tables of classes and properties.

``python -m kzgraph.build.ontology_docs > docs/ontology.md`` regenerates docs/ontology.md; a test keeps it in
step with ontology/kzgraph.ttl.
"""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS
from rdflib.term import Node

from kzgraph.store.loading import ONTOLOGY_DIR, load_files
from kzgraph.namespaces import KZ


def _local(term: Node) -> str:
    return str(term).rsplit("#", 1)[-1]


def _text(graph: Graph, term: Node, predicate: URIRef, language: str = "en") -> str:
    for value in graph.objects(term, predicate):
        if getattr(value, "language", None) == language:
            return str(value)
    return ""


def _kz(graph: Graph, kind: URIRef) -> list[URIRef]:
    return sorted(t for t in graph.subjects(RDF.type, kind) if isinstance(t, URIRef) and str(t).startswith(str(KZ)))


def mermaid(graph: Graph) -> str:
    """A Mermaid classDiagram: sub-class links and object properties from domain to range."""
    lines = ["classDiagram"]
    classes = _kz(graph, OWL.Class)
    for cls in classes:
        for parent in sorted(p for p in graph.objects(cls, RDFS.subClassOf) if isinstance(p, URIRef)):
            if str(parent).startswith(str(KZ)):
                lines.append(f"    {_local(parent)} <|-- {_local(cls)}")
    for prop in _kz(graph, OWL.ObjectProperty):
        domain, range_ = graph.value(prop, RDFS.domain), graph.value(prop, RDFS.range)
        if isinstance(domain, URIRef) and isinstance(range_, URIRef) and str(domain).startswith(str(KZ)) \
                and str(range_).startswith(str(KZ)):
            lines.append(f"    {_local(domain)} --> {_local(range_)} : {_local(prop)}")
    return "\n".join(lines)


def markdown(graph: Graph) -> str:
    out = ["# The kzgraph ontology", "",
           "Generated from `ontology/kzgraph.ttl` by `python -m kzgraph.build.ontology_docs`; do not edit by hand.",
           "",
           "## Class diagram", "", "```mermaid", mermaid(graph), "```", "", "## Classes", "",
           "| class | English | German | definition |", "|---|---|---|---|"]
    for cls in _kz(graph, OWL.Class):
        out.append(f"| kz:{_local(cls)} | {_text(graph, cls, RDFS.label)} | "
                   f"{_text(graph, cls, RDFS.label, 'de')} | {_text(graph, cls, SKOS.definition)} |")
    out += ["", "## Properties", "", "| property | kind | English | German | definition |", "|---|---|---|---|---|"]
    kinds = ((OWL.ObjectProperty, "object"), (OWL.DatatypeProperty, "data"), (OWL.AnnotationProperty, "annotation"))
    for kind, name in kinds:
        for prop in _kz(graph, kind):
            out.append(f"| kz:{_local(prop)} | {name} | {_text(graph, prop, RDFS.label)} | "
                       f"{_text(graph, prop, RDFS.label, 'de')} | {_text(graph, prop, SKOS.definition)} |")
    return "\n".join(out) + "\n"


def ontology_markdown() -> str:
    return markdown(load_files([ONTOLOGY_DIR / "kzgraph.ttl"]))


if __name__ == "__main__":
    print(ontology_markdown(), end="")
