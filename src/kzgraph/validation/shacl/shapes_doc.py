"""The table of shapes in docs/shacl.md, generated from the shapes graph.

``python -m kzgraph.validation.shacl.shapes_doc`` prints it; a test keeps docs/shacl.md in step with the shapes.
"""

from __future__ import annotations

from rdflib import RDFS, Graph, URIRef
from rdflib.term import Node

from kzgraph.validation.shacl.results import SEVERITIES, SH, english_message
from kzgraph.validation.shacl.shapes import Shape, read_shapes

PREFIXES = {"https://w3id.org/kzgraph/ontology#": "kz:", "https://w3id.org/kzgraph/shapes#": "kzsh:",
            "http://www.w3.org/2004/02/skos/core#": "skos:", "http://www.w3.org/2000/01/rdf-schema#": "rdfs:"}
TARGET_WORDS = {SH.targetClass: "{}", SH.targetSubjectsOf: "subjects of {}", SH.targetObjectsOf: "objects of {}",
                SH.targetNode: "node {}"}


def short(term: Node | None) -> str:
    for namespace, prefix in PREFIXES.items():
        if str(term).startswith(namespace):
            return prefix + str(term)[len(namespace):]
    return str(term)


def _constraints(shape: Shape) -> str:
    names = {str(c.parameter).rsplit("#", 1)[1] for c in shape.constraints}
    if names & {"qualifiedMinCount", "qualifiedMaxCount"}:
        names.add("qualifiedValueShape")
    return ", ".join(sorted(names))


def shapes_table(graph: Graph) -> str:
    """One row per constraint-bearing shape: the node shapes, their property shapes, their SPARQL rules."""
    shapes = read_shapes(graph)
    lines = ["| Shape | Targets | Rule | Path | Constraints | Severity | Message |", "|---|---|---|---|---|---|---|"]
    for node in sorted((n for n in shapes if isinstance(n, URIRef) and not shapes[n].is_property_shape), key=str):
        shape = shapes[node]
        targets = ", ".join(sorted(TARGET_WORDS[kind].format(short(t)) for kind, t in shape.targets)) \
            or "(used through sh:node)"
        rows = []
        if shape.constraints:
            rows.append(("–", _constraints(shape), shape.severity, english_message(shape.messages)))
        for child in shape.properties:
            prop = shapes[child]
            rows.append((short(prop.path), _constraints(prop), prop.severity, english_message(prop.messages)))
        for constraint in shape.sparql:
            rows.append(("(SPARQL)", "sparql", shape.severity, english_message(constraint.messages or shape.messages)))
        label = graph.value(node, RDFS.label) or ""
        for i, (path, constraints, severity, message) in enumerate(rows):
            first = (short(node), targets, str(label)) if i == 0 else ("", "", "")
            lines.append("| " + " | ".join((*first, path, constraints, SEVERITIES.get(severity, str(severity)),
                                             message.replace("|", "\\|"))) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from kzgraph.validation.validator import shapes_graph

    print(shapes_table(shapes_graph()), end="")
