"""Documentation generated from the ontology: a Mermaid class diagram, tables of classes and properties, and
the concepts of each controlled vocabulary (the values of properties such as ``kz:indicator`` or
``kz:weaponCategory``).

``python -m kzgraph.build.ontology_docs > docs/ontology.md`` regenerates docs/ontology.md; a test keeps it in
step with ontology/kzgraph.ttl and ontology/vocabularies.ttl.
"""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS
from rdflib.term import Node

from kzgraph.namespaces import KZ
from kzgraph.store.loading import ONTOLOGY_DIR, load_files


def _local(term: Node) -> str:
    return str(term).rsplit("#", 1)[-1]


def _text(graph: Graph, term: Node, predicate: URIRef, language: str = "en") -> str:
    for value in graph.objects(term, predicate):
        if getattr(value, "language", None) == language:
            return str(value)
    return ""


def _kz(graph: Graph, kind: URIRef) -> list[URIRef]:
    return sorted(t for t in graph.subjects(RDF.type, kind) if isinstance(t, URIRef) and str(t).startswith(str(KZ)))


def _name(graph: Graph, term: Node) -> str:
    """A term as a prefixed name (kz:Agent, xsd:decimal); a union class as 'A or B'."""
    if isinstance(term, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(term)
        except Exception:
            return f"<{term}>"
    members = graph.value(term, OWL.unionOf)
    if members is not None:
        return " or ".join(_name(graph, m) for m in graph.items(members))
    return ""


def _range(graph: Graph, prop: URIRef) -> str:
    """The range (object properties) or datatype (data properties) of a property, from rdfs:range or, for
    dates at the source's precision that OWL cannot state, from kz:rangeNote."""
    note = graph.value(prop, KZ.rangeNote)
    if note is not None:
        return str(note)
    range_ = graph.value(prop, RDFS.range)
    return _name(graph, range_) if range_ is not None else ""


def _domain(graph: Graph, prop: URIRef) -> str:
    domain = graph.value(prop, RDFS.domain)
    return _name(graph, domain) if domain is not None else ""


def mermaid(graph: Graph) -> str:
    """A Mermaid classDiagram: sub-class links and object properties from domain to range."""
    lines = ["classDiagram"]
    classes = _kz(graph, OWL.Class)
    for cls in classes:
        for parent in sorted(graph.objects(cls, RDFS.subClassOf), key=str):
            if isinstance(parent, URIRef) and str(parent).startswith(str(KZ)):
                lines.append(f"    {_local(parent)} <|-- {_local(cls)}")
    for prop in _kz(graph, OWL.ObjectProperty):
        domain, range_ = graph.value(prop, RDFS.domain), graph.value(prop, RDFS.range)
        if isinstance(domain, URIRef) and isinstance(range_, URIRef) and str(domain).startswith(str(KZ)) \
                and str(range_).startswith(str(KZ)):
            lines.append(f"    {_local(domain)} --> {_local(range_)} : {_local(prop)}")
    return "\n".join(lines)


def vocabularies(graph: Graph) -> list[str]:
    """A section per SKOS concept scheme: its concepts with labels, broader concept and definition."""
    out = ["## Vocabularies", "",
           "The values of properties such as `kz:indicator`, `kz:weaponCategory`, `kz:namesThreat` or `kz:role` are "
           "concepts of these schemes (`kzc:` is `https://w3id.org/kzgraph/id/concept/`). To include a concept's "
           "narrower concepts, follow `skos:broader`: `?x kz:weaponCategory/skos:broader* kzc:weapon-aircraft` "
           "finds drones too.", ""]
    schemes = sorted((s for s in graph.subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef)),
                     key=lambda s: _text(graph, s, SKOS.prefLabel).lower() or str(s))
    for scheme in schemes:
        out += [f"### {_text(graph, scheme, SKOS.prefLabel) or _name(graph, scheme)} (`{_name(graph, scheme)}`)", ""]
        definition = _text(graph, scheme, SKOS.definition)
        if definition:
            out += [definition, ""]
        out += ["| concept | English | German | broader | definition |", "|---|---|---|---|---|"]
        for concept in sorted(graph.subjects(SKOS.inScheme, scheme), key=str):
            broader = ", ".join(_name(graph, b) for b in sorted(graph.objects(concept, SKOS.broader), key=str))
            out.append(f"| {_name(graph, concept)} | {_text(graph, concept, SKOS.prefLabel)} | "
                       f"{_text(graph, concept, SKOS.prefLabel, 'de')} | {broader} | "
                       f"{_text(graph, concept, SKOS.definition)} |")
        out.append("")
    return out


def markdown(graph: Graph, concepts: Graph | None = None) -> str:
    """The ontology's classes and properties, and (from ``concepts``) its controlled vocabularies."""
    out = ["# The kzgraph ontology", "",
           "Generated from `ontology/kzgraph.ttl` and `ontology/vocabularies.ttl` by "
           "`python -m kzgraph.build.ontology_docs`; do not edit by hand.", "",
           "## Class diagram", "", "```mermaid", mermaid(graph), "```", "", "## Classes", "",
           "| class | English | German | definition |", "|---|---|---|---|"]
    for cls in _kz(graph, OWL.Class):
        out.append(f"| kz:{_local(cls)} | {_text(graph, cls, RDFS.label)} | {_text(graph, cls, RDFS.label, 'de')} | "
                   f"{_text(graph, cls, SKOS.definition)} |")
    out += ["", "## Properties", "",
            "The range column gives the class of the values of an object property and the datatype of the values "
            "of a data property (dates keep the source's precision: xsd:date, xsd:gYearMonth or xsd:gYear).", "",
            "| property | kind | domain | range or datatype | English | German | definition |",
            "|---|---|---|---|---|---|---|"]
    kinds = ((OWL.ObjectProperty, "object"), (OWL.DatatypeProperty, "data"), (OWL.AnnotationProperty, "annotation"))
    for kind, name in kinds:
        for prop in _kz(graph, kind):
            out.append(f"| kz:{_local(prop)} | {name} | {_domain(graph, prop)} | {_range(graph, prop)} | "
                       f"{_text(graph, prop, RDFS.label)} | {_text(graph, prop, RDFS.label, 'de')} | "
                       f"{_text(graph, prop, SKOS.definition)} |")
    if concepts is not None:
        out += ["", *vocabularies(concepts)]
        while out[-1] == "":
            out.pop()
    return "\n".join(out) + "\n"


def ontology_markdown() -> str:
    return markdown(load_files([ONTOLOGY_DIR / "kzgraph.ttl"]), load_files([ONTOLOGY_DIR / "vocabularies.ttl"]))


if __name__ == "__main__":
    print(ontology_markdown(), end="")
