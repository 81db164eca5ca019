"""Linked data over HTTP: every kzgraph IRI resolves on the local server, as HTML or RDF.

    app.include_router(linked_data_api.router)

The path after ``https://w3id.org/kzgraph/`` is the local path (docs/web.md): ``/id/state/KAZ`` describes
``https://w3id.org/kzgraph/id/state/KAZ``; ``/ontology`` serves the ontology with every term (a fragment
``#Term`` never reaches a server; the HTML page has an anchor per term); ``/graph/…`` a named graph;
``/dataset`` the VoID description. Content negotiation (``Accept`` or ``format``, RFC 9110 §12.5.1):
Turtle (the default), N-Triples, RDF/XML, JSON-LD, or HTML for browsers. An IRI the graph does not know
is answered 404, with a page that suggests resources of the same kind.

The RDF formats serve the Concise Bounded Description (:mod:`kzgraph.sparql.describe`) without incoming links;
the HTML page shows the incoming links too.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Identifier, Node

from kzgraph.build import statistics as stats
from kzgraph.endpoint.http import get_store
from kzgraph.endpoint.routes.sparql import served_void
from kzgraph.endpoint.templating import HTML, VARY, Labels, best_label, media_for, render, root_of, rows, term
from kzgraph.namespaces import BASE
from kzgraph.sparql import describe as linked_data
from kzgraph.sparql.describe import Description, NotAnIri, Queryable
from kzgraph.sparql.media_types import GRAPH_TYPES, NotAcceptable
from kzgraph.sparql.serialization import serialize_graph

router = APIRouter(tags=["linked data"])

OFFERED = (*GRAPH_TYPES, HTML)
SUGGESTIONS = 8
#: The store the pages read (a FastAPI dependency).
Store = Annotated[Queryable, Depends(get_store)]


def _sorted_terms(nodes: Iterable[Node]) -> list[Identifier]:
    """RDF terms in rdflib's order of terms."""
    return sorted(node for node in nodes if isinstance(node, Identifier))


def rdf(graph: Graph, media: str) -> Response:
    """A graph serialised in a negotiated RDF media type (JSON-LD compacted with the project's prefixes)."""
    return Response(serialize_graph(graph, media), media_type=media, headers=VARY)


def similar(kg: Queryable, iri: str) -> tuple[list[URIRef], int, str]:
    """IRIs of the same kind (same path up to the last ``/``) that look most like a missing IRI."""
    prefix = iri.rsplit("/", 1)[0] + "/"
    if not prefix.startswith(BASE) or len(prefix) <= len(BASE):
        return [], 0, prefix
    known = [cast(URIRef, row[0]) for row in linked_data.select_rows(kg.query(
        f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), {Literal(prefix).n3()})) }}"))]
    by_slug = {str(s)[len(prefix):]: s for s in known}
    close = difflib.get_close_matches(iri[len(prefix):], list(by_slug), n=SUGGESTIONS, cutoff=0.4)
    return [by_slug[slug] for slug in close] or sorted(known)[:SUGGESTIONS], len(known), prefix


def not_found(request: Request, kg: Queryable, iri: str, media: str, reason: str | None = None) -> Response:
    message = reason or f"The graph knows no resource {iri}"
    if media != HTML:
        return PlainTextResponse(message + "\n", status_code=404, headers=VARY)
    suggestions: list[URIRef] = []
    count, prefix = 0, None
    if not reason:
        suggestions, count, prefix = similar(kg, iri)
    labels = linked_data.labels(kg, suggestions)
    return render(request, "not_found.html", status_code=404, headers=VARY, iri=iri, message=message,
                  suggestions=[term(s, labels, root_of(request)) for s in suggestions], count=count, prefix=prefix)


def page(request: Request, description: Description, media: str, template: str = "resource.html",
         inline: bool = False, **context: object) -> Response:
    """A description as the negotiated RDF format, or as an HTML page."""
    if media != HTML:
        return rdf(description.graph, media)
    root = root_of(request)
    labels = description.labels
    types = [term(t, labels, root) for t in _sorted_terms(description.graph.objects(description.iri, RDF.type))]
    others = sorted((label for label in labels.get(description.iri, []) if label.language != "en"),
                    key=lambda label: (label.language or "", str(label)))
    incoming = [{"subject": term(s, labels, root), "property": term(p, labels, root),
                 "via": term(v, labels, root) if v is not None else None,
                 "citations": [cited(c, labels, root) for c in description.citations.get(s, [])]}
                for s, p, v in description.incoming]
    return render(request, template, headers=VARY, iri=str(description.iri),
                  title=best_label(labels.get(description.iri)) or str(description.iri)[len(BASE):],
                  other_labels=others, types=types,
                  rows=rows(description.graph, description.iri, labels, root, inline=inline),
                  sources=[cited(c, labels, root) for c in description.citations.get(description.iri, [])],
                  incoming=incoming, incoming_total=description.incoming_total,
                  # context holds template variables only, never render's status_code or headers
                  formats=FORMAT_LINKS, **context)  # type: ignore[arg-type]


def cited(citation: linked_data.Citation, labels: Labels, root: str) -> dict[str, object]:
    return {"document": term(citation.document, labels, root), "start": citation.line_start,
            "end": citation.line_end}


FORMAT_LINKS = [("Turtle", "turtle"), ("N-Triples", "nt"), ("RDF/XML", "rdfxml"), ("JSON-LD", "jsonld")]


@router.get("/id/{path:path}")
def resource(request: Request, path: str, kg: Store) -> Response:
    """A resource under ``https://w3id.org/kzgraph/id/``: a state, organisation, fact, concept, source …"""
    return _resource(request, linked_data.iri_of_path("id/" + path), kg)


@router.get("/ontology/{path:path}")
def ontology_version(request: Request, path: str, kg: Store) -> Response:
    """A resource under ``https://w3id.org/kzgraph/ontology/`` (the ontology's version IRI)."""
    return _resource(request, linked_data.iri_of_path("ontology/" + path), kg)


def _resource(request: Request, iri: str, kg: Queryable) -> Response:
    try:
        media = media_for(request, OFFERED)
    except NotAcceptable as error:
        return PlainTextResponse(str(error), status_code=406, headers=VARY)
    try:
        if media != HTML:  # tools get the CBD alone: no incoming links, labels or citations to gather
            graph = linked_data.cbd(kg, URIRef(iri))
            if not len(graph) and not linked_data.is_known(kg, iri):
                return not_found(request, kg, iri, media)
            return rdf(graph, media)
        description = linked_data.describe(kg, iri)
    except NotAnIri as error:
        return not_found(request, kg, iri, media, reason=str(error))
    if not description.known:
        return not_found(request, kg, iri, media)
    return page(request, description, media, query=f"DESCRIBE <{iri}>",
                incoming_query=linked_data.incoming_query(iri))


@router.get("/ontology")
def ontology(request: Request, kg: Store) -> Response:
    """The ontology ``https://w3id.org/kzgraph/ontology#`` with every term ``…/ontology#Term``."""
    try:
        media = media_for(request, OFFERED)
    except NotAcceptable as error:
        return PlainTextResponse(str(error), status_code=406, headers=VARY)
    description = linked_data.describe_ontology(kg)
    if media != HTML:
        return rdf(description.graph, media)
    root, labels = root_of(request), description.labels
    terms: list[dict[str, object]] = []
    for iri in linked_data.ontology_terms(description):
        name = str(iri)[len(str(linked_data.KZ)):]
        terms.append({"anchor": name, "iri": str(iri), "title": best_label(labels.get(iri)) or name or "ontology",
                      "types": [term(t, labels, root) for t in _sorted_terms(description.graph.objects(iri, RDF.type))],
                      "rows": rows(description.graph, iri, labels, root)})
    return render(request, "ontology.html", headers=VARY, iri=str(linked_data.ONTOLOGY), terms=terms,
                  formats=FORMAT_LINKS)


@router.get("/graph/{path:path}")
def named_graph(request: Request, path: str, kg: Store) -> Response:
    """A named graph (one per source file, and ``graph/derived``): its triples, or a page listing its subjects."""
    iri = linked_data.iri_of_path("graph/" + path)
    try:
        media = media_for(request, OFFERED)
    except NotAcceptable as error:
        return PlainTextResponse(str(error), status_code=406, headers=VARY)
    try:
        description = linked_data.describe_graph(kg, iri)
    except NotAnIri as error:
        return not_found(request, kg, iri, media, reason=str(error))
    if not len(description.graph):
        return not_found(request, kg, iri, media, reason=f"The store has no named graph {iri}")
    if media != HTML:
        return rdf(description.graph, media)
    root = root_of(request)
    subjects = sorted({s for s in description.graph.subjects() if isinstance(s, URIRef)},
                      key=lambda s: (best_label(description.labels.get(s)) or str(s)).lower())
    return render(request, "graph.html", headers=VARY, iri=iri, triples=len(description.graph),
                  subjects=[term(s, description.labels, root) for s in subjects], formats=FORMAT_LINKS,
                  query=f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")


@router.get("/dataset")
def dataset(request: Request, kg: Store) -> Response:
    """The VoID description of the dataset (W3C VoID), as ``/void`` serves it."""
    return _void_resource(request, kg, stats.DATASET)


@router.get("/dataset/{path:path}")
def dataset_part(request: Request, path: str, kg: Store) -> Response:
    """A class or property partition of the VoID description."""
    return _void_resource(request, kg, linked_data.iri_of_path("dataset/" + path))


def _void_resource(request: Request, kg: Queryable, iri: str) -> Response:
    try:
        media = media_for(request, OFFERED)
    except NotAcceptable as error:
        return PlainTextResponse(str(error), status_code=406, headers=VARY)
    void = linked_data.bind_prefixes(served_void(request))
    whole = iri == stats.DATASET  # the dataset's page and RDF are the whole VoID description
    try:
        description = linked_data.describe_in(void, kg, iri, whole=whole)
    except NotAnIri as error:
        return not_found(request, kg, iri, media, reason=str(error))
    if not description.known:
        return not_found(request, kg, iri, media, reason=f"The VoID description has no resource {iri}")
    return page(request, description, media, inline=whole)

